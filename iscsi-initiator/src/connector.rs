//! Connecting and logging in: TCP connect, then the sans-IO login machine driven over the
//! socket, following redirects and the CHAP MD5-only retry.

use std::sync::Arc;

use bytes::BytesMut;
use iscsi_proto::{
    discovery::TargetAddress,
    framing::{Frame, Framer, Limits},
    login::{Login, LoginConfig, LoginError, LoginProgress, MAX_REDIRECTS},
    negotiation::{NegotiatedParams, OperationalConfig},
    session::Session as ProtoSession,
    wire::{Isid, Pdu},
};
use rand::{SeedableRng, rngs::StdRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tracing::{debug, info};

use crate::{
    Error, InitiatorConfig, LoginFailure, TimeoutKind,
    driver::Connection,
    transport::{self, Dialer, TransportRead},
};

/// Knows how to (re)establish one session's connection.
#[derive(Debug)]
pub(crate) struct Connector {
    config: Arc<InitiatorConfig>,
    dialer: Arc<dyn Dialer>,
    portal: TargetAddress,
    /// `None` for a discovery session.
    target: Option<String>,
    isid: Isid,
}

impl Connector {
    pub(crate) fn new(
        config: Arc<InitiatorConfig>,
        dialer: Arc<dyn Dialer>,
        portal: TargetAddress,
        target: Option<String>,
        isid: Isid,
    ) -> Self {
        Self {
            config,
            dialer,
            portal,
            target,
            isid,
        }
    }

    /// Whether this is a discovery session (no target name).
    pub(crate) fn is_discovery(&self) -> bool {
        self.target.is_none()
    }

    pub(crate) fn config(&self) -> &InitiatorConfig {
        &self.config
    }

    pub(crate) fn target_label(&self) -> String {
        self.target
            .clone()
            .unwrap_or_else(|| format!("discovery@{}", self.portal))
    }

    /// Connects and logs in (a new session: TSIH 0).
    pub(crate) async fn establish(&self) -> Result<(Connection, NegotiatedParams), Error> {
        let login = async {
            let mut portal = self.portal.clone();
            let mut md5_only = false;
            for _ in 0..=MAX_REDIRECTS {
                match self.attempt(&portal, md5_only).await {
                    Ok(done) => return Ok(done),
                    Err(Attempt::Redirect(to)) => {
                        info!(%to, "login redirected");
                        // A redirect names an address (RFC 7143 §13.8); any portal group
                        // tag in it is not part of where to connect.
                        portal = TargetAddress { tpgt: None, ..to };
                    }
                    Err(Attempt::RetryMd5Only) if !md5_only => {
                        info!("target refused the CHAP algorithm list; retrying with MD5 only");
                        md5_only = true;
                    }
                    Err(Attempt::RetryMd5Only) => {
                        return Err(
                            self.login_error(LoginFailure::Authentication("CHAP_A refused".into()))
                        );
                    }
                    Err(Attempt::Failed(e)) => return Err(e),
                }
            }
            Err(self.login_error(LoginFailure::TooManyRedirects))
        };
        tokio::time::timeout(self.config.login_timeout, login)
            .await
            .map_err(|_| Error::Timeout(TimeoutKind::Login))?
    }

    /// Logs in again after a failure: the same ISID with TSIH 0 is a session
    /// reinstatement (RFC 7143 §6.3.5), which also clears the old session at the target.
    pub(crate) async fn establish_reinstatement(&self) -> Result<Connection, Error> {
        self.establish().await.map(|(conn, _)| conn)
    }

    /// One TCP connection and one login on it.
    async fn attempt(
        &self,
        portal: &TargetAddress,
        md5_only: bool,
    ) -> Result<(Connection, NegotiatedParams), Attempt> {
        let mut stream = transport::connect(&*self.dialer, portal, self.config.connect_timeout)
            .await
            .map_err(Attempt::Failed)?;
        let mut login_config = LoginConfig::new(self.operational(), self.isid);
        if let Some(creds) = &self.config.credentials {
            let mut chap = creds.chap_config();
            if md5_only {
                chap = chap.with_algorithms(iscsi_proto::auth::AlgorithmList::md5_only());
            }
            login_config = login_config.with_chap(chap);
        }
        let mut login =
            Login::new(login_config).map_err(|e| Attempt::Failed(self.map_login_error(&e)))?;
        // Login PDUs carry no digests; accept answers up to the length we declare.
        let limits = Limits {
            max_recv_data_segment_length: self.config.max_recv_data_segment_length.max(8192),
            max_send_data_segment_length: 8192,
        };
        let mut framer = Framer::new(limits);
        let mut rbuf = BytesMut::with_capacity(16 * 1024);
        let mut wbuf = BytesMut::with_capacity(16 * 1024);
        let mut rng = StdRng::from_os_rng();
        loop {
            while let Some(pdu) = login.poll_transmit() {
                wbuf.clear();
                framer
                    .encode(&pdu, &mut wbuf)
                    .map_err(|e| Attempt::Failed(Error::Invalid(e.to_string())))?;
                stream
                    .write
                    .write_all(&wbuf)
                    .await
                    .map_err(|e| Attempt::Failed(self.lost(&e)))?;
            }
            let pdu = read_pdu(&mut stream.read, &mut framer, &mut rbuf)
                .await
                .map_err(|reason| Attempt::Failed(self.login_error(reason)))?;
            match login.handle_response(pdu, &mut rng) {
                Ok(LoginProgress::Continue) => {}
                Ok(LoginProgress::Complete(outcome)) => {
                    debug!(rounds = outcome.rounds, tsih = ?outcome.start.tsih, "logged in");
                    let mut session_config = outcome.session_config();
                    session_config.nop_interval = self.config.nop_interval;
                    session_config.nop_timeout = self.config.nop_timeout;
                    session_config.max_tasks = self.config.max_tasks;
                    let session = ProtoSession::new(session_config, outcome.start, now());
                    return Ok((
                        Connection {
                            session,
                            reader: stream.read,
                            writer: Some(stream.write),
                            leftover: rbuf,
                        },
                        outcome.params,
                    ));
                }
                Err(LoginError::Redirect { address, .. }) => {
                    return Err(Attempt::Redirect(address));
                }
                Err(LoginError::ChapAlgorithmsRefused { .. }) => return Err(Attempt::RetryMd5Only),
                Err(e) => return Err(Attempt::Failed(self.map_login_error(&e))),
            }
        }
    }

    fn operational(&self) -> OperationalConfig {
        let c = &self.config;
        let mut op = match &self.target {
            Some(t) => OperationalConfig::normal(c.name.clone(), t.clone()),
            None => OperationalConfig::discovery(c.name.clone()),
        };
        op.initiator_alias = c.alias.clone();
        if self.target.is_some() {
            op.header_digest = c.header_digest.clone();
            op.data_digest = c.data_digest.clone();
        }
        op.max_recv_data_segment_length = c.max_recv_data_segment_length;
        op.max_burst_length = c.max_burst_length;
        op.first_burst_length = c.first_burst_length.min(c.max_burst_length);
        op.immediate_data = c.immediate_data;
        op.initial_r2t = c.initial_r2t;
        op.max_outstanding_r2t = c.max_outstanding_r2t;
        op
    }

    fn login_error(&self, reason: LoginFailure) -> Error {
        Error::Login {
            target: self.target_label(),
            reason,
        }
    }

    fn map_login_error(&self, e: &LoginError) -> Error {
        use iscsi_proto::wire::LoginStatus;
        let reason = match e {
            LoginError::Auth(a) => LoginFailure::Authentication(a.to_string()),
            LoginError::TargetNotAuthenticated => LoginFailure::Authentication(e.to_string()),
            LoginError::Status(LoginStatus::AuthenticationFailure) => LoginFailure::Authentication(
                "the target refused our credentials (status 0x0201)".into(),
            ),
            // RFC 7143 §11.13.5, in words: "target error: service unavailable (0x0301)".
            LoginError::Status(status) => LoginFailure::Refused(status.to_string()),
            other => LoginFailure::Other(other.to_string()),
        };
        self.login_error(reason)
    }

    fn lost(&self, e: &std::io::Error) -> Error {
        self.login_error(LoginFailure::Other(format!(
            "connection lost during login: {e}"
        )))
    }
}

/// Why one login attempt did not produce a session.
enum Attempt {
    Redirect(TargetAddress),
    RetryMd5Only,
    Failed(Error),
}

/// Reads until one whole login-phase PDU is framed. Every failure is a login failure: the
/// caller names the target.
async fn read_pdu(
    stream: &mut TransportRead,
    framer: &mut Framer,
    rbuf: &mut BytesMut,
) -> Result<Pdu, LoginFailure> {
    loop {
        match framer.decode(rbuf) {
            Ok(Some(Frame::Pdu(pdu))) => return Ok(pdu),
            // Login PDUs carry no digests (RFC 7143 §13.1); the framer has none on.
            Ok(Some(Frame::DataDigestError { .. })) => {
                return Err(LoginFailure::Protocol(
                    "data digest error on a login PDU".into(),
                ));
            }
            Ok(None) => {}
            Err(e) => {
                return Err(LoginFailure::Protocol(format!(
                    "the target sent bytes that are not a login PDU: {e}"
                )));
            }
        }
        let n = stream
            .read_buf(rbuf)
            .await
            .map_err(|e| LoginFailure::Other(format!("connection lost during login: {e}")))?;
        if n == 0 {
            return Err(LoginFailure::Other(
                "the target closed the connection during login".into(),
            ));
        }
    }
}

fn now() -> std::time::Instant {
    tokio::time::Instant::now().into_std()
}
