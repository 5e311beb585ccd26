//! imadm's errors, by category, each keeping its typed cause, and the exit code of each.

use std::path::PathBuf;

use ima_abi::ImaStatus;

/// Exit codes (documented in `--help` and docs/imadm.md).
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// Any other failure (library not loadable, I/O, an unexpected IMA status, a SCSI
    /// status other than GOOD, a failed demo step).
    pub const FAILURE: u8 = 1;
    /// Bad usage or an invalid argument (also `IMA_ERROR_INVALID_PARAMETER`,
    /// `IMA_ERROR_NAME_TOO_LONG`).
    pub const USAGE: u8 = 2;
    /// No such object (`IMA_ERROR_OBJECT_NOT_FOUND`, or a target, LU, address or session
    /// named on the command line that does not exist).
    pub const NOT_FOUND: u8 = 3;
    /// Not supported (`IMA_ERROR_NOT_SUPPORTED`).
    pub const NOT_SUPPORTED: u8 = 4;
    /// Login rejected (`IMA_ERROR_LOGIN_REJECTED`: refused or authentication failed).
    pub const LOGIN_REJECTED: u8 = 5;
    /// Timeout (`IMA_ERROR_TARGET_TIMEOUT`, `IMA_ERROR_SYNC_TIMEOUT`).
    pub const TIMEOUT: u8 = 6;
}

/// An IMA call that answered an error status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{call}: {}", status_name(*.status))]
pub struct ImaError {
    /// The C function called.
    pub call: &'static str,
    /// Its status.
    pub status: ImaStatus,
}

/// The C name of a status, or its value in hex.
pub fn status_name(status: ImaStatus) -> String {
    status
        .name()
        .map_or_else(|| format!("{:#010x}", status.0), str::to_owned)
}

impl ImaError {
    /// The exit code for this status.
    pub fn exit_code(&self) -> u8 {
        match self.status {
            ImaStatus::ERROR_INVALID_PARAMETER | ImaStatus::ERROR_NAME_TOO_LONG => exit::USAGE,
            ImaStatus::ERROR_OBJECT_NOT_FOUND => exit::NOT_FOUND,
            ImaStatus::ERROR_NOT_SUPPORTED => exit::NOT_SUPPORTED,
            ImaStatus::ERROR_LOGIN_REJECTED => exit::LOGIN_REJECTED,
            ImaStatus::ERROR_TARGET_TIMEOUT | ImaStatus::ERROR_SYNC_TIMEOUT => exit::TIMEOUT,
            _ => exit::FAILURE,
        }
    }
}

/// The IMA library could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// No library given and none found next to the executable.
    #[error("libima.so not found (looked at {}); use --lib PATH or IMA_LIB", .looked.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
    NotFound {
        /// The places searched.
        looked: Vec<PathBuf>,
    },
    /// `dlopen` failed.
    #[error("cannot load {}: {source}", .path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: libloading::Error,
    },
    /// An export is missing.
    #[error("{} has no {name}: {source}", .path.display())]
    Symbol {
        /// The file.
        path: PathBuf,
        /// The export.
        name: &'static str,
        /// Why.
        source: libloading::Error,
    },
}

/// Everything a command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An IMA call failed.
    #[error(transparent)]
    Ima(#[from] ImaError),
    /// The library could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// An invalid argument (exit 2).
    #[error("{0}")]
    Invalid(String),
    /// A named object does not exist (exit 3).
    #[error("{0}")]
    NotFound(String),
    /// A file or terminal could not be used.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// Why.
        source: std::io::Error,
    },
    /// The SendTargets exchange of `discovery sendtargets` failed.
    #[error("SendTargets to {portal}: {source}")]
    SendTargets {
        /// The portal asked.
        portal: String,
        /// The initiator's error.
        source: iscsi_initiator::Error,
    },
    /// The iSNS query of `discovery isns` failed.
    #[error("iSNS: {0}")]
    Isns(iscsi_initiator::isns::IsnsClientError),
    /// A SCSI command completed with a status other than GOOD (its sense was printed).
    #[error("{call}: {} (SCSI status), {detail}", status_name(*.status))]
    Scsi {
        /// The IMA call.
        call: &'static str,
        /// The IMA status carrying the SCSI status.
        status: ImaStatus,
        /// The decoded sense, or "no sense data".
        detail: String,
    },
    /// A step of `imadm demo` failed.
    #[error("demo: {step}: {reason}")]
    Demo {
        /// The step.
        step: &'static str,
        /// Why.
        reason: String,
    },
}

impl Error {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Ima(e) => e.exit_code(),
            Self::Invalid(_) => exit::USAGE,
            Self::NotFound(_) => exit::NOT_FOUND,
            Self::SendTargets { source, .. } => match source {
                iscsi_initiator::Error::Invalid(_) | iscsi_initiator::Error::InvalidOption(_) => {
                    exit::USAGE
                }
                iscsi_initiator::Error::Login { .. } => exit::LOGIN_REJECTED,
                iscsi_initiator::Error::Timeout(_) => exit::TIMEOUT,
                _ => exit::FAILURE,
            },
            Self::Isns(e) => match e {
                iscsi_initiator::isns::IsnsClientError::Timeout { .. } => exit::TIMEOUT,
                iscsi_initiator::isns::IsnsClientError::Invalid(_) => exit::USAGE,
                _ => exit::FAILURE,
            },
            Self::Load(_) | Self::Io { .. } | Self::Scsi { .. } | Self::Demo { .. } => {
                exit::FAILURE
            }
        }
    }

    /// An [`Error::Io`].
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            what: what.into(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_the_documented_exit_codes() {
        let code = |status| ImaError { call: "x", status }.exit_code();
        assert_eq!(code(ImaStatus::ERROR_INVALID_PARAMETER), 2);
        assert_eq!(code(ImaStatus::ERROR_OBJECT_NOT_FOUND), 3);
        assert_eq!(code(ImaStatus::ERROR_NOT_SUPPORTED), 4);
        assert_eq!(code(ImaStatus::ERROR_LOGIN_REJECTED), 5);
        assert_eq!(code(ImaStatus::ERROR_TARGET_TIMEOUT), 6);
        assert_eq!(code(ImaStatus::ERROR_SYNC_TIMEOUT), 6);
        assert_eq!(code(ImaStatus::ERROR_UNEXPECTED_OS_ERROR), 1);
        let e = ImaError {
            call: "IMA_GetTargetOidList",
            status: ImaStatus::ERROR_OBJECT_NOT_FOUND,
        };
        assert_eq!(
            e.to_string(),
            "IMA_GetTargetOidList: IMA_ERROR_OBJECT_NOT_FOUND"
        );
    }
}
