//! Library, plugin and node properties.

use crate::impl_zeroed;
use crate::prim::{ImaBool, ImaByte, ImaDatetime, ImaUint, NodeAlias, NodeName, WChar};

/// `IMA_LIBRARY_PROPERTIES`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct LibraryProperties {
    /// `supportedImaVersion` (1).
    pub supported_ima_version: ImaUint,
    /// `vendor`.
    pub vendor: [WChar; 256],
    /// `implementationVersion`.
    pub implementation_version: [WChar; 256],
    /// `fileName`.
    pub file_name: [WChar; 256],
    /// `buildTime`.
    pub build_time: ImaDatetime,
    /// `reserved`.
    pub reserved: [ImaByte; 64],
}

/// `IMA_PLUGIN_PROPERTIES`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct PluginProperties {
    /// `supportedImaVersion`.
    pub supported_ima_version: ImaUint,
    /// `vendor`.
    pub vendor: [WChar; 256],
    /// `implementationVersion`.
    pub implementation_version: [WChar; 256],
    /// `fileName`.
    pub file_name: [WChar; 256],
    /// `buildTime`.
    pub build_time: ImaDatetime,
    /// `lhbasCanBeCreatedAndDestroyed`.
    pub lhbas_can_be_created_and_destroyed: ImaBool,
    /// `reserved`.
    pub reserved: [ImaByte; 64],
}

/// `IMA_NODE_PROPERTIES`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct NodeProperties {
    /// `runningInInitiatorMode`.
    pub running_in_initiator_mode: ImaBool,
    /// `runningInTargetMode`.
    pub running_in_target_mode: ImaBool,
    /// `nameValid`.
    pub name_valid: ImaBool,
    /// `name`.
    pub name: NodeName,
    /// `aliasValid`.
    pub alias_valid: ImaBool,
    /// `alias`.
    pub alias: NodeAlias,
    /// `nameAndAliasSettable`.
    pub name_and_alias_settable: ImaBool,
    /// `reserved`.
    pub reserved: [ImaByte; 64],
}

impl_zeroed!(LibraryProperties, PluginProperties, NodeProperties);
