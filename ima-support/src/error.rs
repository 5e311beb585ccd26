//! The status mapping both sides share, and the errors of the shared argument checks.

use ima_abi::ImaStatus;

/// An error that knows the `IMA_STATUS` reported to the C caller.
pub trait IntoStatus {
    /// The status for this error.
    fn status(&self) -> ImaStatus;
}

/// Errors of the shared argument checks and of the tracked allocator. The library and the
/// plugin convert these into their own error types (`From<ArgError>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ArgError {
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
    /// The C allocator failed or a size overflowed.
    #[error("out of memory")]
    OutOfMemory,
    /// `IMA_FreeMemory` was given a pointer this object did not hand out (or already freed).
    #[error("pointer was not allocated here")]
    UnknownAllocation,
}

impl IntoStatus for ArgError {
    fn status(&self) -> ImaStatus {
        match self {
            Self::NullArgument(_) | Self::InvalidArgument(_) | Self::UnknownAllocation => {
                ImaStatus::ERROR_INVALID_PARAMETER
            }
            Self::InvalidObjectType(_) => ImaStatus::ERROR_INVALID_OBJECT_TYPE,
            Self::IncorrectObjectType(_) => ImaStatus::ERROR_INCORRECT_OBJECT_TYPE,
            Self::OutOfMemory => ImaStatus::ERROR_INSUFFICIENT_MEMORY,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping() {
        let cases = [
            (
                ArgError::NullArgument("p"),
                ImaStatus::ERROR_INVALID_PARAMETER,
            ),
            (
                ArgError::InvalidArgument("p"),
                ImaStatus::ERROR_INVALID_PARAMETER,
            ),
            (
                ArgError::InvalidObjectType(99),
                ImaStatus::ERROR_INVALID_OBJECT_TYPE,
            ),
            (
                ArgError::IncorrectObjectType(3),
                ImaStatus::ERROR_INCORRECT_OBJECT_TYPE,
            ),
            (ArgError::OutOfMemory, ImaStatus::ERROR_INSUFFICIENT_MEMORY),
            (
                ArgError::UnknownAllocation,
                ImaStatus::ERROR_INVALID_PARAMETER,
            ),
        ];
        for (error, status) in cases {
            assert_eq!(error.status(), status, "{error}");
        }
    }
}
