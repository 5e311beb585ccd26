//! Login Request (RFC 7143 §11.12) and Login Response (§11.13).
//!
//! ```text
//! Login Request                            Login Response
//! 0     .|1|0x03  1  T|C|.|.|CSG|NSG       0     0x23  1  T|C|.|.|CSG|NSG
//! 2     Version-max  3  Version-min        2     Version-max  3  Version-active
//! 4     TotalAHSLength, DSL                4     TotalAHSLength, DSL
//! 8-13  ISID                               8-13  ISID
//! 14-15 TSIH                               14-15 TSIH
//! 16-19 ITT                                16-19 ITT
//! 20-21 CID        22-23 reserved          20-23 reserved
//! 24-27 CmdSN                              24-27 StatSN
//! 28-31 ExpStatSN or reserved              28-31 ExpCmdSN
//! 32-47 reserved                           32-35 MaxCmdSN
//!                                          36    Status-Class  37  Status-Detail
//!                                          38-47 reserved
//! ```
//!
//! The data segment carries `key=value` text (see [`crate::text`]).
//!
//! # Stages
//!
//! CSG and NSG are kept as the raw [`Stage`] open enum. The reserved stage value 2, a
//! current stage of full feature phase, or a transition the login state machine did not
//! ask for are *protocol* errors that the state machine rejects with the right login
//! status (RFC 7143 §6.3, §11.12.3); the decoder only enforces the format rules below.
//! NSG is reserved when T=0 (§11.12.3: NSG "is only valid when the T bit is 1"), so it
//! is decoded only under T=1 and the pair is one field, `next_stage`.

use crate::wire::{
    Bhs, Cid, CmdSn, DecodeError, Isid, Itt, LoginStatus, Opcode, Stage, StatSn, Tsih,
    bhs::{IMMEDIATE_BIT, field as common},
};

use super::flag;

mod field {
    use crate::wire::bhs::Field;

    // Both directions.
    pub(super) const VERSION_MAX: Field<u8> = Field::at(2);
    /// Version-min in the request, Version-active in the response.
    pub(super) const VERSION_MIN_OR_ACTIVE: Field<u8> = Field::at(3);
    pub(super) const ISID: Field<[u8; 6]> = Field::at(8);
    pub(super) const TSIH: Field<u16> = Field::at(14);

    // Request.
    pub(super) const CID: Field<u16> = Field::at(20);
    pub(super) const CMD_SN: Field<u32> = Field::at(24);
    pub(super) const EXP_STAT_SN: Field<u32> = Field::at(28);

    // Response.
    pub(super) const STAT_SN: Field<u32> = Field::at(24);
    pub(super) const EXP_CMD_SN: Field<u32> = Field::at(28);
    pub(super) const MAX_CMD_SN: Field<u32> = Field::at(32);
    /// Status-Class (byte 36) and Status-Detail (byte 37).
    pub(super) const STATUS: Field<u16> = Field::at(36);
}

/// Byte 1: T (transit) bit.
const TRANSIT_BIT: u8 = 0x80;
/// Byte 1: C (continue) bit.
const CONTINUE_BIT: u8 = 0x40;
/// Byte 1: CSG, bits 2-3.
const CSG_SHIFT: u8 = 2;
/// Byte 1: mask of a stage value (CSG after shifting, NSG as is).
const STAGE_MASK: u8 = 0x03;

/// Byte 1 fields shared by both directions.
struct LoginFlags {
    continues: bool,
    current_stage: Stage,
    next_stage: Option<Stage>,
}

impl LoginFlags {
    /// Decodes byte 1, rejecting C=1 with T=1 (§11.12.2, §11.13: "If the C bit is 1, the
    /// T bit MUST be 0").
    fn decode(flags: u8, opcode: Opcode) -> Result<Self, DecodeError> {
        let transit = flags & TRANSIT_BIT != 0;
        let continues = flags & CONTINUE_BIT != 0;
        if transit && continues {
            return Err(DecodeError::InvalidFlags { opcode, flags });
        }
        Ok(Self {
            continues,
            current_stage: Stage::from((flags >> CSG_SHIFT) & STAGE_MASK),
            next_stage: transit.then(|| Stage::from(flags & STAGE_MASK)),
        })
    }

    fn encode(&self) -> u8 {
        let nsg = self.next_stage.map_or(0, |nsg| u8::from(nsg) & STAGE_MASK);
        flag(self.next_stage.is_some(), TRANSIT_BIT)
            | flag(self.continues, CONTINUE_BIT)
            | ((u8::from(self.current_stage) & STAGE_MASK) << CSG_SHIFT)
            | nsg
    }
}

/// Login Request. Always immediate (§11.12: the I bit is 1), so it has no `immediate`
/// field: encode sets the bit, decode ignores it.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct LoginRequest {
    /// C bit: the text in this PDU continues in the next one.
    pub continues: bool,
    /// CSG: the current stage.
    pub current_stage: Stage,
    /// The T bit and NSG: `Some(nsg)` asks to move to stage `nsg`; `None` (T=0) stays.
    pub next_stage: Option<Stage>,
    /// Version-max: the highest protocol version supported (0 for RFC 7143).
    pub version_max: u8,
    /// Version-min: the lowest protocol version supported.
    pub version_min: u8,
    /// ISID.
    pub isid: Isid,
    /// TSIH: zero for a new session.
    pub tsih: Tsih,
    /// ITT, the same on every PDU of the login.
    pub itt: Itt,
    /// CID.
    pub cid: Cid,
    /// CmdSN.
    pub cmd_sn: CmdSn,
    /// ExpStatSN (reserved on the first request of a leading login).
    pub exp_stat_sn: StatSn,
}

impl LoginRequest {
    /// The T bit.
    pub fn transit(&self) -> bool {
        self.next_stage.is_some()
    }

    /// Decodes the header.
    ///
    /// # Errors
    ///
    /// [`DecodeError::InvalidFlags`] when C and T are both set (RFC 7143 §11.12.2).
    pub fn decode(bhs: &Bhs) -> Result<Self, DecodeError> {
        let flags = LoginFlags::decode(bhs.flags(), Opcode::LoginRequest)?;
        Ok(Self {
            continues: flags.continues,
            current_stage: flags.current_stage,
            next_stage: flags.next_stage,
            version_max: bhs.get(field::VERSION_MAX),
            version_min: bhs.get(field::VERSION_MIN_OR_ACTIVE),
            isid: Isid(bhs.get(field::ISID)),
            tsih: Tsih(bhs.get(field::TSIH)),
            itt: bhs.itt(),
            cid: Cid(bhs.get(field::CID)),
            cmd_sn: CmdSn::new(bhs.get(field::CMD_SN)),
            exp_stat_sn: StatSn::new(bhs.get(field::EXP_STAT_SN)),
        })
    }

    /// Encodes into a zeroed header.
    pub fn encode(&self, bhs: &mut Bhs) {
        let flags = LoginFlags {
            continues: self.continues,
            current_stage: self.current_stage,
            next_stage: self.next_stage,
        };
        bhs.set(common::OPCODE, Opcode::LoginRequest as u8 | IMMEDIATE_BIT);
        bhs.set(common::FLAGS, flags.encode());
        bhs.set(field::VERSION_MAX, self.version_max);
        bhs.set(field::VERSION_MIN_OR_ACTIVE, self.version_min);
        bhs.set(field::ISID, self.isid.0);
        bhs.set(field::TSIH, self.tsih.0);
        bhs.set(common::ITT, self.itt.0);
        bhs.set(field::CID, self.cid.0);
        bhs.set(field::CMD_SN, self.cmd_sn.get());
        bhs.set(field::EXP_STAT_SN, self.exp_stat_sn.get());
    }
}

/// Login Response.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct LoginResponse {
    /// C bit: the text in this PDU continues in the next one.
    pub continues: bool,
    /// CSG: the current stage.
    pub current_stage: Stage,
    /// The T bit and NSG: `Some(nsg)` means the target moves to stage `nsg`.
    pub next_stage: Option<Stage>,
    /// Version-max: the highest version the target supports.
    pub version_max: u8,
    /// Version-active: the version in use.
    pub version_active: u8,
    /// ISID, echoed.
    pub isid: Isid,
    /// TSIH: the session handle, set on the final response of a leading login.
    pub tsih: Tsih,
    /// ITT of the login.
    pub itt: Itt,
    /// StatSN.
    pub stat_sn: StatSn,
    /// ExpCmdSN.
    pub exp_cmd_sn: CmdSn,
    /// MaxCmdSN.
    pub max_cmd_sn: CmdSn,
    /// Status-Class and Status-Detail.
    pub status: LoginStatus,
}

impl LoginResponse {
    /// The T bit.
    pub fn transit(&self) -> bool {
        self.next_stage.is_some()
    }

    /// Decodes the header.
    ///
    /// # Errors
    ///
    /// [`DecodeError::InvalidFlags`] when C and T are both set (RFC 7143 §11.13: a
    /// response with C=1 has T=0, as for the request).
    pub fn decode(bhs: &Bhs) -> Result<Self, DecodeError> {
        let flags = LoginFlags::decode(bhs.flags(), Opcode::LoginResponse)?;
        Ok(Self {
            continues: flags.continues,
            current_stage: flags.current_stage,
            next_stage: flags.next_stage,
            version_max: bhs.get(field::VERSION_MAX),
            version_active: bhs.get(field::VERSION_MIN_OR_ACTIVE),
            isid: Isid(bhs.get(field::ISID)),
            tsih: Tsih(bhs.get(field::TSIH)),
            itt: bhs.itt(),
            stat_sn: StatSn::new(bhs.get(field::STAT_SN)),
            exp_cmd_sn: CmdSn::new(bhs.get(field::EXP_CMD_SN)),
            max_cmd_sn: CmdSn::new(bhs.get(field::MAX_CMD_SN)),
            status: LoginStatus::from(bhs.get(field::STATUS)),
        })
    }

    /// Encodes into a zeroed header.
    pub fn encode(&self, bhs: &mut Bhs) {
        let flags = LoginFlags {
            continues: self.continues,
            current_stage: self.current_stage,
            next_stage: self.next_stage,
        };
        bhs.set(common::OPCODE, Opcode::LoginResponse as u8);
        bhs.set(common::FLAGS, flags.encode());
        bhs.set(field::VERSION_MAX, self.version_max);
        bhs.set(field::VERSION_MIN_OR_ACTIVE, self.version_active);
        bhs.set(field::ISID, self.isid.0);
        bhs.set(field::TSIH, self.tsih.0);
        bhs.set(common::ITT, self.itt.0);
        bhs.set(field::STAT_SN, self.stat_sn.get());
        bhs.set(field::EXP_CMD_SN, self.exp_cmd_sn.get());
        bhs.set(field::MAX_CMD_SN, self.max_cmd_sn.get());
        bhs.set(field::STATUS, u16::from(self.status));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{
        Header,
        pdu::test_util::{check_reserved_ignored, check_vector, decode_raw},
    };

    #[rustfmt::skip]
    const LOGIN_REQUEST: [u8; 48] = [
        0x43,                   // I=1 (always), opcode 0x03 Login Request
        0x81,                   // T=1, C=0, CSG=0 (security), NSG=1 (operational)
        0x00,                   // Version-max 0
        0x00,                   // Version-min 0
        0x00,                   // TotalAHSLength 0
        0x00, 0x00, 0x00,       // DataSegmentLength 0
        0x80, 0x12, 0x34, 0x56, 0x00, 0x01, // ISID: random type, B/C 0x123456, D 1
        0x00, 0x00,             // TSIH 0: new session
        0x00, 0x00, 0x00, 0x01, // ITT 1
        0x00, 0x02,             // CID 2
        0x00, 0x00,             // reserved
        0x00, 0x00, 0x00, 0x10, // CmdSN 16
        0x00, 0x00, 0x00, 0x00, // ExpStatSN 0
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // reserved
    ];

    #[rustfmt::skip]
    const LOGIN_RESPONSE: [u8; 48] = [
        0x23,                   // opcode 0x23 Login Response
        0x87,                   // T=1, C=0, CSG=1 (operational), NSG=3 (full feature)
        0x00,                   // Version-max 0
        0x00,                   // Version-active 0
        0x00,                   // TotalAHSLength 0
        0x00, 0x00, 0x00,       // DataSegmentLength 0
        0x80, 0x12, 0x34, 0x56, 0x00, 0x01, // ISID echoed
        0x00, 0x07,             // TSIH 7
        0x00, 0x00, 0x00, 0x01, // ITT 1
        0x00, 0x00, 0x00, 0x00, // reserved
        0x00, 0x00, 0x00, 0x21, // StatSN 33
        0x00, 0x00, 0x00, 0x10, // ExpCmdSN 16
        0x00, 0x00, 0x00, 0x2f, // MaxCmdSN 47
        0x00,                   // Status-Class 0: success
        0x00,                   // Status-Detail 0
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // reserved
    ];

    fn request() -> LoginRequest {
        LoginRequest {
            continues: false,
            current_stage: Stage::SecurityNegotiation,
            next_stage: Some(Stage::LoginOperationalNegotiation),
            version_max: 0,
            version_min: 0,
            isid: Isid::random(0x12_3456, 1),
            tsih: Tsih::NEW,
            itt: Itt(1),
            cid: Cid(2),
            cmd_sn: CmdSn::new(16),
            exp_stat_sn: StatSn::new(0),
        }
    }

    #[test]
    fn login_request_vector() {
        check_vector(Header::LoginRequest(request()), &LOGIN_REQUEST);
        assert!(request().transit());
    }

    #[test]
    fn login_response_vector() {
        let h = LoginResponse {
            continues: false,
            current_stage: Stage::LoginOperationalNegotiation,
            next_stage: Some(Stage::FullFeaturePhase),
            version_max: 0,
            version_active: 0,
            isid: Isid::random(0x12_3456, 1),
            tsih: Tsih(7),
            itt: Itt(1),
            stat_sn: StatSn::new(33),
            exp_cmd_sn: CmdSn::new(16),
            max_cmd_sn: CmdSn::new(47),
            status: LoginStatus::Success,
        };
        check_vector(Header::LoginResponse(h), &LOGIN_RESPONSE);
    }

    #[test]
    fn status_class_and_detail() {
        let mut raw = LOGIN_RESPONSE;
        raw[1] = 0x04; // T=0, CSG=1: a failed login does not transit
        raw[36] = 0x02; // Status-Class 2: initiator error
        raw[37] = 0x01; // Status-Detail 1: authentication failure
        let Header::LoginResponse(h) = decode_raw(raw).unwrap() else {
            panic!()
        };
        assert_eq!(h.status, LoginStatus::AuthenticationFailure);
        assert_eq!(h.next_stage, None);
    }

    #[test]
    fn reserved_bits_ignored_on_receipt() {
        // The I bit (always 1), byte 1 bits 4-5, bytes 22-23 and 32-47.
        let mut reserved = vec![(0, 0x40), (1, 0x30), (22, 0xff), (23, 0xff)];
        reserved.extend((32..48).map(|i| (i, 0xff)));
        check_reserved_ignored(&LOGIN_REQUEST, &reserved);
        let mut reserved = vec![(1, 0x30)];
        reserved.extend((20..24).chain(38..48).map(|i| (i, 0xff)));
        check_reserved_ignored(&LOGIN_RESPONSE, &reserved);
    }

    #[test]
    fn nsg_is_reserved_without_transit() {
        let mut raw = LOGIN_REQUEST;
        raw[1] = 0x43; // T=0, C=1, CSG=0, NSG=3: NSG is reserved and ignored
        let Header::LoginRequest(h) = decode_raw(raw).unwrap() else {
            panic!()
        };
        assert_eq!((h.continues, h.next_stage), (true, None));
        assert_eq!(Header::LoginRequest(h).encode().as_bytes()[1], 0x40);
    }

    #[test]
    fn reserved_stage_is_kept_for_the_state_machine() {
        let mut raw = LOGIN_REQUEST;
        raw[1] = 0x80 | (2 << 2) | 2; // T=1, CSG=2, NSG=2: both reserved values
        let Header::LoginRequest(h) = decode_raw(raw).unwrap() else {
            panic!()
        };
        assert_eq!(h.current_stage, Stage::Unknown(2));
        assert_eq!(h.next_stage, Some(Stage::Unknown(2)));
    }

    #[test]
    fn continue_with_transit_is_a_format_error() {
        let mut raw = LOGIN_REQUEST;
        raw[1] = 0xc1;
        assert_eq!(
            decode_raw(raw),
            Err(DecodeError::InvalidFlags {
                opcode: Opcode::LoginRequest,
                flags: 0xc1
            })
        );
        let mut raw = LOGIN_RESPONSE;
        raw[1] = 0xc7;
        assert_eq!(
            decode_raw(raw),
            Err(DecodeError::InvalidFlags {
                opcode: Opcode::LoginResponse,
                flags: 0xc7
            })
        );
    }
}
