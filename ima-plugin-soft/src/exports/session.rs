//! Sessions and connections (docs/ima-notes.md §2.9): what the initiator's session
//! snapshot says now. A session keeps its OID while the initiator reinstates it; each new
//! connection gets a new CONNECTION OID.

use ima_abi::{AuthMethod, ConnectionProperties, DigestType, SessionProperties};

use super::{enter, ima_bool, need, oid_of, put};

object_list! {
    /// The live sessions of the LHBA (all) or of a target (none or one).
    IMA_GetSessionOidList(oid, pp_list) [LHBA, TARGET] => sessions
}

object_list! {
    /// The connection of a session (one: MaxConnections is 1).
    IMA_GetConnectionOidList(oid, pp_list) [SESSION] => connections
}

fn digest(crc32c: bool) -> DigestType {
    if crc32c {
        DigestType::CRC32C
    } else {
        DigestType::NONE
    }
}

export! {
    /// What the session negotiated at its last login (or reinstatement).
    fn IMA_GetSessionProperties(session_oid: ima_abi::Oid, p_props: *mut SessionProperties) {
        need(p_props, "pProps")?;
        let (session, backend) = enter(session_oid, &[ima_abi::ObjectType::SESSION])?;
        let s = backend.session_properties(session)?;
        let mut props = SessionProperties::zeroed();
        if let Some(lhba) = s.lhba {
            props.associated_lhba_oid = oid_of(lhba)?;
        }
        props.auth_method = if s.chap { AuthMethod::CHAP } else { AuthMethod::NONE };
        props.data_pdu_in_order = ima_bool(s.data_pdu_in_order);
        props.data_sequence_in_order = ima_bool(s.data_sequence_in_order);
        props.default_time2_retain = s.default_time2retain;
        props.default_time2_wait = s.default_time2wait;
        props.error_recovery_level = s.error_recovery_level;
        props.first_burst_length = s.first_burst_length;
        props.immediate_data = ima_bool(s.immediate_data);
        props.initial_r2t = ima_bool(s.initial_r2t);
        props.isid = s.isid;
        props.max_burst_length = s.max_burst_length;
        props.max_connections = s.max_connections;
        props.max_outstanding_r2t = s.max_outstanding_r2t;
        props.target_portal_group_tag = s.target_portal_group_tag;
        props.tsih = s.tsih;
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { put(p_props, props) }
    }
}

export! {
    /// The connection's CID, digests and data segment limits (no markers).
    fn IMA_GetConnectionProperties(connection_oid: ima_abi::Oid, p_props: *mut ConnectionProperties) {
        need(p_props, "pProps")?;
        let (connection, backend) = enter(connection_oid, &[ima_abi::ObjectType::CONNECTION])?;
        let c = backend.connection_properties(connection)?;
        let mut props = ConnectionProperties::zeroed();
        props.associated_session_oid = oid_of(c.session)?;
        props.connection_id = c.connection_id;
        props.data_digest = digest(c.data_digest);
        props.header_digest = digest(c.header_digest);
        props.if_marker = ima_bool(false);
        props.of_marker = ima_bool(false);
        props.max_recv_data_segment_length = c.max_recv_data_segment_length;
        props.max_transmit_data_segment_length = c.max_transmit_data_segment_length;
        // SAFETY: checked non-NULL; writable by the caller's contract.
        unsafe { put(p_props, props) }
    }
}
