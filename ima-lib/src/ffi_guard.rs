//! The one boundary helper every `extern "C"` body runs in, and the argument checks.

use std::panic::{AssertUnwindSafe, catch_unwind};

use ima_abi::{IMA_FALSE, IMA_TRUE, ImaBool, ImaStatus, ObjectType};

use crate::error::ImaError;

/// Runs an export body: catches panics (→ `IMA_ERROR_UNKNOWN_ERROR`), maps errors through
/// [`ImaError::status`] and logs them. Nothing unwinds across the C ABI.
pub(crate) fn guard(
    call: &'static str,
    body: impl FnOnce() -> Result<ImaStatus, ImaError>,
) -> ImaStatus {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(status)) => status,
        Ok(Err(error)) => {
            let status = error.status();
            tracing::debug!(call, %error, %status, "IMA call failed");
            status
        }
        Err(_) => {
            tracing::error!(call, "panic caught at the IMA boundary");
            ImaStatus::ERROR_UNKNOWN_ERROR
        }
    }
}

/// NULL → [`ImaError::NullArgument`].
pub(crate) fn non_null<T>(ptr: *const T, name: &'static str) -> Result<(), ImaError> {
    if ptr.is_null() {
        Err(ImaError::NullArgument(name))
    } else {
        Ok(())
    }
}

/// Anything but `IMA_TRUE`/`IMA_FALSE` → [`ImaError::InvalidArgument`].
pub(crate) fn check_bool(value: ImaBool, name: &'static str) -> Result<(), ImaError> {
    if value == IMA_TRUE || value == IMA_FALSE {
        Ok(())
    } else {
        Err(ImaError::InvalidArgument(name))
    }
}

/// `false` → [`ImaError::InvalidArgument`] (enum range checks).
pub(crate) fn check_range(in_range: bool, name: &'static str) -> Result<(), ImaError> {
    if in_range {
        Ok(())
    } else {
        Err(ImaError::InvalidArgument(name))
    }
}

/// Checks an OID's type against the types a call accepts: an undefined type is
/// `INVALID_OBJECT_TYPE`, a defined but unaccepted one `INCORRECT_OBJECT_TYPE`.
pub(crate) fn check_type(actual: ObjectType, allowed: &[ObjectType]) -> Result<(), ImaError> {
    if allowed.contains(&actual) {
        Ok(())
    } else if actual.is_defined() {
        Err(ImaError::IncorrectObjectType(actual.0))
    } else {
        Err(ImaError::InvalidObjectType(actual.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_maps_errors_and_panics() {
        assert_eq!(
            guard("t", || Ok(ImaStatus::STATUS_REBOOT_NECESSARY)),
            ImaStatus::STATUS_REBOOT_NECESSARY
        );
        assert_eq!(
            guard("t", || Err(ImaError::UnknownOwner(3))),
            ImaStatus::ERROR_OBJECT_NOT_FOUND
        );
        assert_eq!(
            guard("t", || panic!("boom")),
            ImaStatus::ERROR_UNKNOWN_ERROR
        );
    }

    #[test]
    fn type_checks() {
        let lhba = [ObjectType::LHBA];
        assert!(check_type(ObjectType::LHBA, &lhba).is_ok());
        assert_eq!(
            check_type(ObjectType::PHBA, &lhba),
            Err(ImaError::IncorrectObjectType(4))
        );
        assert_eq!(
            check_type(ObjectType(15), &lhba),
            Err(ImaError::InvalidObjectType(15))
        );
        assert_eq!(check_bool(2, "b"), Err(ImaError::InvalidArgument("b")));
        assert_eq!(
            non_null(std::ptr::null::<u8>(), "p"),
            Err(ImaError::NullArgument("p"))
        );
    }
}
