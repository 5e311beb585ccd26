//! SCSI Data-Out and Data-In (RFC 7143 §11.7).
//!
//! ```text
//! Data-Out                                 Data-In
//! 0     .|.|0x05  1  F|reserved            0     0x25  1  F|A|.|.|.|O|U|S
//! 2-3   reserved                           2     reserved  3  Status or reserved
//! 4     TotalAHSLength, DSL                4     TotalAHSLength, DSL
//! 8-15  LUN or reserved                    8-15  LUN or reserved
//! 16-19 ITT                                16-19 ITT
//! 20-23 TTT or 0xffffffff                  20-23 TTT or 0xffffffff
//! 24-27 reserved                           24-27 StatSN or reserved
//! 28-31 ExpStatSN                          28-31 ExpCmdSN
//! 32-35 reserved                           32-35 MaxCmdSN
//! 36-39 DataSN                             36-39 DataSN
//! 40-43 Buffer Offset                      40-43 Buffer Offset
//! 44-47 reserved                           44-47 Residual Count or reserved
//! ```
//!
//! The data segment carries the data. In a Data-In the Status, StatSN, O, U and Residual
//! Count are meaningful only with S=1 (§11.7.3), so they are one optional field,
//! [`DataIn::status`].

use crate::wire::{
    Bhs, CmdSn, DataSn, DecodeError, Itt, Lun, Opcode, ScsiStatus, StatSn, Ttt,
    bhs::{FINAL_BIT, field as common},
};

use super::{
    flag,
    scsi::{OVERFLOW_BIT, Residual, UNDERFLOW_BIT},
};

mod field {
    use crate::wire::bhs::Field;

    // Both directions.
    pub(super) const TTT: Field<u32> = Field::at(20);
    pub(super) const DATA_SN: Field<u32> = Field::at(36);
    pub(super) const BUFFER_OFFSET: Field<u32> = Field::at(40);

    // Data-Out.
    pub(super) const EXP_STAT_SN: Field<u32> = Field::at(28);

    // Data-In.
    pub(super) const STATUS: Field<u8> = Field::at(3);
    pub(super) const STAT_SN: Field<u32> = Field::at(24);
    pub(super) const EXP_CMD_SN: Field<u32> = Field::at(28);
    pub(super) const MAX_CMD_SN: Field<u32> = Field::at(32);
    pub(super) const RESIDUAL_COUNT: Field<u32> = Field::at(44);
}

/// Data-In byte 1: A (acknowledge) bit.
const ACKNOWLEDGE_BIT: u8 = 0x40;
/// Data-In byte 1: S (status) bit.
const STATUS_BIT: u8 = 0x01;

/// SCSI Data-Out: write data, unsolicited or answering an R2T.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct DataOut {
    /// F bit: the last PDU of the unsolicited burst or of the R2T's sequence.
    pub final_pdu: bool,
    /// LUN; the command's when the TTT is not reserved.
    pub lun: Lun,
    /// ITT of the command.
    pub itt: Itt,
    /// TTT: the R2T's, or [`Ttt::RESERVED`] for unsolicited data (§11.7.4).
    pub ttt: Ttt,
    /// ExpStatSN.
    pub exp_stat_sn: StatSn,
    /// DataSN, from 0 in each sequence.
    pub data_sn: DataSn,
    /// Buffer Offset of this PDU's data in the command's buffer.
    pub buffer_offset: u32,
}

impl DataOut {
    /// Decodes the header.
    ///
    /// # Errors
    ///
    /// None beyond the opcode check; reserved bits are ignored.
    pub fn decode(bhs: &Bhs) -> Result<Self, DecodeError> {
        Ok(Self {
            final_pdu: bhs.is_final(),
            lun: Lun(bhs.get(common::LUN)),
            itt: bhs.itt(),
            ttt: Ttt(bhs.get(field::TTT)),
            exp_stat_sn: StatSn::new(bhs.get(field::EXP_STAT_SN)),
            data_sn: DataSn::new(bhs.get(field::DATA_SN)),
            buffer_offset: bhs.get(field::BUFFER_OFFSET),
        })
    }

    /// Encodes into a zeroed header.
    pub fn encode(&self, bhs: &mut Bhs) {
        bhs.set(common::OPCODE, Opcode::DataOut as u8);
        bhs.set(common::FLAGS, flag(self.final_pdu, FINAL_BIT));
        bhs.set(common::LUN, self.lun.0);
        bhs.set(common::ITT, self.itt.0);
        bhs.set(field::TTT, self.ttt.0);
        bhs.set(field::EXP_STAT_SN, self.exp_stat_sn.get());
        bhs.set(field::DATA_SN, self.data_sn.get());
        bhs.set(field::BUFFER_OFFSET, self.buffer_offset);
    }
}

/// The command status a final Data-In may carry (S=1), instead of a SCSI Response.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct DataInStatus {
    /// SCSI status (GOOD, CONDITION MET, ...; §11.7.3).
    pub status: ScsiStatus,
    /// StatSN.
    pub stat_sn: StatSn,
    /// The O and U bits with the Residual Count.
    pub residual: Residual,
}

/// SCSI Data-In: read data, possibly with the command status.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct DataIn {
    /// F bit: the last PDU of the sequence. Always set when [`DataIn::status`] is `Some`.
    pub final_pdu: bool,
    /// A bit: the target asks for a DataACK SNACK (ErrorRecoveryLevel ≥ 1).
    pub acknowledge: bool,
    /// The S bit with Status, StatSN and the residual; `None` when S=0, in which case
    /// those fields are reserved.
    pub status: Option<DataInStatus>,
    /// LUN; valid with the A bit.
    pub lun: Lun,
    /// ITT of the command.
    pub itt: Itt,
    /// TTT; valid with the A bit, otherwise [`Ttt::RESERVED`].
    pub ttt: Ttt,
    /// ExpCmdSN.
    pub exp_cmd_sn: CmdSn,
    /// MaxCmdSN.
    pub max_cmd_sn: CmdSn,
    /// DataSN, from 0 for each command.
    pub data_sn: DataSn,
    /// Buffer Offset of this PDU's data in the command's buffer.
    pub buffer_offset: u32,
}

impl DataIn {
    /// Decodes the header.
    ///
    /// # Errors
    ///
    /// [`DecodeError::InvalidFlags`] when S=1 without F=1 (RFC 7143 §11.7.3: "If this bit
    /// is set to 1, the F bit MUST also be set to 1"), or when S=1 with both O and U (the
    /// bits are used as in a SCSI Response, §11.4.1, where both set is a protocol error).
    pub fn decode(bhs: &Bhs) -> Result<Self, DecodeError> {
        let flags = bhs.flags();
        let invalid = DecodeError::InvalidFlags {
            opcode: Opcode::DataIn,
            flags,
        };
        let final_pdu = bhs.is_final();
        let status = if flags & STATUS_BIT != 0 {
            if !final_pdu {
                return Err(invalid);
            }
            let count = bhs.get(field::RESIDUAL_COUNT);
            Some(DataInStatus {
                status: ScsiStatus::from(bhs.get(field::STATUS)),
                stat_sn: StatSn::new(bhs.get(field::STAT_SN)),
                residual: Residual::decode(flags, OVERFLOW_BIT, UNDERFLOW_BIT, count)
                    .ok_or(invalid)?,
            })
        } else {
            // §11.7.3: O and U "are only valid when S is set to 1"; ignored otherwise.
            None
        };
        Ok(Self {
            final_pdu,
            acknowledge: flags & ACKNOWLEDGE_BIT != 0,
            status,
            lun: Lun(bhs.get(common::LUN)),
            itt: bhs.itt(),
            ttt: Ttt(bhs.get(field::TTT)),
            exp_cmd_sn: CmdSn::new(bhs.get(field::EXP_CMD_SN)),
            max_cmd_sn: CmdSn::new(bhs.get(field::MAX_CMD_SN)),
            data_sn: DataSn::new(bhs.get(field::DATA_SN)),
            buffer_offset: bhs.get(field::BUFFER_OFFSET),
        })
    }

    /// Encodes into a zeroed header.
    pub fn encode(&self, bhs: &mut Bhs) {
        let mut flags = flag(self.final_pdu, FINAL_BIT) | flag(self.acknowledge, ACKNOWLEDGE_BIT);
        if let Some(status) = self.status {
            let (bits, count) = status.residual.encode(OVERFLOW_BIT, UNDERFLOW_BIT);
            flags |= STATUS_BIT | bits;
            bhs.set(field::STATUS, u8::from(status.status));
            bhs.set(field::STAT_SN, status.stat_sn.get());
            bhs.set(field::RESIDUAL_COUNT, count);
        }
        bhs.set(common::OPCODE, Opcode::DataIn as u8);
        bhs.set(common::FLAGS, flags);
        bhs.set(common::LUN, self.lun.0);
        bhs.set(common::ITT, self.itt.0);
        bhs.set(field::TTT, self.ttt.0);
        bhs.set(field::EXP_CMD_SN, self.exp_cmd_sn.get());
        bhs.set(field::MAX_CMD_SN, self.max_cmd_sn.get());
        bhs.set(field::DATA_SN, self.data_sn.get());
        bhs.set(field::BUFFER_OFFSET, self.buffer_offset);
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
    const DATA_OUT: [u8; 48] = [
        0x05,                   // opcode 0x05 Data-Out
        0x80,                   // F=1
        0x00, 0x00,             // reserved
        0x00,                   // TotalAHSLength 0
        0x00, 0x00, 0x00,       // DataSegmentLength 0
        0x00, 0x04, 0, 0, 0, 0, 0, 0, // LUN 4
        0x00, 0x00, 0x00, 0x2b, // ITT 0x2b
        0x00, 0x00, 0x77, 0x77, // TTT 0x7777 (from the R2T)
        0x00, 0x00, 0x00, 0x00, // reserved
        0x00, 0x00, 0x00, 0x0c, // ExpStatSN 12
        0x00, 0x00, 0x00, 0x00, // reserved
        0x00, 0x00, 0x00, 0x01, // DataSN 1
        0x00, 0x00, 0x20, 0x00, // Buffer Offset 8192
        0x00, 0x00, 0x00, 0x00, // reserved
    ];

    #[rustfmt::skip]
    const DATA_IN: [u8; 48] = [
        0x25,                   // opcode 0x25 Data-In
        0x83,                   // F=1, A=0, O=0, U=1, S=1
        0x00,                   // reserved
        0x00,                   // Status GOOD
        0x00,                   // TotalAHSLength 0
        0x00, 0x00, 0x00,       // DataSegmentLength 0
        0, 0, 0, 0, 0, 0, 0, 0, // LUN (reserved, A=0)
        0x00, 0x00, 0x00, 0x2a, // ITT 0x2a
        0xff, 0xff, 0xff, 0xff, // TTT reserved
        0x00, 0x00, 0x00, 0x0a, // StatSN 10
        0x00, 0x00, 0x00, 0x06, // ExpCmdSN 6
        0x00, 0x00, 0x00, 0x26, // MaxCmdSN 38
        0x00, 0x00, 0x00, 0x03, // DataSN 3
        0x00, 0x00, 0x30, 0x00, // Buffer Offset 12288
        0x00, 0x00, 0x01, 0x00, // Residual Count 256
    ];

    fn data_in() -> DataIn {
        DataIn {
            final_pdu: true,
            acknowledge: false,
            status: Some(DataInStatus {
                status: ScsiStatus::Good,
                stat_sn: StatSn::new(10),
                residual: Residual::Underflow(256),
            }),
            lun: Lun::default(),
            itt: Itt(0x2a),
            ttt: Ttt::RESERVED,
            exp_cmd_sn: CmdSn::new(6),
            max_cmd_sn: CmdSn::new(38),
            data_sn: DataSn::new(3),
            buffer_offset: 12288,
        }
    }

    #[test]
    fn data_out_vector() {
        let h = DataOut {
            final_pdu: true,
            lun: Lun::from_index(4).unwrap(),
            itt: Itt(0x2b),
            ttt: Ttt(0x7777),
            exp_stat_sn: StatSn::new(12),
            data_sn: DataSn::new(1),
            buffer_offset: 8192,
        };
        check_vector(Header::DataOut(h), &DATA_OUT);
    }

    #[test]
    fn data_in_vector() {
        check_vector(Header::DataIn(data_in()), &DATA_IN);
    }

    #[test]
    fn reserved_bits_ignored_on_receipt() {
        let mut reserved = vec![(0, 0x40), (1, 0x7f), (2, 0xff), (3, 0xff)];
        reserved.extend((24..28).chain(32..36).chain(44..48).map(|i| (i, 0xff)));
        check_reserved_ignored(&DATA_OUT, &reserved);
        check_reserved_ignored(&DATA_IN, &[(0, 0x40), (1, 0x38), (2, 0xff)]);
    }

    #[test]
    fn status_fields_reserved_without_s() {
        let mut raw = DATA_IN;
        raw[1] = 0x06; // F=0, O=1, U=1, S=0: O and U are reserved without S
        let Header::DataIn(h) = decode_raw(raw).unwrap() else {
            panic!()
        };
        assert_eq!((h.final_pdu, h.status), (false, None));
        // Status, StatSN and Residual Count are written as zero.
        let out = Header::DataIn(h).encode();
        assert_eq!(out.as_bytes()[1], 0x00);
        assert_eq!(out.as_bytes()[3], 0x00);
        assert_eq!(&out.as_bytes()[24..28], &[0; 4]);
        assert_eq!(&out.as_bytes()[44..48], &[0; 4]);
    }

    #[test]
    fn status_without_final_is_a_format_error() {
        let mut raw = DATA_IN;
        raw[1] = 0x01; // S=1, F=0
        assert_eq!(
            decode_raw(raw),
            Err(DecodeError::InvalidFlags {
                opcode: Opcode::DataIn,
                flags: 0x01
            })
        );
    }

    #[test]
    fn status_with_overflow_and_underflow_is_a_format_error() {
        let mut raw = DATA_IN;
        raw[1] = 0x87; // F=1, O=1, U=1, S=1
        assert_eq!(
            decode_raw(raw),
            Err(DecodeError::InvalidFlags {
                opcode: Opcode::DataIn,
                flags: 0x87
            })
        );
    }
}
