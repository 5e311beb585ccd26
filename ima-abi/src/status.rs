//! `IMA_STATUS` and its values (docs/ima-notes.md §1.2).

use core::ffi::c_ulong;
use core::fmt;

/// `IMA_STATUS`: a `c_ulong` carrying a 32-bit status code.
///
/// Bit 31 set means error. When reading a status returned by a plugin use
/// [`ImaStatus::from_plugin`], which keeps only the low 32 bits (a plugin built with the
/// `enum` variant of the header may leave the upper register half undefined).
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ImaStatus(pub c_ulong);

macro_rules! statuses {
    ($($(#[$doc:meta])* $name:ident = $value:expr;)*) => {
        impl ImaStatus {
            $($(#[$doc])* pub const $name: Self = Self($value);)*

            /// The C name of a known status code, if it is one.
            pub fn name(self) -> Option<&'static str> {
                match self {
                    $(Self::$name => Some(concat!("IMA_", stringify!($name))),)*
                    _ => None,
                }
            }
        }
    };
}

statuses! {
    /// `IMA_STATUS_SUCCESS`.
    STATUS_SUCCESS = 0x0000_0000;
    /// `IMA_STATUS_REBOOT_NECESSARY`: success, takes effect after a reboot.
    STATUS_REBOOT_NECESSARY = 0x0000_0001;
    /// `IMA_STATUS_INCONSISTENT_NODE_PROPERTIES`.
    STATUS_INCONSISTENT_NODE_PROPERTIES = 0x0000_0002;
    /// `IMA_STATUS_SCSI_STATUS_CONDITION_MET`.
    STATUS_SCSI_STATUS_CONDITION_MET = 0x0000_0100;
    /// `IMA_STATUS_ERROR`: the error bit, also a generic error.
    STATUS_ERROR = 0x8000_0000;
    /// `IMA_ERROR_NOT_SUPPORTED`.
    ERROR_NOT_SUPPORTED = 0x8000_0001;
    /// `IMA_ERROR_INSUFFICIENT_MEMORY`.
    ERROR_INSUFFICIENT_MEMORY = 0x8000_0002;
    /// `IMA_ERROR_LAST_PRIMARY_DISCOVERY_METHOD`.
    ERROR_LAST_PRIMARY_DISCOVERY_METHOD = 0x8000_0003;
    /// `IMA_ERROR_UNEXPECTED_OS_ERROR`.
    ERROR_UNEXPECTED_OS_ERROR = 0x8000_0004;
    /// `IMA_ERROR_SYNC_TIMEOUT`.
    ERROR_SYNC_TIMEOUT = 0x8000_0005;
    /// `IMA_ERROR_LU_EXPOSED`.
    ERROR_LU_EXPOSED = 0x8000_0006;
    /// `IMA_ERROR_LU_NOT_EXPOSED`.
    ERROR_LU_NOT_EXPOSED = 0x8000_0007;
    /// `IMA_ERROR_LU_IN_USE`.
    ERROR_LU_IN_USE = 0x8000_0008;
    /// `IMA_ERROR_TARGET_TIMEOUT`.
    ERROR_TARGET_TIMEOUT = 0x8000_0009;
    /// `IMA_ERROR_LOGIN_REJECTED`.
    ERROR_LOGIN_REJECTED = 0x8000_000A;
    /// `IMA_ERROR_STATS_COLLECTION_NOT_ENABLED`.
    ERROR_STATS_COLLECTION_NOT_ENABLED = 0x8000_000B;
    /// `IMA_ERROR_SCSI_STATUS_CHECK_CONDITION`.
    ERROR_SCSI_STATUS_CHECK_CONDITION = 0x8000_0100;
    /// `IMA_ERROR_SCSI_STATUS_BUSY`.
    ERROR_SCSI_STATUS_BUSY = 0x8000_0101;
    /// `IMA_ERROR_SCSI_STATUS_RESERVATION_CONFLICT`.
    ERROR_SCSI_STATUS_RESERVATION_CONFLICT = 0x8000_0102;
    /// `IMA_ERROR_SCSI_STATUS_TASK_SET_FULL`.
    ERROR_SCSI_STATUS_TASK_SET_FULL = 0x8000_0103;
    /// `IMA_ERROR_SCSI_STATUS_ACA_ACTIVE`.
    ERROR_SCSI_STATUS_ACA_ACTIVE = 0x8000_0104;
    /// `IMA_ERROR_SCSI_STATUS_TASK_ABORTED`.
    ERROR_SCSI_STATUS_TASK_ABORTED = 0x8000_0105;
    /// `IMA_ERROR_INVALID_PARAMETER`.
    ERROR_INVALID_PARAMETER = 0xC000_0000;
    /// `IMA_ERROR_INVALID_OBJECT_TYPE`: the OID's type is not a valid type at all.
    ERROR_INVALID_OBJECT_TYPE = 0xC000_0001;
    /// `IMA_ERROR_INCORRECT_OBJECT_TYPE`: a valid type, but wrong for this call.
    ERROR_INCORRECT_OBJECT_TYPE = 0xC000_0002;
    /// `IMA_ERROR_OBJECT_NOT_FOUND`.
    ERROR_OBJECT_NOT_FOUND = 0xC000_0003;
    /// `IMA_ERROR_NAME_TOO_LONG`.
    ERROR_NAME_TOO_LONG = 0xC000_0004;
    /// `IMA_ERROR_UNKNOWN_ERROR`.
    ERROR_UNKNOWN_ERROR = 0x8FFF_FFFF;
}

impl ImaStatus {
    /// Reads a status returned by a plugin, keeping only the low 32 bits.
    pub const fn from_plugin(raw: c_ulong) -> Self {
        Self(raw & 0xFFFF_FFFF)
    }

    /// `IMA_SUCCESS(s)`: bit 31 clear.
    pub const fn is_success(self) -> bool {
        self.0 & 0x8000_0000 == 0
    }

    /// `IMA_ERROR(s)`: bit 31 set.
    pub const fn is_error(self) -> bool {
        !self.is_success()
    }
}

impl fmt::Debug for ImaStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} ({:#010x})", self.0),
            None => write!(f, "ImaStatus({:#010x})", self.0),
        }
    }
}

impl fmt::Display for ImaStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_and_error_bits() {
        assert!(ImaStatus::STATUS_SUCCESS.is_success());
        assert!(ImaStatus::STATUS_REBOOT_NECESSARY.is_success());
        assert!(ImaStatus::ERROR_INVALID_PARAMETER.is_error());
        assert!(ImaStatus::ERROR_UNKNOWN_ERROR.is_error());
        assert_eq!(
            ImaStatus::from_plugin(0xDEAD_BEEF_C000_0003),
            ImaStatus::ERROR_OBJECT_NOT_FOUND
        );
        assert_eq!(
            ImaStatus::ERROR_NAME_TOO_LONG.name(),
            Some("IMA_ERROR_NAME_TOO_LONG")
        );
        assert_eq!(ImaStatus(0x1234).name(), None);
    }
}
