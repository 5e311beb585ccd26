//! The typed result of operational negotiation, and the value types it uses.

use std::fmt;

/// A digest for headers or data (RFC 7143 §13.1).
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
pub enum Digest {
    /// No digest (the RFC default).
    #[default]
    None,
    /// CRC32C (RFC 7143 §13.1, App. A.4).
    Crc32c,
}

impl Digest {
    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "None",
            Self::Crc32c => "CRC32C",
        }
    }

    /// The digest for a wire name (case-sensitive); `None` for unknown or extension names.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "None" => Some(Self::None),
            "CRC32C" => Some(Self::Crc32c),
            _ => None,
        }
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The session type (RFC 7143 §13.21).
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
pub enum SessionType {
    /// A normal session, for SCSI commands to one target (the RFC default).
    #[default]
    Normal,
    /// A discovery session: SendTargets and logout only, ERL 0, one connection.
    Discovery,
}

impl SessionType {
    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Normal => "Normal",
            Self::Discovery => "Discovery",
        }
    }
}

/// Task reporting semantics (RFC 7143 §13.23).
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
pub enum TaskReporting {
    /// The RFC 3720 semantics (the default).
    #[default]
    Rfc3720,
    /// Response fence semantics (RFC 7143 §4.2.2.3.3).
    ResponseFence,
    /// FastAbort semantics (includes ResponseFence, RFC 7143 §4.2.3.4).
    FastAbort,
}

impl TaskReporting {
    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Rfc3720 => "RFC3720",
            Self::ResponseFence => "ResponseFence",
            Self::FastAbort => "FastAbort",
        }
    }

    /// The value for a wire name (case-sensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "RFC3720" => Some(Self::Rfc3720),
            "ResponseFence" => Some(Self::ResponseFence),
            "FastAbort" => Some(Self::FastAbort),
            _ => None,
        }
    }
}

/// The operational parameters in force after login: what configures the framer
/// (digests and MaxRecvDataSegmentLength each way) and the session.
///
/// Connection-scoped (RFC 7143 §13, scope CO): `header_digest`, `data_digest` and both
/// MaxRecvDataSegmentLength fields. Everything else is session-wide.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct NegotiatedParams {
    /// Discovery or normal.
    pub session_type: SessionType,
    /// HeaderDigest (§13.1); default None.
    pub header_digest: Digest,
    /// DataDigest (§13.1); default None.
    pub data_digest: Digest,
    /// The MaxRecvDataSegmentLength *we* declared (§13.12): the largest data segment the
    /// target may send us. 8192 if we never declared one.
    pub initiator_max_recv_data_segment_length: u32,
    /// The MaxRecvDataSegmentLength the *target* declared: the largest data segment we
    /// may send (Data-Out, immediate data, text). 8192 if the target never declared one.
    pub target_max_recv_data_segment_length: u32,
    /// MaxBurstLength (§13.13, Minimum); default 262144.
    pub max_burst_length: u32,
    /// FirstBurstLength (§13.14, Minimum); default 65536; never above `max_burst_length`.
    pub first_burst_length: u32,
    /// InitialR2T (§13.10, OR); default Yes.
    pub initial_r2t: bool,
    /// ImmediateData (§13.11, AND); default Yes.
    pub immediate_data: bool,
    /// MaxOutstandingR2T (§13.17, Minimum); default 1.
    pub max_outstanding_r2t: u16,
    /// DataPDUInOrder (§13.18, OR); default Yes.
    pub data_pdu_in_order: bool,
    /// DataSequenceInOrder (§13.19, OR); default Yes.
    pub data_sequence_in_order: bool,
    /// DefaultTime2Wait in seconds (§13.15, Maximum); default 2.
    pub default_time2wait: u16,
    /// DefaultTime2Retain in seconds (§13.16, Minimum); default 20.
    pub default_time2retain: u16,
    /// ErrorRecoveryLevel (§13.20, Minimum); default 0.
    pub error_recovery_level: u8,
    /// MaxConnections (§13.2, Minimum); default 1.
    pub max_connections: u16,
    /// TargetAlias, if the target declared one (§13.6).
    pub target_alias: Option<String>,
    /// TargetPortalGroupTag, if the target declared it (§13.9).
    pub target_portal_group_tag: Option<u16>,
    /// iSCSIProtocolLevel (§13.24, Minimum); default 1.
    pub iscsi_protocol_level: u8,
    /// TaskReporting (§13.23, list); default RFC3720.
    pub task_reporting: TaskReporting,
    /// X#NodeArchitecture as the target declared it (§13.26), kept verbatim.
    pub target_node_architecture: Option<String>,
}

impl NegotiatedParams {
    /// The RFC 7143 §13 default of every key: what is in force when nothing is negotiated.
    pub fn rfc_defaults(session_type: SessionType) -> Self {
        Self {
            session_type,
            header_digest: Digest::None,
            data_digest: Digest::None,
            initiator_max_recv_data_segment_length: 8192,
            target_max_recv_data_segment_length: 8192,
            max_burst_length: 262_144,
            first_burst_length: 65_536,
            initial_r2t: true,
            immediate_data: true,
            max_outstanding_r2t: 1,
            data_pdu_in_order: true,
            data_sequence_in_order: true,
            default_time2wait: 2,
            default_time2retain: 20,
            error_recovery_level: 0,
            max_connections: 1,
            target_alias: None,
            target_portal_group_tag: None,
            iscsi_protocol_level: 1,
            task_reporting: TaskReporting::Rfc3720,
            target_node_architecture: None,
        }
    }
}
