//! Compile-time size and offset assertions for x86-64 Linux (glibc), with the numbers of
//! docs/ima-notes.md §1.4 and §1.6. A mismatch fails the build.

#![cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]

use core::mem::{align_of, offset_of, size_of};

use crate::*;

macro_rules! assert_size {
    ($($t:ty => $n:expr),* $(,)?) => {$(
        const _: () = assert!(size_of::<$t>() == $n, concat!("size of ", stringify!($t)));
    )*};
}

macro_rules! assert_offset {
    ($($t:ty, $f:ident => $n:expr);* $(;)?) => {$(
        const _: () = assert!(
            offset_of!($t, $f) == $n,
            concat!("offset of ", stringify!($t), ".", stringify!($f))
        );
    )*};
}

assert_size! {
    ImaUint => 8,
    WChar => 4,
    ImaDatetime => 56,
    ImaStatus => 8,
    ObjectType => 4,
    Oid => 16,
    OidList => 24,
    IpAddress => 20,
    AddressKey => 24,
    AddressKeys => 32,
    HostId => 1028,
    TargetAddress => 1032,
    StaticDiscoveryTarget => 1928,
    DiscoveryAddressProperties => 1064,
    StaticDiscoveryTargetProperties => 1960,
    LibraryProperties => 3200,
    PluginProperties => 3208,
    NodeProperties => 2004,
    LhbaProperties => 1184,
    PhbaProperties => 8880,
    PhbaDownloadProperties => 44,
    PhbaDownloadImageProperties => 2184,
    IpsecProperties => 44,
    DiscoveryProperties => 1192,
    IpProperties => 184,
    LnpProperties => 44,
    PnpProperties => 120,
    PnpStatistics => 32,
    NetworkPortalProperties => 72,
    TargetProperties => 2096,
    TargetErrorStatistics => 176,
    LuProperties => 496,
    SessionProperties => 72,
    ConnectionProperties => 56,
    StatisticsProperties => 8,
    DeviceStatistics => 64,
    MinMaxValue => 28,
    BoolValue => 16,
    ChapInitiatorAuthParms => 1320,
    SrpInitiatorAuthParms => 1032,
    Krb5InitiatorAuthParms => 3080,
    SpkmInitiatorAuthParms => 12304,
    InitiatorAuthParms => 12304,
    TunableParam => 16,
}

const _: () = assert!(align_of::<Oid>() == 8);
const _: () = assert!(align_of::<InitiatorAuthParms>() == 8);

assert_offset! {
    Oid, owner_id => 4;
    Oid, object_sequence_number => 8;
    OidList, oids => 8;
    AddressKeys, address_keys => 8;
    HostId, id => 4;
    TargetAddress, port_number => 1028;
    StaticDiscoveryTarget, target_address => 896;
    LibraryProperties, build_time => 3080;
    NodeProperties, name => 12;
    NodeProperties, alias_valid => 908;
    NodeProperties, alias => 912;
    NodeProperties, name_and_alias_settable => 1936;
    LhbaProperties, stale_data_size => 1040;
    PhbaProperties, supported_ulps => 8704;
    PhbaProperties, bidirectional_transfers_supported => 8712;
    PhbaProperties, maximum_cdb_length => 8720;
    DiscoveryProperties, i_sns_host => 12;
    TargetProperties, name => 32;
    TargetProperties, alias => 928;
    TargetProperties, discovery_method_flags => 1952;
    SessionProperties, auth_method => 16;
    SessionProperties, data_pdu_in_order => 20;
    SessionProperties, default_time2_retain => 28;
    SessionProperties, default_time2_wait => 30;
    SessionProperties, error_recovery_level => 32;
    SessionProperties, first_burst_length => 36;
    SessionProperties, immediate_data => 40;
    SessionProperties, initial_r2t => 44;
    SessionProperties, isid => 48;
    SessionProperties, max_burst_length => 56;
    SessionProperties, max_connections => 60;
    SessionProperties, max_outstanding_r2t => 62;
    SessionProperties, target_portal_group_tag => 64;
    SessionProperties, tsih => 66;
    ConnectionProperties, connection_id => 16;
    ConnectionProperties, data_digest => 20;
    ConnectionProperties, header_digest => 24;
    ConnectionProperties, if_marker => 28;
    ConnectionProperties, if_mark_int => 32;
    ConnectionProperties, max_recv_data_segment_length => 36;
    ConnectionProperties, max_transmit_data_segment_length => 40;
    ConnectionProperties, of_marker => 44;
    ConnectionProperties, of_mark_int => 48;
    ChapInitiatorAuthParms, name => 8;
    ChapInitiatorAuthParms, name_length => 520;
    ChapInitiatorAuthParms, min_value_length => 528;
    ChapInitiatorAuthParms, challenge_secret => 544;
    ChapInitiatorAuthParms, challenge_secret_length => 800;
}
