//! Discovery properties, discovery addresses and static discovery targets.

use crate::enums::IsnsDiscoveryMethod;
use crate::impl_zeroed;
use crate::oid::Oid;
use crate::prim::{ImaBool, ImaByte, ImaXbool, NodeName};
use crate::props::address::{HostId, TargetAddress};

/// `IMA_DISCOVERY_PROPERTIES`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct DiscoveryProperties {
    /// `iSnsDiscoverySettable`.
    pub i_sns_discovery_settable: ImaBool,
    /// `iSnsDiscoveryEnabled`.
    pub i_sns_discovery_enabled: ImaXbool,
    /// `iSnsDiscoveryMethod` (meaningful only when iSNS is enabled).
    pub i_sns_discovery_method: IsnsDiscoveryMethod,
    /// `iSnsHost`.
    pub i_sns_host: HostId,
    /// `slpDiscoverySettable`.
    pub slp_discovery_settable: ImaBool,
    /// `slpDiscoveryEnabled`.
    pub slp_discovery_enabled: ImaXbool,
    /// `staticDiscoverySettable`.
    pub static_discovery_settable: ImaBool,
    /// `staticDiscoveryEnabled`.
    pub static_discovery_enabled: ImaXbool,
    /// `sendTargetsDiscoverySettable`.
    pub send_targets_discovery_settable: ImaBool,
    /// `sendTargetsDiscoveryEnabled`.
    pub send_targets_discovery_enabled: ImaXbool,
    /// `reserved`.
    pub reserved: [ImaByte; 128],
}

/// `IMA_STATIC_DISCOVERY_TARGET`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct StaticDiscoveryTarget {
    /// `targetName`.
    pub target_name: NodeName,
    /// `targetAddress`.
    pub target_address: TargetAddress,
}

/// `IMA_DISCOVERY_ADDRESS_PROPERTIES`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct DiscoveryAddressProperties {
    /// `associatedNodeOid`.
    pub associated_node_oid: Oid,
    /// `associatedLhbaOid`.
    pub associated_lhba_oid: Oid,
    /// `discoveryAddress`.
    pub discovery_address: TargetAddress,
}

/// `IMA_STATIC_DISCOVERY_TARGET_PROPERTIES` (C struct tag `_IMA_STATIC_TGT_PROPERTIES`).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct StaticDiscoveryTargetProperties {
    /// `associatedNodeOid`.
    pub associated_node_oid: Oid,
    /// `associatedLhbaOid`.
    pub associated_lhba_oid: Oid,
    /// `staticTarget`.
    pub static_target: StaticDiscoveryTarget,
}

impl_zeroed!(
    DiscoveryProperties,
    StaticDiscoveryTarget,
    DiscoveryAddressProperties,
    StaticDiscoveryTargetProperties
);
