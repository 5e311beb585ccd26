//! Every plugin entry point the library may call, resolved once at load and cached.
//!
//! Field names are the exported symbol names; each is `None` when the plugin does not export
//! it. Prototypes are those of reference/ima.md §3 and §7; statuses are read as `c_ulong`
//! and masked to 32 bits by the caller.
#![allow(non_snake_case)]

use std::ffi::{c_ulong, c_void};

use ima_abi::{
    AddressKeyProperties, AddressKeys, AuthMethod, BoolValue, CommitLevel, ConnectionProperties,
    DeviceStatistics, DigestProperties, DigestType, DiscoveryAddressProperties,
    DiscoveryProperties, HostId, ImaBool, ImaByte, ImaUint, InitiatorAuthParms, IpAddress,
    IpProperties, IpsecProperties, IsnsDiscoveryMethod, LhbaProperties, LnpProperties,
    LuProperties, MarkerInt, MinMaxValue, NetworkPortStatus, NetworkPortalProperties,
    NodeProperties, ObjectPropertyFn, ObjectVisibilityFn, Oid, OidList,
    PhbaDownloadImageProperties, PhbaDownloadImageType, PhbaDownloadProperties, PhbaProperties,
    PhbaStatus, PluginProperties, PnpProperties, PnpStatistics, SessionProperties,
    StaticDiscoveryTarget, StaticDiscoveryTargetProperties, StatisticsProperties, TargetAddress,
    TargetAuthParms, TargetAuthParmsList, TargetErrorStatistics, TargetProperties, TunableParam,
    WChar,
};

use super::loader::symbol;

/// `IMA_STATUS f(IMA_OID_LIST **)`: the four aggregated lists.
pub(crate) type AggregateListFn = unsafe extern "C" fn(*mut *mut OidList) -> c_ulong;
/// `IMA_STATUS f(IMA_OID, IMA_OID_LIST **)`: the routed lists.
pub(crate) type RoutedListFn = unsafe extern "C" fn(Oid, *mut *mut OidList) -> c_ulong;

macro_rules! entry_points {
    ($($name:ident($($arg:ty),*);)*) => {
        /// The resolved entry points of one plugin.
        #[derive(Clone, Copy, Default)]
        pub(crate) struct EntryPoints {
            $(pub(crate) $name: Option<unsafe extern "C" fn($($arg),*) -> c_ulong>,)*
        }

        impl EntryPoints {
            /// Resolves every entry point once.
            pub(crate) fn resolve(library: &libloading::Library) -> Self {
                Self {
                    $($name: symbol(library, concat!(stringify!($name), "\0")),)*
                }
            }

            /// Names of the entry points the plugin does not export.
            pub(crate) fn missing(&self) -> Vec<&'static str> {
                let mut missing = Vec::new();
                $(if self.$name.is_none() { missing.push(stringify!($name)); })*
                missing
            }

            /// Number of entry points looked up.
            pub(crate) const COUNT: usize = [$(stringify!($name)),*].len();
        }
    };
}

entry_points! {
    IMA_GetPluginProperties(Oid, *mut PluginProperties);
    IMA_PluginIOCtl(Oid, ImaUint, *const c_void, ImaUint, *mut c_void, *mut ImaUint);
    IMA_FreeMemory(*mut c_void);
    IMA_GetNonSharedNodeOidList(*mut *mut OidList);
    IMA_GetNodeProperties(Oid, *mut NodeProperties);
    IMA_SetNodeName(Oid, *const WChar);
    IMA_SetNodeAlias(Oid, *const WChar);
    IMA_GetLhbaOidList(*mut *mut OidList);
    IMA_GetLhbaProperties(Oid, *mut LhbaProperties);
    IMA_RemoveStaleData(Oid);
    IMA_CommitHbaParameters(Oid, CommitLevel);
    IMA_GetPhbaOidList(*mut *mut OidList);
    IMA_GetPhbaProperties(Oid, *mut PhbaProperties);
    IMA_GetPhbaStatus(Oid, *mut PhbaStatus);
    IMA_GetPhbaDownloadProperties(Oid, *mut PhbaDownloadProperties);
    IMA_IsPhbaDownloadFile(Oid, *const WChar, *mut PhbaDownloadImageProperties);
    IMA_PhbaDownload(Oid, PhbaDownloadImageType, *const WChar);
    IMA_GetIpsecProperties(Oid, *mut IpsecProperties);
    IMA_GetLnpOidList(*mut *mut OidList);
    IMA_GetLnpProperties(Oid, *mut LnpProperties);
    IMA_GetPnpOidList(Oid, *mut *mut OidList);
    IMA_GetPnpProperties(Oid, *mut PnpProperties);
    IMA_GetPnpStatistics(Oid, *mut PnpStatistics);
    IMA_GetNetworkPortStatus(Oid, *mut NetworkPortStatus);
    IMA_GetNetworkPortalOidList(Oid, *mut *mut OidList);
    IMA_GetNetworkPortalProperties(Oid, *mut NetworkPortalProperties);
    IMA_SetNetworkPortalIpAddress(Oid, IpAddress);
    IMA_GetIpProperties(Oid, *mut IpProperties);
    IMA_SetIpConfigMethod(Oid, ImaBool);
    IMA_SetSubnetMask(Oid, IpAddress);
    IMA_SetDnsServerAddress(Oid, *const IpAddress, *const IpAddress);
    IMA_SetDefaultGateway(Oid, IpAddress);
    IMA_GetDiscoveryProperties(Oid, *mut DiscoveryProperties);
    IMA_SetStaticDiscovery(Oid, ImaBool);
    IMA_SetSendTargetsDiscovery(Oid, ImaBool);
    IMA_SetSlpDiscovery(Oid, ImaBool);
    IMA_SetIsnsDiscovery(Oid, ImaBool, IsnsDiscoveryMethod, *const HostId);
    IMA_AddDiscoveryAddress(Oid, TargetAddress, *mut Oid);
    IMA_RemoveDiscoveryAddress(Oid);
    IMA_GetDiscoveryAddressOidList(Oid, *mut *mut OidList);
    IMA_GetDiscoveryAddressProperties(Oid, *mut DiscoveryAddressProperties);
    IMA_AddStaticDiscoveryTarget(Oid, StaticDiscoveryTarget, *mut Oid);
    IMA_RemoveStaticDiscoveryTarget(Oid);
    IMA_GetStaticDiscoveryTargetOidList(Oid, *mut *mut OidList);
    IMA_GetStaticDiscoveryTargetProperties(Oid, *mut StaticDiscoveryTargetProperties);
    IMA_GetTargetOidList(Oid, *mut *mut OidList);
    IMA_GetTargetProperties(Oid, *mut TargetProperties);
    IMA_GetTargetErrorStatistics(Oid, *mut TargetErrorStatistics);
    IMA_GetAddressKeys(Oid, *mut *mut AddressKeys);
    IMA_GetAddressKeyProperties(Oid, *mut *mut AddressKeyProperties);
    IMA_GetLuOidList(Oid, *mut *mut OidList);
    IMA_GetLuOid(Oid, i64, *mut Oid);
    IMA_GetLuProperties(Oid, *mut LuProperties);
    IMA_ExposeLu(Oid);
    IMA_UnexposeLu(Oid);
    IMA_LuInquiry(Oid, ImaBool, ImaBool, ImaByte, *mut ImaByte, *mut ImaUint, *mut ImaByte, *mut ImaUint);
    IMA_LuReadCapacity(Oid, ImaUint, *mut ImaByte, *mut ImaUint, *mut ImaByte, *mut ImaUint);
    IMA_LuReportLuns(Oid, ImaBool, ImaByte, *mut ImaByte, *mut ImaUint, *mut ImaByte, *mut ImaUint);
    IMA_GetSessionOidList(Oid, *mut *mut OidList);
    IMA_GetSessionProperties(Oid, *mut SessionProperties);
    IMA_GetConnectionOidList(Oid, *mut *mut OidList);
    IMA_GetConnectionProperties(Oid, *mut ConnectionProperties);
    IMA_GetSupportedAuthMethods(Oid, ImaBool, *mut ImaUint, *mut AuthMethod);
    IMA_GetInUseInitiatorAuthMethods(Oid, *mut ImaUint, *mut AuthMethod);
    IMA_SetInitiatorAuthMethods(Oid, ImaUint, *const AuthMethod);
    IMA_GetInitiatorAuthParms(Oid, AuthMethod, *mut InitiatorAuthParms);
    IMA_SetInitiatorAuthParms(Oid, AuthMethod, *const InitiatorAuthParms);
    IMA_GetFirstBurstLengthProperties(Oid, *mut MinMaxValue);
    IMA_GetMaxBurstLengthProperties(Oid, *mut MinMaxValue);
    IMA_GetMaxRecvDataSegmentLengthProperties(Oid, *mut MinMaxValue);
    IMA_GetMaxConnectionsProperties(Oid, *mut MinMaxValue);
    IMA_GetDefaultTime2RetainProperties(Oid, *mut MinMaxValue);
    IMA_GetDefaultTime2WaitProperties(Oid, *mut MinMaxValue);
    IMA_GetMaxOutstandingR2TProperties(Oid, *mut MinMaxValue);
    IMA_GetErrorRecoveryLevelProperties(Oid, *mut MinMaxValue);
    IMA_GetInitialR2TProperties(Oid, *mut BoolValue);
    IMA_GetImmediateDataProperties(Oid, *mut BoolValue);
    IMA_GetDataPduInOrderProperties(Oid, *mut BoolValue);
    IMA_GetDataSequenceInOrderProperties(Oid, *mut BoolValue);
    IMA_SetFirstBurstLength(Oid, ImaUint);
    IMA_SetMaxBurstLength(Oid, ImaUint);
    IMA_SetMaxRecvDataSegmentLength(Oid, ImaUint);
    IMA_SetMaxConnections(Oid, ImaUint);
    IMA_SetDefaultTime2Retain(Oid, ImaUint);
    IMA_SetDefaultTime2Wait(Oid, ImaUint);
    IMA_SetMaxOutstandingR2T(Oid, ImaUint);
    IMA_SetErrorRecoveryLevel(Oid, ImaUint);
    IMA_SetInitialR2T(Oid, ImaBool);
    IMA_SetImmediateData(Oid, ImaBool);
    IMA_SetDataPduInOrder(Oid, ImaBool);
    IMA_SetDataSequenceInOrder(Oid, ImaBool);
    IMA_GetStatisticsProperties(Oid, *mut StatisticsProperties);
    IMA_SetStatisticsCollection(Oid, ImaBool);
    IMA_GetDeviceStatistics(Oid, *mut DeviceStatistics);
    IMA_RegisterForObjectVisibilityChanges(ObjectVisibilityFn);
    IMA_DeregisterForObjectVisibilityChanges(ObjectVisibilityFn);
    IMA_RegisterForObjectPropertyChanges(ObjectPropertyFn);
    IMA_DeregisterForObjectPropertyChanges(ObjectPropertyFn);
    IMA_GetHeaderDigestValues(Oid, *mut ImaUint, *mut DigestType);
    IMA_SetHeaderDigestValues(Oid, ImaUint, *const DigestType);
    IMA_GetDataDigestValues(Oid, *mut ImaUint, *mut DigestType);
    IMA_SetDataDigestValues(Oid, ImaUint, *const DigestType);
    IMA_GetDigestProperties(Oid, *mut DigestProperties);
    IMA_GetIFMarkerProperties(Oid, *mut BoolValue);
    IMA_SetIFMarkerProperties(Oid, ImaBool);
    IMA_GetOFMarkerProperties(Oid, *mut BoolValue);
    IMA_SetOFMarkerProperties(Oid, ImaBool);
    IMA_GetIFMarkIntProperties(Oid, *mut MinMaxValue);
    IMA_GetOFMarkIntProperties(Oid, *mut MinMaxValue);
    IMA_SetIFMarkIntProperties(Oid, MarkerInt);
    IMA_SetOFMarkIntProperties(Oid, MarkerInt);
    IMA_GetInitiatorLocalAuthParms(Oid, AuthMethod, *mut InitiatorAuthParms, *mut ImaBool);
    IMA_SetInitiatorLocalAuthParms(Oid, AuthMethod, *const InitiatorAuthParms, ImaBool);
    IMA_GetMutualLocalAuthParms(Oid, AuthMethod, *mut TargetAuthParms);
    IMA_SetMutualLocalAuth(Oid, AuthMethod, ImaBool);
    IMA_SetMutualLocalAuthParms(Oid, AuthMethod, *const TargetAuthParms, ImaBool);
    IMA_AddLhbaMutualAuthParms(Oid, AuthMethod, TargetAuthParms);
    IMA_RemoveLhbaMutualAuthParms(Oid, AuthMethod, TargetAuthParms);
    IMA_GetLhbaMutualAuthParmsList(Oid, AuthMethod, *mut *mut TargetAuthParmsList);
    SUN_IMA_GetTunableProperties(Oid, *mut TunableParam);
    SUN_IMA_SetTunableProperties(Oid, *mut TunableParam);
}
