//! The initiator's error type. It is `Clone` because one connection failure completes every
//! pending command with the same error.

use std::{fmt, io};

use iscsi_proto::{
    framing::FrameError,
    login::LoginError,
    negotiation::NegotiationError,
    scsi::{ScsiStatus, SenseData},
    session::{ApiMisuse, ProtocolError, TaskError},
    wire::{LoginStatus, ScsiResponseCode},
};

/// Which deadline passed.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum TimeoutKind {
    /// TCP connect.
    Connect,
    /// The login exchange.
    Login,
    /// One command (it was aborted at the target).
    Command,
    /// Reconnecting after a failure took longer than the configured limit.
    Reconnect,
    /// Logout.
    Logout,
    /// A Text exchange (for example SendTargets); the connection was dropped.
    Text,
    /// A NOP-Out ping; the connection was dropped.
    Ping,
    /// A task management function; the connection was dropped.
    TaskManagement,
}

/// A SCSI command ended with a status other than GOOD.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ScsiError {
    /// The iSCSI response code (anything but "command completed" means the status is
    /// meaningless).
    pub response: ScsiResponseCode,
    /// The SCSI status.
    pub status: ScsiStatus,
    /// Decoded sense data, when the target sent some.
    pub sense: Option<SenseData>,
}

impl fmt::Display for ScsiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.response != ScsiResponseCode::CommandCompleted {
            return write!(f, "target failure ({:?})", self.response);
        }
        match self.status.sam_name() {
            Some(name) => f.write_str(name)?,
            None => write!(f, "status {:#04x}", u8::from(self.status))?,
        }
        if let Some(sense) = &self.sense {
            write!(f, ": {sense}")?;
        }
        Ok(())
    }
}

/// Why a connection was lost.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq, thiserror::Error)]
pub enum ConnectionLoss {
    /// The target broke the protocol (RFC 7143 §7.7: session recovery at ERL 0).
    #[error("protocol violation by the target: {0}")]
    Protocol(ProtocolError),
    /// A keep-alive ping went unanswered while nothing else arrived (§7.14).
    #[error("the target stopped answering keep-alive pings")]
    KeepAlive,
    /// The transport connection closed or failed.
    #[error("the transport connection closed or failed")]
    Transport,
    /// The initiator dropped it: a request of this kind went unanswered past its deadline.
    #[error("dropped after an unanswered request ({0:?})")]
    Unanswered(TimeoutKind),
    /// The target asked for a logout (AsyncEvent 1) and the session logged out.
    #[error("the target asked for a logout")]
    TargetLogout,
    /// A command could not be aborted: ABORT TASK and then LOGICAL UNIT RESET failed, so
    /// the session is recovered to end it.
    #[error("a task could not be aborted (ABORT TASK and LU RESET failed)")]
    TaskManagementFailed,
}

/// Any error of the initiator.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
pub enum Error {
    /// A URL or argument is malformed.
    #[error("{0}")]
    Invalid(String),
    /// A login option is outside its RFC 7143 §13 range, or one this initiator cannot
    /// honour; nothing was sent.
    #[error("invalid login option: {0}")]
    InvalidOption(NegotiationError),
    /// A CHAP secret is shorter than 96 bits, which RFC 7143 §9.2.1 allows only under
    /// IPsec; set `Credentials::allow_short_secrets` to use it anyway. Nothing was sent.
    #[error(
        "the {} CHAP secret is shorter than 96 bits (12 bytes), allowed only under IPsec \
         (RFC 7143 §9.2.1)",
        if *target { "target's" } else { "initiator's" }
    )]
    ShortSecret {
        /// The target's secret (mutual CHAP) rather than ours.
        target: bool,
    },
    /// The portal could not be reached.
    #[error("cannot connect to {addr}: {message}")]
    Connect {
        /// The portal.
        addr: String,
        /// The I/O error kind.
        kind: io::ErrorKind,
        /// The I/O error text.
        message: String,
    },
    /// Login was refused or failed.
    #[error("login to {target} failed: {reason}")]
    Login {
        /// The target name (or "discovery@portal").
        target: String,
        /// Why.
        reason: LoginFailure,
    },
    /// The target broke the protocol.
    #[error("protocol error: {0}")]
    Protocol(ProtocolError),
    /// The connection was lost and could not be restored (reconnecting is off, or this is
    /// a discovery session); the command's outcome at the target is unknown (a write may or
    /// may not have landed).
    #[error("connection lost: {0}")]
    ConnectionLost(ConnectionLoss),
    /// The connection failed and every attempt to restore it within the reconnect budget
    /// failed; the command's outcome at the target is unknown.
    #[error("connection lost ({lost}); reconnecting failed after {attempts} attempts: {last}")]
    Reconnect {
        /// Why the connection failed.
        lost: ConnectionLoss,
        /// Login attempts made.
        attempts: u32,
        /// Why the last attempt failed.
        last: Box<Self>,
    },
    /// The session cannot take this request now or at all (a full task table, a Text
    /// exchange already running, a request that does not fit the negotiated limits).
    #[error("request refused by the session: {0}")]
    Request(ApiMisuse),
    /// A deadline passed.
    #[error("timed out ({0:?})")]
    Timeout(TimeoutKind),
    /// The session was logged out or dropped.
    #[error("session closed")]
    SessionClosed,
    /// The task ended without a status.
    #[error("task failed: {0}")]
    Task(TaskError),
    /// A SCSI command ended with a non-GOOD status.
    #[error("SCSI error: {0}")]
    Scsi(ScsiError),
    /// The target's answer could not be decoded.
    #[error("bad response: {0}")]
    BadResponse(String),
    /// A read or write of several commands stopped short: the target acknowledged `done`
    /// of the `requested` bytes (for a write, bytes it both solicited or accepted and
    /// reported written), and `cause` says why the rest was not.
    #[error("{op} incomplete: the target acknowledged {done} of {requested} bytes: {cause}")]
    Incomplete {
        /// Which direction.
        op: TransferOp,
        /// Bytes the caller asked to move.
        requested: u64,
        /// Bytes the target acknowledged, counted from the start.
        done: u64,
        /// Why it stopped.
        cause: Box<Self>,
    },
}

/// The direction of a transfer, for [`Error::Incomplete`].
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum TransferOp {
    /// Data from the target.
    Read,
    /// Data to the target.
    Write,
}

impl fmt::Display for TransferOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Read => "read",
            Self::Write => "write",
        })
    }
}

/// Why a login failed, with the typed cause.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
pub enum LoginFailure {
    /// CHAP failed: the target refused our credentials (status 0x0201), its own proof
    /// (mutual CHAP) or its CHAP keys were wrong, or it refused every CHAP algorithm. The
    /// login error says which.
    #[error("authentication failed: {0}")]
    Authentication(LoginError),
    /// The target refused the login with this status (RFC 7143 §11.13.5), other than an
    /// authentication failure.
    #[error("target refused: {0}")]
    Refused(LoginStatus),
    /// Redirected too many times in a row.
    #[error("too many redirects")]
    TooManyRedirects,
    /// The target broke a login rule, or the negotiation failed (the login error says
    /// which key and why).
    #[error("{0}")]
    Protocol(LoginError),
    /// The target sent bytes that are not a login PDU.
    #[error("the target sent bytes that are not a login PDU: {0}")]
    Malformed(FrameError),
    /// A login PDU came with a failed data digest (none may be in use during login).
    #[error("data digest error on a login PDU")]
    Digest,
    /// The connection closed (`UnexpectedEof`) or failed during login.
    #[error("connection lost during login ({0:?})")]
    ConnectionLost(io::ErrorKind),
}

impl Error {
    /// Whether retrying later may help (target busy, connection trouble).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Connect { .. }
                | Self::ConnectionLost(_)
                | Self::Reconnect { .. }
                | Self::Timeout(_)
        )
    }

    pub(crate) fn connect(addr: &str, e: &io::Error) -> Self {
        Self::Connect {
            addr: addr.to_owned(),
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

impl From<ApiMisuse> for Error {
    fn from(e: ApiMisuse) -> Self {
        match e {
            ApiMisuse::NotActive | ApiMisuse::LoggingOut => Self::SessionClosed,
            other => Self::Request(other),
        }
    }
}

impl From<Error> for io::Error {
    fn from(e: Error) -> Self {
        let kind = match &e {
            Error::Invalid(_) | Error::InvalidOption(_) | Error::ShortSecret { .. } => {
                io::ErrorKind::InvalidInput
            }
            Error::Connect { kind, .. } => *kind,
            Error::Login {
                reason: LoginFailure::Authentication(_),
                ..
            } => io::ErrorKind::PermissionDenied,
            Error::Login { .. } => io::ErrorKind::ConnectionRefused,
            Error::Timeout(_) => io::ErrorKind::TimedOut,
            Error::ConnectionLost(_) | Error::Reconnect { .. } => io::ErrorKind::ConnectionAborted,
            Error::SessionClosed => io::ErrorKind::NotConnected,
            _ => io::ErrorKind::Other,
        };
        Self::new(kind, e)
    }
}
