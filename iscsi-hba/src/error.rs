//! [`HbaError`]: every failure of the engine, by category, keeping typed causes.

use std::{io, path::PathBuf};

use iscsi_proto::wire::ScsiResponseCode;

use crate::ObjectId;

/// Which deadline passed, for [`HbaError::Timeout`].
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum TimeoutKind {
    /// Waiting for the state file lock ([`crate::EngineConfig::lock_timeout`]).
    StateLock,
    /// A whole operation that talks to a target
    /// ([`crate::EngineConfig::operation_timeout`]).
    Operation,
}

/// Any error of the HBA engine.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum HbaError {
    /// No object has this id (any more).
    #[error("no such object: {0}")]
    NotFound(ObjectId),
    /// An argument is malformed or out of range; nothing was changed.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The object exists but cannot do this (a pass-through on a node, a CDB length other
    /// than 10 or 16).
    #[error("not supported: {0}")]
    NotSupported(String),
    /// The state file cannot be used: bad JSON, an unknown version, inconsistent
    /// contents. It is never overwritten; fix or remove it.
    #[error("state file {} is corrupt: {reason}", path.display())]
    CorruptState {
        /// The state file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Reading, writing or locking a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// A deadline passed.
    #[error("timed out ({0:?})")]
    Timeout(TimeoutKind),
    /// The initiator failed: connect, login, protocol, connection loss, a command's
    /// deadline, a malformed answer.
    #[error(transparent)]
    Initiator(#[from] iscsi_initiator::Error),
    /// A SCSI command got an iSCSI response other than "command completed at target", so
    /// it has no SCSI status.
    #[error("the target failed the command (iSCSI response {0:?})")]
    TargetFailure(ScsiResponseCode),
    /// The target was logged out on request and gets no session until it is logged in on
    /// request ([`crate::Engine::login`]).
    #[error("{0} was logged out on request; log in to it first")]
    LoggedOut(ObjectId),
    /// Some discovery addresses did not answer, so the operation (removing stale data)
    /// could not tell which targets are gone.
    #[error("{failed} discovery address(es) did not answer")]
    DiscoveryIncomplete {
        /// How many.
        failed: usize,
    },
    /// Statistics collection is off for this object ([`crate::Engine::set_statistics`]).
    #[error("statistics collection is off for {0}")]
    StatisticsDisabled(ObjectId),
    /// The object is in use: an exposed LU with NBD clients connected.
    #[error("{0} is in use by {1} client(s)")]
    InUse(ObjectId, usize),

    /// The iSNS server could not be asked or refused.
    #[error(transparent)]
    Isns(#[from] iscsi_initiator::isns::IsnsClientError),
    /// [`crate::Engine::shutdown`] was called.
    #[error("the engine is shut down")]
    ShutDown,
}

impl HbaError {
    /// Whether a target refused a login: CHAP failed (our credentials refused, or the
    /// target's proof wrong in mutual CHAP), or the target answered a Status-Class 2
    /// (initiator error: authentication or authorization failure, target not found, …;
    /// RFC 7143 §11.13.5).
    pub fn is_login_rejected(&self) -> bool {
        use iscsi_initiator::{Error, LoginFailure};
        match self {
            Self::Initiator(Error::Login { reason, .. }) => match reason {
                LoginFailure::Authentication(_) => true,
                LoginFailure::Refused(status) => status.class() == 2,
                _ => false,
            },
            _ => false,
        }
    }

    /// Whether connecting or logging in to a target passed its deadline.
    pub fn is_login_timeout(&self) -> bool {
        use iscsi_initiator::{Error, TimeoutKind as Kind};
        matches!(
            self,
            Self::Initiator(Error::Timeout(Kind::Connect | Kind::Login))
                | Self::Initiator(Error::Connect {
                    kind: io::ErrorKind::TimedOut,
                    ..
                })
        )
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
