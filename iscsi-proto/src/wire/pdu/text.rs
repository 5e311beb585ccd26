//! Text Request (RFC 7143 §11.10) and Text Response (§11.11).
//!
//! ```text
//! Text Request                             Text Response
//! 0     .|I|0x04  1  F|C|reserved          0     0x24  1  F|C|reserved
//! 2-3   reserved                           2-3   reserved
//! 4     TotalAHSLength, DSL                4     TotalAHSLength, DSL
//! 8-15  LUN or reserved                    8-15  LUN or reserved
//! 16-19 ITT                                16-19 ITT
//! 20-23 TTT or 0xffffffff                  20-23 TTT or 0xffffffff
//! 24-27 CmdSN                              24-27 StatSN
//! 28-31 ExpStatSN                          28-31 ExpCmdSN
//! 32-47 reserved                           32-35 MaxCmdSN, 36-47 reserved
//! ```
//!
//! The data segment carries `key=value` text (see [`crate::text`]).

use crate::wire::{
    Bhs, CmdSn, DecodeError, Itt, Lun, Opcode, StatSn, Ttt,
    bhs::{FINAL_BIT, field as common},
};

use super::{flag, opcode_byte};

mod field {
    use crate::wire::bhs::Field;

    pub(super) const TTT: Field<u32> = Field::at(20);
    /// CmdSN in the request, StatSN in the response.
    pub(super) const CMD_SN_OR_STAT_SN: Field<u32> = Field::at(24);
    /// ExpStatSN in the request, ExpCmdSN in the response.
    pub(super) const EXP_STAT_SN_OR_EXP_CMD_SN: Field<u32> = Field::at(28);
    pub(super) const MAX_CMD_SN: Field<u32> = Field::at(32);
}

/// Byte 1: C (continue) bit.
const CONTINUE_BIT: u8 = 0x40;

/// Text Request.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct TextRequest {
    /// I bit: immediate delivery; the same on every PDU of one exchange (§11.10.3).
    pub immediate: bool,
    /// F bit: the last request of the exchange.
    pub final_pdu: bool,
    /// C bit: the text in this PDU continues in the next one.
    pub continues: bool,
    /// LUN; copied from the response when answering one with a TTT.
    pub lun: Lun,
    /// ITT, the same on every PDU of one exchange.
    pub itt: Itt,
    /// TTT: [`Ttt::RESERVED`] starts a new exchange; otherwise the response's, copied.
    pub ttt: Ttt,
    /// CmdSN.
    pub cmd_sn: CmdSn,
    /// ExpStatSN.
    pub exp_stat_sn: StatSn,
}

impl TextRequest {
    /// Decodes the header.
    ///
    /// # Errors
    ///
    /// [`DecodeError::InvalidFlags`] when F and C are both set (RFC 7143 §11.10.2: "If
    /// the C bit is set to 1, the F bit MUST be set to 0").
    pub fn decode(bhs: &Bhs) -> Result<Self, DecodeError> {
        let flags = bhs.flags();
        let (final_pdu, continues) = final_and_continue(flags, Opcode::TextRequest)?;
        Ok(Self {
            immediate: bhs.is_immediate(),
            final_pdu,
            continues,
            lun: Lun(bhs.get(common::LUN)),
            itt: bhs.itt(),
            ttt: Ttt(bhs.get(field::TTT)),
            cmd_sn: CmdSn::new(bhs.get(field::CMD_SN_OR_STAT_SN)),
            exp_stat_sn: StatSn::new(bhs.get(field::EXP_STAT_SN_OR_EXP_CMD_SN)),
        })
    }

    /// Encodes into a zeroed header.
    pub fn encode(&self, bhs: &mut Bhs) {
        bhs.set(
            common::OPCODE,
            opcode_byte(Opcode::TextRequest, self.immediate),
        );
        bhs.set(
            common::FLAGS,
            flag(self.final_pdu, FINAL_BIT) | flag(self.continues, CONTINUE_BIT),
        );
        bhs.set(common::LUN, self.lun.0);
        bhs.set(common::ITT, self.itt.0);
        bhs.set(field::TTT, self.ttt.0);
        bhs.set(field::CMD_SN_OR_STAT_SN, self.cmd_sn.get());
        bhs.set(field::EXP_STAT_SN_OR_EXP_CMD_SN, self.exp_stat_sn.get());
    }
}

/// Text Response.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct TextResponse {
    /// F bit: the target has finished the exchange.
    pub final_pdu: bool,
    /// C bit: the text in this PDU continues in the next one.
    pub continues: bool,
    /// LUN; to be copied into the next request.
    pub lun: Lun,
    /// ITT of the request.
    pub itt: Itt,
    /// TTT: with F=0, the tag the next request must echo; with F=1 the initiator ignores
    /// it (§11.11.4).
    pub ttt: Ttt,
    /// StatSN.
    pub stat_sn: StatSn,
    /// ExpCmdSN.
    pub exp_cmd_sn: CmdSn,
    /// MaxCmdSN.
    pub max_cmd_sn: CmdSn,
}

impl TextResponse {
    /// Decodes the header.
    ///
    /// # Errors
    ///
    /// - [`DecodeError::InvalidFlags`] when F and C are both set (RFC 7143 §11.11.2: a
    ///   response with C=1 "MUST have the F bit set to 0").
    /// - [`DecodeError::InvalidField`] `"TTT"` when F=0 and the TTT is 0xffffffff (§11.11.4:
    ///   with F=0 the TTT "MUST" be other than the reserved value, or the initiator could
    ///   not ask for the rest).
    pub fn decode(bhs: &Bhs) -> Result<Self, DecodeError> {
        let (final_pdu, continues) = final_and_continue(bhs.flags(), Opcode::TextResponse)?;
        let ttt = Ttt(bhs.get(field::TTT));
        if !final_pdu && ttt.is_reserved() {
            return Err(DecodeError::InvalidField {
                opcode: Opcode::TextResponse,
                field: "TTT",
            });
        }
        Ok(Self {
            final_pdu,
            continues,
            lun: Lun(bhs.get(common::LUN)),
            itt: bhs.itt(),
            ttt,
            stat_sn: StatSn::new(bhs.get(field::CMD_SN_OR_STAT_SN)),
            exp_cmd_sn: CmdSn::new(bhs.get(field::EXP_STAT_SN_OR_EXP_CMD_SN)),
            max_cmd_sn: CmdSn::new(bhs.get(field::MAX_CMD_SN)),
        })
    }

    /// Encodes into a zeroed header.
    pub fn encode(&self, bhs: &mut Bhs) {
        bhs.set(common::OPCODE, Opcode::TextResponse as u8);
        bhs.set(
            common::FLAGS,
            flag(self.final_pdu, FINAL_BIT) | flag(self.continues, CONTINUE_BIT),
        );
        bhs.set(common::LUN, self.lun.0);
        bhs.set(common::ITT, self.itt.0);
        bhs.set(field::TTT, self.ttt.0);
        bhs.set(field::CMD_SN_OR_STAT_SN, self.stat_sn.get());
        bhs.set(field::EXP_STAT_SN_OR_EXP_CMD_SN, self.exp_cmd_sn.get());
        bhs.set(field::MAX_CMD_SN, self.max_cmd_sn.get());
    }
}

/// The F and C bits, rejecting both set.
fn final_and_continue(flags: u8, opcode: Opcode) -> Result<(bool, bool), DecodeError> {
    match (flags & FINAL_BIT != 0, flags & CONTINUE_BIT != 0) {
        (true, true) => Err(DecodeError::InvalidFlags { opcode, flags }),
        pair => Ok(pair),
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
    const TEXT_REQUEST: [u8; 48] = [
        0x44,                   // I=1, opcode 0x04 Text Request
        0x80,                   // F=1, C=0
        0x00, 0x00,             // reserved
        0x00,                   // TotalAHSLength 0
        0x00, 0x00, 0x00,       // DataSegmentLength 0
        0, 0, 0, 0, 0, 0, 0, 0, // LUN 0
        0x00, 0x00, 0x00, 0x05, // ITT 5
        0xff, 0xff, 0xff, 0xff, // TTT reserved: new exchange
        0x00, 0x00, 0x00, 0x20, // CmdSN 32
        0x00, 0x00, 0x00, 0x03, // ExpStatSN 3
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // reserved
    ];

    #[rustfmt::skip]
    const TEXT_RESPONSE: [u8; 48] = [
        0x24,                   // opcode 0x24 Text Response
        0x40,                   // F=0, C=1: more text follows
        0x00, 0x00,             // reserved
        0x00,                   // TotalAHSLength 0
        0x00, 0x00, 0x00,       // DataSegmentLength 0
        0, 0, 0, 0, 0, 0, 0, 0, // LUN 0
        0x00, 0x00, 0x00, 0x05, // ITT 5
        0x00, 0x00, 0xab, 0xcd, // TTT 0xabcd: echo it to get the rest
        0x00, 0x00, 0x00, 0x03, // StatSN 3
        0x00, 0x00, 0x00, 0x20, // ExpCmdSN 32
        0x00, 0x00, 0x00, 0x40, // MaxCmdSN 64
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // reserved
    ];

    #[test]
    fn text_request_vector() {
        let h = TextRequest {
            immediate: true,
            final_pdu: true,
            continues: false,
            lun: Lun::default(),
            itt: Itt(5),
            ttt: Ttt::RESERVED,
            cmd_sn: CmdSn::new(32),
            exp_stat_sn: StatSn::new(3),
        };
        check_vector(Header::TextRequest(h), &TEXT_REQUEST);
    }

    #[test]
    fn text_response_vector() {
        let h = TextResponse {
            final_pdu: false,
            continues: true,
            lun: Lun::default(),
            itt: Itt(5),
            ttt: Ttt(0xabcd),
            stat_sn: StatSn::new(3),
            exp_cmd_sn: CmdSn::new(32),
            max_cmd_sn: CmdSn::new(64),
        };
        check_vector(Header::TextResponse(h), &TEXT_RESPONSE);
    }

    #[test]
    fn reserved_bits_ignored_on_receipt() {
        let mut reserved = vec![(1, 0x3f), (2, 0xff), (3, 0xff)];
        reserved.extend((32..48).map(|i| (i, 0xff)));
        check_reserved_ignored(&TEXT_REQUEST, &reserved);
        let mut reserved = vec![(0, 0x40), (1, 0x3f), (2, 0xff), (3, 0xff)];
        reserved.extend((36..48).map(|i| (i, 0xff)));
        check_reserved_ignored(&TEXT_RESPONSE, &reserved);
    }

    #[test]
    fn final_with_continue_is_a_format_error() {
        let mut raw = TEXT_REQUEST;
        raw[1] = 0xc0;
        assert_eq!(
            decode_raw(raw),
            Err(DecodeError::InvalidFlags {
                opcode: Opcode::TextRequest,
                flags: 0xc0
            })
        );
        let mut raw = TEXT_RESPONSE;
        raw[1] = 0xc0;
        assert_eq!(
            decode_raw(raw),
            Err(DecodeError::InvalidFlags {
                opcode: Opcode::TextResponse,
                flags: 0xc0
            })
        );
    }

    #[test]
    fn response_not_final_needs_a_ttt() {
        let mut raw = TEXT_RESPONSE;
        raw[20..24].copy_from_slice(&[0xff; 4]);
        assert_eq!(
            decode_raw(raw),
            Err(DecodeError::InvalidField {
                opcode: Opcode::TextResponse,
                field: "TTT"
            })
        );
        // With F=1 the TTT is ignored by the initiator, whatever it holds.
        raw[1] = 0x80;
        raw[20..24].copy_from_slice(&[0, 0, 0, 1]);
        assert!(decode_raw(raw).is_ok());
    }
}
