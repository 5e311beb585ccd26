//! What the initiator offers: [`OperationalConfig`], validated before anything is sent.

use super::{Digest, NegotiationError, SessionType, TaskReporting};
use crate::text::{MAX_VALUE_LEN, value};

/// The longest iSCSI name in bytes (RFC 7143 §4.2.7.1: 223 bytes).
pub const MAX_ISCSI_NAME_LEN: usize = 223;

/// Largest data segment or burst length a key may state: 2^24 − 1 (RFC 7143 §13.12–§13.14).
pub const MAX_DATA_LENGTH: u32 = 16_777_215;

/// Smallest data segment or burst length a key may state (RFC 7143 §13.12–§13.14).
pub const MIN_DATA_LENGTH: u32 = 512;

/// The operational values the initiator wants, per session type.
///
/// Construct with [`OperationalConfig::normal`] or [`OperationalConfig::discovery`] and
/// adjust fields; [`super::Negotiator::new`] validates the whole config
/// ([`OperationalConfig::validate`]). Ranges are RFC 7143 §13's.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct OperationalConfig {
    /// SessionType to declare.
    pub session_type: SessionType,
    /// InitiatorName (§13.5): required, at most 223 bytes.
    pub initiator_name: String,
    /// InitiatorAlias (§13.7), declared if set; at most 255 bytes.
    pub initiator_alias: Option<String>,
    /// TargetName (§13.4): required for a normal session, optional for discovery.
    pub target_name: Option<String>,
    /// HeaderDigest offer in preference order (§13.1). Default `[None]`. On a discovery
    /// session the key is not sent at all while this is `[None]` (some arrays close
    /// discovery connections that negotiate digests: docs/initiator.md "Target quirks" item 2).
    pub header_digest: Vec<Digest>,
    /// DataDigest offer in preference order (§13.1); as `header_digest`.
    pub data_digest: Vec<Digest>,
    /// MaxRecvDataSegmentLength we declare (§13.12): 512..=2^24−1, default 262144. It is
    /// also the largest data segment the framer must accept from the target.
    pub max_recv_data_segment_length: u32,
    /// MaxBurstLength offer (§13.13): 512..=2^24−1, default 262144.
    pub max_burst_length: u32,
    /// FirstBurstLength offer (§13.14): 512..=2^24−1 and at most `max_burst_length`
    /// (a larger value is a configuration error, not clamped), default 65536.
    pub first_burst_length: u32,
    /// InitialR2T offer (§13.10, OR); default Yes.
    pub initial_r2t: bool,
    /// ImmediateData offer (§13.11, AND); default Yes.
    pub immediate_data: bool,
    /// MaxOutstandingR2T offer (§13.17): 1..=65535, default 1.
    pub max_outstanding_r2t: u16,
    /// DataPDUInOrder offer (§13.18, OR); default Yes.
    pub data_pdu_in_order: bool,
    /// DataSequenceInOrder offer (§13.19, OR); default Yes.
    pub data_sequence_in_order: bool,
    /// DefaultTime2Wait offer in seconds (§13.15): 0..=3600, default 2.
    pub default_time2wait: u16,
    /// DefaultTime2Retain offer in seconds (§13.16): 0..=3600, default 20.
    pub default_time2retain: u16,
    /// ErrorRecoveryLevel offer (§13.20): 0..=2, default 0; must be 0 for discovery
    /// (§7.4.1).
    pub error_recovery_level: u8,
    /// MaxConnections offer (§13.2): 1..=65535, default 1.
    pub max_connections: u16,
    /// iSCSIProtocolLevel offer (§13.24): 0..=31. `None` (default) does not offer the
    /// key, so RFC 3720 targets never see it; a target's offer is answered with at most 1.
    pub iscsi_protocol_level: Option<u8>,
    /// TaskReporting offer in preference order (§13.23). Empty (default) does not offer
    /// the key; a target's offer is then answered with RFC3720. When not empty it must
    /// contain RFC3720.
    pub task_reporting: Vec<TaskReporting>,
}

impl OperationalConfig {
    /// Defaults for a normal session to `target_name`.
    pub fn normal(initiator_name: impl Into<String>, target_name: impl Into<String>) -> Self {
        Self {
            session_type: SessionType::Normal,
            target_name: Some(target_name.into()),
            ..Self::base(initiator_name.into())
        }
    }

    /// Defaults for a discovery session: no digests, ERL 0.
    pub fn discovery(initiator_name: impl Into<String>) -> Self {
        Self {
            session_type: SessionType::Discovery,
            ..Self::base(initiator_name.into())
        }
    }

    fn base(initiator_name: String) -> Self {
        Self {
            session_type: SessionType::Normal,
            initiator_name,
            initiator_alias: None,
            target_name: None,
            header_digest: vec![Digest::None],
            data_digest: vec![Digest::None],
            max_recv_data_segment_length: 262_144,
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
            iscsi_protocol_level: None,
            task_reporting: Vec::new(),
        }
    }

    /// Checks every field against RFC 7143 §13.
    ///
    /// # Errors
    ///
    /// [`NegotiationError::InvalidConfig`] naming the first bad field.
    pub fn validate(&self) -> Result<(), NegotiationError> {
        let bad = |key, reason| Err(NegotiationError::InvalidConfig { key, reason });
        check_text("InitiatorName", &self.initiator_name, MAX_ISCSI_NAME_LEN)?;
        if let Some(alias) = &self.initiator_alias {
            check_text("InitiatorAlias", alias, MAX_VALUE_LEN)?;
        }
        match (&self.target_name, self.session_type) {
            (Some(name), _) => check_text("TargetName", name, MAX_ISCSI_NAME_LEN)?,
            (None, SessionType::Normal) => {
                return bad("TargetName", "required for a normal session");
            }
            (None, SessionType::Discovery) => {}
        }
        for (key, list) in [
            ("HeaderDigest", &self.header_digest),
            ("DataDigest", &self.data_digest),
        ] {
            if list.is_empty() {
                return bad(key, "empty digest list");
            }
            if has_duplicates(list) {
                return bad(key, "digest listed twice");
            }
        }
        for (key, v) in [
            (
                "MaxRecvDataSegmentLength",
                self.max_recv_data_segment_length,
            ),
            ("MaxBurstLength", self.max_burst_length),
            ("FirstBurstLength", self.first_burst_length),
        ] {
            if !(MIN_DATA_LENGTH..=MAX_DATA_LENGTH).contains(&v) {
                return bad(key, "outside 512..=16777215");
            }
        }
        // RFC 7143 §13.14: FirstBurstLength MUST NOT exceed MaxBurstLength.
        if self.first_burst_length > self.max_burst_length {
            return bad("FirstBurstLength", "above MaxBurstLength");
        }
        if self.default_time2wait > 3600 {
            return bad("DefaultTime2Wait", "above 3600");
        }
        if self.default_time2retain > 3600 {
            return bad("DefaultTime2Retain", "above 3600");
        }
        if self.max_outstanding_r2t == 0 {
            return bad("MaxOutstandingR2T", "zero");
        }
        if self.max_connections == 0 {
            return bad("MaxConnections", "zero");
        }
        if self.error_recovery_level > 2 {
            return bad("ErrorRecoveryLevel", "above 2");
        }
        // RFC 7143 §7.4.1: discovery sessions run at ERL 0.
        if self.session_type == SessionType::Discovery && self.error_recovery_level != 0 {
            return bad("ErrorRecoveryLevel", "must be 0 on a discovery session");
        }
        // RFC 7143 §13.19: ERL > 0 with DataSequenceInOrder=Yes needs MaxOutstandingR2T=1.
        if self.error_recovery_level > 0
            && self.data_sequence_in_order
            && self.max_outstanding_r2t != 1
        {
            return bad(
                "MaxOutstandingR2T",
                "must be 1 with ErrorRecoveryLevel > 0 and DataSequenceInOrder=Yes",
            );
        }
        if self.iscsi_protocol_level.is_some_and(|l| l > 31) {
            return bad("iSCSIProtocolLevel", "above 31");
        }
        if !self.task_reporting.is_empty() {
            if !self.task_reporting.contains(&TaskReporting::Rfc3720) {
                return bad("TaskReporting", "offer must include RFC3720");
            }
            // The only reason to offer the key is ResponseFence (RFC3720 is the default
            // and FastAbort is not implemented): an offer without it says nothing.
            if !self.task_reporting.contains(&TaskReporting::ResponseFence) {
                return bad("TaskReporting", "offer must include ResponseFence");
            }
            if has_duplicates(&self.task_reporting) {
                return bad("TaskReporting", "value listed twice");
            }
            // FastAbort obliges the initiator to stop Data-Out for every task of an LU on
            // AsyncEvent 5 and to acknowledge it (RFC 7143 §4.2.3.4, §11.9.1); the session
            // does not implement that, so it is not offered.
            if self.task_reporting.contains(&TaskReporting::FastAbort) {
                return bad("TaskReporting", "FastAbort is not implemented");
            }
        }
        Ok(())
    }
}

fn has_duplicates<T: PartialEq>(list: &[T]) -> bool {
    list.iter()
        .enumerate()
        .any(|(i, a)| list.iter().skip(i.saturating_add(1)).any(|b| a == b))
}

fn check_text(key: &'static str, text: &str, max: usize) -> Result<(), NegotiationError> {
    let reason = if text.is_empty() {
        "empty"
    } else if text.len() > max {
        "too long"
    } else if text.contains('\0') {
        "contains a NUL"
    } else if matches!(text, "None" | "Reject" | "Irrelevant" | "NotUnderstood") {
        "a reserved constant"
    } else {
        return Ok(());
    };
    Err(NegotiationError::InvalidConfig { key, reason })
}

/// Parses a number of a key's legal range, in any RFC 7143 §6.1 form.
pub(super) fn number_in(
    key: &str,
    text: &str,
    min: u64,
    max: u64,
) -> Result<u64, NegotiationError> {
    value::decode_number_in(text, min, max).map_err(|_| NegotiationError::out_of_range(key, text))
}
