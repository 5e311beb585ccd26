//! NOP-Out (RFC 7143 §11.18) and NOP-In (§11.19).
//!
//! ```text
//! NOP-Out                                  NOP-In
//! 0     .|I|0x00   1  F=1, reserved        0     0x20        1  F=1, reserved
//! 4     TotalAHSLength, DSL                4     TotalAHSLength, DSL
//! 8-15  LUN                                8-15  LUN
//! 16-19 ITT (0xffffffff: no answer wanted) 16-19 ITT (0xffffffff: unsolicited)
//! 20-23 TTT (0xffffffff unless answering)  20-23 TTT (0xffffffff: no answer wanted)
//! 24-27 CmdSN                              24-27 StatSN
//! 28-31 ExpStatSN                          28-31 ExpCmdSN
//! 32-47 reserved                           32-35 MaxCmdSN, 36-47 reserved
//! ```
//!
//! The data segment carries ping data, echoed by the other side.

use crate::wire::{
    Bhs, CmdSn, DecodeError, Itt, Lun, Opcode, StatSn, Ttt,
    bhs::{FINAL_BIT, field as common},
};

use super::opcode_byte;

mod field {
    use crate::wire::bhs::Field;

    pub(super) const TTT: Field<u32> = Field::at(20);
    pub(super) const CMD_SN_OR_STAT_SN: Field<u32> = Field::at(24);
    pub(super) const EXP_STAT_SN_OR_EXP_CMD_SN: Field<u32> = Field::at(28);
    pub(super) const MAX_CMD_SN: Field<u32> = Field::at(32);
}

/// NOP-Out: a ping from the initiator, or the answer to a NOP-In.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct NopOut {
    /// I bit. A NOP-Out that wants no answer (ITT 0xffffffff) is always immediate.
    pub immediate: bool,
    /// LUN; copied from the NOP-In when answering one.
    pub lun: Lun,
    /// ITT; [`Itt::RESERVED`] when no NOP-In answer is wanted.
    pub itt: Itt,
    /// TTT; [`Ttt::RESERVED`] unless answering a NOP-In, whose TTT is copied.
    pub ttt: Ttt,
    /// CmdSN.
    pub cmd_sn: CmdSn,
    /// ExpStatSN.
    pub exp_stat_sn: StatSn,
}

impl NopOut {
    /// Decodes the header.
    ///
    /// # Errors
    ///
    /// None beyond the opcode check done by [`crate::wire::Header::decode`]; reserved bits
    /// are ignored.
    pub fn decode(bhs: &Bhs) -> Result<Self, DecodeError> {
        Ok(Self {
            immediate: bhs.is_immediate(),
            lun: Lun(bhs.get(common::LUN)),
            itt: bhs.itt(),
            ttt: Ttt(bhs.get(field::TTT)),
            cmd_sn: CmdSn::new(bhs.get(field::CMD_SN_OR_STAT_SN)),
            exp_stat_sn: StatSn::new(bhs.get(field::EXP_STAT_SN_OR_EXP_CMD_SN)),
        })
    }

    /// Encodes into a zeroed header.
    pub fn encode(&self, bhs: &mut Bhs) {
        bhs.set(common::OPCODE, opcode_byte(Opcode::NopOut, self.immediate));
        bhs.set(common::FLAGS, FINAL_BIT);
        bhs.set(common::LUN, self.lun.0);
        bhs.set(common::ITT, self.itt.0);
        bhs.set(field::TTT, self.ttt.0);
        bhs.set(field::CMD_SN_OR_STAT_SN, self.cmd_sn.get());
        bhs.set(field::EXP_STAT_SN_OR_EXP_CMD_SN, self.exp_stat_sn.get());
    }
}

/// NOP-In: a ping from the target, or the answer to a NOP-Out.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct NopIn {
    /// LUN; to be copied into the answering NOP-Out.
    pub lun: Lun,
    /// ITT: the pinging NOP-Out's, or [`Itt::RESERVED`] when the target pings.
    pub itt: Itt,
    /// TTT: anything but [`Ttt::RESERVED`] asks for a NOP-Out echoing it.
    pub ttt: Ttt,
    /// StatSN (RFC 7143 §11.19.3: not advanced when ITT is reserved).
    pub stat_sn: StatSn,
    /// ExpCmdSN.
    pub exp_cmd_sn: CmdSn,
    /// MaxCmdSN.
    pub max_cmd_sn: CmdSn,
}

impl NopIn {
    /// Decodes the header.
    ///
    /// # Errors
    ///
    /// [`DecodeError::InvalidField`] when both ITT and TTT are set (RFC 7143 §11.19.1:
    /// a NOP-In either answers a ping or asks for one, never both).
    pub fn decode(bhs: &Bhs) -> Result<Self, DecodeError> {
        let nop = Self {
            lun: Lun(bhs.get(common::LUN)),
            itt: bhs.itt(),
            ttt: Ttt(bhs.get(field::TTT)),
            stat_sn: StatSn::new(bhs.get(field::CMD_SN_OR_STAT_SN)),
            exp_cmd_sn: CmdSn::new(bhs.get(field::EXP_STAT_SN_OR_EXP_CMD_SN)),
            max_cmd_sn: CmdSn::new(bhs.get(field::MAX_CMD_SN)),
        };
        if !nop.itt.is_reserved() && !nop.ttt.is_reserved() {
            return Err(DecodeError::InvalidField {
                opcode: Opcode::NopIn,
                field: "ITT and TTT",
            });
        }
        Ok(nop)
    }

    /// Encodes into a zeroed header.
    pub fn encode(&self, bhs: &mut Bhs) {
        bhs.set(common::OPCODE, Opcode::NopIn as u8);
        bhs.set(common::FLAGS, FINAL_BIT);
        bhs.set(common::LUN, self.lun.0);
        bhs.set(common::ITT, self.itt.0);
        bhs.set(field::TTT, self.ttt.0);
        bhs.set(field::CMD_SN_OR_STAT_SN, self.stat_sn.get());
        bhs.set(field::EXP_STAT_SN_OR_EXP_CMD_SN, self.exp_cmd_sn.get());
        bhs.set(field::MAX_CMD_SN, self.max_cmd_sn.get());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{Header, pdu::test_util::check_vector};

    #[rustfmt::skip]
    const NOP_OUT: [u8; 48] = [
        0x40,                   // I=1, opcode 0x00 NOP-Out
        0x80,                   // F=1
        0x00, 0x00,             // reserved
        0x00,                   // TotalAHSLength 0
        0x00, 0x00, 0x00,       // DataSegmentLength 0 (set by Pdu)
        0x00, 0x02, 0, 0, 0, 0, 0, 0, // LUN 2
        0x00, 0x00, 0x00, 0x11, // ITT 0x11
        0xff, 0xff, 0xff, 0xff, // TTT reserved
        0x00, 0x00, 0x01, 0x00, // CmdSN 256
        0x00, 0x00, 0x00, 0x07, // ExpStatSN 7
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // reserved
    ];

    #[rustfmt::skip]
    const NOP_IN: [u8; 48] = [
        0x20,                   // opcode 0x20 NOP-In
        0x80,                   // F=1
        0x00, 0x00,             // reserved
        0x00,                   // TotalAHSLength 0
        0x00, 0x00, 0x00,       // DataSegmentLength 0
        0x00, 0x01, 0, 0, 0, 0, 0, 0, // LUN 1
        0xff, 0xff, 0xff, 0xff, // ITT reserved: target-initiated ping
        0x12, 0x34, 0x56, 0x78, // TTT 0x12345678: answer wanted
        0x00, 0x00, 0x00, 0x09, // StatSN 9
        0x00, 0x00, 0x01, 0x01, // ExpCmdSN 257
        0x00, 0x00, 0x01, 0x20, // MaxCmdSN 288
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // reserved
    ];

    #[test]
    fn nop_out_vector() {
        let h = NopOut {
            immediate: true,
            lun: Lun::from_index(2).unwrap(),
            itt: Itt(0x11),
            ttt: Ttt::RESERVED,
            cmd_sn: CmdSn::new(256),
            exp_stat_sn: StatSn::new(7),
        };
        check_vector(Header::NopOut(h), &NOP_OUT);
    }

    #[test]
    fn nop_in_vector() {
        let h = NopIn {
            lun: Lun::from_index(1).unwrap(),
            itt: Itt::RESERVED,
            ttt: Ttt(0x1234_5678),
            stat_sn: StatSn::new(9),
            exp_cmd_sn: CmdSn::new(257),
            max_cmd_sn: CmdSn::new(288),
        };
        check_vector(Header::NopIn(h), &NOP_IN);
    }

    #[test]
    fn reserved_bits_ignored_on_receipt() {
        let mut raw = NOP_IN;
        raw[2] = 0xff; // reserved
        raw[40] = 0xff; // reserved
        raw[1] = 0xff; // F plus reserved flag bits
        let h = Header::decode(&Bhs::from_bytes(raw)).unwrap();
        assert_eq!(h, Header::decode(&Bhs::from_bytes(NOP_IN)).unwrap());
    }

    #[test]
    fn nop_in_with_itt_and_ttt_is_a_format_error() {
        let mut raw = NOP_IN;
        raw[16..20].copy_from_slice(&[0, 0, 0, 1]);
        assert_eq!(
            Header::decode(&Bhs::from_bytes(raw)),
            Err(DecodeError::InvalidField {
                opcode: Opcode::NopIn,
                field: "ITT and TTT"
            })
        );
    }
}
