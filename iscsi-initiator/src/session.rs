//! The application's handle on a session, and what it can observe: a snapshot of the
//! session's state, a stream of events and statistics.

use std::{
    fmt,
    net::SocketAddr,
    sync::{
        Arc, Mutex, OnceLock, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant, SystemTime},
};

use bytes::Bytes;
use iscsi_proto::{
    negotiation::NegotiatedParams,
    session::ScsiRequest,
    wire::{Cid, Isid, Lun, TmfFunction, TmfResponse, Tsih},
};
use tokio::sync::{broadcast, mpsc, oneshot, watch};

use crate::{
    ConnectionLoss, Error, Portal, TimeoutKind,
    connector::AuthUsed,
    driver::{Command, Queued, ScsiResult},
};

/// A session's id, unique within the process.
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct SessionId(pub u64);

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "session-{}", self.0)
    }
}

impl SessionId {
    /// The next id.
    pub(crate) fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Self(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// Where a session is in its life.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum SessionPhase {
    /// In full-feature phase: commands run.
    LoggedIn,
    /// The connection failed; the session is being reinstated. Commands wait.
    Reconnecting,
    /// A logout is under way (ours, or one the target asked for).
    LoggingOut,
    /// Over: logged out, dropped, or failed for good ([`Session::closed`] says why).
    Closed,
}

/// The state of a session now.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionSnapshot {
    /// The session's id.
    pub id: SessionId,
    /// Where it is in its life.
    pub phase: SessionPhase,
    /// The target name (empty for a discovery session).
    pub target: String,
    /// The portal of the current (or last) connection, after redirects, with the target's
    /// TargetPortalGroupTag when it declared one.
    pub portal: Portal,
    /// Our ISID, kept across reinstatements.
    pub isid: Isid,
    /// The TSIH the target gave at the last login (a reinstatement gets a new one).
    pub tsih: Tsih,
    /// The connection's CID.
    pub cid: Cid,
    /// Our socket address, when the transport has one.
    pub local_addr: Option<SocketAddr>,
    /// The target's socket address, when the transport has one.
    pub remote_addr: Option<SocketAddr>,
    /// How the last login authenticated.
    pub auth: AuthUsed,
    /// The parameters in force now: those of the last login (or reinstatement).
    pub params: NegotiatedParams,
    /// When the session first logged in.
    pub established_at: SystemTime,
    /// When the current connection logged in.
    pub logged_in_at: SystemTime,
    /// Reinstatements so far.
    pub reconnects: u64,
}

/// Something that happened to a session. Subscribe with [`Session::events`].
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq)]
pub enum SessionEvent {
    /// The connection failed; the session will be reinstated if it can be.
    ConnectionLost {
        /// Why.
        cause: ConnectionLoss,
    },
    /// The session was reinstated on a new connection (same ISID, new TSIH).
    Reinstated {
        /// The new TSIH.
        tsih: Tsih,
        /// Reinstatements so far.
        reconnects: u64,
    },
    /// The reinstated session negotiated different parameters.
    ParametersChanged {
        /// The parameters now in force.
        params: Box<NegotiatedParams>,
    },
    /// A SCSI asynchronous event (AsyncEvent 0, RFC 7143 §11.9.1).
    ScsiAsyncEvent {
        /// The LU it concerns.
        lun: Lun,
        /// Its sense data.
        sense: Bytes,
    },
    /// The target asked for a logout (AsyncEvent 1); the session logs out within
    /// `within` and reconnects.
    LogoutRequested {
        /// Parameter3.
        within: Duration,
    },
    /// The target announced it will drop the connection or the session (AsyncEvent 2, 3).
    DropAnnounced {
        /// Parameter2: wait at least this long before reconnecting.
        time2wait: Duration,
        /// Parameter3: the target keeps task state this long.
        time2retain: Duration,
    },
    /// A command ended with UNIT ATTENTION (the typed helpers retry it).
    UnitAttention {
        /// The LU.
        lun: Lun,
        /// ADDITIONAL SENSE CODE.
        asc: u8,
        /// ADDITIONAL SENSE CODE QUALIFIER.
        ascq: u8,
    },
    /// The session ended.
    Closed {
        /// `None` after a clean logout; otherwise why.
        cause: Option<Error>,
    },
}

/// Buckets of the latency histogram: bucket `i` counts commands that took less than
/// 2^i µs and at least 2^(i−1) µs; the last one everything slower (over 4 s).
pub const LATENCY_BUCKETS: usize = 24;

/// How long SCSI commands took, from the driver taking them to their completion.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct LatencyStats {
    /// Commands measured.
    pub count: u64,
    /// Their total time.
    pub total: Duration,
    /// The slowest.
    pub max: Duration,
    /// The histogram (see [`LATENCY_BUCKETS`]).
    pub histogram: [u64; LATENCY_BUCKETS],
}

impl LatencyStats {
    /// The mean, zero before any command.
    pub fn mean(&self) -> Duration {
        self.total
            .checked_div(u32::try_from(self.count).unwrap_or(u32::MAX))
            .unwrap_or_default()
    }
}

/// SCSI command counts.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct CommandStats {
    /// Commands the driver took from callers (replays not counted again).
    pub issued: u64,
    /// Commands that got a status (any status).
    pub completed: u64,
    /// Commands that ended without a status (connection lost for good, protocol
    /// violation, incomplete transfer, rejected).
    pub failed: u64,
    /// Commands whose deadline passed.
    pub timed_out: u64,
    /// Commands the target terminated (a task management function or AsyncEvent 5).
    pub aborted: u64,
}

/// A session's statistics, since it was opened.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct SessionStats {
    /// SCSI commands.
    pub commands: CommandStats,
    /// Data read by commands that completed.
    pub bytes_read: u64,
    /// Data written by commands that completed.
    pub bytes_written: u64,
    /// PDUs received.
    pub pdus_in: u64,
    /// PDUs sent.
    pub pdus_out: u64,
    /// Bytes received on the transport.
    pub bytes_in: u64,
    /// Bytes sent on the transport.
    pub bytes_out: u64,
    /// Data-In segments whose data digest failed, and header digest failures (each of
    /// which dropped the connection).
    pub digest_errors: u64,
    /// Connections that failed.
    pub connection_failures: u64,
    /// Reinstatements that succeeded.
    pub reconnects: u64,
    /// Reinstatement logins tried.
    pub reconnect_attempts: u64,
    /// Times the driver's timer fired. Bounded by the deadlines the session has: a driver
    /// that re-armed a passed deadline would count without limit.
    pub timer_wakeups: u64,
    /// Command latency.
    pub latency: LatencyStats,
}

/// The statistics as the driver keeps them: relaxed atomics, read by [`Session::stats`].
#[derive(Debug, Default)]
pub(crate) struct AtomicStats {
    pub(crate) issued: AtomicU64,
    pub(crate) completed: AtomicU64,
    pub(crate) failed: AtomicU64,
    pub(crate) timed_out: AtomicU64,
    pub(crate) aborted: AtomicU64,
    pub(crate) bytes_read: AtomicU64,
    pub(crate) bytes_written: AtomicU64,
    pub(crate) pdus_in: AtomicU64,
    pub(crate) pdus_out: AtomicU64,
    pub(crate) bytes_in: AtomicU64,
    pub(crate) bytes_out: AtomicU64,
    pub(crate) digest_errors: AtomicU64,
    pub(crate) connection_failures: AtomicU64,
    pub(crate) reconnects: AtomicU64,
    pub(crate) reconnect_attempts: AtomicU64,
    pub(crate) timer_wakeups: AtomicU64,
    latency_count: AtomicU64,
    latency_total_us: AtomicU64,
    latency_max_us: AtomicU64,
    latency_histogram: [AtomicU64; LATENCY_BUCKETS],
}

impl AtomicStats {
    /// Adds `n` to a counter.
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// Records one command's latency.
    pub(crate) fn latency(&self, took: Duration) {
        let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        let bucket = (u64::BITS - us.leading_zeros()) as usize;
        Self::add(&self.latency_count, 1);
        Self::add(&self.latency_total_us, us);
        self.latency_max_us.fetch_max(us, Ordering::Relaxed);
        Self::add(&self.latency_histogram[bucket.min(LATENCY_BUCKETS - 1)], 1);
    }

    fn snapshot(&self) -> SessionStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        SessionStats {
            commands: CommandStats {
                issued: get(&self.issued),
                completed: get(&self.completed),
                failed: get(&self.failed),
                timed_out: get(&self.timed_out),
                aborted: get(&self.aborted),
            },
            bytes_read: get(&self.bytes_read),
            bytes_written: get(&self.bytes_written),
            pdus_in: get(&self.pdus_in),
            pdus_out: get(&self.pdus_out),
            bytes_in: get(&self.bytes_in),
            bytes_out: get(&self.bytes_out),
            digest_errors: get(&self.digest_errors),
            connection_failures: get(&self.connection_failures),
            reconnects: get(&self.reconnects),
            reconnect_attempts: get(&self.reconnect_attempts),
            timer_wakeups: get(&self.timer_wakeups),
            latency: LatencyStats {
                count: get(&self.latency_count),
                total: Duration::from_micros(get(&self.latency_total_us)),
                max: Duration::from_micros(get(&self.latency_max_us)),
                histogram: std::array::from_fn(|i| get(&self.latency_histogram[i])),
            },
        }
    }
}

/// Events kept for a slow subscriber before it gets `Lagged`.
const EVENT_BACKLOG: usize = 1024;

/// State shared by a session's handles and its driver.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) id: SessionId,
    pub(crate) stats: AtomicStats,
    snapshot: Mutex<SessionSnapshot>,
    /// Made by the first subscriber: a broadcast channel allocates and fills every slot
    /// of its backlog up front (about 120 KiB at 1024 events), which an idle session
    /// nobody watches should not pay. Events published before it exists had no receiver.
    events: OnceLock<broadcast::Sender<SessionEvent>>,
    /// `Some(cause)` once the session ended (`SessionClosed` for a clean close).
    closed: watch::Sender<Option<Error>>,
}

impl Shared {
    pub(crate) fn new(snapshot: SessionSnapshot) -> Self {
        Self {
            id: snapshot.id,
            stats: AtomicStats::default(),
            snapshot: Mutex::new(snapshot),
            events: OnceLock::new(),
            closed: watch::channel(None).0,
        }
    }

    /// Changes the snapshot.
    pub(crate) fn update(&self, change: impl FnOnce(&mut SessionSnapshot)) {
        change(&mut self.snapshot.lock().unwrap_or_else(PoisonError::into_inner));
    }

    pub(crate) fn snapshot(&self) -> SessionSnapshot {
        self.snapshot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Tells the subscribers (none is fine).
    pub(crate) fn publish(&self, event: SessionEvent) {
        if let Some(events) = self.events.get() {
            let _ = events.send(event);
        }
    }

    /// A receiver of the events published from now on (the channel is made on first use).
    fn subscribe(&self) -> broadcast::Receiver<SessionEvent> {
        self.events
            .get_or_init(|| broadcast::channel(EVENT_BACKLOG).0)
            .subscribe()
    }

    /// Marks the session over: phase Closed, the `Closed` event, and the cause for
    /// [`Session::closed`] and for calls made from now on.
    pub(crate) fn close(&self, cause: Error) {
        self.update(|s| s.phase = SessionPhase::Closed);
        let event_cause = (cause != Error::SessionClosed).then(|| cause.clone());
        self.publish(SessionEvent::Closed { cause: event_cause });
        self.closed.send_replace(Some(cause));
    }

    fn closed_error(&self) -> Error {
        self.closed.borrow().clone().unwrap_or(Error::SessionClosed)
    }
}

/// What the handles share: the way to the driver and the shared state.
#[derive(Debug)]
pub(crate) struct Inner {
    tx: mpsc::Sender<Queued>,
    pub(crate) shared: Arc<Shared>,
    command_timeout: Duration,
    logout_timeout: Duration,
}

impl Inner {
    pub(crate) fn new(
        tx: mpsc::Sender<Queued>,
        shared: Arc<Shared>,
        command_timeout: Duration,
        logout_timeout: Duration,
    ) -> Self {
        Self {
            tx,
            shared,
            command_timeout,
            logout_timeout,
        }
    }
}

/// A cheap, cloneable handle on one iSCSI session. Every method is one request to the
/// session's driver task; many can be in flight at once from clones of the handle.
///
/// Every request has a deadline that starts when it is made: the call returns
/// [`Error::Timeout`] at that instant at the latest, whatever the target or the driver
/// does.
///
/// Dropping the last handle logs the session out in the background;
/// [`Session::shutdown`] does it and waits.
#[derive(Clone, Debug)]
pub struct Session {
    inner: Arc<Inner>,
}

impl Session {
    pub(crate) fn new(inner: Arc<Inner>) -> Self {
        Self { inner }
    }

    /// The default deadline of one command.
    pub(crate) fn command_timeout(&self) -> Duration {
        self.inner.command_timeout
    }

    /// This session's id.
    pub fn id(&self) -> SessionId {
        self.inner.shared.id
    }

    /// The session's state now.
    pub fn snapshot(&self) -> SessionSnapshot {
        self.inner.shared.snapshot()
    }

    /// The session's statistics now.
    pub fn stats(&self) -> SessionStats {
        self.inner.shared.stats.snapshot()
    }

    /// Subscribes to the session's events from now on. A subscriber that falls more than
    /// 1024 events behind gets `RecvError::Lagged` and goes on from the oldest kept.
    pub fn events(&self) -> broadcast::Receiver<SessionEvent> {
        self.inner.shared.subscribe()
    }

    /// Whether the session has ended.
    pub fn is_closed(&self) -> bool {
        self.inner.shared.closed.borrow().is_some()
    }

    /// Waits until the session ends and returns why: [`Error::SessionClosed`] after a
    /// logout or when every handle was dropped, otherwise the error that ended it.
    pub async fn closed(&self) -> Error {
        let mut rx = self.inner.shared.closed.subscribe();
        loop {
            if let Some(cause) = rx.borrow_and_update().clone() {
                return cause;
            }
            if rx.changed().await.is_err() {
                return Error::SessionClosed;
            }
        }
    }

    /// Logs out and waits for the session's driver to finish. A session that had already
    /// ended is left as it is.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] with [`TimeoutKind::Logout`] when the target did not answer (the
    /// connection was closed all the same).
    pub async fn shutdown(&self) -> Result<(), Error> {
        if self.is_closed() {
            return Ok(());
        }
        let result = self.logout().await;
        let _ = self.closed().await;
        match result {
            Err(Error::Timeout(kind)) => Err(Error::Timeout(kind)),
            _ => Ok(()),
        }
    }

    /// Runs a SCSI command with the default deadline. The result carries the status
    /// whatever it is; the typed helpers in [`crate::scsi`] turn non-GOOD status into
    /// [`Error::Scsi`].
    ///
    /// # Errors
    ///
    /// [`Error::SessionClosed`], [`Error::ConnectionLost`] and [`Error::Reconnect`] (the
    /// outcome at the target is unknown), [`Error::Timeout`] (the command was aborted),
    /// [`Error::Protocol`] (the target broke the protocol on this command, twice),
    /// [`Error::Task`] (among them a write the target did not take whole, with the bytes
    /// it acknowledged).
    pub async fn execute(&self, request: ScsiRequest) -> Result<ScsiResult, Error> {
        self.execute_with_timeout(request, self.inner.command_timeout)
            .await
    }

    /// Runs a SCSI command with its own deadline.
    ///
    /// # Errors
    ///
    /// As [`Session::execute`].
    pub async fn execute_with_timeout(
        &self,
        request: ScsiRequest,
        timeout: Duration,
    ) -> Result<ScsiResult, Error> {
        self.call(timeout, TimeoutKind::Command, |deadline, reply| {
            Command::Scsi {
                request,
                deadline,
                reply,
            }
        })
        .await
    }

    /// Sends a Text request (for example `SendTargets=`) and returns the target's text.
    ///
    /// # Errors
    ///
    /// As [`Session::execute`]; [`Error::Timeout`] with [`TimeoutKind::Text`].
    pub async fn text(&self, text: Bytes) -> Result<Bytes, Error> {
        self.call(
            self.inner.command_timeout,
            TimeoutKind::Text,
            |deadline, reply| Command::Text {
                text,
                deadline,
                reply,
            },
        )
        .await
    }

    /// Pings the target with a NOP-Out and returns the echoed data.
    ///
    /// # Errors
    ///
    /// As [`Session::execute`]; [`Error::Timeout`] with [`TimeoutKind::Ping`].
    pub async fn ping(&self, data: Bytes) -> Result<Bytes, Error> {
        self.call(
            self.inner.command_timeout,
            TimeoutKind::Ping,
            |deadline, reply| Command::Ping {
                data,
                deadline,
                reply,
            },
        )
        .await
    }

    /// Sends a task management function (ABORT TASK SET, CLEAR TASK SET, LOGICAL UNIT
    /// RESET, TARGET WARM RESET, TARGET COLD RESET, CLEAR ACA).
    ///
    /// # Errors
    ///
    /// As [`Session::execute`]; [`Error::Invalid`] for ABORT TASK (commands past their
    /// deadline are aborted automatically).
    pub async fn task_management(
        &self,
        function: TmfFunction,
        lun: Lun,
    ) -> Result<TmfResponse, Error> {
        self.call(
            self.inner.command_timeout,
            TimeoutKind::TaskManagement,
            |deadline, reply| Command::Tmf {
                function,
                lun,
                deadline,
                reply,
            },
        )
        .await
    }

    /// Logs out and closes the session. Commands still running fail with
    /// [`Error::SessionClosed`]. A target that does not answer within the logout deadline
    /// has its connection closed.
    ///
    /// # Errors
    ///
    /// [`Error::SessionClosed`] when it was already closed; [`Error::Timeout`] with
    /// [`TimeoutKind::Logout`].
    pub async fn logout(&self) -> Result<(), Error> {
        self.call(
            self.inner.logout_timeout,
            TimeoutKind::Logout,
            |deadline, reply| Command::Logout { deadline, reply },
        )
        .await
    }

    /// Sends one request to the driver and waits for its answer until the deadline.
    async fn call<T>(
        &self,
        timeout: Duration,
        kind: TimeoutKind,
        make: impl FnOnce(Instant, oneshot::Sender<Result<T, Error>>) -> Command,
    ) -> Result<T, Error> {
        let deadline = tokio::time::Instant::now() + timeout;
        let (reply, rx) = oneshot::channel();
        let shared = &self.inner.shared;
        let exchange = async {
            self.inner
                .tx
                .send(Box::new(make(deadline.into_std(), reply)))
                .await
                .map_err(|_| shared.closed_error())?;
            rx.await.map_err(|_| shared.closed_error())?
        };
        tokio::time::timeout_at(deadline, exchange)
            .await
            .unwrap_or(Err(Error::Timeout(kind)))
    }
}
