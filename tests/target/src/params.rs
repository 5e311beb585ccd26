//! The operational values a connection ends its login with.

use iscsi_proto::wire::{Isid, Tsih};

/// The session type declared at login.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub enum SessionType {
    /// `SessionType=Normal` (the default).
    #[default]
    Normal,
    /// `SessionType=Discovery`.
    Discovery,
}

/// What a connection's login settled (RFC 7143 §13 results), plus identities.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct SessionParams {
    /// Session type.
    pub session_type: SessionType,
    /// The initiator's InitiatorName.
    pub initiator_name: String,
    /// The TargetName asked for (Normal sessions).
    pub target_name: Option<String>,
    /// ISID.
    pub isid: Isid,
    /// TSIH assigned by the target (0 until the login completes).
    pub tsih: Tsih,
    /// HeaderDigest=CRC32C.
    pub header_digest: bool,
    /// DataDigest=CRC32C.
    pub data_digest: bool,
    /// MaxRecvDataSegmentLength declared by the initiator: the largest data segment the
    /// target sends (8192 if never declared).
    pub initiator_max_recv_data_segment_length: u32,
    /// MaxRecvDataSegmentLength declared by the target: the largest it accepts.
    pub target_max_recv_data_segment_length: u32,
    /// MaxBurstLength.
    pub max_burst_length: u32,
    /// FirstBurstLength.
    pub first_burst_length: u32,
    /// InitialR2T.
    pub initial_r2t: bool,
    /// ImmediateData.
    pub immediate_data: bool,
    /// MaxOutstandingR2T.
    pub max_outstanding_r2t: u16,
    /// MaxConnections.
    pub max_connections: u16,
    /// ErrorRecoveryLevel.
    pub error_recovery_level: u8,
    /// DefaultTime2Wait.
    pub default_time2wait: u16,
    /// DefaultTime2Retain.
    pub default_time2retain: u16,
    /// DataPDUInOrder.
    pub data_pdu_in_order: bool,
    /// DataSequenceInOrder.
    pub data_sequence_in_order: bool,
}

impl SessionParams {
    /// RFC 7143 defaults, with the target's declared MaxRecvDataSegmentLength.
    pub(crate) fn rfc_defaults(target_mrdsl: u32) -> Self {
        Self {
            session_type: SessionType::Normal,
            initiator_name: String::new(),
            target_name: None,
            isid: Isid::default(),
            tsih: Tsih::NEW,
            header_digest: false,
            data_digest: false,
            initiator_max_recv_data_segment_length: 8192,
            target_max_recv_data_segment_length: target_mrdsl,
            max_burst_length: 262_144,
            first_burst_length: 65536,
            initial_r2t: true,
            immediate_data: true,
            max_outstanding_r2t: 1,
            max_connections: 1,
            error_recovery_level: 0,
            default_time2wait: 2,
            default_time2retain: 20,
            data_pdu_in_order: true,
            data_sequence_in_order: true,
        }
    }
}
