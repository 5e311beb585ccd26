//! Ready To Transfer (RFC 7143 §11.8).
//!
//! ```text
//! 0     0x31  1  1|reserved  2-3 reserved
//! 4     TotalAHSLength, DSL (both 0)
//! 8-15  LUN
//! 16-19 ITT
//! 20-23 TTT
//! 24-27 StatSN
//! 28-31 ExpCmdSN
//! 32-35 MaxCmdSN
//! 36-39 R2TSN
//! 40-43 Buffer Offset
//! 44-47 Desired Data Transfer Length
//! ```

use crate::wire::{
    Bhs, CmdSn, DecodeError, Itt, Lun, Opcode, R2tSn, StatSn, Ttt,
    bhs::{FINAL_BIT, field as common},
};

mod field {
    use crate::wire::bhs::Field;

    pub(super) const TTT: Field<u32> = Field::at(20);
    pub(super) const STAT_SN: Field<u32> = Field::at(24);
    pub(super) const EXP_CMD_SN: Field<u32> = Field::at(28);
    pub(super) const MAX_CMD_SN: Field<u32> = Field::at(32);
    pub(super) const R2T_SN: Field<u32> = Field::at(36);
    pub(super) const BUFFER_OFFSET: Field<u32> = Field::at(40);
    pub(super) const DESIRED_DATA_TRANSFER_LENGTH: Field<u32> = Field::at(44);
}

/// R2T: the target asks for a range of a write command's data.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct R2t {
    /// LUN of the command.
    pub lun: Lun,
    /// ITT of the command.
    pub itt: Itt,
    /// TTT, to be echoed by every Data-Out answering this R2T.
    pub ttt: Ttt,
    /// StatSN: the next StatSN, not advanced by the R2T.
    pub stat_sn: StatSn,
    /// ExpCmdSN.
    pub exp_cmd_sn: CmdSn,
    /// MaxCmdSN.
    pub max_cmd_sn: CmdSn,
    /// R2TSN, from 0 for each command.
    pub r2t_sn: R2tSn,
    /// Buffer Offset of the requested range.
    pub buffer_offset: u32,
    /// Desired Data Transfer Length: bytes requested, never zero.
    pub desired_data_transfer_length: u32,
}

impl R2t {
    /// Decodes the header.
    ///
    /// # Errors
    ///
    /// [`DecodeError::InvalidField`] `"Desired Data Transfer Length"` when it is zero
    /// (RFC 7143 §11.8.4: it "MUST NOT be 0").
    pub fn decode(bhs: &Bhs) -> Result<Self, DecodeError> {
        let desired_data_transfer_length = bhs.get(field::DESIRED_DATA_TRANSFER_LENGTH);
        if desired_data_transfer_length == 0 {
            return Err(DecodeError::InvalidField {
                opcode: Opcode::R2t,
                field: "Desired Data Transfer Length",
            });
        }
        Ok(Self {
            lun: Lun(bhs.get(common::LUN)),
            itt: bhs.itt(),
            ttt: Ttt(bhs.get(field::TTT)),
            stat_sn: StatSn::new(bhs.get(field::STAT_SN)),
            exp_cmd_sn: CmdSn::new(bhs.get(field::EXP_CMD_SN)),
            max_cmd_sn: CmdSn::new(bhs.get(field::MAX_CMD_SN)),
            r2t_sn: R2tSn::new(bhs.get(field::R2T_SN)),
            buffer_offset: bhs.get(field::BUFFER_OFFSET),
            desired_data_transfer_length,
        })
    }

    /// Encodes into a zeroed header.
    pub fn encode(&self, bhs: &mut Bhs) {
        bhs.set(common::OPCODE, Opcode::R2t as u8);
        bhs.set(common::FLAGS, FINAL_BIT);
        bhs.set(common::LUN, self.lun.0);
        bhs.set(common::ITT, self.itt.0);
        bhs.set(field::TTT, self.ttt.0);
        bhs.set(field::STAT_SN, self.stat_sn.get());
        bhs.set(field::EXP_CMD_SN, self.exp_cmd_sn.get());
        bhs.set(field::MAX_CMD_SN, self.max_cmd_sn.get());
        bhs.set(field::R2T_SN, self.r2t_sn.get());
        bhs.set(field::BUFFER_OFFSET, self.buffer_offset);
        bhs.set(
            field::DESIRED_DATA_TRANSFER_LENGTH,
            self.desired_data_transfer_length,
        );
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
    const R2T: [u8; 48] = [
        0x31,                   // opcode 0x31 R2T
        0x80,                   // bit 7 set
        0x00, 0x00,             // reserved
        0x00,                   // TotalAHSLength 0
        0x00, 0x00, 0x00,       // DataSegmentLength 0
        0x00, 0x04, 0, 0, 0, 0, 0, 0, // LUN 4
        0x00, 0x00, 0x00, 0x2b, // ITT 0x2b
        0x00, 0x00, 0x77, 0x77, // TTT 0x7777
        0x00, 0x00, 0x00, 0x0c, // StatSN 12
        0x00, 0x00, 0x00, 0x07, // ExpCmdSN 7
        0x00, 0x00, 0x00, 0x27, // MaxCmdSN 39
        0x00, 0x00, 0x00, 0x01, // R2TSN 1
        0x00, 0x00, 0x20, 0x00, // Buffer Offset 8192
        0x00, 0x01, 0x00, 0x00, // Desired Data Transfer Length 65536
    ];

    #[test]
    fn r2t_vector() {
        let h = R2t {
            lun: Lun::from_index(4).unwrap(),
            itt: Itt(0x2b),
            ttt: Ttt(0x7777),
            stat_sn: StatSn::new(12),
            exp_cmd_sn: CmdSn::new(7),
            max_cmd_sn: CmdSn::new(39),
            r2t_sn: R2tSn::new(1),
            buffer_offset: 8192,
            desired_data_transfer_length: 65536,
        };
        check_vector(Header::R2t(h), &R2T);
    }

    #[test]
    fn reserved_bits_ignored_on_receipt() {
        check_reserved_ignored(&R2T, &[(0, 0x40), (1, 0x7f), (2, 0xff), (3, 0xff)]);
    }

    #[test]
    fn zero_length_is_a_format_error() {
        let mut raw = R2T;
        raw[44..48].copy_from_slice(&[0; 4]);
        assert_eq!(
            decode_raw(raw),
            Err(DecodeError::InvalidField {
                opcode: Opcode::R2t,
                field: "Desired Data Transfer Length"
            })
        );
    }
}
