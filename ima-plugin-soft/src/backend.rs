//! The engine behind the plugin, in Rust types.
//!
//! The exports validate and convert the C arguments, then call one [`Backend`] method.
//! Objects are [`ObjectRef`]s (type + sequence number): the ownerId is the plugin's business
//! (the exports strip it on the way in, after checking it is ours, and stamp it on the way
//! out). Every method defaults to [`PluginError::NotSupported`]; a backend overrides what it
//! implements. A method given an object it does not know answers
//! [`PluginError::ObjectNotFound`]; the exports already checked the object's *type*.
//!
//! The library serialises calls into one plugin per process, but a backend must still be
//! `Send + Sync` (the plugin may be loaded by several libraries, and the engine has threads).

use std::net::{IpAddr, SocketAddr};

use ima_abi::ObjectType;
use serde::{Deserialize, Serialize};

use crate::error::PluginError;

/// Authentication types are the engine's own: a [`ChapSecret`] checks RFC 7143 §9.2.1
/// where it is made and is wiped on drop.
pub use iscsi_hba::{AuthMethod, ChapInfo, ChapRole, ChapSecret, DigestKind};

/// A HeaderDigest or DataDigest value (RFC 7143 §13.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Digest {
    /// `None`.
    None,
    /// `CRC32C`.
    Crc32c,
}

/// Result of every backend method.
pub type Result<T> = std::result::Result<T, PluginError>;

/// An object of this plugin: its IMA type and its sequence number (the OID without the
/// ownerId).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ObjectRef {
    /// The IMA object type.
    #[serde(with = "object_type")]
    pub kind: ObjectType,
    /// The sequence number (never negative in an OID this plugin accepts).
    pub seq: u64,
}

impl ObjectRef {
    /// An object reference.
    pub const fn new(kind: ObjectType, seq: u64) -> Self {
        Self { kind, seq }
    }
}

/// Whether a change took effect (`IMA_STATUS_SUCCESS`) or needs a reboot
/// (`IMA_STATUS_REBOOT_NECESSARY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Applied {
    /// Effective now.
    Now,
    /// Effective after a reboot.
    AfterReboot,
}

/// `IMA_PLUGIN_PROPERTIES` (the IMA version is always 1, the build time zero).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginInfo {
    /// Vendor.
    pub vendor: String,
    /// Implementation version.
    pub implementation_version: String,
    /// File name of the plugin.
    pub file_name: String,
    /// Whether LHBAs can be created and destroyed.
    pub lhbas_can_be_created_and_destroyed: bool,
}

/// `IMA_NODE_PROPERTIES` of the plugin's initiator node.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NodeInfo {
    /// iSCSI name, if set.
    pub name: Option<String>,
    /// Alias, if set.
    pub alias: Option<String>,
    /// Running in initiator mode.
    pub initiator: bool,
    /// Running in target mode.
    pub target: bool,
    /// Whether name and alias can be set.
    pub name_and_alias_settable: bool,
}

/// `IMA_PHBA_PROPERTIES` (strings empty when unknown; the offload flags are plain booleans,
/// reported as `IMA_XBOOL` TRUE/FALSE).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PhbaInfo {
    /// Vendor.
    pub vendor: String,
    /// Model.
    pub model: String,
    /// Description.
    pub description: String,
    /// Serial number.
    pub serial_number: String,
    /// Hardware version.
    pub hardware_version: String,
    /// ASIC version.
    pub asic_version: String,
    /// Firmware version.
    pub firmware_version: String,
    /// Option ROM version.
    pub option_rom_version: String,
    /// Driver name.
    pub driver_name: String,
    /// Driver version.
    pub driver_version: String,
    /// `IMA_ULP_*` flags.
    pub supported_ulps: u32,
    /// Bidirectional transfers supported.
    pub bidirectional_transfers_supported: bool,
    /// Maximum CDB length.
    pub maximum_cdb_length: u32,
    /// Can be a NIC.
    pub can_be_nic: bool,
    /// Is a NIC.
    pub is_nic: bool,
    /// Is an initiator.
    pub is_initiator: bool,
    /// Is a target.
    pub is_target: bool,
    /// Uses a TCP offload engine.
    pub using_tcp_offload_engine: bool,
    /// Uses an iSCSI offload engine.
    pub using_iscsi_offload_engine: bool,
}

/// `IMA_LHBA_PROPERTIES`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LhbaInfo {
    /// OS device name.
    pub os_device_name: String,
    /// LUs can be exposed/unexposed.
    pub lu_exposing_supported: bool,
    /// The LHBA can be destroyed.
    pub is_destroyable: bool,
    /// Stale data can be removed.
    pub stale_data_removable: bool,
    /// Size of the stale data.
    pub stale_data_size: u32,
    /// Initiator auth methods settable.
    pub initiator_auth_methods_settable: bool,
    /// Target auth methods settable.
    pub target_auth_methods_settable: bool,
}

/// A discovery method that can be enabled or disabled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiscoveryMethod {
    /// Static targets.
    Static,
    /// SendTargets.
    SendTargets,
    /// SLP.
    Slp,
    /// iSNS, found by `IMA_ISNS_DISCOVERY_METHOD` (0 static host, 1 DHCP, 2 SLP) with the host
    /// given for the static method.
    Isns {
        /// `IMA_ISNS_DISCOVERY_METHOD` value.
        method: u32,
        /// Host for the static method.
        host: Option<Host>,
    },
}

/// `IMA_DISCOVERY_PROPERTIES`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DiscoveryInfo {
    /// Static discovery can be switched.
    pub static_settable: bool,
    /// Static discovery enabled.
    pub static_enabled: bool,
    /// SendTargets can be switched.
    pub send_targets_settable: bool,
    /// SendTargets enabled.
    pub send_targets_enabled: bool,
    /// SLP can be switched.
    pub slp_settable: bool,
    /// SLP enabled.
    pub slp_enabled: bool,
    /// iSNS can be switched.
    pub isns_settable: bool,
    /// iSNS enabled.
    pub isns_enabled: bool,
    /// `IMA_ISNS_DISCOVERY_METHOD` value.
    pub isns_method: u32,
    /// iSNS host (static method).
    pub isns_host: Option<Host>,
}

/// A host: IP address or name (`IMA_HOST_ID`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Host {
    /// An IP address.
    Ip(IpAddr),
    /// A host name.
    Name(String),
}

/// `IMA_TARGET_ADDRESS`: host and TCP port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetAddr {
    /// Host.
    pub host: Host,
    /// TCP port.
    pub port: u16,
}

/// `IMA_DISCOVERY_ADDRESS_PROPERTIES`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscoveryAddressInfo {
    /// The LHBA (or PNP) it belongs to.
    pub owner: ObjectRef,
    /// The address.
    pub address: TargetAddr,
}

/// `IMA_STATIC_DISCOVERY_TARGET`: name and address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaticTarget {
    /// iSCSI name of the target.
    pub name: String,
    /// Address.
    pub address: TargetAddr,
}

/// `IMA_STATIC_DISCOVERY_TARGET_PROPERTIES`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaticTargetInfo {
    /// The LHBA (or PNP) it belongs to.
    pub owner: ObjectRef,
    /// Name and address.
    pub target: StaticTarget,
}

/// `IMA_TARGET_PROPERTIES`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TargetInfo {
    /// The LHBA the target is seen through.
    pub lhba: Option<ObjectRef>,
    /// iSCSI name.
    pub name: String,
    /// Alias.
    pub alias: Option<String>,
    /// `IMA_TARGET_DISCOVERY_METHOD` flags (static 1, SLP 2, iSNS 4, SendTargets 8).
    pub discovery_method_flags: u32,
    /// SendTargets through this target settable.
    pub send_targets_settable: bool,
    /// SendTargets through this target enabled.
    pub send_targets_enabled: bool,
}

/// `IMA_LU_PROPERTIES`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LuInfo {
    /// The target of the LU.
    pub target: ObjectRef,
    /// The LUN.
    pub lun: u64,
    /// Exposed to the OS.
    pub exposed_to_os: bool,
    /// When it was exposed to the OS (`IMA_ExposeLu`).
    pub time_exposed_to_os: Option<std::time::SystemTime>,
    /// OS device name (at most 63 characters): the NBD export's URI, or its name when the
    /// URI is longer.
    pub os_device_name: Option<String>,
    /// The full NBD URI of the exposed LU (`nbd+unix:///NAME?socket=PATH`).
    #[serde(default)]
    pub export_uri: Option<String>,
    /// OS bus number, target id and LUN.
    pub os_parallel_ids: Option<(u32, u32, u32)>,
}

/// The answer to a SCSI pass-through command.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ScsiReply {
    /// Data returned (at most the allocation length asked for is copied to the caller).
    pub data: Vec<u8>,
    /// SCSI status byte (0 GOOD, 2 CHECK CONDITION, 8 BUSY, 0x18 RESERVATION CONFLICT).
    pub status: u8,
    /// Sense data (with CHECK CONDITION).
    pub sense: Vec<u8>,
}

/// `IMA_LNP_PROPERTIES`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LnpInfo {
    /// MAC address.
    pub mac: [u8; 6],
    /// MAC settable.
    pub mac_settable: bool,
}

/// `IMA_PNP_PROPERTIES`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PnpInfo {
    /// The PHBA of the port.
    pub phba: ObjectRef,
    /// MAC address.
    pub mac: [u8; 6],
    /// MAC settable.
    pub mac_settable: bool,
    /// Maximum transfer rate (Mbit/s).
    pub maximum_transfer_rate: u32,
    /// Current transfer rate (Mbit/s).
    pub current_transfer_rate: u32,
    /// Maximum frame size.
    pub maximum_frame_size: u32,
}

/// `IMA_NETWORK_PORTAL_PROPERTIES`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalInfo {
    /// The LNP of the portal.
    pub lnp: ObjectRef,
    /// Its IP address.
    pub ip: IpAddr,
}

/// `IMA_NETWORK_PORT_STATUS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PortStatus {
    /// Working.
    Working,
    /// Degraded.
    Degraded,
    /// Critical.
    Critical,
    /// Failed.
    Failed,
    /// Disconnected.
    Disconnected,
}

/// One of the twelve iSCSI login parameters (docs/ima-notes.md §2.11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LoginParam {
    /// FirstBurstLength (`IMA_MIN_MAX_VALUE`).
    FirstBurstLength,
    /// MaxBurstLength.
    MaxBurstLength,
    /// MaxRecvDataSegmentLength.
    MaxRecvDataSegmentLength,
    /// DefaultTime2Wait.
    DefaultTime2Wait,
    /// DefaultTime2Retain.
    DefaultTime2Retain,
    /// MaxOutstandingR2T.
    MaxOutstandingR2T,
    /// ErrorRecoveryLevel.
    ErrorRecoveryLevel,
    /// MaxConnections.
    MaxConnections,
    /// InitialR2T (`IMA_BOOL_VALUE`).
    InitialR2T,
    /// ImmediateData.
    ImmediateData,
    /// DataPDUInOrder.
    DataPduInOrder,
    /// DataSequenceInOrder.
    DataSequenceInOrder,
}

/// The value of a login parameter: a number or a boolean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ParamValue {
    /// A numeric parameter's value.
    Number(u32),
    /// A boolean parameter's value.
    Bool(bool),
}

/// A login parameter of an LHBA or target, as the getters report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginParamInfo {
    /// Whether the setter can change it.
    pub settable: bool,
    /// The value the next login offers (the target's, else the LHBA's, else the default).
    pub current: ParamValue,
    /// The plugin's default.
    pub default: ParamValue,
    /// `(minimum, maximum)` of a numeric parameter (RFC 7143 §13); increment 1.
    pub range: Option<(u32, u32)>,
}

/// `IMA_SESSION_PROPERTIES`: what the session negotiated.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SessionInfo {
    /// The LHBA it runs on.
    pub lhba: Option<ObjectRef>,
    /// `true` when CHAP authenticated it (`IMA_AUTHMETHOD_CHAP`), else NONE.
    pub chap: bool,
    /// DataPDUInOrder.
    pub data_pdu_in_order: bool,
    /// DataSequenceInOrder.
    pub data_sequence_in_order: bool,
    /// DefaultTime2Retain.
    pub default_time2retain: u16,
    /// DefaultTime2Wait.
    pub default_time2wait: u16,
    /// ErrorRecoveryLevel.
    pub error_recovery_level: u16,
    /// FirstBurstLength.
    pub first_burst_length: u32,
    /// ImmediateData.
    pub immediate_data: bool,
    /// InitialR2T.
    pub initial_r2t: bool,
    /// ISID.
    pub isid: [u8; 6],
    /// MaxBurstLength.
    pub max_burst_length: u32,
    /// MaxConnections.
    pub max_connections: u16,
    /// MaxOutstandingR2T.
    pub max_outstanding_r2t: u16,
    /// TargetPortalGroupTag (0 when the target declared none).
    pub target_portal_group_tag: u16,
    /// TSIH.
    pub tsih: u16,
}

/// `IMA_CONNECTION_PROPERTIES`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionInfo {
    /// Its session.
    pub session: ObjectRef,
    /// CID.
    pub connection_id: u16,
    /// HeaderDigest is CRC32C.
    pub header_digest: bool,
    /// DataDigest is CRC32C.
    pub data_digest: bool,
    /// The MaxRecvDataSegmentLength we declared.
    pub max_recv_data_segment_length: u32,
    /// The MaxRecvDataSegmentLength the target declared (the most we send per PDU).
    pub max_transmit_data_segment_length: u32,
}

/// `IMA_DEVICE_STATISTICS` counters (the time fields are not measured: zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeviceStats {
    /// SCSI data written.
    pub scsi_bytes_sent: u64,
    /// SCSI data read.
    pub scsi_bytes_received: u64,
    /// iSCSI PDU bytes sent.
    pub pdu_bytes_sent: u64,
    /// iSCSI PDU bytes received.
    pub pdu_bytes_received: u64,
    /// iSCSI PDUs sent.
    pub pdus_sent: u64,
    /// iSCSI PDUs received.
    pub pdus_received: u64,
}

/// `IMA_TARGET_ERROR_STATISTICS` counters (all valid).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TargetErrors {
    /// Failed logins.
    pub login_failed: u64,
    /// Sessions that ended with an error.
    pub session_failed: u64,
    /// Header and data digest errors.
    pub digest: u64,
    /// Sessions that ended because a request went unanswered.
    pub time_limit_exceeded: u64,
    /// Connections lost to a malformed PDU or another protocol violation.
    pub format_error: u64,
    /// Connections dropped because a request or keep-alive went unanswered.
    pub closed_for_timeout: u64,
    /// When the last login failed.
    pub last_login_failure: Option<std::time::SystemTime>,
}

/// `IMA_PNP_STATISTICS` counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PnpStats {
    /// Bytes sent.
    pub bytes_sent: u64,
    /// PDUs sent.
    pub pdus_sent: u64,
    /// Bytes received.
    pub bytes_received: u64,
    /// PDUs received.
    pub pdus_received: u64,
}

/// What a rescan (`IMA_SOFT_IOCTL_RESCAN`) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RescanSummary {
    /// Targets in the table.
    pub targets: u64,
    /// Live sessions.
    pub sessions: u64,
    /// Targets logged in to by this rescan.
    pub logged_in: u64,
    /// Automatic logins that failed.
    pub login_failures: u64,
    /// Discovery addresses that failed.
    pub discovery_failures: u64,
}

/// Which discovery methods' targets the HBA logs in to by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoLogin {
    /// Static targets.
    pub static_targets: bool,
    /// SendTargets.
    pub send_targets: bool,
}

/// A change the registered callbacks are told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// The object appeared (`true`) or went.
    Visibility(ObjectRef, bool),
    /// The object's properties changed.
    Property(ObjectRef),
}

/// The socket addresses of a session's connection, when it has them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SessionAddresses {
    /// Ours.
    pub local: Option<SocketAddr>,
    /// The target's.
    pub remote: Option<SocketAddr>,
}

/// The engine behind the plugin. Every method defaults to [`PluginError::NotSupported`].
///
/// Objects passed in have already been checked to be this plugin's (ownerId) and of a type
/// the call accepts; `owner` parameters are the LHBA (or PNP/LNP/target) a call is about.
#[allow(unused_variables)]
pub trait Backend: Send + Sync {
    /// Plugin properties.
    fn plugin_info(&self) -> Result<PluginInfo> {
        Err(PluginError::NotSupported)
    }
    /// Whether `object` exists. Decides between NOT_SUPPORTED and OBJECT_NOT_FOUND for the
    /// calls the backend does not implement.
    fn exists(&self, object: ObjectRef) -> bool {
        false
    }
    /// `Terminate`: finish what is under way (log sessions out) and stop.
    fn shutdown(&self) {}

    // ---- system-wide lists (NOT_SUPPORTED is answered as an empty list) ----
    /// All LHBAs.
    fn lhbas(&self) -> Result<Vec<ObjectRef>> {
        Err(PluginError::NotSupported)
    }
    /// All PHBAs.
    fn phbas(&self) -> Result<Vec<ObjectRef>> {
        Err(PluginError::NotSupported)
    }
    /// Nodes other than the shared one.
    fn non_shared_nodes(&self) -> Result<Vec<ObjectRef>> {
        Err(PluginError::NotSupported)
    }
    /// All LNPs.
    fn lnps(&self) -> Result<Vec<ObjectRef>> {
        Err(PluginError::NotSupported)
    }

    // ---- HBAs ----
    /// LHBA properties.
    fn lhba_properties(&self, lhba: ObjectRef) -> Result<LhbaInfo> {
        Err(PluginError::NotSupported)
    }
    /// PHBA properties.
    fn phba_properties(&self, phba: ObjectRef) -> Result<PhbaInfo> {
        Err(PluginError::NotSupported)
    }
    /// PHBA status: `true` = WORKING, `false` = FAILED.
    fn phba_working(&self, phba: ObjectRef) -> Result<bool> {
        Err(PluginError::NotSupported)
    }

    // ---- the initiator node (any OID names it) ----
    /// Name, alias and modes of the initiator node.
    fn node_properties(&self) -> Result<NodeInfo> {
        Err(PluginError::NotSupported)
    }
    /// Sets the initiator name.
    fn set_node_name(&self, name: &str) -> Result<Applied> {
        Err(PluginError::NotSupported)
    }
    /// Sets (`Some`) or removes (`None`) the alias.
    fn set_node_alias(&self, alias: Option<&str>) -> Result<Applied> {
        Err(PluginError::NotSupported)
    }

    // ---- discovery ----
    /// Discovery settings of an LHBA or PHBA.
    fn discovery_properties(&self, owner: ObjectRef) -> Result<DiscoveryInfo> {
        Err(PluginError::NotSupported)
    }
    /// Enables or disables a discovery method.
    fn set_discovery(
        &self,
        owner: ObjectRef,
        method: DiscoveryMethod,
        enabled: bool,
    ) -> Result<Applied> {
        Err(PluginError::NotSupported)
    }
    /// Adds a SendTargets discovery address; returns its object (DISCOVERY_ADDRESS).
    fn add_discovery_address(&self, owner: ObjectRef, address: &TargetAddr) -> Result<ObjectRef> {
        Err(PluginError::NotSupported)
    }
    /// Removes a discovery address.
    fn remove_discovery_address(&self, address: ObjectRef) -> Result<()> {
        Err(PluginError::NotSupported)
    }
    /// Discovery addresses of an LHBA or PNP.
    fn discovery_addresses(&self, owner: ObjectRef) -> Result<Vec<ObjectRef>> {
        Err(PluginError::NotSupported)
    }
    /// Properties of a discovery address.
    fn discovery_address_properties(&self, address: ObjectRef) -> Result<DiscoveryAddressInfo> {
        Err(PluginError::NotSupported)
    }
    /// Adds a static discovery target; returns its object (STATIC_DISCOVERY_TARGET).
    fn add_static_target(&self, owner: ObjectRef, target: &StaticTarget) -> Result<ObjectRef> {
        Err(PluginError::NotSupported)
    }
    /// Removes a static discovery target.
    fn remove_static_target(&self, target: ObjectRef) -> Result<()> {
        Err(PluginError::NotSupported)
    }
    /// Static discovery targets of an LHBA or PNP.
    fn static_targets(&self, owner: ObjectRef) -> Result<Vec<ObjectRef>> {
        Err(PluginError::NotSupported)
    }
    /// Properties of a static discovery target.
    fn static_target_properties(&self, target: ObjectRef) -> Result<StaticTargetInfo> {
        Err(PluginError::NotSupported)
    }

    // ---- targets and LUs ----
    /// Targets seen through an LHBA or LNP.
    fn targets(&self, owner: ObjectRef) -> Result<Vec<ObjectRef>> {
        Err(PluginError::NotSupported)
    }
    /// Target properties.
    fn target_properties(&self, target: ObjectRef) -> Result<TargetInfo> {
        Err(PluginError::NotSupported)
    }
    /// Every (IP, port) a target is reachable at.
    fn target_address_keys(&self, target: ObjectRef) -> Result<Vec<SocketAddr>> {
        Err(PluginError::NotSupported)
    }
    /// LUs of an LHBA (all) or of a target.
    fn lus(&self, owner: ObjectRef) -> Result<Vec<ObjectRef>> {
        Err(PluginError::NotSupported)
    }
    /// The LU of a target with this LUN.
    fn lu_by_lun(&self, target: ObjectRef, lun: u64) -> Result<ObjectRef> {
        Err(PluginError::NotSupported)
    }
    /// LU properties.
    fn lu_properties(&self, lu: ObjectRef) -> Result<LuInfo> {
        Err(PluginError::NotSupported)
    }
    /// INQUIRY to an LU (or LUN 0 of a target), at most `allocation_length` bytes wanted.
    fn lu_inquiry(
        &self,
        device: ObjectRef,
        evpd: bool,
        cmddt: bool,
        page_code: u8,
        allocation_length: usize,
    ) -> Result<ScsiReply> {
        Err(PluginError::NotSupported)
    }
    /// READ CAPACITY (10) or (16) (`cdb_length` is 10 or 16).
    fn lu_read_capacity(
        &self,
        device: ObjectRef,
        cdb_length: u8,
        allocation_length: usize,
    ) -> Result<ScsiReply> {
        Err(PluginError::NotSupported)
    }
    /// REPORT LUNS, to the device or to the REPORT LUNS well-known LUN.
    fn lu_report_luns(
        &self,
        device: ObjectRef,
        to_well_known_lun: bool,
        select_report: u8,
        allocation_length: usize,
    ) -> Result<ScsiReply> {
        Err(PluginError::NotSupported)
    }

    /// Exposes an LU to the OS as an NBD export (docs/nbd.md); returns its URI.
    fn expose_lu(&self, lu: ObjectRef) -> Result<String> {
        Err(PluginError::NotSupported)
    }
    /// Stops exposing an LU; with NBD clients connected, `LU_IN_USE` unless `force`.
    fn unexpose_lu(&self, lu: ObjectRef, force: bool) -> Result<()> {
        Err(PluginError::NotSupported)
    }

    // ---- login parameters ----
    /// A login parameter of the LHBA (the defaults) or a target (its overrides over them).
    fn login_param(&self, object: ObjectRef, param: LoginParam) -> Result<LoginParamInfo> {
        Err(PluginError::NotSupported)
    }
    /// Sets a login parameter of the LHBA or a target, for the next login. A value out of
    /// range (or FirstBurstLength above MaxBurstLength) is INVALID_PARAMETER; a parameter
    /// that is not settable is NOT_SUPPORTED.
    fn set_login_param(
        &self,
        object: ObjectRef,
        param: LoginParam,
        value: ParamValue,
    ) -> Result<Applied> {
        Err(PluginError::NotSupported)
    }

    // ---- sessions and connections ----
    /// Sessions of the LHBA (all) or of a target.
    fn sessions(&self, owner: ObjectRef) -> Result<Vec<ObjectRef>> {
        Err(PluginError::NotSupported)
    }
    /// Session properties.
    fn session_properties(&self, session: ObjectRef) -> Result<SessionInfo> {
        Err(PluginError::NotSupported)
    }
    /// Connections of a session.
    fn connections(&self, session: ObjectRef) -> Result<Vec<ObjectRef>> {
        Err(PluginError::NotSupported)
    }
    /// Connection properties.
    fn connection_properties(&self, connection: ObjectRef) -> Result<ConnectionInfo> {
        Err(PluginError::NotSupported)
    }
    /// The socket addresses of a session's connection (`IMA_SOFT_IOCTL_SESSION_ADDRESSES`).
    fn session_addresses(&self, session: ObjectRef) -> Result<SessionAddresses> {
        Err(PluginError::NotSupported)
    }
    /// Logs in to a target and keeps it logged in; returns the session.
    fn login_target(&self, target: ObjectRef) -> Result<ObjectRef> {
        Err(PluginError::NotSupported)
    }
    /// Logs out of a target and holds it out; returns the sessions closed.
    fn logout_target(&self, target: ObjectRef) -> Result<u64> {
        Err(PluginError::NotSupported)
    }
    /// The automatic login switches.
    fn auto_login(&self) -> Result<AutoLogin> {
        Err(PluginError::NotSupported)
    }
    /// Sets the automatic login switches.
    fn set_auto_login(&self, auto: AutoLogin) -> Result<()> {
        Err(PluginError::NotSupported)
    }
    /// Runs discovery and the automatic logins now.
    fn rescan(&self) -> Result<RescanSummary> {
        Err(PluginError::NotSupported)
    }
    /// `IMA_RemoveStaleData`.
    fn remove_stale_data(&self, lhba: ObjectRef) -> Result<()> {
        Err(PluginError::NotSupported)
    }
    /// `IMA_CommitHbaParameters`: changes are persisted as they are made, so nothing is
    /// pending.
    fn commit_parameters(&self, hba: ObjectRef) -> Result<()> {
        Err(PluginError::NotSupported)
    }

    // ---- statistics ----
    /// `(settable, enabled)` of statistics collection for an object.
    fn statistics_properties(&self, object: ObjectRef) -> Result<(bool, bool)> {
        Err(PluginError::NotSupported)
    }
    /// Turns collection on or off.
    fn set_statistics(&self, object: ObjectRef, enabled: bool) -> Result<()> {
        Err(PluginError::NotSupported)
    }
    /// Counters of a target or an LU (`STATS_COLLECTION_NOT_ENABLED` when off).
    fn device_statistics(&self, object: ObjectRef) -> Result<DeviceStats> {
        Err(PluginError::NotSupported)
    }
    /// Error counters of a target.
    fn target_error_statistics(&self, target: ObjectRef) -> Result<TargetErrors> {
        Err(PluginError::NotSupported)
    }
    /// Counters of a physical network port.
    fn pnp_statistics(&self, pnp: ObjectRef) -> Result<PnpStats> {
        Err(PluginError::NotSupported)
    }

    // ---- network ports ----
    /// PNPs of a PHBA or LNP.
    fn pnps(&self, owner: ObjectRef) -> Result<Vec<ObjectRef>> {
        Err(PluginError::NotSupported)
    }
    /// PNP properties.
    fn pnp_properties(&self, pnp: ObjectRef) -> Result<PnpInfo> {
        Err(PluginError::NotSupported)
    }
    /// LNP properties.
    fn lnp_properties(&self, lnp: ObjectRef) -> Result<LnpInfo> {
        Err(PluginError::NotSupported)
    }
    /// Network portals of an LNP.
    fn network_portals(&self, lnp: ObjectRef) -> Result<Vec<ObjectRef>> {
        Err(PluginError::NotSupported)
    }
    /// Network portal properties.
    fn network_portal_properties(&self, portal: ObjectRef) -> Result<PortalInfo> {
        Err(PluginError::NotSupported)
    }
    /// Status of a PNP or LNP.
    fn network_port_status(&self, port: ObjectRef) -> Result<PortStatus> {
        Err(PluginError::NotSupported)
    }

    // ---- authentication ----
    /// The methods an LHBA supports (`settable`: those it can be set to; the same here).
    fn supported_auth_methods(&self, lhba: ObjectRef, settable: bool) -> Result<Vec<AuthMethod>> {
        Err(PluginError::NotSupported)
    }
    /// The LHBA's methods in use, in preference order.
    fn auth_methods(&self, lhba: ObjectRef) -> Result<Vec<AuthMethod>> {
        Err(PluginError::NotSupported)
    }
    /// Sets the LHBA's methods in use (at least one, each once), from the next login.
    fn set_auth_methods(&self, lhba: ObjectRef, methods: &[AuthMethod]) -> Result<Applied> {
        Err(PluginError::NotSupported)
    }
    /// The CHAP credentials of `role` on the LHBA or a target (or static target), never
    /// with the secret; `None` when not set.
    fn chap(&self, object: ObjectRef, role: ChapRole) -> Result<Option<ChapInfo>> {
        Err(PluginError::NotSupported)
    }
    /// Sets CHAP credentials of `role`; `secret: None` keeps the stored one; `enabled`
    /// switches a target's credentials (`None` keeps the switch). A bad name, no secret,
    /// or one secret both ways (RFC 7143 §9.2.1) is INVALID_PARAMETER.
    fn set_chap(
        &self,
        object: ObjectRef,
        role: ChapRole,
        name: String,
        secret: Option<ChapSecret>,
        enabled: Option<bool>,
    ) -> Result<Applied> {
        Err(PluginError::NotSupported)
    }
    /// Switches a target's credentials of `role` on or off.
    fn set_chap_enabled(
        &self,
        object: ObjectRef,
        role: ChapRole,
        enabled: bool,
    ) -> Result<Applied> {
        Err(PluginError::NotSupported)
    }
    /// Removes the credentials of `role` named `name` (none such: INVALID_PARAMETER).
    fn remove_chap(&self, object: ObjectRef, role: ChapRole, name: &str) -> Result<Applied> {
        Err(PluginError::NotSupported)
    }

    // ---- digests ----
    /// Whether the HeaderDigest and DataDigest offers of the LHBA or a target can be set.
    fn digest_settable(&self, object: ObjectRef) -> Result<(bool, bool)> {
        Err(PluginError::NotSupported)
    }
    /// The HeaderDigest or DataDigest offer of the LHBA or a target, in preference order
    /// (what the next login offers).
    fn digests(&self, object: ObjectRef, kind: DigestKind) -> Result<Vec<Digest>> {
        Err(PluginError::NotSupported)
    }
    /// Sets the HeaderDigest or DataDigest offer (one or two digests, each once).
    fn set_digests(
        &self,
        object: ObjectRef,
        kind: DigestKind,
        digests: &[Digest],
    ) -> Result<Applied> {
        Err(PluginError::NotSupported)
    }
}

/// `ObjectType` (an `IMA_OBJECT_TYPE` value) as a number on the daemon's wire.
mod object_type {
    use ima_abi::ObjectType;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(t: &ObjectType, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(t.0)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ObjectType, D::Error> {
        u32::deserialize(d).map(ObjectType)
    }
}
