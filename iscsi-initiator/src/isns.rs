//! An iSNS client (RFC 4171) over TCP: lists the targets an iSNS server shows to our node,
//! with their portal groups, and watches for state change notifications (SCN).
//!
//! Each operation opens its own connection, as open-iscsi and `isnsadm` do, and has a
//! deadline counted from the call that covers connecting, sending and every answer. The
//! codec is `iscsi_proto::isns`; whatever the server sends is checked by it and answers
//! that are not what was asked for are typed errors.
//!
//! ```no_run
//! # async fn demo() -> Result<(), iscsi_initiator::isns::IsnsClientError> {
//! use iscsi_initiator::isns::IsnsClient;
//! let client = IsnsClient::new("192.0.2.5", 3205, "iqn.2026-12.example:host");
//! for target in client.list_targets().await? {
//!     for pg in &target.portal_groups {
//!         println!("{pg} {}", target.name); // 192.0.2.10:3260,1 iqn...
//!     }
//! }
//! # Ok(()) }
//! ```

use std::{
    io,
    net::{IpAddr, SocketAddr},
    sync::{
        Arc,
        atomic::{AtomicU16, Ordering},
    },
    time::Duration,
};

use iscsi_proto::isns::{
    self as proto, FunctionId, IsnsError, IsnsLimits, Message, MessageAssembler, Status, Tag,
    TargetCollector,
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::mpsc,
    task::JoinHandle,
    time::{Instant, timeout_at},
};

pub use iscsi_proto::isns::{DEFAULT_PORT, IsnsPortalGroup, IsnsTarget, ScnEvent};

/// Largest PDU payload we send (requests are small; one PDU in practice).
const MAX_SEND_PAYLOAD: usize = 8192;

/// An iSNS operation failed.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
pub enum IsnsClientError {
    /// Connecting, sending or receiving failed.
    #[error("iSNS server {server}: {message}")]
    Io {
        /// `host:port`.
        server: String,
        /// The I/O error kind.
        kind: io::ErrorKind,
        /// The error in words.
        message: String,
    },
    /// The server closed the connection before answering.
    #[error("iSNS server {server} closed the connection before answering {function:?}")]
    Closed {
        /// `host:port`.
        server: String,
        /// What was asked.
        function: FunctionId,
    },
    /// The deadline passed (connecting or waiting for an answer).
    #[error("iSNS server {server} did not answer {function:?} within {timeout:?}")]
    Timeout {
        /// `host:port`.
        server: String,
        /// What was asked.
        function: FunctionId,
        /// The deadline.
        timeout: Duration,
    },
    /// The server sent bytes that are not valid iSNSP.
    #[error("iSNS server {server} sent malformed iSNSP: {error}")]
    Protocol {
        /// `host:port`.
        server: String,
        /// What is wrong.
        error: IsnsError,
    },
    /// The server answered with another function or transaction than the request's.
    #[error("iSNS server {server} answered {request:?} with {reply:?} (transaction {xid})")]
    UnexpectedReply {
        /// `host:port`.
        server: String,
        /// What was asked.
        request: FunctionId,
        /// What came back.
        reply: FunctionId,
        /// The answer's transaction ID.
        xid: u16,
    },
    /// The server refused the request.
    #[error("iSNS server {server} refused {function:?}: {status}")]
    Refused {
        /// `host:port`.
        server: String,
        /// What was asked.
        function: FunctionId,
        /// The status code.
        status: Status,
    },
    /// A name or argument we were given cannot be sent.
    #[error("invalid iSNS request: {0}")]
    Invalid(IsnsError),
}

/// A client for one iSNS server and one node name (the Source of every request).
#[derive(Debug)]
pub struct IsnsClient {
    host: String,
    port: u16,
    our_name: String,
    timeout: Duration,
    limits: IsnsLimits,
    register_if_needed: bool,
    xid: AtomicU16,
}

/// One TCP connection to the server and the messages read from it.
struct Conn {
    stream: TcpStream,
    assembler: MessageAssembler,
    server: String,
    timeout: Duration,
}

impl IsnsClient {
    /// A client of `host:port` (port 3205 is [`DEFAULT_PORT`]) for node `our_name`, with a
    /// 10-second deadline per operation, default limits, and registration of our node
    /// when the server requires it.
    pub fn new(host: impl Into<String>, port: u16, our_name: impl Into<String>) -> Self {
        Self {
            host: host.into(),
            port,
            our_name: our_name.into(),
            timeout: Duration::from_secs(10),
            limits: IsnsLimits::default(),
            register_if_needed: true,
            xid: AtomicU16::new(1),
        }
    }

    /// Sets the deadline of each operation.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the bounds on what is read from the server.
    #[must_use]
    pub fn with_limits(mut self, limits: IsnsLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Whether to register our node (DevAttrReg, then DevDereg after the query) when the
    /// server answers a query with "source unknown". Default on.
    #[must_use]
    pub fn with_registration_if_needed(mut self, on: bool) -> Self {
        self.register_if_needed = on;
        self
    }

    /// `host:port`.
    pub fn server(&self) -> String {
        if self.host.contains(':') && !self.host.starts_with('[') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    fn next_xid(&self) -> u16 {
        self.xid.fetch_add(1, Ordering::Relaxed)
    }

    fn invalid(error: IsnsError) -> IsnsClientError {
        IsnsClientError::Invalid(error)
    }

    async fn connect(
        &self,
        function: FunctionId,
        deadline: Instant,
    ) -> Result<Conn, IsnsClientError> {
        let server = self.server();
        let timeout = self.timeout;
        let stream = timeout_at(
            deadline,
            TcpStream::connect((self.host.trim_matches(['[', ']']), self.port)),
        )
        .await
        .map_err(|_| IsnsClientError::Timeout {
            server: server.clone(),
            function,
            timeout,
        })?
        .map_err(|e| io_error(&server, &e))?;
        let _ = stream.set_nodelay(true);
        Ok(Conn {
            stream,
            assembler: MessageAssembler::new(self.limits),
            server,
            timeout,
        })
    }

    /// Every target the server shows to our node, with their portal groups (one
    /// DevAttrQry keyed on Node Type = Target, RFC 4171 §5.6.5.2). If the server answers
    /// "source unknown" and registration is allowed, registers our node, asks again and
    /// deregisters. Targets without a portal group are included with none.
    ///
    /// # Errors
    ///
    /// [`IsnsClientError`]: connection, deadline, malformed answer, refusal.
    pub async fn list_targets(&self) -> Result<Vec<IsnsTarget>, IsnsClientError> {
        let deadline = Instant::now() + self.timeout;
        let mut conn = self.connect(FunctionId::DevAttrQry, deadline).await?;
        let query =
            proto::dev_attr_qry_targets(&self.our_name, self.next_xid()).map_err(Self::invalid)?;
        let reply = conn.transact(&query, deadline).await?;
        if status_of(&reply) == Status::SourceUnknown && self.register_if_needed {
            self.register_on(&mut conn, None, deadline).await?;
            let query = proto::dev_attr_qry_targets(&self.our_name, self.next_xid())
                .map_err(Self::invalid)?;
            let reply = conn.transact(&query, deadline).await;
            let dereg = proto::dev_dereg(&self.our_name, &self.our_name, self.next_xid())
                .map_err(Self::invalid)?;
            let _ = conn.transact(&dereg, deadline).await;
            return self.targets_of(&conn.server, &reply?);
        }
        self.targets_of(&conn.server, &reply)
    }

    /// The same listing by walking the server's storage nodes with DevGetNext (RFC 4171
    /// §5.6.5.3) and querying each one, for servers that do not take Node Type as a query
    /// key. Bounded by [`IsnsLimits::max_targets`] (four times, as initiators count too).
    ///
    /// # Errors
    ///
    /// As [`Self::list_targets`]; a server that returns a name twice is
    /// [`IsnsClientError::Protocol`].
    pub async fn list_targets_by_walk(&self) -> Result<Vec<IsnsTarget>, IsnsClientError> {
        let deadline = Instant::now() + self.timeout;
        let mut conn = self.connect(FunctionId::DevGetNext, deadline).await?;
        let mut collector = TargetCollector::new(self.limits);
        let mut last: Option<String> = None;
        let mut seen = std::collections::HashSet::new();
        let bound = self.limits.max_targets.saturating_mul(4).max(1);
        for _ in 0..=bound {
            let next = proto::dev_get_next(&self.our_name, last.as_deref(), self.next_xid())
                .map_err(Self::invalid)?;
            let reply = conn.transact(&next, deadline).await?;
            match status_of(&reply) {
                Status::NoSuchEntry => return Ok(collector.finish_targets()),
                Status::Success => {}
                status => return Err(refused(&conn.server, next.function, status)),
            }
            let name = reply
                .before_delimiter()
                .iter()
                .find(|a| a.tag == Tag::IscsiName)
                .ok_or_else(|| IsnsClientError::Protocol {
                    server: conn.server.clone(),
                    error: IsnsError::Malformed {
                        function: reply.function,
                        reason: "no iSCSI Name key in a DevGetNext answer",
                    },
                })?
                .as_str()
                .map_err(|error| protocol(&conn.server, error))?
                .to_owned();
            if !seen.insert(name.clone()) {
                return Err(protocol(
                    &conn.server,
                    IsnsError::Malformed {
                        function: reply.function,
                        reason: "DevGetNext returned a name twice",
                    },
                ));
            }
            let query = proto::dev_attr_qry_node(&self.our_name, &name, self.next_xid())
                .map_err(Self::invalid)?;
            let answer = conn.transact(&query, deadline).await?;
            match status_of(&answer) {
                Status::Success | Status::NoSuchEntry => collector
                    .push(&answer)
                    .map_err(|error| protocol(&conn.server, error))?,
                status => return Err(refused(&conn.server, query.function, status)),
            }
            last = Some(name);
        }
        Err(protocol(
            &conn.server,
            IsnsError::TooManyTargets {
                limit: self.limits.max_targets,
            },
        ))
    }

    fn targets_of(
        &self,
        server: &str,
        reply: &Message,
    ) -> Result<Vec<IsnsTarget>, IsnsClientError> {
        match status_of(reply) {
            Status::Success | Status::NoSuchEntry => {
                proto::parse_targets(reply, &self.limits).map_err(|error| protocol(server, error))
            }
            status => Err(refused(server, FunctionId::DevAttrQry, status)),
        }
    }

    async fn register_on(
        &self,
        conn: &mut Conn,
        portal: Option<(IpAddr, u16)>,
        deadline: Instant,
    ) -> Result<Message, IsnsClientError> {
        let mut reg =
            proto::dev_attr_reg_initiator(&self.our_name, &self.our_name, portal, self.next_xid())
                .map_err(Self::invalid)?;
        if portal.is_some() {
            // Replace (RFC 4171 §5.1.4): the portal of an earlier watch by this node (another
            // process, a crash) goes, so SCNs are sent to the listener that is live.
            reg.flags = reg.flags.with(proto::Flags::REPLACE);
        }
        let reply = conn.transact(&reg, deadline).await?;
        match status_of(&reply) {
            Status::Success => Ok(reply),
            status => Err(refused(&conn.server, reg.function, status)),
        }
    }

    /// Registers our node with a portal whose SCN port is a listener of ours, registers for
    /// SCNs with `bitmap` (`iscsi_proto::isns::scn`; RFC 4171 §5.6.5.5) and returns the
    /// watch: each SCN the server delivers is answered and its events come out of
    /// [`IsnsWatch::next`]. The registration replaces any earlier one of our node (flag
    /// Replace), so only the latest watch of a node name receives SCNs. The registration is refreshed at half the registration period
    /// the server grants. [`IsnsWatch::close`] deregisters.
    ///
    /// # Errors
    ///
    /// [`IsnsClientError`] of the connection, registration or SCNReg.
    pub async fn watch(self: &Arc<Self>, bitmap: u32) -> Result<IsnsWatch, IsnsClientError> {
        let deadline = Instant::now() + self.timeout;
        let mut conn = self.connect(FunctionId::DevAttrReg, deadline).await?;
        let local = conn
            .stream
            .local_addr()
            .map_err(|e| io_error(&conn.server, &e))?;
        let listener = TcpListener::bind(SocketAddr::new(local.ip(), 0))
            .await
            .map_err(|e| io_error(&conn.server, &e))?;
        let scn_port = listener
            .local_addr()
            .map_err(|e| io_error(&conn.server, &e))?
            .port();
        let portal = Some((local.ip(), scn_port));
        let reply = self.register_on(&mut conn, portal, deadline).await?;
        let period = reply
            .operating()
            .iter()
            .find(|a| a.tag == Tag::RegistrationPeriod)
            .and_then(|a| a.as_u32().ok())
            .filter(|&p| p >= 2)
            .map_or(Duration::from_secs(300), |p| {
                Duration::from_secs(u64::from(p))
            });
        let scn = proto::scn_reg(&self.our_name, bitmap, self.next_xid()).map_err(Self::invalid)?;
        let reply = conn.transact(&scn, deadline).await?;
        match status_of(&reply) {
            Status::Success => {}
            status => return Err(refused(&conn.server, scn.function, status)),
        }
        drop(conn);
        let (tx, rx) = mpsc::channel(256);
        let accept = tokio::spawn(accept_scns(
            listener,
            self.our_name.clone(),
            self.limits,
            tx,
        ));
        let client = Arc::clone(self);
        let refresh = tokio::spawn(async move {
            loop {
                tokio::time::sleep(period / 2).await;
                let deadline = Instant::now() + client.timeout;
                if let Ok(mut conn) = client.connect(FunctionId::DevAttrReg, deadline).await {
                    if client
                        .register_on(&mut conn, portal, deadline)
                        .await
                        .is_ok()
                    {
                        if let Ok(scn) = proto::scn_reg(&client.our_name, bitmap, client.next_xid())
                        {
                            let _ = conn.transact(&scn, deadline).await;
                        }
                    }
                }
            }
        });
        Ok(IsnsWatch {
            client: Arc::clone(self),
            events: rx,
            accept,
            refresh,
        })
    }

    /// Deregisters our node (DevDereg of the entity we register as, RFC 4171 §5.6.5.4).
    ///
    /// # Errors
    ///
    /// [`IsnsClientError`] of the connection or the request.
    pub async fn deregister(&self) -> Result<(), IsnsClientError> {
        let deadline = Instant::now() + self.timeout;
        let mut conn = self.connect(FunctionId::DevDereg, deadline).await?;
        let dereg = proto::dev_dereg(&self.our_name, &self.our_name, self.next_xid())
            .map_err(Self::invalid)?;
        let reply = conn.transact(&dereg, deadline).await?;
        match status_of(&reply) {
            Status::Success | Status::NoSuchEntry => Ok(()),
            status => Err(refused(&conn.server, dereg.function, status)),
        }
    }
}

/// State change notifications from an iSNS server ([`IsnsClient::watch`]).
#[derive(Debug)]
pub struct IsnsWatch {
    client: Arc<IsnsClient>,
    events: mpsc::Receiver<ScnEvent>,
    accept: JoinHandle<()>,
    refresh: JoinHandle<()>,
}

impl IsnsWatch {
    /// The next change reported, `None` when the listener ended.
    pub async fn next(&mut self) -> Option<ScnEvent> {
        self.events.recv().await
    }

    /// Stops listening and deregisters our node.
    ///
    /// # Errors
    ///
    /// As [`IsnsClient::deregister`].
    pub async fn close(self) -> Result<(), IsnsClientError> {
        self.accept.abort();
        self.refresh.abort();
        self.client.deregister().await
    }
}

impl Drop for IsnsWatch {
    fn drop(&mut self) {
        self.accept.abort();
        self.refresh.abort();
    }
}

/// Accepts the server's SCN connections; answers each SCN and forwards its events.
async fn accept_scns(
    listener: TcpListener,
    our_name: String,
    limits: IsnsLimits,
    tx: mpsc::Sender<ScnEvent>,
) {
    // The connections' tasks end with this one (the set aborts them when dropped).
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            return;
        };
        while connections.try_join_next().is_some() {}
        let tx = tx.clone();
        let our_name = our_name.clone();
        connections.spawn(async move {
            let mut conn = Conn {
                stream,
                assembler: MessageAssembler::new(limits),
                server: peer.to_string(),
                timeout: Duration::from_secs(30),
            };
            // A connection the server leaves idle is closed after a while; SCNs come again
            // on a new one.
            while let Ok(Ok(message)) =
                tokio::time::timeout(Duration::from_secs(600), conn.receive()).await
            {
                if message.function != FunctionId::Scn {
                    tracing::debug!(function = ?message.function, "iSNS: ignored message on the SCN port");
                    continue;
                }
                let Ok(events) = proto::parse_scn(&message) else {
                    tracing::debug!("iSNS: malformed SCN ignored");
                    continue;
                };
                if let Ok(answer) = proto::scn_response(&our_name, message.xid) {
                    if conn.send(&answer).await.is_err() {
                        return;
                    }
                }
                for event in events {
                    if tx.send(event).await.is_err() {
                        return;
                    }
                }
            }
        });
    }
}

impl Conn {
    async fn send(&mut self, message: &Message) -> Result<(), IsnsClientError> {
        let bytes = message.encode(MAX_SEND_PAYLOAD);
        self.stream
            .write_all(&bytes)
            .await
            .map_err(|e| io_error(&self.server, &e))
    }

    /// The next message, however many reads it takes.
    async fn receive(&mut self) -> Result<Message, IsnsClientError> {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            if let Some(message) = self
                .assembler
                .next_message()
                .map_err(|error| protocol(&self.server, error))?
            {
                return Ok(message);
            }
            let n = self
                .stream
                .read(&mut buf)
                .await
                .map_err(|e| io_error(&self.server, &e))?;
            if n == 0 {
                return Err(IsnsClientError::Closed {
                    server: self.server.clone(),
                    function: FunctionId::Unknown(0),
                });
            }
            self.assembler.push(buf.get(..n).unwrap_or_default());
        }
    }

    /// Sends `request` and waits for its answer (same transaction, function | 0x8000) by
    /// `deadline`. Server-initiated messages on the connection (SCN, ESI) are skipped.
    async fn transact(
        &mut self,
        request: &Message,
        deadline: Instant,
    ) -> Result<Message, IsnsClientError> {
        let server = self.server.clone();
        let timeout = self.timeout;
        let timed_out = || IsnsClientError::Timeout {
            server: server.clone(),
            function: request.function,
            timeout,
        };
        timeout_at(deadline, self.send(request))
            .await
            .map_err(|_| timed_out())??;
        loop {
            let message = match timeout_at(deadline, self.receive()).await {
                Err(_) => return Err(timed_out()),
                Ok(Err(IsnsClientError::Closed { server, .. })) => {
                    return Err(IsnsClientError::Closed {
                        server,
                        function: request.function,
                    });
                }
                Ok(other) => other?,
            };
            if !message.function.is_response() {
                continue;
            }
            if message.function != request.function.response() || message.xid != request.xid {
                return Err(IsnsClientError::UnexpectedReply {
                    server: self.server.clone(),
                    request: request.function,
                    reply: message.function,
                    xid: message.xid,
                });
            }
            return Ok(message);
        }
    }
}

fn io_error(server: &str, error: &io::Error) -> IsnsClientError {
    IsnsClientError::Io {
        server: server.to_owned(),
        kind: error.kind(),
        message: error.to_string(),
    }
}

fn protocol(server: &str, error: IsnsError) -> IsnsClientError {
    IsnsClientError::Protocol {
        server: server.to_owned(),
        error,
    }
}

fn refused(server: &str, function: FunctionId, status: Status) -> IsnsClientError {
    IsnsClientError::Refused {
        server: server.to_owned(),
        function,
        status,
    }
}

/// A response's status ([`Message::decode_payload`] gives every response one).
fn status_of(message: &Message) -> Status {
    message.status.unwrap_or(Status::UnknownError)
}
