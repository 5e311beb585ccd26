//! The application's handle on a logged-in session.

use std::{sync::Arc, time::Duration};

use bytes::Bytes;
use iscsi_proto::{
    negotiation::NegotiatedParams,
    session::ScsiRequest,
    wire::{Isid, Lun, TmfFunction, TmfResponse},
};
use tokio::sync::{mpsc, oneshot};

use crate::{
    Error,
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
    /// Default deadline for commands.
    pub command_timeout: Duration,
}

/// A cheap, cloneable handle on one iSCSI session. Every method is one request to the
/// session's driver task; many can be in flight at once from clones of the handle.
///
/// Dropping the last handle logs the session out in the background.
#[derive(Clone, Debug)]
pub struct Session {
    tx: mpsc::Sender<Command>,
    info: Arc<SessionInfo>,
}

impl Session {
    pub(crate) fn new(tx: mpsc::Sender<Command>, info: SessionInfo) -> Self {
        Self {
            tx,
            info: Arc::new(info),
        }
    }

    /// What this session is connected to.
    pub fn info(&self) -> &SessionInfo {
        &self.info
    }

    /// Runs a SCSI command with the default deadline. The result carries the status
    /// whatever it is; the typed helpers in [`crate::scsi`] turn non-GOOD status into
    /// [`Error::Scsi`].
    ///
    /// # Errors
    ///
    /// [`Error::SessionClosed`], [`Error::ConnectionLost`] (the outcome at the target is
    /// unknown), [`Error::Timeout`] (the command was aborted), [`Error::Task`].
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
        self.call(|reply| Command::Scsi {
            request,
            timeout,
            reply,
        })
        .await
    }

    /// Sends a Text request (for example `SendTargets=`) and returns the target's text.
    ///
    /// # Errors
    ///
    /// As [`Session::execute`].
    pub async fn text(&self, text: Bytes) -> Result<Bytes, Error> {
        self.call(|reply| Command::Text { text, reply }).await
    }

    /// Pings the target with a NOP-Out and returns the echoed data.
    ///
    /// # Errors
    ///
    /// As [`Session::execute`].
    pub async fn ping(&self, data: Bytes) -> Result<Bytes, Error> {
        self.call(|reply| Command::Ping { data, reply }).await
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
        self.call(|reply| Command::Tmf {
            function,
            lun,
            reply,
        })
        .await
    }

    /// Logs out and closes the session. Commands still running fail with
    /// [`Error::SessionClosed`].
    ///
    /// # Errors
    ///
    /// [`Error::SessionClosed`] when it was already closed.
    pub async fn logout(&self) -> Result<(), Error> {
        self.call(|reply| Command::Logout { reply }).await
    }

    async fn call<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<T, Error>>) -> Command,
    ) -> Result<T, Error> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(make(reply))
            .await
            .map_err(|_| Error::SessionClosed)?;
        rx.await.map_err(|_| Error::SessionClosed)?
    }
}
