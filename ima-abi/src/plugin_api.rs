//! The plugin entry points: every function a library may look up in an IMA plugin, with its
//! exact C prototype, as ONE list.
//!
//! [`for_each_plugin_entry_point!`] hands the list (`Name(ArgType, ...);` per entry, all
//! returning `IMA_STATUS`) to a caller's macro; from it this module defines one
//! function-pointer type per entry point, named like the symbol (for example
//! [`IMA_GetLhbaOidList`]), and [`NAMES`]. The library builds its resolved table from the
//! same list, and a plugin checks each of its exports at compile time:
//!
//! ```ignore
//! const _: ima_abi::plugin_api::IMA_GetLhbaOidList = IMA_GetLhbaOidList;
//! ```
//!
//! Prototypes are those of docs/ima-notes.md §2 and §2.14 (IMA 1.1 plus the Oracle 2.0 additions
//! and the Sun tunables the illumos library dispatches). `IMA_STATUS` is read as `c_ulong`
//! ([`crate::ImaStatus`] is a transparent `c_ulong`); a plugin may declare its exports
//! returning [`crate::ImaStatus`] only if that is the same type, which is why the types here
//! return `ImaStatus`.
//!
//! `Initialize` and `Terminate` are not `IMA_*` calls and are not in the list; their types
//! are [`Initialize`] and [`Terminate`].
#![allow(non_camel_case_types)]

/// Calls `$callback! { Name(ArgType, ...); ... }` with every plugin entry point (all return
/// `IMA_STATUS`). Argument types are written as `$crate::...` paths, so the callback may be
/// expanded in any crate.
#[macro_export]
macro_rules! for_each_plugin_entry_point {
    ($callback:ident) => {
        $callback! {
            IMA_GetPluginProperties($crate::Oid, *mut $crate::PluginProperties);
            IMA_PluginIOCtl($crate::Oid, $crate::ImaUint, *const ::core::ffi::c_void, $crate::ImaUint, *mut ::core::ffi::c_void, *mut $crate::ImaUint);
            IMA_FreeMemory(*mut ::core::ffi::c_void);
            IMA_GetNonSharedNodeOidList(*mut *mut $crate::OidList);
            IMA_GetNodeProperties($crate::Oid, *mut $crate::NodeProperties);
            IMA_SetNodeName($crate::Oid, *const $crate::WChar);
            IMA_SetNodeAlias($crate::Oid, *const $crate::WChar);
            IMA_GetLhbaOidList(*mut *mut $crate::OidList);
            IMA_GetLhbaProperties($crate::Oid, *mut $crate::LhbaProperties);
            IMA_RemoveStaleData($crate::Oid);
            IMA_CommitHbaParameters($crate::Oid, $crate::CommitLevel);
            IMA_GetPhbaOidList(*mut *mut $crate::OidList);
            IMA_GetPhbaProperties($crate::Oid, *mut $crate::PhbaProperties);
            IMA_GetPhbaStatus($crate::Oid, *mut $crate::PhbaStatus);
            IMA_GetPhbaDownloadProperties($crate::Oid, *mut $crate::PhbaDownloadProperties);
            IMA_IsPhbaDownloadFile($crate::Oid, *const $crate::WChar, *mut $crate::PhbaDownloadImageProperties);
            IMA_PhbaDownload($crate::Oid, $crate::PhbaDownloadImageType, *const $crate::WChar);
            IMA_GetIpsecProperties($crate::Oid, *mut $crate::IpsecProperties);
            IMA_GetLnpOidList(*mut *mut $crate::OidList);
            IMA_GetLnpProperties($crate::Oid, *mut $crate::LnpProperties);
            IMA_GetPnpOidList($crate::Oid, *mut *mut $crate::OidList);
            IMA_GetPnpProperties($crate::Oid, *mut $crate::PnpProperties);
            IMA_GetPnpStatistics($crate::Oid, *mut $crate::PnpStatistics);
            IMA_GetNetworkPortStatus($crate::Oid, *mut $crate::NetworkPortStatus);
            IMA_GetNetworkPortalOidList($crate::Oid, *mut *mut $crate::OidList);
            IMA_GetNetworkPortalProperties($crate::Oid, *mut $crate::NetworkPortalProperties);
            IMA_SetNetworkPortalIpAddress($crate::Oid, $crate::IpAddress);
            IMA_GetIpProperties($crate::Oid, *mut $crate::IpProperties);
            IMA_SetIpConfigMethod($crate::Oid, $crate::ImaBool);
            IMA_SetSubnetMask($crate::Oid, $crate::IpAddress);
            IMA_SetDnsServerAddress($crate::Oid, *const $crate::IpAddress, *const $crate::IpAddress);
            IMA_SetDefaultGateway($crate::Oid, $crate::IpAddress);
            IMA_GetDiscoveryProperties($crate::Oid, *mut $crate::DiscoveryProperties);
            IMA_SetStaticDiscovery($crate::Oid, $crate::ImaBool);
            IMA_SetSendTargetsDiscovery($crate::Oid, $crate::ImaBool);
            IMA_SetSlpDiscovery($crate::Oid, $crate::ImaBool);
            IMA_SetIsnsDiscovery($crate::Oid, $crate::ImaBool, $crate::IsnsDiscoveryMethod, *const $crate::HostId);
            IMA_AddDiscoveryAddress($crate::Oid, $crate::TargetAddress, *mut $crate::Oid);
            IMA_RemoveDiscoveryAddress($crate::Oid);
            IMA_GetDiscoveryAddressOidList($crate::Oid, *mut *mut $crate::OidList);
            IMA_GetDiscoveryAddressProperties($crate::Oid, *mut $crate::DiscoveryAddressProperties);
            IMA_AddStaticDiscoveryTarget($crate::Oid, $crate::StaticDiscoveryTarget, *mut $crate::Oid);
            IMA_RemoveStaticDiscoveryTarget($crate::Oid);
            IMA_GetStaticDiscoveryTargetOidList($crate::Oid, *mut *mut $crate::OidList);
            IMA_GetStaticDiscoveryTargetProperties($crate::Oid, *mut $crate::StaticDiscoveryTargetProperties);
            IMA_GetTargetOidList($crate::Oid, *mut *mut $crate::OidList);
            IMA_GetTargetProperties($crate::Oid, *mut $crate::TargetProperties);
            IMA_GetTargetErrorStatistics($crate::Oid, *mut $crate::TargetErrorStatistics);
            IMA_GetAddressKeys($crate::Oid, *mut *mut $crate::AddressKeys);
            IMA_GetAddressKeyProperties($crate::Oid, *mut *mut $crate::AddressKeyProperties);
            IMA_GetLuOidList($crate::Oid, *mut *mut $crate::OidList);
            IMA_GetLuOid($crate::Oid, i64, *mut $crate::Oid);
            IMA_GetLuProperties($crate::Oid, *mut $crate::LuProperties);
            IMA_ExposeLu($crate::Oid);
            IMA_UnexposeLu($crate::Oid);
            IMA_LuInquiry($crate::Oid, $crate::ImaBool, $crate::ImaBool, $crate::ImaByte, *mut $crate::ImaByte, *mut $crate::ImaUint, *mut $crate::ImaByte, *mut $crate::ImaUint);
            IMA_LuReadCapacity($crate::Oid, $crate::ImaUint, *mut $crate::ImaByte, *mut $crate::ImaUint, *mut $crate::ImaByte, *mut $crate::ImaUint);
            IMA_LuReportLuns($crate::Oid, $crate::ImaBool, $crate::ImaByte, *mut $crate::ImaByte, *mut $crate::ImaUint, *mut $crate::ImaByte, *mut $crate::ImaUint);
            IMA_GetSessionOidList($crate::Oid, *mut *mut $crate::OidList);
            IMA_GetSessionProperties($crate::Oid, *mut $crate::SessionProperties);
            IMA_GetConnectionOidList($crate::Oid, *mut *mut $crate::OidList);
            IMA_GetConnectionProperties($crate::Oid, *mut $crate::ConnectionProperties);
            IMA_GetSupportedAuthMethods($crate::Oid, $crate::ImaBool, *mut $crate::ImaUint, *mut $crate::AuthMethod);
            IMA_GetInUseInitiatorAuthMethods($crate::Oid, *mut $crate::ImaUint, *mut $crate::AuthMethod);
            IMA_SetInitiatorAuthMethods($crate::Oid, $crate::ImaUint, *const $crate::AuthMethod);
            IMA_GetInitiatorAuthParms($crate::Oid, $crate::AuthMethod, *mut $crate::InitiatorAuthParms);
            IMA_SetInitiatorAuthParms($crate::Oid, $crate::AuthMethod, *const $crate::InitiatorAuthParms);
            IMA_GetFirstBurstLengthProperties($crate::Oid, *mut $crate::MinMaxValue);
            IMA_GetMaxBurstLengthProperties($crate::Oid, *mut $crate::MinMaxValue);
            IMA_GetMaxRecvDataSegmentLengthProperties($crate::Oid, *mut $crate::MinMaxValue);
            IMA_GetMaxConnectionsProperties($crate::Oid, *mut $crate::MinMaxValue);
            IMA_GetDefaultTime2RetainProperties($crate::Oid, *mut $crate::MinMaxValue);
            IMA_GetDefaultTime2WaitProperties($crate::Oid, *mut $crate::MinMaxValue);
            IMA_GetMaxOutstandingR2TProperties($crate::Oid, *mut $crate::MinMaxValue);
            IMA_GetErrorRecoveryLevelProperties($crate::Oid, *mut $crate::MinMaxValue);
            IMA_GetInitialR2TProperties($crate::Oid, *mut $crate::BoolValue);
            IMA_GetImmediateDataProperties($crate::Oid, *mut $crate::BoolValue);
            IMA_GetDataPduInOrderProperties($crate::Oid, *mut $crate::BoolValue);
            IMA_GetDataSequenceInOrderProperties($crate::Oid, *mut $crate::BoolValue);
            IMA_SetFirstBurstLength($crate::Oid, $crate::ImaUint);
            IMA_SetMaxBurstLength($crate::Oid, $crate::ImaUint);
            IMA_SetMaxRecvDataSegmentLength($crate::Oid, $crate::ImaUint);
            IMA_SetMaxConnections($crate::Oid, $crate::ImaUint);
            IMA_SetDefaultTime2Retain($crate::Oid, $crate::ImaUint);
            IMA_SetDefaultTime2Wait($crate::Oid, $crate::ImaUint);
            IMA_SetMaxOutstandingR2T($crate::Oid, $crate::ImaUint);
            IMA_SetErrorRecoveryLevel($crate::Oid, $crate::ImaUint);
            IMA_SetInitialR2T($crate::Oid, $crate::ImaBool);
            IMA_SetImmediateData($crate::Oid, $crate::ImaBool);
            IMA_SetDataPduInOrder($crate::Oid, $crate::ImaBool);
            IMA_SetDataSequenceInOrder($crate::Oid, $crate::ImaBool);
            IMA_GetStatisticsProperties($crate::Oid, *mut $crate::StatisticsProperties);
            IMA_SetStatisticsCollection($crate::Oid, $crate::ImaBool);
            IMA_GetDeviceStatistics($crate::Oid, *mut $crate::DeviceStatistics);
            IMA_RegisterForObjectVisibilityChanges($crate::ObjectVisibilityFn);
            IMA_DeregisterForObjectVisibilityChanges($crate::ObjectVisibilityFn);
            IMA_RegisterForObjectPropertyChanges($crate::ObjectPropertyFn);
            IMA_DeregisterForObjectPropertyChanges($crate::ObjectPropertyFn);
            IMA_GetHeaderDigestValues($crate::Oid, *mut $crate::ImaUint, *mut $crate::DigestType);
            IMA_SetHeaderDigestValues($crate::Oid, $crate::ImaUint, *const $crate::DigestType);
            IMA_GetDataDigestValues($crate::Oid, *mut $crate::ImaUint, *mut $crate::DigestType);
            IMA_SetDataDigestValues($crate::Oid, $crate::ImaUint, *const $crate::DigestType);
            IMA_GetDigestProperties($crate::Oid, *mut $crate::DigestProperties);
            IMA_GetIFMarkerProperties($crate::Oid, *mut $crate::BoolValue);
            IMA_SetIFMarkerProperties($crate::Oid, $crate::ImaBool);
            IMA_GetOFMarkerProperties($crate::Oid, *mut $crate::BoolValue);
            IMA_SetOFMarkerProperties($crate::Oid, $crate::ImaBool);
            IMA_GetIFMarkIntProperties($crate::Oid, *mut $crate::MinMaxValue);
            IMA_GetOFMarkIntProperties($crate::Oid, *mut $crate::MinMaxValue);
            IMA_SetIFMarkIntProperties($crate::Oid, $crate::MarkerInt);
            IMA_SetOFMarkIntProperties($crate::Oid, $crate::MarkerInt);
            IMA_GetInitiatorLocalAuthParms($crate::Oid, $crate::AuthMethod, *mut $crate::InitiatorAuthParms, *mut $crate::ImaBool);
            IMA_SetInitiatorLocalAuthParms($crate::Oid, $crate::AuthMethod, *const $crate::InitiatorAuthParms, $crate::ImaBool);
            IMA_GetMutualLocalAuthParms($crate::Oid, $crate::AuthMethod, *mut $crate::TargetAuthParms);
            IMA_SetMutualLocalAuth($crate::Oid, $crate::AuthMethod, $crate::ImaBool);
            IMA_SetMutualLocalAuthParms($crate::Oid, $crate::AuthMethod, *const $crate::TargetAuthParms, $crate::ImaBool);
            IMA_AddLhbaMutualAuthParms($crate::Oid, $crate::AuthMethod, $crate::TargetAuthParms);
            IMA_RemoveLhbaMutualAuthParms($crate::Oid, $crate::AuthMethod, $crate::TargetAuthParms);
            IMA_GetLhbaMutualAuthParmsList($crate::Oid, $crate::AuthMethod, *mut *mut $crate::TargetAuthParmsList);
            SUN_IMA_GetTunableProperties($crate::Oid, *mut $crate::TunableParam);
            SUN_IMA_SetTunableProperties($crate::Oid, *mut $crate::TunableParam);
        }
    };
}

/// `IMA_STATUS Initialize(IMA_UINT32 ownerId)` (docs/ima-notes.md §3.2).
pub type Initialize = unsafe extern "C" fn(u32) -> crate::ImaStatus;
/// `void Terminate(void)` (docs/ima-notes.md §3.2).
pub type Terminate = unsafe extern "C" fn();

macro_rules! define_types {
    ($($name:ident($($arg:ty),*);)*) => {
        $(
            #[doc = concat!("Prototype of the plugin entry point `", stringify!($name), "`.")]
            pub type $name = unsafe extern "C" fn($($arg),*) -> crate::ImaStatus;
        )*

        /// Every plugin entry point's symbol name, in list order.
        pub const NAMES: &[&str] = &[$(stringify!($name)),*];
    };
}

crate::for_each_plugin_entry_point!(define_types);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_ima_calls() {
        let mut names = NAMES.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), NAMES.len());
        assert!(
            NAMES
                .iter()
                .all(|n| n.starts_with("IMA_") || n.starts_with("SUN_IMA_"))
        );
        assert!(NAMES.contains(&"IMA_FreeMemory"));
        assert_eq!(NAMES.len(), 121);
    }
}
