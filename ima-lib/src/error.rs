//! The library's internal error type and its one mapping table onto `IMA_STATUS`.

use ima_abi::ImaStatus;
use ima_support::{ArgError, IntoStatus};

/// Why an IMA call failed inside the library.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImaError {
    /// A required pointer argument is NULL.
    #[error("argument {0} is null")]
    NullArgument(&'static str),
    /// An argument is out of its allowed range or inconsistent with another.
    #[error("argument {0} is invalid")]
    InvalidArgument(&'static str),
    /// The OID's type is not one of the types the API defines.
    #[error("object type {0} is not a valid IMA object type")]
    InvalidObjectType(u32),
    /// The OID's type is valid but wrong for this call.
    #[error("object type {0} is not accepted by this call")]
    IncorrectObjectType(u32),
    /// No loaded plugin has this ownerId.
    #[error("no plugin has owner id {0}")]
    UnknownOwner(u32),
    /// The library-owned object named does not exist.
    #[error("no such library-owned object")]
    ObjectNotFound,
    /// A name or alias is longer than the API allows.
    #[error("{0} is too long")]
    NameTooLong(&'static str),
    /// The owning plugin does not export the entry point.
    #[error("plugin {owner} does not export {symbol}")]
    MissingEntryPoint {
        /// ownerId of the plugin.
        owner: u32,
        /// The missing symbol.
        symbol: &'static str,
    },
    /// The plugin was unloaded (library shutting down).
    #[error("plugin {0} has been unloaded")]
    PluginUnloaded(u32),
    /// The plugin returned something the library cannot accept (NULL list, huge count, …).
    #[error("plugin {owner} misbehaved: {what}")]
    PluginMisbehaved {
        /// ownerId of the plugin.
        owner: u32,
        /// What was wrong.
        what: &'static str,
    },
    /// A plugin's own error status, passed on unchanged.
    #[error("plugin returned {0}")]
    Plugin(ImaStatus),
    /// The C allocator failed or a size overflowed.
    #[error("out of memory")]
    OutOfMemory,
    /// `IMA_MAX_CALLBACK_PER_PLUGIN` client callbacks of this kind are already registered.
    #[error("too many callbacks registered")]
    TooManyCallbacks,
    /// `IMA_FreeMemory` was given a pointer this library did not hand out (or already freed).
    #[error("pointer was not allocated by this library")]
    UnknownAllocation,
    /// The operating system refused something the library needed (e.g. persisting the node).
    #[error("operating system error: {0}")]
    Os(&'static str),
}

impl ImaError {
    /// The `IMA_STATUS` reported to the C caller. This is the only mapping table.
    pub fn status(&self) -> ImaStatus {
        match self {
            Self::NullArgument(_) | Self::InvalidArgument(_) | Self::UnknownAllocation => {
                ImaStatus::ERROR_INVALID_PARAMETER
            }
            Self::InvalidObjectType(_) => ImaStatus::ERROR_INVALID_OBJECT_TYPE,
            Self::IncorrectObjectType(_) => ImaStatus::ERROR_INCORRECT_OBJECT_TYPE,
            Self::UnknownOwner(_) | Self::ObjectNotFound => ImaStatus::ERROR_OBJECT_NOT_FOUND,
            Self::NameTooLong(_) => ImaStatus::ERROR_NAME_TOO_LONG,
            // Deliberate improvement on illumos, which answers UNEXPECTED_OS_ERROR.
            Self::MissingEntryPoint { .. } => ImaStatus::ERROR_NOT_SUPPORTED,
            Self::PluginUnloaded(_) | Self::PluginMisbehaved { .. } | Self::Os(_) => {
                ImaStatus::ERROR_UNEXPECTED_OS_ERROR
            }
            Self::Plugin(status) => *status,
            Self::OutOfMemory | Self::TooManyCallbacks => ImaStatus::ERROR_INSUFFICIENT_MEMORY,
        }
    }
}

impl IntoStatus for ImaError {
    fn status(&self) -> ImaStatus {
        Self::status(self)
    }
}

/// The shared argument checks and the tracked allocator (ima-support) report [`ArgError`].
impl From<ArgError> for ImaError {
    fn from(error: ArgError) -> Self {
        match error {
            ArgError::NullArgument(name) => Self::NullArgument(name),
            ArgError::InvalidArgument(name) => Self::InvalidArgument(name),
            ArgError::InvalidObjectType(t) => Self::InvalidObjectType(t),
            ArgError::IncorrectObjectType(t) => Self::IncorrectObjectType(t),
            ArgError::UnknownAllocation => Self::UnknownAllocation,
            // `ArgError` is non-exhaustive: anything newer is an allocation failure today.
            _ => Self::OutOfMemory,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_table() {
        let cases = [
            (
                ImaError::NullArgument("p"),
                ImaStatus::ERROR_INVALID_PARAMETER,
            ),
            (
                ImaError::InvalidObjectType(99),
                ImaStatus::ERROR_INVALID_OBJECT_TYPE,
            ),
            (
                ImaError::IncorrectObjectType(3),
                ImaStatus::ERROR_INCORRECT_OBJECT_TYPE,
            ),
            (ImaError::UnknownOwner(7), ImaStatus::ERROR_OBJECT_NOT_FOUND),
            (
                ImaError::NameTooLong("name"),
                ImaStatus::ERROR_NAME_TOO_LONG,
            ),
            (
                ImaError::MissingEntryPoint {
                    owner: 1,
                    symbol: "IMA_X",
                },
                ImaStatus::ERROR_NOT_SUPPORTED,
            ),
            (
                ImaError::Plugin(ImaStatus::ERROR_LU_IN_USE),
                ImaStatus::ERROR_LU_IN_USE,
            ),
            (
                ImaError::TooManyCallbacks,
                ImaStatus::ERROR_INSUFFICIENT_MEMORY,
            ),
            (
                ImaError::UnknownAllocation,
                ImaStatus::ERROR_INVALID_PARAMETER,
            ),
        ];
        for (error, status) in cases {
            assert_eq!(error.status(), status, "{error}");
        }
    }

    #[test]
    fn shared_errors_keep_their_status() {
        for error in [
            ArgError::NullArgument("p"),
            ArgError::InvalidArgument("p"),
            ArgError::InvalidObjectType(99),
            ArgError::IncorrectObjectType(4),
            ArgError::OutOfMemory,
            ArgError::UnknownAllocation,
        ] {
            assert_eq!(ImaError::from(error).status(), error.status(), "{error}");
        }
    }
}
