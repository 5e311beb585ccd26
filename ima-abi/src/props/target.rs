//! Targets, LUs, sessions, connections and statistics.

use crate::enums::{AuthMethod, DigestType};
use crate::impl_zeroed;
use crate::oid::Oid;
use crate::prim::{ImaBool, ImaByte, ImaDatetime, NodeAlias, NodeName, WChar};

/// `IMA_TARGET_PROPERTIES`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct TargetProperties {
    /// `associatedNodeOid`.
    pub associated_node_oid: Oid,
    /// `associatedLhbaOid`.
    pub associated_lhba_oid: Oid,
    /// `name`.
    pub name: NodeName,
    /// `alias`.
    pub alias: NodeAlias,
    /// `discoveryMethodFlags` (`TargetDiscoveryMethod` bits).
    pub discovery_method_flags: u32,
    /// `sendTargetsDiscoverySettable`.
    pub send_targets_discovery_settable: ImaBool,
    /// `sendTargetsDiscoveryEnabled`.
    pub send_targets_discovery_enabled: ImaBool,
    /// `reserved`.
    pub reserved: [ImaByte; 128],
}

/// `IMA_TARGET_ERROR_STATISTICS`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct TargetErrorStatistics {
    /// `loginFailedCountValid`.
    pub login_failed_count_valid: ImaBool,
    /// `loginFailedCount`.
    pub login_failed_count: u32,
    /// `sessionFailedCountValid`.
    pub session_failed_count_valid: ImaBool,
    /// `sessionFailedCount`.
    pub session_failed_count: u32,
    /// `headerOrDigestSessionFailedCountValid`.
    pub header_or_digest_session_failed_count_valid: ImaBool,
    /// `headerOrDigestSessionFailedCount`.
    pub header_or_digest_session_failed_count: u32,
    /// `timeLimitExceededSessionFailedCountValid`.
    pub time_limit_exceeded_session_failed_count_valid: ImaBool,
    /// `timeLimitExceededSessionFailedCount`.
    pub time_limit_exceeded_session_failed_count: u32,
    /// `formatErrorSessionFailedCountValid`.
    pub format_error_session_failed_count_valid: ImaBool,
    /// `formatErrorSessionFailedCount`.
    pub format_error_session_failed_count: u32,
    /// `closedConnectionDueToTimeoutCountValid`.
    pub closed_connection_due_to_timeout_count_valid: ImaBool,
    /// `closedConnectionDueToTimeoutCount`.
    pub closed_connection_due_to_timeout_count: u32,
    /// `lastLoginFailureTimeValid`.
    pub last_login_failure_time_valid: ImaBool,
    /// `lastLoginFailureTime`.
    pub last_login_failure_time: ImaDatetime,
    /// `reserved`.
    pub reserved: [ImaByte; 64],
}

/// `IMA_LU_PROPERTIES`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct LuProperties {
    /// `associatedTargetOid`.
    pub associated_target_oid: Oid,
    /// `targetLun`.
    pub target_lun: i64,
    /// `exposedToOs`.
    pub exposed_to_os: ImaBool,
    /// `timeExposedToOs`.
    pub time_exposed_to_os: ImaDatetime,
    /// `osDeviceNameValid`.
    pub os_device_name_valid: ImaBool,
    /// `osDeviceName`.
    pub os_device_name: [WChar; 64],
    /// `osParallelIdsValid`.
    pub os_parallel_ids_valid: ImaBool,
    /// `osBusNumber`.
    pub os_bus_number: u32,
    /// `osTargetId`.
    pub os_target_id: u32,
    /// `osLun`.
    pub os_lun: u32,
    /// `reserved`.
    pub reserved: [ImaByte; 128],
}

/// `IMA_SESSION_PROPERTIES` (no reserved tail, no target OID).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SessionProperties {
    /// `associatedLhbaOid`.
    pub associated_lhba_oid: Oid,
    /// `authMethod`.
    pub auth_method: AuthMethod,
    /// `dataPduInOrder`.
    pub data_pdu_in_order: ImaBool,
    /// `dataSequenceInOrder`.
    pub data_sequence_in_order: ImaBool,
    /// `defaultTime2Retain`.
    pub default_time2_retain: u16,
    /// `defaultTime2Wait`.
    pub default_time2_wait: u16,
    /// `errorRecoveryLevel`.
    pub error_recovery_level: u16,
    /// `firstBurstLength`.
    pub first_burst_length: u32,
    /// `immediateData`.
    pub immediate_data: ImaBool,
    /// `initialR2T`.
    pub initial_r2t: ImaBool,
    /// `isid`.
    pub isid: [ImaByte; 6],
    /// `maxBurstLength`.
    pub max_burst_length: u32,
    /// `maxConnections`.
    pub max_connections: u16,
    /// `maxOutstandingR2T`.
    pub max_outstanding_r2t: u16,
    /// `targetPortalGroupTag`.
    pub target_portal_group_tag: u16,
    /// `tsih`.
    pub tsih: u16,
}

/// `IMA_CONNECTION_PROPERTIES` (no reserved tail).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ConnectionProperties {
    /// `associatedSessionOid`.
    pub associated_session_oid: Oid,
    /// `connectionId`.
    pub connection_id: u16,
    /// `dataDigest`.
    pub data_digest: DigestType,
    /// `headerDigest`.
    pub header_digest: DigestType,
    /// `ifMarker`.
    pub if_marker: ImaBool,
    /// `ifMarkInt`.
    pub if_mark_int: u32,
    /// `maxRecvDataSegmentLength`.
    pub max_recv_data_segment_length: u32,
    /// `maxTransmitDataSegmentLength`.
    pub max_transmit_data_segment_length: u32,
    /// `ofMarker`.
    pub of_marker: ImaBool,
    /// `ofMarkInt`.
    pub of_mark_int: u32,
}

/// `IMA_STATISTICS_PROPERTIES`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct StatisticsProperties {
    /// `statisticsCollectionSettable`.
    pub statistics_collection_settable: ImaBool,
    /// `statisticsCollectionEnabled`.
    pub statistics_collection_enabled: ImaBool,
}

/// `IMA_DEVICE_STATISTICS`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct DeviceStatistics {
    /// `scsiPayloadBytesSent`.
    pub scsi_payload_bytes_sent: i64,
    /// `scsiPayloadBytesReceived`.
    pub scsi_payload_bytes_received: i64,
    /// `iScsiPduBytesSent`.
    pub i_scsi_pdu_bytes_sent: i64,
    /// `iScsiPduBytesReceived`.
    pub i_scsi_pdu_bytes_received: i64,
    /// `iScsiPdusSent`.
    pub i_scsi_pdus_sent: i64,
    /// `iScsiPdusReceived`.
    pub i_scsi_pdus_received: i64,
    /// `millisecondsSpentSending`.
    pub milliseconds_spent_sending: i64,
    /// `millisecondsSpentReceiving`.
    pub milliseconds_spent_receiving: i64,
}

impl_zeroed!(
    TargetProperties,
    TargetErrorStatistics,
    LuProperties,
    SessionProperties,
    ConnectionProperties,
    StatisticsProperties,
    DeviceStatistics
);
