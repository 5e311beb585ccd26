//! The plugin's error type and its one mapping onto `IMA_STATUS`.

use ima_abi::ImaStatus;
use ima_support::{ArgError, IntoStatus};

/// Why a plugin call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PluginError {
    /// The object exists but the operation is not available (`IMA_ERROR_NOT_SUPPORTED`).
    #[error("not supported")]
    NotSupported,
    /// No such object (`IMA_ERROR_OBJECT_NOT_FOUND`).
    #[error("no such object")]
    ObjectNotFound,
    /// An argument check failed (NULL pointer, bad boolean, wrong OID type, ...).
    #[error(transparent)]
    Argument(#[from] ArgError),
    /// A name or alias is too long (`IMA_ERROR_NAME_TOO_LONG`).
    #[error("{0} is too long")]
    NameTooLong(&'static str),
    /// The object is in use by the OS (`IMA_ERROR_LU_IN_USE`).
    #[error("in use")]
    InUse,
    /// `Initialize` has not run (or `Terminate` has).
    #[error("plugin not initialised")]
    NotInitialized,
    /// The engine failed in a way the API has no better code for
    /// (`IMA_ERROR_UNEXPECTED_OS_ERROR`).
    #[error("engine error: {0}")]
    Engine(String),
    /// A specific IMA status chosen by the backend.
    #[error("status {0}")]
    Status(ImaStatus),
}

impl IntoStatus for PluginError {
    fn status(&self) -> ImaStatus {
        match self {
            Self::NotSupported => ImaStatus::ERROR_NOT_SUPPORTED,
            Self::ObjectNotFound => ImaStatus::ERROR_OBJECT_NOT_FOUND,
            Self::Argument(error) => error.status(),
            Self::NameTooLong(_) => ImaStatus::ERROR_NAME_TOO_LONG,
            Self::InUse => ImaStatus::ERROR_LU_IN_USE,
            Self::NotInitialized | Self::Engine(_) => ImaStatus::ERROR_UNEXPECTED_OS_ERROR,
            Self::Status(status) => *status,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping() {
        assert_eq!(
            PluginError::NotSupported.status(),
            ImaStatus::ERROR_NOT_SUPPORTED
        );
        assert_eq!(
            PluginError::ObjectNotFound.status(),
            ImaStatus::ERROR_OBJECT_NOT_FOUND
        );
        assert_eq!(
            PluginError::from(ArgError::IncorrectObjectType(3)).status(),
            ImaStatus::ERROR_INCORRECT_OBJECT_TYPE
        );
        assert_eq!(
            PluginError::NotInitialized.status(),
            ImaStatus::ERROR_UNEXPECTED_OS_ERROR
        );
    }
}
