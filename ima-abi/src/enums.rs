//! C enumerations as integer newtypes (docs/ima-notes.md §1.3, Sun extension included).
//!
//! Each is `#[repr(transparent)]` over `u32` (a C `enum` with non-negative values is a 4-byte
//! unsigned integer on x86-64 SysV), so any bit pattern a C caller passes is a valid value;
//! [`is_defined`](AuthMethod::is_defined) tells whether it names a known constant.

macro_rules! c_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $value:expr,)* }) => {
        $(#[$doc])*
        #[repr(transparent)]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
        pub struct $name(pub u32);

        impl $name {
            $($(#[$vdoc])* pub const $variant: Self = Self($value);)*

            /// Whether the value is one of the constants defined by the API.
            // The values are listed as in the C header; for contiguous enums clippy would
            // prefer a range, which the macro cannot produce.
            #[allow(clippy::manual_range_patterns)]
            pub const fn is_defined(self) -> bool {
                matches!(self.0, $($value)|*)
            }
        }
    };
}

c_enum! {
    /// `IMA_ISNS_DISCOVERY_METHOD`: how an iSNS server is found.
    IsnsDiscoveryMethod {
        /// `IMA_ISNS_DISCOVERY_METHOD_STATIC`.
        STATIC = 0,
        /// `IMA_ISNS_DISCOVERY_METHOD_DHCP`.
        DHCP = 1,
        /// `IMA_ISNS_DISCOVERY_METHOD_SLP`.
        SLP = 2,
    }
}

c_enum! {
    /// `IMA_PHBA_DOWNLOAD_IMAGE_TYPE`.
    PhbaDownloadImageType {
        /// `IMA_DOWNLOAD_IMAGE_TYPE_FIRMWARE`.
        FIRMWARE = 0,
        /// `IMA_DOWNLOAD_IMAGE_TYPE_OPTION_ROM`.
        OPTION_ROM = 1,
        /// `IMA_DOWNLOAD_IMAGE_TYPE_ALL`.
        ALL = 2,
        /// `IMA_DOWNLOAD_IMAGE_TYPE_BOOTCODE`.
        BOOTCODE = 3,
    }
}

c_enum! {
    /// `IMA_PHBA_STATUS`.
    PhbaStatus {
        /// `IMA_PHBA_STATUS_WORKING`.
        WORKING = 0,
        /// `IMA_PHBA_STATUS_FAILED`.
        FAILED = 1,
    }
}

c_enum! {
    /// `IMA_NETWORK_PORT_STATUS`.
    NetworkPortStatus {
        /// `IMA_NETWORK_PORT_STATUS_WORKING`.
        WORKING = 0,
        /// `IMA_NETWORK_PORT_STATUS_DEGRADED`.
        DEGRADED = 1,
        /// `IMA_NETWORK_PORT_STATUS_CRITICAL`.
        CRITICAL = 2,
        /// `IMA_NETWORK_PORT_STATUS_FAILED`.
        FAILED = 3,
        /// `IMA_NETWORK_PORT_STATUS_DISCONNECTED`.
        DISCONNECTED = 4,
    }
}

c_enum! {
    /// `IMA_TARGET_DISCOVERY_METHOD`: bit flags of `IMA_TARGET_PROPERTIES.discoveryMethodFlags`.
    TargetDiscoveryMethod {
        /// `IMA_TARGET_DISCOVERY_METHOD_STATIC`.
        STATIC = 1,
        /// `IMA_TARGET_DISCOVERY_METHOD_SLP`.
        SLP = 2,
        /// `IMA_TARGET_DISCOVERY_METHOD_ISNS`.
        ISNS = 4,
        /// `IMA_TARGET_DISCOVERY_METHOD_SENDTARGETS`.
        SENDTARGETS = 8,
    }
}

c_enum! {
    /// `IMA_AUTHMETHOD`.
    AuthMethod {
        /// `IMA_AUTHMETHOD_NONE`.
        NONE = 0,
        /// `IMA_AUTHMETHOD_CHAP`.
        CHAP = 1,
        /// `IMA_AUTHMETHOD_SRP`.
        SRP = 2,
        /// `IMA_AUTHMETHOD_KRB5`.
        KRB5 = 3,
        /// `IMA_AUTHMETHOD_SPKM1`.
        SPKM1 = 4,
        /// `IMA_AUTHMETHOD_SPKM2`.
        SPKM2 = 5,
    }
}

c_enum! {
    /// `IMA_COMMIT_LEVEL` (argument of `IMA_CommitHbaParameters`).
    CommitLevel {
        /// `IMA_COMMIT_TYPE_AUTO`.
        AUTO = 0,
        /// `IMA_COMMIT_TYPE_ACTIVE`.
        ACTIVE = 1,
        /// `IMA_COMMIT_TYPE_PERSISTENT`.
        PERSISTENT = 2,
        /// `IMA_COMMIT_TYPE_ACTIVE_AND_PERSISTENT`.
        ACTIVE_AND_PERSISTENT = 3,
        /// `IMA_COMMIT_TYPE_ALL_WITH_RESET`.
        ALL_WITH_RESET = 4,
    }
}

c_enum! {
    /// `IMA_DIGEST_TYPE`.
    DigestType {
        /// `IMA_DIGEST_NONE`.
        NONE = 0,
        /// `IMA_DIGEST_CRC32C`.
        CRC32C = 1,
    }
}

c_enum! {
    /// `ISCSI_TUNABLE_OBJECT_TYPE` (Sun extension, docs/ima-notes.md §1.3).
    TunableObjectType {
        /// `ISCSI_RX_TIMEOUT_VALUE`.
        RX_TIMEOUT_VALUE = 1,
        /// `ISCSI_CONN_DEFAULT_LOGIN_MAX`.
        CONN_DEFAULT_LOGIN_MAX = 2,
        /// `ISCSI_LOGIN_POLLING_DELAY`.
        LOGIN_POLLING_DELAY = 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defined_ranges() {
        assert!(AuthMethod(5).is_defined());
        assert!(!AuthMethod(6).is_defined());
        assert!(CommitLevel(4).is_defined());
        assert!(!CommitLevel(5).is_defined());
        assert!(!TargetDiscoveryMethod(3).is_defined());
        assert!(!TunableObjectType(0).is_defined());
    }
}
