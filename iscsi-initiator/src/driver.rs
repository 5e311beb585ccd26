//! The connection driver: one tokio task per session that owns the proto [`Session`] and is
//! the only code calling its `handle_*`/`poll_*` methods.
//!
//! [`Driver::drive`] runs one connection as a loop of named steps, like quinn's connection
//! driver: [`Driver::flush`] (encode what the session wants to send and hand it to the
//! writer task), [`Driver::drain_events`] (deliver every session event to its waiter or to
//! the session's subscribers; stop on a failure or a logout), [`Driver::logout_if_idle`]
//! (when every handle is gone), [`Driver::next_deadline`] (arm the one timer), then wait for
//! the first of: bytes from the transport, a command from a [`crate::Session`] handle (only
//! while the session can take one: the bounded channel plus the CmdSN window are the
//! back-pressure), or the deadline ([`Driver::on_timer`]).
//!
//! Writes that the socket does not take at once go to a separate writer task, so a large
//! write never stops the driver from reading (two peers that both block on writing would
//! deadlock). While nothing is queued for that task the driver writes itself, without
//! waiting ([`Outbox`]): at low queue depth a command then costs no task hop on the way
//! out. What is queued is bounded by the commands in flight: data segments are slices of
//! the callers' buffers.
//!
//! # Deadlines
//!
//! Every request carries the deadline its caller's handle computed when it was submitted
//! (the handle also stops waiting at that instant, so a request stuck in the queue while
//! the driver reconnects is bounded too). When a deadline passes:
//!
//! - a SCSI command is aborted at the target (ABORT TASK, RFC 7143 §11.5) and its caller
//!   gets [`TimeoutKind::Command`]; the ABORT TASK has a deadline of its own;
//! - a Text request, ping or task management function that was never answered holds its
//!   ITT (and, for Text, the session's one exchange) for the rest of the connection; at
//!   ERL 0 the only way to release it is to drop the connection and recover the session
//!   (§7.1.5), which the driver does;
//! - an unanswered Logout closes the connection and ends the session (§11.14: the
//!   initiator may close the connection when no answer comes).
//!
//! A deadline that has fired is never armed again: the session moves its own timers past
//! `now` when they run, and the driver counts its timer wake-ups
//! ([`crate::SessionStats::timer_wakeups`]) so tests can check that they are bounded.
//!
//! # Recovery
//!
//! On a connection failure the driver keeps the unfinished SCSI commands and decides
//! whether the session goes on ([`Driver::recover`]); the connector logs in again with the
//! same ISID and TSIH 0 (session reinstatement, §6.3.5), with back-off, and the driver
//! replays the commands. The reconnect budget (`reconnect_timeout`) covers one failure
//! *episode*: it starts at the first failure after a connection that worked (a task
//! completed on it, or it lived longer than the budget) and is not renewed by logins that
//! fail again at once. A protocol violation is deterministic, so it is retried at most once:
//! the command it concerned fails with [`Error::Protocol`] when it meets a violation again,
//! and a violation no command can be blamed for (bytes that are no PDU, an unknown ITT, a
//! flood) ends the session when it recurs within the episode. Commands that cannot be
//! replayed fail with the reason; a write is never reported done unless the target
//! acknowledged every byte of it.
//!
//! [`Session`]: iscsi_proto::session::Session

use std::{
    collections::HashMap,
    io::IoSlice,
    pin::Pin,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicUsize, Ordering},
    },
    task::{Context, Poll, Waker},
    time::{Duration, Instant, SystemTime},
};

use bytes::{Buf, Bytes, BytesMut};
use iscsi_proto::{
    scsi::{ScsiStatus, SenseData, SenseKey},
    session::{
        ApiMisuse, ConnectionCounters, Event, FailureReason, ProtocolError, ScsiOutcome,
        ScsiRequest, Session as ProtoSession, SessionState, TaskError, TaskId,
    },
    wire::{DecodeError, Lun, ScsiResponseCode, TmfFunction, TmfResponse},
};
use tokio::{
    io::AsyncWrite,
    sync::{mpsc, oneshot},
};
use tracing::{Instrument, debug, info, warn};

use crate::{
    ConnectionLoss, Error, SessionEvent, SessionPhase, TimeoutKind,
    connector::{Connector, LoginInfo},
    recv_buf::RecvBuffer,
    session::{AtomicStats, Shared},
    transport::{TransportRead, TransportWrite},
};

/// The result of a SCSI command: the status and the data read.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ScsiResult {
    /// Status, sense and residuals.
    pub outcome: ScsiOutcome,
    /// The bytes read (empty for commands that read nothing).
    pub data: Bytes,
}

/// Where a request's answer goes.
pub(crate) type Reply<T> = oneshot::Sender<Result<T, Error>>;

/// What the command channel carries (see [`Command`]).
pub(crate) type Queued = Box<Command>;

/// A request from a session handle to the driver, with the deadline its handle computed
/// when the caller submitted it.
///
/// It travels boxed ([`Queued`]): the command channel's blocks hold 32 slots each and stay
/// allocated for reuse, and a slot of the unboxed enum is about 100 bytes, so a session
/// that has moved a few dozen commands kept two 3.3 KiB blocks resident (measured with
/// `iscsi-scale`); boxed, a slot is one pointer.
#[derive(Debug)]
pub(crate) enum Command {
    Scsi {
        request: ScsiRequest,
        deadline: Instant,
        reply: Reply<ScsiResult>,
    },
    Text {
        text: Bytes,
        deadline: Instant,
        reply: Reply<Bytes>,
    },
    Ping {
        data: Bytes,
        deadline: Instant,
        reply: Reply<Bytes>,
    },
    Tmf {
        function: TmfFunction,
        lun: Lun,
        deadline: Instant,
        reply: Reply<TmfResponse>,
    },
    Logout {
        deadline: Instant,
        reply: Reply<()>,
    },
}

impl Command {
    fn deadline(&self) -> Instant {
        match self {
            Self::Scsi { deadline, .. }
            | Self::Text { deadline, .. }
            | Self::Ping { deadline, .. }
            | Self::Tmf { deadline, .. }
            | Self::Logout { deadline, .. } => *deadline,
        }
    }

    /// Whether the caller stopped waiting (its deadline passed or it was cancelled).
    fn abandoned(&self) -> bool {
        match self {
            Self::Scsi { reply, .. } => reply.is_closed(),
            Self::Text { reply, .. } | Self::Ping { reply, .. } => reply.is_closed(),
            Self::Tmf { reply, .. } => reply.is_closed(),
            Self::Logout { reply, .. } => reply.is_closed(),
        }
    }

    /// Splits the command into its request and its waiter.
    fn into_waiter(self, now: Instant) -> (Request, Waiter) {
        match self {
            Self::Scsi { request, reply, .. } => {
                let waiter = Waiter::Scsi {
                    reply,
                    data: ReadBuffer::for_request(&request),
                    strikes: 0,
                    lun: request.lun,
                    started: now,
                    write_len: request.write_data.len() as u64,
                };
                (Request::Scsi(request), waiter)
            }
            Self::Text { text, reply, .. } => (Request::Text(text), Waiter::Text(reply)),
            Self::Ping { data, reply, .. } => (Request::Ping(data), Waiter::Ping(reply)),
            Self::Tmf {
                function,
                lun,
                reply,
                ..
            } => (Request::Tmf(function, lun), Waiter::Tmf(Some(reply))),
            Self::Logout { reply, .. } => (Request::Logout, Waiter::Logout(Some(reply))),
        }
    }
}

/// What a command asks the session to do.
enum Request {
    Scsi(ScsiRequest),
    Text(Bytes),
    Ping(Bytes),
    Tmf(TmfFunction, Lun),
    Logout,
}

/// A task the driver waits on, and until when.
#[derive(Debug)]
struct Pending {
    deadline: Instant,
    waiter: Waiter,
}

/// Who is told when a task ends.
#[derive(Debug)]
enum Waiter {
    Scsi {
        reply: Reply<ScsiResult>,
        data: ReadBuffer,
        /// Protocol violations this command has met (it is retried after the first).
        strikes: u8,
        /// Its LU, for unit attention events.
        lun: Lun,
        /// When the driver took it, for the latency statistics.
        started: Instant,
        /// Bytes it writes, for the statistics.
        write_len: u64,
    },
    Text(Reply<Bytes>),
    Ping(Reply<Bytes>),
    /// `None` for the ABORT TASK the driver sends for a command past its deadline.
    Tmf(Option<Reply<TmfResponse>>),
    /// `None` for the logout the driver sends when the last handle is dropped.
    Logout(Option<Reply<()>>),
    /// A SCSI command past its deadline: its caller was told, its ABORT TASK is out.
    Abandoned,
}

impl Waiter {
    fn fail(self, error: &Error) {
        match self {
            Self::Scsi { reply, .. } => {
                let _ = reply.send(Err(error.clone()));
            }
            Self::Text(reply) | Self::Ping(reply) => {
                let _ = reply.send(Err(error.clone()));
            }
            Self::Tmf(Some(reply)) => {
                let _ = reply.send(Err(error.clone()));
            }
            Self::Logout(Some(reply)) => {
                let _ = reply.send(Err(error.clone()));
            }
            Self::Tmf(None) | Self::Logout(None) | Self::Abandoned => {}
        }
    }

    /// The timeout its caller gets when its deadline passes.
    fn timeout_kind(&self) -> TimeoutKind {
        match self {
            Self::Scsi { .. } | Self::Abandoned => TimeoutKind::Command,
            Self::Text(_) => TimeoutKind::Text,
            Self::Ping(_) => TimeoutKind::Ping,
            Self::Tmf(_) => TimeoutKind::TaskManagement,
            Self::Logout(_) => TimeoutKind::Logout,
        }
    }
}

/// Why a connection ended, as the driver saw it: the public [`ConnectionLoss`] and, for a
/// protocol violation, the task it concerned.
#[derive(Clone, Copy, Debug)]
struct Cause {
    loss: ConnectionLoss,
    culprit: Option<TaskId>,
}

impl Cause {
    fn new(loss: ConnectionLoss) -> Self {
        Self {
            loss,
            culprit: None,
        }
    }

    /// The error for requests that cannot outlive the connection.
    fn error(&self) -> Error {
        match self.loss {
            ConnectionLoss::Protocol(error) => Error::Protocol(error),
            other => Error::ConnectionLost(other),
        }
    }
}

/// Read data shorter than this is copied out of the receive chunk (see [`ReadBuffer`]).
const COPY_BELOW: usize = 2048;
/// Capacity of the buffer PDUs are encoded into before they go to the writer task.
const TX_BUF: usize = 64 * 1024;

/// Read data gathered for one command. A read that arrives in one Data-In PDU (the usual
/// case: we declare a 256 KiB MaxRecvDataSegmentLength) is handed over without copying, as
/// a slice of the receive chunk (see `recv_buf`), unless it is shorter than
/// [`COPY_BELOW`]; a second PDU starts a contiguous copy.
#[derive(Debug)]
enum ReadBuffer {
    /// Nothing yet; the expected length, to size a copy.
    Empty(usize),
    /// One chunk so far, and the expected length.
    One(Bytes, usize),
    Many(BytesMut),
}

impl ReadBuffer {
    fn len(&self) -> usize {
        match self {
            Self::Empty(_) => 0,
            Self::One(b, _) => b.len(),
            Self::Many(b) => b.len(),
        }
    }

    fn push(&mut self, data: Bytes) {
        *self = match std::mem::replace(self, Self::Empty(0)) {
            // A short answer (INQUIRY, READ CAPACITY, sense...) is copied, so a caller that
            // keeps it does not pin the whole receive chunk it arrived in.
            Self::Empty(expected) if data.len() < COPY_BELOW => {
                Self::One(Bytes::copy_from_slice(&data), expected)
            }
            Self::Empty(expected) => Self::One(data, expected),
            Self::One(first, expected) => {
                let mut all = BytesMut::with_capacity(expected.max(first.len() + data.len()));
                all.extend_from_slice(&first);
                all.extend_from_slice(&data);
                Self::Many(all)
            }
            Self::Many(mut all) => {
                all.extend_from_slice(&data);
                Self::Many(all)
            }
        };
    }

    fn freeze(self) -> Bytes {
        match self {
            Self::Empty(_) => Bytes::new(),
            Self::One(b, _) => b,
            Self::Many(b) => b.freeze(),
        }
    }
}

impl ReadBuffer {
    /// An empty buffer for a request's read data.
    fn for_request(request: &ScsiRequest) -> Self {
        Self::Empty((request.read_length as usize).min(64 << 20))
    }
}

/// One logged-in connection.
pub(crate) struct Connection {
    pub(crate) session: ProtoSession,
    pub(crate) reader: TransportRead,
    /// Taken by the writer task when the connection is driven.
    pub(crate) writer: Option<TransportWrite>,
    /// Bytes read during login beyond the final Login Response.
    pub(crate) leftover: BytesMut,
    /// What the login established.
    pub(crate) info: LoginInfo,
}

/// A SCSI command of a failed connection, to submit again on the next one.
struct Replay {
    /// Its task on the failed connection (to match the culprit of a violation).
    id: TaskId,
    request: ScsiRequest,
    pending: Pending,
}

/// How driving one connection ended.
enum DriveEnd {
    /// The session is over (logged out, or its logout went unanswered).
    Closed,
    /// The connection failed (or the target logged us out); the session may go on.
    Failed {
        replay: Vec<Replay>,
        /// Wait at least this long before logging in again.
        wait: Duration,
        cause: Cause,
        /// Whether the connection worked: a task completed on it, or it lived longer than
        /// the reconnect budget.
        worked: bool,
    },
}

/// A run of failures with no working connection in between.
#[derive(Clone, Copy, Debug)]
struct Episode {
    /// The first failure: the reconnect budget counts from here.
    started: Instant,
    /// Failures caused by protocol violations no command could be blamed for.
    anonymous_violations: u32,
}

/// The per-connection state of [`Driver::drive`] that its steps share.
struct Drive {
    established: Instant,
    /// The connection's one timer: the deadline it is armed for (None: disarmed) and the
    /// instant it last fired. A deadline at or before that one is never armed again.
    armed: Option<Instant>,
    fired: Option<Instant>,
    /// How long to wait before reconnecting when the target said so (AsyncEvent 2/3
    /// Parameter2, or a Logout Response's Time2Wait).
    drop_wait: Option<Duration>,
    /// The statistics of earlier connections' PDUs are in `Shared`; this connection's last
    /// published counters, to add only what is new.
    published: ConnectionCounters,
    /// The snapshot already says the session is logging out.
    logging_out: bool,
}

pub(crate) struct Driver {
    connector: Arc<Connector>,
    commands: mpsc::Receiver<Queued>,
    shared: Arc<Shared>,
    pending: HashMap<TaskId, Pending>,
    /// No pending task has a deadline before this (None: none has one). It may be earlier
    /// than the true earliest deadline (the task holding it may have finished): reaching it
    /// then costs one scan that sets it right. That keeps the loop free of a scan over
    /// every pending task per PDU.
    next_deadline: Option<Instant>,
    /// Set when every handle is gone or a logout was asked for.
    closing: bool,
    /// Set when the driver drops the connection because a request went unanswered.
    unanswered: Option<TimeoutKind>,
    /// A task completed on the current connection.
    progressed: bool,
    episode: Option<Episode>,
}

impl Driver {
    pub(crate) fn new(
        connector: Arc<Connector>,
        commands: mpsc::Receiver<Queued>,
        shared: Arc<Shared>,
    ) -> Self {
        Self {
            connector,
            commands,
            shared,
            pending: HashMap::new(),
            next_deadline: None,
            closing: false,
            unanswered: None,
            progressed: false,
            episode: None,
        }
    }

    fn stats(&self) -> &AtomicStats {
        &self.shared.stats
    }

    /// Runs until the session is logged out, every handle is dropped, or recovery fails.
    pub(crate) async fn run(mut self, mut conn: Connection) {
        let span = tracing::info_span!("iscsi", session = %self.shared.id, target = %self.connector.target_label(), isid = %conn.session.start().isid);
        async move {
            let terminal = loop {
                match self.drive(&mut conn).await {
                    DriveEnd::Closed => break None,
                    DriveEnd::Failed {
                        replay,
                        wait,
                        cause,
                        worked,
                    } => match self.recover(replay, wait, cause, worked).await {
                        Ok(next) => conn = next,
                        Err(terminal) => break terminal,
                    },
                }
            };
            let error = terminal.unwrap_or(Error::SessionClosed);
            if error != Error::SessionClosed {
                warn!(%error, "session ended");
            }
            self.fail_all(&error);
            // Later calls on any handle get this error, not a bare "closed".
            self.shared.close(error.clone());
            self.commands.close();
            while let Some(cmd) = self.commands.recv().await {
                cmd.into_waiter(clock()).1.fail(&error);
            }
        }
        .instrument(span)
        .await;
    }

    /// Drives one connection until it fails or the session ends.
    async fn drive(&mut self, conn: &mut Connection) -> DriveEnd {
        let mut d = Drive {
            established: clock(),
            armed: None,
            fired: None,
            drop_wait: None,
            published: ConnectionCounters::default(),
            logging_out: false,
        };
        self.progressed = false;
        self.unanswered = None;
        self.on_logged_in(conn);
        let (write_tx, write_rx) = mpsc::unbounded_channel::<Vec<Bytes>>();
        let Some(writer) = conn.writer.take() else {
            // A connection is driven once; a second call has nothing to write with.
            return DriveEnd::Failed {
                replay: Vec::new(),
                wait: Duration::ZERO,
                cause: Cause::new(ConnectionLoss::Transport),
                worked: false,
            };
        };
        let outbox = Arc::new(Outbox {
            writer: Mutex::new(writer),
            queued: AtomicUsize::new(0),
        });
        let mut writer_task = tokio::spawn(write_loop(
            Arc::clone(&outbox),
            write_rx,
            Arc::clone(&self.shared),
        ));
        let mut recv = RecvBuffer::new(
            std::mem::take(&mut conn.leftover),
            conn.session.config().limits.max_recv_data_segment_length,
        );
        let mut tx_buf = BytesMut::with_capacity(TX_BUF);
        let sleep = tokio::time::sleep(Duration::ZERO);
        tokio::pin!(sleep);
        if !recv.bytes().is_empty() {
            conn.session.handle_read(d.established, recv.bytes());
        }
        let end = loop {
            let now = clock();
            self.flush(&mut conn.session, &mut tx_buf, &outbox, &write_tx, now);
            self.publish_counters(&conn.session, &mut d);
            if let Some(end) = self.drain_events(&mut conn.session, &mut d, now) {
                break end;
            }
            if self.logout_if_idle(&mut conn.session, now) {
                continue;
            }
            let deadline = self.next_deadline(&conn.session, &d);
            // One timer for the whole connection, re-armed only when the deadline moves.
            if deadline != d.armed {
                if let Some(at) = deadline {
                    sleep.as_mut().reset(at.into());
                }
                d.armed = deadline;
            }
            let accepting = !self.closing && conn.session.can_submit();
            let mut into = recv.prepare(conn.session.partial_pdu_len());
            tokio::select! {
                read = tokio::io::AsyncReadExt::read_buf(&mut conn.reader, &mut into) => {
                    let now = clock();
                    match read {
                        Ok(0) | Err(_) => conn.session.handle_connection_lost(now),
                        Ok(n) => {
                            AtomicStats::add(&self.stats().bytes_in, n as u64);
                            conn.session.handle_read(now, recv.bytes());
                        }
                    }
                }
                cmd = self.commands.recv(), if accepting => match cmd {
                    Some(cmd) => {
                        self.start(&mut conn.session, *cmd);
                        // Take what other callers queued meanwhile, so that one flush, one
                        // write, carries all their commands (bounded: reads wait too).
                        for _ in 0..MAX_COMMANDS_PER_TURN {
                            if self.closing || !conn.session.can_submit() {
                                break;
                            }
                            let Ok(cmd) = self.commands.try_recv() else {
                                break;
                            };
                            self.start(&mut conn.session, *cmd);
                        }
                    }
                    None => {
                        debug!("last handle dropped; logging out");
                        self.closing = true;
                    }
                },
                () = &mut sleep, if d.armed.is_some() => {
                    if let Some(end) = self.on_timer(&mut conn.session, &mut d) {
                        break end;
                    }
                }
                _ = &mut writer_task => conn.session.handle_connection_lost(clock()),
            }
        };
        self.publish_counters(&conn.session, &mut d);
        writer_task.abort();
        end
    }

    /// Step: a new connection is logged in. Updates the snapshot and, after a
    /// reinstatement, tells the subscribers.
    fn on_logged_in(&self, conn: &Connection) {
        let start = *conn.session.start();
        let info = &conn.info;
        let mut changed = false;
        let mut reconnects = 0;
        self.shared.update(|s| {
            changed = s.params != info.params;
            if s.phase == SessionPhase::Reconnecting {
                s.reconnects += 1;
            }
            reconnects = s.reconnects;
            s.phase = SessionPhase::LoggedIn;
            s.portal = info.portal.clone();
            s.tsih = start.tsih;
            s.cid = start.cid;
            s.local_addr = info.local_addr;
            s.remote_addr = info.remote_addr;
            s.auth = info.auth;
            s.params = info.params.clone();
            s.logged_in_at = SystemTime::now();
        });
        if reconnects > 0 {
            AtomicStats::add(&self.stats().reconnects, 1);
            self.shared.publish(SessionEvent::Reinstated {
                tsih: start.tsih,
                reconnects,
            });
            if changed {
                self.shared.publish(SessionEvent::ParametersChanged {
                    params: Box::new(info.params.clone()),
                });
            }
        }
    }

    /// Step: encodes queued PDUs and hands them to the writer; a writer that is gone
    /// means the connection is.
    fn flush(
        &self,
        session: &mut ProtoSession,
        buf: &mut BytesMut,
        outbox: &Outbox,
        write_tx: &mpsc::UnboundedSender<Vec<Bytes>>,
        now: Instant,
    ) {
        let mut batch = Vec::new();
        session.transmit_into(now, buf, &mut batch);
        // Everything encoded has been handed over: once the writer has dropped it too,
        // start again at the buffer's beginning (no copy, no allocation), so a session
        // touches the same few pages instead of walking the whole buffer, each page of
        // which would stay resident (measured with thousands of sessions, iscsi-scale).
        if buf.is_empty() && buf.capacity() < TX_BUF {
            let _ = buf.try_reclaim(TX_BUF);
        }
        if buf.capacity() < 16 * 1024 {
            buf.reserve(TX_BUF);
        }
        if !batch.is_empty() && outbox.send(batch, write_tx, &self.shared).is_err() {
            session.handle_connection_lost(now);
        }
    }

    /// Adds the connection's PDU counts since the last call to the statistics.
    fn publish_counters(&self, session: &ProtoSession, d: &mut Drive) {
        let now = session.counters();
        if now == d.published {
            return;
        }
        let stats = self.stats();
        AtomicStats::add(
            &stats.pdus_in,
            now.pdus_received - d.published.pdus_received,
        );
        AtomicStats::add(&stats.pdus_out, now.pdus_sent - d.published.pdus_sent);
        AtomicStats::add(
            &stats.digest_errors,
            now.data_digest_errors - d.published.data_digest_errors,
        );
        d.published = now;
    }

    /// Step: delivers every session event; returns how the connection ended, if it did.
    fn drain_events(
        &mut self,
        session: &mut ProtoSession,
        d: &mut Drive,
        now: Instant,
    ) -> Option<DriveEnd> {
        let mut failed = None;
        while let Some(event) = session.poll_event() {
            match event {
                Event::ConnectionFailed {
                    reason, culprit, ..
                } => failed = Some((reason, culprit)),
                Event::DropAnnounced {
                    time2wait,
                    time2retain,
                } => {
                    d.drop_wait = Some(time2wait);
                    self.shared.publish(SessionEvent::DropAnnounced {
                        time2wait,
                        time2retain,
                    });
                }
                event @ Event::LoggedOut { time2wait, .. } => {
                    d.drop_wait = Some(time2wait);
                    self.on_event(event);
                }
                other => self.on_event(other),
            }
        }
        if let Some((reason, culprit)) = failed {
            let loss = match (reason, self.unanswered.take()) {
                (FailureReason::Protocol(error), _) => ConnectionLoss::Protocol(error),
                (_, Some(kind)) => ConnectionLoss::Unanswered(kind),
                (FailureReason::TaskManagementFailed, _) => ConnectionLoss::TaskManagementFailed,
                (FailureReason::NopTimeout, None) => ConnectionLoss::KeepAlive,
                (_, None) => ConnectionLoss::Transport,
            };
            if matches!(
                loss,
                ConnectionLoss::Protocol(ProtocolError::Decode(DecodeError::HeaderDigest { .. }))
            ) {
                AtomicStats::add(&self.stats().digest_errors, 1);
            }
            warn!(cause = %loss, "connection failed");
            AtomicStats::add(&self.stats().connection_failures, 1);
            let cause = Cause { loss, culprit };
            let replay = self.collect_unfinished(session, &cause);
            // RFC 7143 §11.9.1: after an announced drop, Parameter2 is the wait (it may be
            // shorter than DefaultTime2Wait); otherwise DefaultTime2Wait (§6.3.5).
            let t2w = Duration::from_secs(u64::from(session.config().default_time2wait));
            return Some(DriveEnd::Failed {
                replay,
                wait: d.drop_wait.unwrap_or(t2w),
                cause,
                worked: self.worked(d.established, now),
            });
        }
        match session.state() {
            SessionState::LoggedOut => {
                info!("logged out");
                let cause = Cause::new(ConnectionLoss::TargetLogout);
                let replay = self.collect_unfinished(session, &cause);
                if self.closing {
                    for r in replay {
                        r.pending.waiter.fail(&Error::SessionClosed);
                    }
                    return Some(DriveEnd::Closed);
                }
                // The target asked us to log out: come back after Time2Wait.
                Some(DriveEnd::Failed {
                    replay,
                    wait: d.drop_wait.unwrap_or_default(),
                    cause,
                    worked: self.worked(d.established, now),
                })
            }
            SessionState::LoggingOut if !d.logging_out => {
                // Once per connection, not on every turn of the loop.
                d.logging_out = true;
                self.shared.update(|s| s.phase = SessionPhase::LoggingOut);
                None
            }
            _ => None,
        }
    }

    /// Step: when every handle is gone and nothing is outstanding, logs out (within the
    /// logout deadline). True if it did.
    fn logout_if_idle(&mut self, session: &mut ProtoSession, now: Instant) -> bool {
        if self.closing
            && session.outstanding_tasks() == 0
            && session.state() == SessionState::Active
        {
            let deadline = now + self.connector.config().logout_timeout;
            let started = session.logout(now);
            self.track(started, deadline, Waiter::Logout(None));
            return true;
        }
        false
    }

    /// Step: the earliest deadline to arm, never one that has already fired.
    fn next_deadline(&self, session: &ProtoSession, d: &Drive) -> Option<Instant> {
        [session.poll_timeout(), self.next_deadline]
            .into_iter()
            .flatten()
            .filter(|at| d.fired.is_none_or(|f| *at > f))
            .min()
    }

    /// Step: the timer fired. Runs the session's timers and the request deadlines;
    /// returns how the connection ended, if an unanswered logout ended it.
    fn on_timer(&mut self, session: &mut ProtoSession, d: &mut Drive) -> Option<DriveEnd> {
        let now = clock();
        d.armed = None;
        d.fired = Some(now);
        AtomicStats::add(&self.stats().timer_wakeups, 1);
        session.handle_timeout(now);
        if self.next_deadline.is_none_or(|at| at > now) {
            return None;
        }
        match self.expire(session, now) {
            None => None,
            Some(TimeoutKind::Logout) => {
                warn!("the target did not answer the logout; closing the connection");
                self.closing = true;
                let _ = session.take_unfinished();
                self.fail_all(&Error::SessionClosed);
                Some(DriveEnd::Closed)
            }
            Some(kind) => {
                warn!(?kind, "a request went unanswered; dropping the connection");
                self.unanswered = Some(kind);
                session.handle_connection_lost(now);
                None
            }
        }
    }

    /// Whether a connection established at `established` counts as having worked.
    fn worked(&self, established: Instant, now: Instant) -> bool {
        self.progressed
            || now.saturating_duration_since(established)
                >= self.connector.config().reconnect_timeout
    }

    /// Hands a command to the session, unless its caller stopped waiting or its deadline
    /// passed while it was queued.
    fn start(&mut self, session: &mut ProtoSession, cmd: Command) {
        let now = clock();
        if cmd.abandoned() {
            return;
        }
        let deadline = cmd.deadline();
        let (request, waiter) = cmd.into_waiter(now);
        if matches!(request, Request::Scsi(_)) {
            AtomicStats::add(&self.stats().issued, 1);
        }
        if deadline <= now {
            let kind = waiter.timeout_kind();
            if kind == TimeoutKind::Command {
                AtomicStats::add(&self.stats().timed_out, 1);
            }
            waiter.fail(&Error::Timeout(kind));
            return;
        }
        let started = match request {
            Request::Scsi(request) => session.submit(now, request),
            Request::Text(text) => session.text(now, text),
            Request::Ping(data) => session.ping(now, data),
            Request::Tmf(function, lun) => session.task_management(now, function, lun),
            Request::Logout => {
                self.closing = true;
                session.logout(now)
            }
        };
        self.track(started, deadline, waiter);
    }

    /// Records a started task, or tells its waiter why it could not start.
    fn track(&mut self, started: Result<TaskId, ApiMisuse>, deadline: Instant, waiter: Waiter) {
        match started {
            Ok(task) => {
                self.note_deadline(deadline);
                self.pending.insert(task, Pending { deadline, waiter });
            }
            Err(e) => {
                if matches!(waiter, Waiter::Scsi { .. }) {
                    AtomicStats::add(&self.stats().failed, 1);
                }
                waiter.fail(&e.into());
            }
        }
    }

    /// Delivers one session event to the task waiting for it, or to the subscribers.
    fn on_event(&mut self, event: Event) {
        match event {
            Event::DataIn { task, offset, data } => {
                if let Some(Pending {
                    waiter: Waiter::Scsi { data: buf, .. },
                    ..
                }) = self.pending.get_mut(&task)
                {
                    // Offsets arrive in order (the session checks), so this appends.
                    if offset as usize == buf.len() {
                        buf.push(data);
                    }
                }
            }
            Event::ScsiComplete { task, outcome } => {
                self.progressed = true;
                if let Some(Pending {
                    waiter:
                        Waiter::Scsi {
                            reply,
                            data,
                            lun,
                            started,
                            write_len,
                            ..
                        },
                    ..
                }) = self.pending.remove(&task)
                {
                    self.completed(&outcome, lun, started, write_len, data.len() as u64);
                    let _ = reply.send(Ok(ScsiResult {
                        outcome,
                        data: data.freeze(),
                    }));
                }
            }
            Event::TaskFailed { task, error } => {
                self.progressed = true;
                if let Some(p) = self.pending.remove(&task) {
                    if matches!(p.waiter, Waiter::Scsi { .. }) {
                        let counter = match error {
                            TaskError::Aborted => &self.stats().aborted,
                            _ => &self.stats().failed,
                        };
                        AtomicStats::add(counter, 1);
                    }
                    let e = match error {
                        TaskError::SessionClosed => Error::SessionClosed,
                        other => Error::Task(other),
                    };
                    p.waiter.fail(&e);
                }
            }
            Event::TmfComplete { task, response } => {
                self.progressed = true;
                if let Some(Pending {
                    waiter: Waiter::Tmf(Some(reply)),
                    ..
                }) = self.pending.remove(&task)
                {
                    let _ = reply.send(Ok(response));
                }
            }
            Event::PingComplete { task, data } => {
                self.progressed = true;
                if let Some(Pending {
                    waiter: Waiter::Ping(reply),
                    ..
                }) = self.pending.remove(&task)
                {
                    let _ = reply.send(Ok(data));
                }
            }
            Event::TextComplete { task, text } => {
                self.progressed = true;
                if let Some(Pending {
                    waiter: Waiter::Text(reply),
                    ..
                }) = self.pending.remove(&task)
                {
                    let _ = reply.send(Ok(text));
                }
            }
            Event::LoggedOut { .. } => {
                self.pending.retain(|_, p| match &mut p.waiter {
                    Waiter::Logout(reply) => {
                        if let Some(reply) = reply.take() {
                            let _ = reply.send(Ok(()));
                        }
                        false
                    }
                    _ => true,
                });
            }
            Event::ScsiAsyncEvent { lun, sense } => {
                info!(?lun, sense_len = sense.len(), "SCSI asynchronous event");
                self.shared
                    .publish(SessionEvent::ScsiAsyncEvent { lun, sense });
            }
            Event::LogoutRequested { within } => {
                info!(?within, "target requested logout; will reconnect");
                self.shared.update(|s| s.phase = SessionPhase::LoggingOut);
                self.shared
                    .publish(SessionEvent::LogoutRequested { within });
            }
            Event::DropAnnounced {
                time2wait,
                time2retain,
            } => self.shared.publish(SessionEvent::DropAnnounced {
                time2wait,
                time2retain,
            }),
            Event::Renegotiated {
                max_send_data_segment_length,
            } => {
                let mut params = None;
                self.shared.update(|s| {
                    s.params.target_max_recv_data_segment_length = max_send_data_segment_length;
                    params = Some(s.params.clone());
                });
                if let Some(params) = params {
                    self.shared.publish(SessionEvent::ParametersChanged {
                        params: Box::new(params),
                    });
                }
            }
            // Handled by `drain_events` before it gets here.
            Event::ConnectionFailed { .. } => {}
            // A variant a newer iscsi-proto may add: logged, so none goes unseen.
            other => warn!(?other, "session event this driver does not know"),
        }
    }

    /// Counts a command that got a status, and reports a unit attention.
    fn completed(
        &self,
        outcome: &ScsiOutcome,
        lun: Lun,
        started: Instant,
        write_len: u64,
        read_len: u64,
    ) {
        let stats = self.stats();
        AtomicStats::add(&stats.completed, 1);
        stats.latency(clock().saturating_duration_since(started));
        let good = outcome.response == ScsiResponseCode::CommandCompleted
            && outcome.status == ScsiStatus::Good;
        if good {
            AtomicStats::add(&stats.bytes_read, read_len);
            AtomicStats::add(&stats.bytes_written, write_len);
        }
        if outcome.status == ScsiStatus::CheckCondition {
            let sense = outcome
                .sense
                .as_deref()
                .and_then(|s| SenseData::decode(s).ok());
            if let Some(sense) = sense.filter(|s| s.sense_key == SenseKey::UnitAttention) {
                self.shared.publish(SessionEvent::UnitAttention {
                    lun,
                    asc: sense.asc,
                    ascq: sense.ascq,
                });
            }
        }
    }

    /// Unfinished SCSI commands of a failed or logged-out connection, with their waiters;
    /// every other waiter is answered now.
    fn collect_unfinished(&mut self, session: &mut ProtoSession, cause: &Cause) -> Vec<Replay> {
        let mut replay = Vec::new();
        for (id, request) in session.take_unfinished() {
            if let Some(Pending {
                deadline,
                waiter:
                    Waiter::Scsi {
                        reply,
                        strikes,
                        lun,
                        started,
                        write_len,
                        ..
                    },
            }) = self.pending.remove(&id)
            {
                let data = ReadBuffer::for_request(&request);
                replay.push(Replay {
                    id,
                    request,
                    pending: Pending {
                        deadline,
                        waiter: Waiter::Scsi {
                            reply,
                            data,
                            strikes,
                            lun,
                            started,
                            write_len,
                        },
                    },
                });
            }
        }
        let error = cause.error();
        for (_, p) in self.pending.drain() {
            match p.waiter {
                // A logout whose connection ended has done its job: the session is closed.
                Waiter::Logout(Some(reply)) if self.closing => {
                    debug!("the connection closed before the logout was answered");
                    let _ = reply.send(Ok(()));
                }
                waiter => waiter.fail(&error),
            }
        }
        self.next_deadline = None;
        replay
    }

    /// After a failed connection: decides whether the session goes on and, if it does,
    /// has the connector log in again and replays the unfinished commands. `Err` carries
    /// the error that ends the session (`None`: a clean close).
    async fn recover(
        &mut self,
        mut replay: Vec<Replay>,
        wait: Duration,
        cause: Cause,
        worked: bool,
    ) -> Result<Connection, Option<Error>> {
        if self.closing {
            for r in replay {
                r.pending.waiter.fail(&Error::SessionClosed);
            }
            return Err(None);
        }
        if self.connector.is_discovery() {
            // A discovery session has nothing worth keeping: its requests are not replayed.
            let e = cause.error();
            for r in replay {
                r.pending.waiter.fail(&e);
            }
            return Err(Some(e));
        }
        self.shared.update(|s| s.phase = SessionPhase::Reconnecting);
        self.shared
            .publish(SessionEvent::ConnectionLost { cause: cause.loss });
        let now = clock();
        if worked {
            self.episode = None;
        }
        let episode = self.episode.get_or_insert(Episode {
            started: now,
            anonymous_violations: 0,
        });
        if let ConnectionLoss::Protocol(error) = cause.loss {
            let blamed = cause
                .culprit
                .and_then(|c| replay.iter().position(|r| r.id == c));
            match blamed {
                Some(i) => {
                    if let Waiter::Scsi { strikes, .. } = &mut replay[i].pending.waiter {
                        *strikes += 1;
                        if *strikes >= 2 {
                            warn!(%error, "the command met the violation again; failing it");
                            AtomicStats::add(&self.shared.stats.failed, 1);
                            replay
                                .remove(i)
                                .pending
                                .waiter
                                .fail(&Error::Protocol(error));
                        }
                    }
                }
                None => {
                    episode.anonymous_violations += 1;
                    if episode.anonymous_violations >= 2 {
                        warn!(%error, "protocol violation again after reinstatement; giving up");
                        let e = Error::Protocol(error);
                        for r in replay {
                            r.pending.waiter.fail(&e);
                        }
                        return Err(Some(e));
                    }
                }
            }
        }
        let give_up = episode.started + self.connector.config().reconnect_timeout;
        // A command whose caller stopped waiting is not sent again.
        replay.retain(|r| match &r.pending.waiter {
            Waiter::Scsi { reply, .. } => !reply.is_closed() && r.pending.deadline > now,
            _ => false,
        });
        let has_work = !replay.is_empty();
        let commands = &self.commands;
        let shared = &self.shared;
        let attempt = self
            .connector
            .reinstate(
                wait,
                give_up,
                cause.loss,
                || !has_work && commands.is_closed(),
                || AtomicStats::add(&shared.stats.reconnect_attempts, 1),
            )
            .await;
        match attempt {
            Ok(mut next) => {
                self.replay(&mut next, replay);
                Ok(next)
            }
            Err(e) => {
                for r in replay {
                    r.pending.waiter.fail(&e);
                }
                Err(Some(e))
            }
        }
    }

    /// Submits the unfinished commands on the new connection, in their original order.
    fn replay(&mut self, conn: &mut Connection, replay: Vec<Replay>) {
        let now = clock();
        for r in replay {
            let started = conn.session.submit(now, r.request);
            self.track(started, r.pending.deadline, r.pending.waiter);
        }
    }

    /// Lowers the cached earliest deadline for a newly pending task.
    fn note_deadline(&mut self, deadline: Instant) {
        self.next_deadline = Some(self.next_deadline.map_or(deadline, |d| d.min(deadline)));
    }

    /// Answers every task past its deadline (see the module documentation) and recomputes
    /// the cached earliest deadline. Returns the kind of an unanswered request that means
    /// the connection must go (a logout first).
    fn expire(&mut self, session: &mut ProtoSession, now: Instant) -> Option<TimeoutKind> {
        let mut next = None;
        let mut expired = Vec::new();
        for (task, p) in &self.pending {
            if matches!(p.waiter, Waiter::Abandoned) {
                continue;
            }
            if p.deadline <= now {
                expired.push(*task);
            } else {
                next = Some(next.map_or(p.deadline, |d: Instant| d.min(p.deadline)));
            }
        }
        self.next_deadline = next;
        let mut unanswered = None;
        for task in expired {
            let Some(p) = self.pending.remove(&task) else {
                continue;
            };
            match p.waiter {
                Waiter::Scsi { reply, .. } => {
                    AtomicStats::add(&self.stats().timed_out, 1);
                    let _ = reply.send(Err(Error::Timeout(TimeoutKind::Command)));
                    // ABORT TASK (RFC 7143 §11.5.1); a command still waiting for the window
                    // is dropped locally (Ok(None)).
                    if let Ok(Some(tmf)) = session.abort_task(now, task) {
                        self.pending.insert(
                            task,
                            Pending {
                                deadline: p.deadline,
                                waiter: Waiter::Abandoned,
                            },
                        );
                        let deadline = now + self.connector.config().command_timeout;
                        self.track(Ok(tmf), deadline, Waiter::Tmf(None));
                    }
                }
                waiter => {
                    let kind = waiter.timeout_kind();
                    waiter.fail(&Error::Timeout(kind));
                    if unanswered != Some(TimeoutKind::Logout) {
                        unanswered = Some(kind);
                    }
                }
            }
        }
        unanswered
    }

    fn fail_all(&mut self, error: &Error) {
        for (_, p) in self.pending.drain() {
            p.waiter.fail(error);
        }
    }
}

/// The protocol clock: tokio's, so `start_paused` tests control it.
pub(crate) fn clock() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// Writes batches with vectored writes until the channel closes or the socket fails.
/// A connection's write half, shared by the driver and its writer task.
///
/// The driver writes a batch itself when nothing is queued for the writer task, as far as
/// the socket takes it without waiting, and queues only the rest; the writer task writes
/// queued batches in order, waiting for the socket as it must. Order holds because the
/// driver writes directly only while `queued` is 0, that is when the writer task holds
/// no unwritten byte, and only the driver raises `queued`. The lock is held only within
/// one poll of the transport, never across an await.
struct Outbox {
    writer: Mutex<TransportWrite>,
    /// Batches handed to the writer task and not yet written.
    queued: AtomicUsize,
}

impl Outbox {
    /// Writes `batch` now as far as the socket takes it, and queues the rest. An error
    /// means the connection is lost.
    fn send(
        &self,
        mut batch: Vec<Bytes>,
        write_tx: &mpsc::UnboundedSender<Vec<Bytes>>,
        shared: &Shared,
    ) -> std::io::Result<()> {
        if self.queued.load(Ordering::Acquire) == 0 {
            // Nobody is woken by this poll: what the socket does not take goes to the
            // writer task, whose own poll registers its waker.
            let mut cx = Context::from_waker(Waker::noop());
            let (mut first, mut written) = (advance(&mut batch, 0, 0), 0);
            while first < batch.len() {
                match self.poll_write(&mut cx, &batch[first..]) {
                    Poll::Ready(Ok(n)) => {
                        written += n;
                        first = advance(&mut batch, first, n);
                    }
                    Poll::Ready(Err(e)) => return Err(e),
                    Poll::Pending => break,
                }
            }
            AtomicStats::add(&shared.stats.bytes_out, written as u64);
            if first == batch.len() {
                return Ok(());
            }
            batch.drain(..first);
        }
        self.queued.fetch_add(1, Ordering::AcqRel);
        write_tx
            .send(batch)
            .map_err(|_| std::io::ErrorKind::BrokenPipe.into())
    }

    /// One vectored write of the leading buffers (at most [`MAX_IOVECS`]); `Ok(0)` is
    /// turned into an error.
    fn poll_write(&self, cx: &mut Context<'_>, bufs: &[Bytes]) -> Poll<std::io::Result<usize>> {
        let mut slices = [IoSlice::new(&[]); MAX_IOVECS];
        let count = bufs.len().min(MAX_IOVECS);
        for (slot, b) in slices.iter_mut().zip(&bufs[..count]) {
            *slot = IoSlice::new(b);
        }
        let mut writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        match Pin::new(&mut *writer).poll_write_vectored(cx, &slices[..count]) {
            Poll::Ready(Ok(0)) => Poll::Ready(Err(std::io::ErrorKind::WriteZero.into())),
            other => other,
        }
    }
}

/// Consumes `n` written bytes from `bufs[first..]`; returns the index of the first buffer
/// with bytes left (`bufs.len()` when all are written).
fn advance(bufs: &mut [Bytes], mut first: usize, mut n: usize) -> usize {
    while let Some(b) = bufs.get_mut(first) {
        if n < b.len() {
            b.advance(n);
            break;
        }
        n -= b.len();
        first += 1;
    }
    first
}

async fn write_loop(
    outbox: Arc<Outbox>,
    mut rx: mpsc::UnboundedReceiver<Vec<Bytes>>,
    shared: Arc<Shared>,
) {
    while let Some(mut batch) = rx.recv().await {
        let mut batches = 1;
        // Gather whatever else is already queued into the same syscalls.
        while let Ok(more) = rx.try_recv() {
            batch.extend(more);
            batches += 1;
            if batch.len() > 256 {
                break;
            }
        }
        let bytes: usize = batch.iter().map(Bytes::len).sum();
        let mut first = advance(&mut batch, 0, 0);
        while first < batch.len() {
            match std::future::poll_fn(|cx| outbox.poll_write(cx, &batch[first..])).await {
                Ok(n) => first = advance(&mut batch, first, n),
                Err(_) => return,
            }
        }
        AtomicStats::add(&shared.stats.bytes_out, bytes as u64);
        // Only now may the driver write directly again.
        outbox.queued.fetch_sub(batches, Ordering::AcqRel);
    }
    let _ = std::future::poll_fn(|cx| {
        let mut writer = outbox.writer.lock().unwrap_or_else(PoisonError::into_inner);
        Pin::new(&mut *writer).poll_shutdown(cx)
    })
    .await;
}

/// Commands the driver takes from its queue in one turn of its loop, before it flushes.
const MAX_COMMANDS_PER_TURN: usize = 64;

/// Buffers per `writev` (well under the kernel's IOV_MAX of 1024), gathered on the stack.
const MAX_IOVECS: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;

    /// The command channel keeps its blocks of 32 slots allocated; a slot must stay one
    /// pointer, or every session that has moved a few dozen commands keeps kilobytes more
    /// resident (see [`Command`]).
    #[test]
    fn a_queued_command_is_one_pointer() {
        assert_eq!(size_of::<Queued>(), size_of::<usize>());
        // What boxing saves: the unboxed enum would be a slot of this size.
        assert!(size_of::<Command>() >= 64, "{}", size_of::<Command>());
    }
}
