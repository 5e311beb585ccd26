//! The one boundary helper every `extern "C"` body runs in, and the argument checks.

use std::fmt::Display;
use std::panic::{AssertUnwindSafe, catch_unwind};

use ima_abi::{IMA_FALSE, IMA_TRUE, ImaBool, ImaByte, ImaStatus, ImaUint, ObjectType};

use crate::error::{ArgError, IntoStatus};

/// Runs an export body: catches panics (→ `IMA_ERROR_UNKNOWN_ERROR`), maps errors through
/// [`IntoStatus::status`] and logs them. Nothing unwinds across the C ABI.
pub fn guard<E: IntoStatus + Display>(
    call: &'static str,
    body: impl FnOnce() -> Result<ImaStatus, E>,
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

/// NULL → [`ArgError::NullArgument`].
pub fn non_null<T>(ptr: *const T, name: &'static str) -> Result<(), ArgError> {
    if ptr.is_null() {
        Err(ArgError::NullArgument(name))
    } else {
        Ok(())
    }
}

/// Anything but `IMA_TRUE`/`IMA_FALSE` → [`ArgError::InvalidArgument`].
pub fn check_bool(value: ImaBool, name: &'static str) -> Result<(), ArgError> {
    if value == IMA_TRUE || value == IMA_FALSE {
        Ok(())
    } else {
        Err(ArgError::InvalidArgument(name))
    }
}

/// `false` → [`ArgError::InvalidArgument`] (enum range checks).
pub fn check_range(in_range: bool, name: &'static str) -> Result<(), ArgError> {
    if in_range {
        Ok(())
    } else {
        Err(ArgError::InvalidArgument(name))
    }
}

/// Checks an OID's type against the types a call accepts: an undefined type is
/// `INVALID_OBJECT_TYPE`, a defined but unaccepted one `INCORRECT_OBJECT_TYPE`.
pub fn check_type(actual: ObjectType, allowed: &[ObjectType]) -> Result<(), ArgError> {
    if allowed.contains(&actual) {
        Ok(())
    } else if actual.is_defined() {
        Err(ArgError::IncorrectObjectType(actual.0))
    } else {
        Err(ArgError::InvalidObjectType(actual.0))
    }
}

/// The buffer rules of the three SCSI pass-through calls (`IMA_LuInquiry`,
/// `IMA_LuReadCapacity`, `IMA_LuReportLuns`; docs/ima-notes.md §2.8): output buffer and its
/// length non-NULL, the length non-zero; the sense buffer may be NULL only if its length
/// pointer is NULL or holds 0, and a sense buffer needs a length pointer. Returns the output
/// buffer's capacity.
///
/// # Safety
///
/// Each non-NULL length pointer must be valid for a read.
pub unsafe fn check_scsi_buffers(
    output: *const ImaByte,
    output_length: *const ImaUint,
    sense: *const ImaByte,
    sense_length: *const ImaUint,
) -> Result<ImaUint, ArgError> {
    non_null(output, "pOutputBuffer")?;
    non_null(output_length, "pOutputBufferLength")?;
    // SAFETY: non-NULL, and readable by this function's contract.
    let capacity = unsafe { output_length.read() };
    check_range(capacity != 0, "*pOutputBufferLength")?;
    // SAFETY: read only when non-NULL, readable by this function's contract.
    let sense_len = (!sense_length.is_null()).then(|| unsafe { sense_length.read() });
    match (sense.is_null(), sense_len) {
        (true, Some(len)) if len != 0 => Err(ArgError::InvalidArgument("pSenseBuffer")),
        (false, None) => Err(ArgError::NullArgument("pSenseBufferLength")),
        _ => Ok(capacity),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_maps_errors_and_panics() {
        assert_eq!(
            guard::<ArgError>("t", || Ok(ImaStatus::STATUS_REBOOT_NECESSARY)),
            ImaStatus::STATUS_REBOOT_NECESSARY
        );
        assert_eq!(
            guard("t", || Err(ArgError::IncorrectObjectType(3))),
            ImaStatus::ERROR_INCORRECT_OBJECT_TYPE
        );
        assert_eq!(
            guard::<ArgError>("t", || panic!("boom")),
            ImaStatus::ERROR_UNKNOWN_ERROR
        );
    }

    #[test]
    fn type_checks() {
        let lhba = [ObjectType::LHBA];
        assert!(check_type(ObjectType::LHBA, &lhba).is_ok());
        assert_eq!(
            check_type(ObjectType::PHBA, &lhba),
            Err(ArgError::IncorrectObjectType(4))
        );
        assert_eq!(
            check_type(ObjectType(15), &lhba),
            Err(ArgError::InvalidObjectType(15))
        );
        assert_eq!(check_bool(2, "b"), Err(ArgError::InvalidArgument("b")));
        assert_eq!(check_range(false, "r"), Err(ArgError::InvalidArgument("r")));
        assert_eq!(
            non_null(std::ptr::null::<u8>(), "p"),
            Err(ArgError::NullArgument("p"))
        );
    }
}
