//! The application's handle on a logged-in session.

use std::{
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use bytes::Bytes;
use iscsi_proto::{
    negotiation::NegotiatedParams,
    session::ScsiRequest,
    wire::{Isid, Lun, TmfFunction, TmfResponse},
};
use tokio::sync::{mpsc, oneshot};

use crate::{
    Error, TimeoutKind,
    driver::{Command, ScsiResult},
};

/// What a session is connected to.
#[derive(Clone, Debug)]
pub struct SessionInfo {
    /// The target name (empty for a discovery session).
    pub target: String,
    /// The portal, `host:port`.
    pub portal: String,
    /// Our ISID, kept across reconnects.
    pub isid: Isid,
    /// The parameters negotiated at the first login.
    pub params: NegotiatedParams,
    /// Default deadline for commands, Text requests, pings and task management.
    pub command_timeout: Duration,
    /// Deadline for a logout.
    pub logout_timeout: Duration,
}

/// Counters of one session's driver, for monitoring and tests.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct SessionCounters {
    /// Connections driven in full-feature phase (the first login and every reinstatement).
    pub logins: u64,
    /// Connections that failed (transport, protocol violation, keep-alive, unanswered
    /// request).
    pub connection_failures: u64,
    /// Reinstatement logins tried.
    pub reconnect_attempts: u64,
    /// Times the driver's timer fired. Bounded by the deadlines the session has: a driver
    /// that re-armed a passed deadline would count without limit.
    pub timer_wakeups: u64,
}

/// State shared by a session's handles and its driver.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    pub(crate) logins: AtomicU64,
    pub(crate) connection_failures: AtomicU64,
    pub(crate) reconnect_attempts: AtomicU64,
    pub(crate) timer_wakeups: AtomicU64,
    /// Why the session ended, for calls made after it did.
    terminal: Mutex<Option<Error>>,
}

impl Shared {
    /// Adds one to a counter.
    pub(crate) fn count(&self, which: impl FnOnce(&Self) -> &AtomicU64) {
        which(self).fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn set_terminal(&self, error: Error) {
        *self.terminal.lock().unwrap_or_else(PoisonError::into_inner) = Some(error);
    }

    fn closed(&self) -> Error {
        self.terminal
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .unwrap_or(Error::SessionClosed)
    }

    fn snapshot(&self) -> SessionCounters {
        SessionCounters {
            logins: self.logins.load(Ordering::Relaxed),
            connection_failures: self.connection_failures.load(Ordering::Relaxed),
            reconnect_attempts: self.reconnect_attempts.load(Ordering::Relaxed),
            timer_wakeups: self.timer_wakeups.load(Ordering::Relaxed),
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
/// Dropping the last handle logs the session out in the background.
#[derive(Clone, Debug)]
pub struct Session {
    tx: mpsc::Sender<Command>,
    info: Arc<SessionInfo>,
    shared: Arc<Shared>,
}

impl Session {
    pub(crate) fn new(tx: mpsc::Sender<Command>, info: SessionInfo, shared: Arc<Shared>) -> Self {
        Self {
            tx,
            info: Arc::new(info),
            shared,
        }
    }

    /// What this session is connected to.
    pub fn info(&self) -> &SessionInfo {
        &self.info
    }

    /// The driver's counters now.
    pub fn counters(&self) -> SessionCounters {
        self.shared.snapshot()
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
        self.execute_with_timeout(request, self.info.command_timeout)
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
            self.info.command_timeout,
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
            self.info.command_timeout,
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
            self.info.command_timeout,
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
            self.info.logout_timeout,
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
        make: impl FnOnce(std::time::Instant, oneshot::Sender<Result<T, Error>>) -> Command,
    ) -> Result<T, Error> {
        let deadline = tokio::time::Instant::now() + timeout;
        let (reply, rx) = oneshot::channel();
        let exchange = async {
            self.tx
                .send(make(deadline.into_std(), reply))
                .await
                .map_err(|_| self.shared.closed())?;
            rx.await.map_err(|_| self.shared.closed())?
        };
        tokio::time::timeout_at(deadline, exchange)
            .await
            .unwrap_or(Err(Error::Timeout(kind)))
    }
}
