//! Logout Request (RFC 7143 §11.14) and Logout Response (§11.15).
//!
//! ```text
//! Logout Request                           Logout Response
//! 0     .|I|0x06  1  1|Reason (7 bits)     0     0x26  1  1|reserved
//! 2-3   reserved                           2     Response  3  reserved
//! 4     TotalAHSLength, DSL (both 0)       4     TotalAHSLength, DSL
//! 8-15  reserved                           8-15  reserved
//! 16-19 ITT                                16-19 ITT
//! 20-21 CID or reserved  22-23 reserved    20-23 reserved
//! 24-27 CmdSN                              24-27 StatSN
//! 28-31 ExpStatSN                          28-31 ExpCmdSN
//! 32-47 reserved                           32-35 MaxCmdSN, 36-39 reserved
//!                                          40-41 Time2Wait  42-43 Time2Retain
//!                                          44-47 reserved
//! ```

use crate::wire::{
    Bhs, Cid, CmdSn, DecodeError, Itt, LogoutReason, LogoutResponseCode, Opcode, StatSn,
    bhs::{FINAL_BIT, field as common},
};

use super::opcode_byte;

mod field {
    use crate::wire::bhs::Field;

    // Request.
    pub(super) const CID: Field<u16> = Field::at(20);
    pub(super) const CMD_SN: Field<u32> = Field::at(24);
    pub(super) const EXP_STAT_SN: Field<u32> = Field::at(28);

    // Response.
    pub(super) const RESPONSE: Field<u8> = Field::at(2);
    pub(super) const STAT_SN: Field<u32> = Field::at(24);
    pub(super) const EXP_CMD_SN: Field<u32> = Field::at(28);
    pub(super) const MAX_CMD_SN: Field<u32> = Field::at(32);
    pub(super) const TIME2WAIT: Field<u16> = Field::at(40);
    pub(super) const TIME2RETAIN: Field<u16> = Field::at(42);
}

/// Byte 1 of the request: the reason code, below the always-set bit 7.
const REASON_MASK: u8 = 0x7f;

/// Logout Request.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct LogoutRequest {
    /// I bit: immediate delivery.
    pub immediate: bool,
    /// The reason code.
    pub reason: LogoutReason,
    /// ITT.
    pub itt: Itt,
    /// CID of the connection to close; reserved (zero) when closing the session.
    pub cid: Cid,
    /// CmdSN.
    pub cmd_sn: CmdSn,
    /// ExpStatSN: the last StatSN seen on the connection plus one.
    pub exp_stat_sn: StatSn,
}

impl LogoutRequest {
    /// Decodes the header.
    ///
    /// # Errors
    ///
    /// None beyond the opcode check; reserved bits are ignored.
    pub fn decode(bhs: &Bhs) -> Result<Self, DecodeError> {
        Ok(Self {
            immediate: bhs.is_immediate(),
            reason: LogoutReason::from(bhs.flags() & REASON_MASK),
            itt: bhs.itt(),
            cid: Cid(bhs.get(field::CID)),
            cmd_sn: CmdSn::new(bhs.get(field::CMD_SN)),
            exp_stat_sn: StatSn::new(bhs.get(field::EXP_STAT_SN)),
        })
    }

    /// Encodes into a zeroed header.
    pub fn encode(&self, bhs: &mut Bhs) {
        bhs.set(
            common::OPCODE,
            opcode_byte(Opcode::LogoutRequest, self.immediate),
        );
        bhs.set(
            common::FLAGS,
            FINAL_BIT | (u8::from(self.reason) & REASON_MASK),
        );
        bhs.set(common::ITT, self.itt.0);
        bhs.set(field::CID, self.cid.0);
        bhs.set(field::CMD_SN, self.cmd_sn.get());
        bhs.set(field::EXP_STAT_SN, self.exp_stat_sn.get());
    }
}

/// Logout Response.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct LogoutResponse {
    /// The response code.
    pub response: LogoutResponseCode,
    /// ITT of the request.
    pub itt: Itt,
    /// StatSN.
    pub stat_sn: StatSn,
    /// ExpCmdSN.
    pub exp_cmd_sn: CmdSn,
    /// MaxCmdSN.
    pub max_cmd_sn: CmdSn,
    /// Time2Wait: seconds to wait before reconnecting for recovery (§11.15.2).
    pub time2wait: u16,
    /// Time2Retain: seconds the target keeps the connection's tasks for recovery, after
    /// Time2Wait (§11.15.3).
    pub time2retain: u16,
}

impl LogoutResponse {
    /// Decodes the header.
    ///
    /// # Errors
    ///
    /// None beyond the opcode check; reserved bits are ignored.
    pub fn decode(bhs: &Bhs) -> Result<Self, DecodeError> {
        Ok(Self {
            response: LogoutResponseCode::from(bhs.get(field::RESPONSE)),
            itt: bhs.itt(),
            stat_sn: StatSn::new(bhs.get(field::STAT_SN)),
            exp_cmd_sn: CmdSn::new(bhs.get(field::EXP_CMD_SN)),
            max_cmd_sn: CmdSn::new(bhs.get(field::MAX_CMD_SN)),
            time2wait: bhs.get(field::TIME2WAIT),
            time2retain: bhs.get(field::TIME2RETAIN),
        })
    }

    /// Encodes into a zeroed header.
    pub fn encode(&self, bhs: &mut Bhs) {
        bhs.set(common::OPCODE, Opcode::LogoutResponse as u8);
        bhs.set(common::FLAGS, FINAL_BIT);
        bhs.set(field::RESPONSE, u8::from(self.response));
        bhs.set(common::ITT, self.itt.0);
        bhs.set(field::STAT_SN, self.stat_sn.get());
        bhs.set(field::EXP_CMD_SN, self.exp_cmd_sn.get());
        bhs.set(field::MAX_CMD_SN, self.max_cmd_sn.get());
        bhs.set(field::TIME2WAIT, self.time2wait);
        bhs.set(field::TIME2RETAIN, self.time2retain);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{
        Header,
        pdu::test_util::{check_reserved_ignored, check_vector},
    };

    #[rustfmt::skip]
    const LOGOUT_REQUEST: [u8; 48] = [
        0x46,                   // I=1, opcode 0x06 Logout Request
        0x81,                   // bit 7 set, Reason 1: close the connection
        0x00, 0x00,             // reserved
        0x00,                   // TotalAHSLength 0
        0x00, 0x00, 0x00,       // DataSegmentLength 0
        0, 0, 0, 0, 0, 0, 0, 0, // reserved
        0x00, 0x00, 0x00, 0x40, // ITT 0x40
        0x00, 0x03,             // CID 3
        0x00, 0x00,             // reserved
        0x00, 0x00, 0x00, 0x11, // CmdSN 17
        0x00, 0x00, 0x00, 0x0e, // ExpStatSN 14
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // reserved
    ];

    #[rustfmt::skip]
    const LOGOUT_RESPONSE: [u8; 48] = [
        0x26,                   // opcode 0x26 Logout Response
        0x80,                   // bit 7 set
        0x00,                   // Response 0: closed successfully
        0x00,                   // reserved
        0x00,                   // TotalAHSLength 0
        0x00, 0x00, 0x00,       // DataSegmentLength 0
        0, 0, 0, 0, 0, 0, 0, 0, // reserved
        0x00, 0x00, 0x00, 0x40, // ITT 0x40
        0x00, 0x00, 0x00, 0x00, // reserved
        0x00, 0x00, 0x00, 0x0e, // StatSN 14
        0x00, 0x00, 0x00, 0x11, // ExpCmdSN 17
        0x00, 0x00, 0x00, 0x31, // MaxCmdSN 49
        0x00, 0x00, 0x00, 0x00, // reserved
        0x00, 0x02,             // Time2Wait 2
        0x00, 0x14,             // Time2Retain 20
        0x00, 0x00, 0x00, 0x00, // reserved
    ];

    #[test]
    fn logout_request_vector() {
        let h = LogoutRequest {
            immediate: true,
            reason: LogoutReason::CloseConnection,
            itt: Itt(0x40),
            cid: Cid(3),
            cmd_sn: CmdSn::new(17),
            exp_stat_sn: StatSn::new(14),
        };
        check_vector(Header::LogoutRequest(h), &LOGOUT_REQUEST);
    }

    #[test]
    fn logout_response_vector() {
        let h = LogoutResponse {
            response: LogoutResponseCode::ClosedSuccessfully,
            itt: Itt(0x40),
            stat_sn: StatSn::new(14),
            exp_cmd_sn: CmdSn::new(17),
            max_cmd_sn: CmdSn::new(49),
            time2wait: 2,
            time2retain: 20,
        };
        check_vector(Header::LogoutResponse(h), &LOGOUT_RESPONSE);
    }

    #[test]
    fn reserved_bits_ignored_on_receipt() {
        let mut reserved = vec![(1, 0x80), (2, 0xff), (3, 0xff), (22, 0xff), (23, 0xff)];
        reserved.extend((8..16).chain(32..48).map(|i| (i, 0xff)));
        check_reserved_ignored(&LOGOUT_REQUEST, &reserved);
        let mut reserved = vec![(1, 0x7f), (3, 0xff)];
        reserved.extend(
            (8..16)
                .chain(20..24)
                .chain(36..40)
                .chain(44..48)
                .map(|i| (i, 0xff)),
        );
        check_reserved_ignored(&LOGOUT_RESPONSE, &reserved);
    }
}
