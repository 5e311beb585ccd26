//! SCSI Command (RFC 7143 §11.3) and SCSI Response (§11.4).
//!
//! ```text
//! SCSI Command                             SCSI Response
//! 0     .|I|0x01  1  F|R|W|.|.|ATTR        0     0x21  1  1|.|.|o|u|O|U|.
//! 2-3   reserved                           2     Response  3  Status
//! 4     TotalAHSLength, DSL                4     TotalAHSLength, DSL
//! 8-15  LUN                                8-15  reserved
//! 16-19 ITT                                16-19 ITT
//! 20-23 Expected Data Transfer Length      20-23 SNACK Tag or reserved
//! 24-27 CmdSN                              24-27 StatSN
//! 28-31 ExpStatSN                          28-31 ExpCmdSN
//! 32-47 CDB (first 16 bytes)               32-35 MaxCmdSN
//!                                          36-39 ExpDataSN or reserved
//!                                          40-43 Bidirectional Read Residual Count
//!                                          44-47 Residual Count
//! ```
//!
//! A CDB longer than 16 bytes continues in an extended CDB AHS ([`crate::wire::Ahs`]); a
//! bidirectional command carries its read length in a bidirectional read AHS. The SCSI
//! Response data segment carries sense data or response data (§11.4.7).

use crate::wire::{
    Bhs, CmdSn, DataSn, DecodeError, Itt, Lun, Opcode, ScsiResponseCode, ScsiStatus, StatSn,
    TaskAttribute,
    bhs::{FINAL_BIT, field as common},
};

use super::{flag, opcode_byte};

mod field {
    use crate::wire::bhs::Field;

    // SCSI Command.
    pub(super) const EXPECTED_DATA_TRANSFER_LENGTH: Field<u32> = Field::at(20);
    pub(super) const CMD_SN: Field<u32> = Field::at(24);
    pub(super) const EXP_STAT_SN: Field<u32> = Field::at(28);
    pub(super) const CDB: Field<[u8; 16]> = Field::at(32);

    // SCSI Response.
    pub(super) const RESPONSE: Field<u8> = Field::at(2);
    pub(super) const STATUS: Field<u8> = Field::at(3);
    pub(super) const SNACK_TAG: Field<u32> = Field::at(20);
    pub(super) const STAT_SN: Field<u32> = Field::at(24);
    pub(super) const EXP_CMD_SN: Field<u32> = Field::at(28);
    pub(super) const MAX_CMD_SN: Field<u32> = Field::at(32);
    pub(super) const EXP_DATA_SN: Field<u32> = Field::at(36);
    pub(super) const BIDI_READ_RESIDUAL_COUNT: Field<u32> = Field::at(40);
    pub(super) const RESIDUAL_COUNT: Field<u32> = Field::at(44);
}

/// SCSI Command byte 1: R (read) bit.
const READ_BIT: u8 = 0x40;
/// SCSI Command byte 1: W (write) bit.
const WRITE_BIT: u8 = 0x20;
/// SCSI Command byte 1: ATTR, the task attribute.
const ATTR_MASK: u8 = 0x07;

/// SCSI Response byte 1: o, bidirectional read residual overflow.
const BIDI_OVERFLOW_BIT: u8 = 0x10;
/// SCSI Response byte 1: u, bidirectional read residual underflow.
const BIDI_UNDERFLOW_BIT: u8 = 0x08;
/// SCSI Response and Data-In byte 1: O, residual overflow.
pub(super) const OVERFLOW_BIT: u8 = 0x04;
/// SCSI Response and Data-In byte 1: U, residual underflow.
pub(super) const UNDERFLOW_BIT: u8 = 0x02;

/// A residual as reported by an overflow bit, an underflow bit and a count (RFC 7143
/// §11.4.1, §11.4.5). The RFC forbids both bits together, so this type cannot express it.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub enum Residual {
    /// Neither bit: the transfer matched the expected length. The count field is reserved
    /// (§11.4.5), so it is ignored on receipt and written as zero.
    #[default]
    Exact,
    /// O (or o) bit: this many bytes were not transferred because the expected length was
    /// too small.
    Overflow(u32),
    /// U (or u) bit: this many of the expected bytes were not transferred.
    Underflow(u32),
}

impl Residual {
    /// Decodes from the flags byte, the two bits that apply and the count field; `None`
    /// when both bits are set.
    pub(super) fn decode(
        flags: u8,
        overflow_bit: u8,
        underflow_bit: u8,
        count: u32,
    ) -> Option<Self> {
        match (flags & overflow_bit != 0, flags & underflow_bit != 0) {
            (false, false) => Some(Self::Exact),
            (true, false) => Some(Self::Overflow(count)),
            (false, true) => Some(Self::Underflow(count)),
            (true, true) => None,
        }
    }

    /// The flag bits and the count field to write.
    pub(super) fn encode(self, overflow_bit: u8, underflow_bit: u8) -> (u8, u32) {
        match self {
            Self::Exact => (0, 0),
            Self::Overflow(count) => (overflow_bit, count),
            Self::Underflow(count) => (underflow_bit, count),
        }
    }

    /// The residual count, zero for [`Residual::Exact`].
    pub fn count(self) -> u32 {
        match self {
            Self::Exact => 0,
            Self::Overflow(count) | Self::Underflow(count) => count,
        }
    }
}

/// SCSI Command: a CDB with its transfer direction and expected length.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct ScsiCommand {
    /// I bit: immediate delivery.
    pub immediate: bool,
    /// F bit: no unsolicited Data-Out PDUs follow this command (§11.3.1).
    pub final_pdu: bool,
    /// R bit: the command expects input (Data-In) data.
    pub read: bool,
    /// W bit: the command expects output (Data-Out) data.
    pub write: bool,
    /// ATTR: the SAM task attribute.
    pub task_attribute: TaskAttribute,
    /// LUN.
    pub lun: Lun,
    /// ITT.
    pub itt: Itt,
    /// Expected Data Transfer Length (EDTL) in bytes; for a bidirectional command, the write
    /// length (the read length is in the AHS).
    pub expected_data_transfer_length: u32,
    /// CmdSN.
    pub cmd_sn: CmdSn,
    /// ExpStatSN.
    pub exp_stat_sn: StatSn,
    /// The first 16 bytes of the CDB, zero-padded when the CDB is shorter.
    pub cdb: [u8; 16],
}

impl ScsiCommand {
    /// Decodes the header.
    ///
    /// # Errors
    ///
    /// [`DecodeError::InvalidFlags`] when R and W are both 0 with a non-zero EDTL (RFC 7143
    /// §11.3.1: R and W "MUST NOT both be 0" when a data transfer is expected).
    pub fn decode(bhs: &Bhs) -> Result<Self, DecodeError> {
        let flags = bhs.flags();
        let cmd = Self {
            immediate: bhs.is_immediate(),
            final_pdu: bhs.is_final(),
            read: flags & READ_BIT != 0,
            write: flags & WRITE_BIT != 0,
            task_attribute: TaskAttribute::from(flags & ATTR_MASK),
            lun: Lun(bhs.get(common::LUN)),
            itt: bhs.itt(),
            expected_data_transfer_length: bhs.get(field::EXPECTED_DATA_TRANSFER_LENGTH),
            cmd_sn: CmdSn::new(bhs.get(field::CMD_SN)),
            exp_stat_sn: StatSn::new(bhs.get(field::EXP_STAT_SN)),
            cdb: bhs.get(field::CDB),
        };
        if !cmd.read && !cmd.write && cmd.expected_data_transfer_length != 0 {
            return Err(DecodeError::InvalidFlags {
                opcode: Opcode::ScsiCommand,
                flags,
            });
        }
        Ok(cmd)
    }

    /// Encodes into a zeroed header.
    pub fn encode(&self, bhs: &mut Bhs) {
        bhs.set(
            common::OPCODE,
            opcode_byte(Opcode::ScsiCommand, self.immediate),
        );
        bhs.set(
            common::FLAGS,
            flag(self.final_pdu, FINAL_BIT)
                | flag(self.read, READ_BIT)
                | flag(self.write, WRITE_BIT)
                | (u8::from(self.task_attribute) & ATTR_MASK),
        );
        bhs.set(common::LUN, self.lun.0);
        bhs.set(common::ITT, self.itt.0);
        bhs.set(
            field::EXPECTED_DATA_TRANSFER_LENGTH,
            self.expected_data_transfer_length,
        );
        bhs.set(field::CMD_SN, self.cmd_sn.get());
        bhs.set(field::EXP_STAT_SN, self.exp_stat_sn.get());
        bhs.set(field::CDB, self.cdb);
    }
}

/// SCSI Response: the end of a command, with its status and residuals.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct ScsiResponse {
    /// The iSCSI Response code; status and residuals are valid only for
    /// [`ScsiResponseCode::CommandCompleted`].
    pub response: ScsiResponseCode,
    /// SCSI status.
    pub status: ScsiStatus,
    /// ITT of the command.
    pub itt: Itt,
    /// SNACK Tag (§11.4): echoes an R-Data SNACK's tag, otherwise zero.
    pub snack_tag: u32,
    /// StatSN.
    pub stat_sn: StatSn,
    /// ExpCmdSN.
    pub exp_cmd_sn: CmdSn,
    /// MaxCmdSN.
    pub max_cmd_sn: CmdSn,
    /// ExpDataSN: the number of Data-In (and R2T) PDUs the target sent for the command.
    pub exp_data_sn: DataSn,
    /// Bidirectional read residual: the o and u bits with the Bidirectional Read Residual
    /// Count.
    pub bidi_read_residual: Residual,
    /// Residual: the O and U bits with the Residual Count (for a bidirectional command,
    /// the write residual).
    pub residual: Residual,
}

impl ScsiResponse {
    /// Decodes the header.
    ///
    /// # Errors
    ///
    /// [`DecodeError::InvalidFlags`] when both O and U or both o and u are set (RFC 7143
    /// §11.4.1: the bits are mutually exclusive, both set is a protocol error), or when any
    /// of them is set with a response other than Command Completed at Target (§11.4.1:
    /// bits 3-6 "MUST be 0").
    pub fn decode(bhs: &Bhs) -> Result<Self, DecodeError> {
        let flags = bhs.flags();
        let invalid = DecodeError::InvalidFlags {
            opcode: Opcode::ScsiResponse,
            flags,
        };
        let response = ScsiResponseCode::from(bhs.get(field::RESPONSE));
        let residual_bits = BIDI_OVERFLOW_BIT | BIDI_UNDERFLOW_BIT | OVERFLOW_BIT | UNDERFLOW_BIT;
        if response != ScsiResponseCode::CommandCompleted && flags & residual_bits != 0 {
            return Err(invalid);
        }
        let bidi_read_residual = Residual::decode(
            flags,
            BIDI_OVERFLOW_BIT,
            BIDI_UNDERFLOW_BIT,
            bhs.get(field::BIDI_READ_RESIDUAL_COUNT),
        )
        .ok_or(invalid)?;
        let residual = Residual::decode(
            flags,
            OVERFLOW_BIT,
            UNDERFLOW_BIT,
            bhs.get(field::RESIDUAL_COUNT),
        )
        .ok_or(invalid)?;
        Ok(Self {
            response,
            status: ScsiStatus::from(bhs.get(field::STATUS)),
            itt: bhs.itt(),
            snack_tag: bhs.get(field::SNACK_TAG),
            stat_sn: StatSn::new(bhs.get(field::STAT_SN)),
            exp_cmd_sn: CmdSn::new(bhs.get(field::EXP_CMD_SN)),
            max_cmd_sn: CmdSn::new(bhs.get(field::MAX_CMD_SN)),
            exp_data_sn: DataSn::new(bhs.get(field::EXP_DATA_SN)),
            bidi_read_residual,
            residual,
        })
    }

    /// Encodes into a zeroed header.
    pub fn encode(&self, bhs: &mut Bhs) {
        let (bidi_bits, bidi_count) = self
            .bidi_read_residual
            .encode(BIDI_OVERFLOW_BIT, BIDI_UNDERFLOW_BIT);
        let (bits, count) = self.residual.encode(OVERFLOW_BIT, UNDERFLOW_BIT);
        bhs.set(common::OPCODE, Opcode::ScsiResponse as u8);
        bhs.set(common::FLAGS, FINAL_BIT | bidi_bits | bits);
        bhs.set(field::RESPONSE, u8::from(self.response));
        bhs.set(field::STATUS, u8::from(self.status));
        bhs.set(common::ITT, self.itt.0);
        bhs.set(field::SNACK_TAG, self.snack_tag);
        bhs.set(field::STAT_SN, self.stat_sn.get());
        bhs.set(field::EXP_CMD_SN, self.exp_cmd_sn.get());
        bhs.set(field::MAX_CMD_SN, self.max_cmd_sn.get());
        bhs.set(field::EXP_DATA_SN, self.exp_data_sn.get());
        bhs.set(field::BIDI_READ_RESIDUAL_COUNT, bidi_count);
        bhs.set(field::RESIDUAL_COUNT, count);
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
    const SCSI_COMMAND: [u8; 48] = [
        0x01,                   // I=0, opcode 0x01 SCSI Command
        0xc1,                   // F=1, R=1, W=0, ATTR=1 (simple)
        0x00, 0x00,             // reserved
        0x00,                   // TotalAHSLength 0
        0x00, 0x00, 0x00,       // DataSegmentLength 0
        0x00, 0x03, 0, 0, 0, 0, 0, 0, // LUN 3
        0x00, 0x00, 0x00, 0x2a, // ITT 0x2a
        0x00, 0x00, 0x10, 0x00, // EDTL 4096
        0x00, 0x00, 0x00, 0x05, // CmdSN 5
        0x00, 0x00, 0x00, 0x09, // ExpStatSN 9
        0x28, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, // CDB: READ(10) LBA 256
        0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, //      8 blocks, zero padding
    ];

    #[rustfmt::skip]
    const SCSI_RESPONSE: [u8; 48] = [
        0x21,                   // opcode 0x21 SCSI Response
        0x92,                   // F=1, o=1 (bidi overflow), U=1 (underflow)
        0x00,                   // Response: command completed at target
        0x02,                   // Status: CHECK CONDITION
        0x00,                   // TotalAHSLength 0
        0x00, 0x00, 0x00,       // DataSegmentLength 0
        0, 0, 0, 0, 0, 0, 0, 0, // reserved
        0x00, 0x00, 0x00, 0x2a, // ITT 0x2a
        0x00, 0x00, 0x00, 0x07, // SNACK Tag 7
        0x00, 0x00, 0x00, 0x0a, // StatSN 10
        0x00, 0x00, 0x00, 0x06, // ExpCmdSN 6
        0x00, 0x00, 0x00, 0x26, // MaxCmdSN 38
        0x00, 0x00, 0x00, 0x02, // ExpDataSN 2
        0x00, 0x00, 0x01, 0x00, // Bidirectional Read Residual Count 256
        0x00, 0x00, 0x02, 0x00, // Residual Count 512
    ];

    fn command() -> ScsiCommand {
        let mut cdb = [0u8; 16];
        cdb[..10].copy_from_slice(&[0x28, 0, 0, 0, 1, 0, 0, 0, 8, 0]);
        ScsiCommand {
            immediate: false,
            final_pdu: true,
            read: true,
            write: false,
            task_attribute: TaskAttribute::Simple,
            lun: Lun::from_index(3).unwrap(),
            itt: Itt(0x2a),
            expected_data_transfer_length: 4096,
            cmd_sn: CmdSn::new(5),
            exp_stat_sn: StatSn::new(9),
            cdb,
        }
    }

    fn response() -> ScsiResponse {
        ScsiResponse {
            response: ScsiResponseCode::CommandCompleted,
            status: ScsiStatus::CheckCondition,
            itt: Itt(0x2a),
            snack_tag: 7,
            stat_sn: StatSn::new(10),
            exp_cmd_sn: CmdSn::new(6),
            max_cmd_sn: CmdSn::new(38),
            exp_data_sn: DataSn::new(2),
            bidi_read_residual: Residual::Overflow(256),
            residual: Residual::Underflow(512),
        }
    }

    #[test]
    fn scsi_command_vector() {
        check_vector(Header::ScsiCommand(command()), &SCSI_COMMAND);
    }

    #[test]
    fn scsi_response_vector() {
        check_vector(Header::ScsiResponse(response()), &SCSI_RESPONSE);
    }

    #[test]
    fn reserved_bits_ignored_on_receipt() {
        // Byte 1 bits 3-4 and bytes 2-3 of the command.
        check_reserved_ignored(&SCSI_COMMAND, &[(1, 0x18), (2, 0xff), (3, 0xff)]);
        // Byte 1 bits 0, 5, 6 and bytes 8-15 of the response.
        let mut reserved = vec![(1, 0x61)];
        reserved.extend((8..16).map(|i| (i, 0xff)));
        check_reserved_ignored(&SCSI_RESPONSE, &reserved);
    }

    #[test]
    fn residual_count_reserved_without_bits() {
        let mut raw = SCSI_RESPONSE;
        raw[1] = 0x80; // no residual bits: both counts are reserved
        let Header::ScsiResponse(h) = decode_raw(raw).unwrap() else {
            panic!()
        };
        assert_eq!(
            (h.bidi_read_residual, h.residual),
            (Residual::Exact, Residual::Exact)
        );
        // Re-encoding writes the reserved counts as zero.
        assert_eq!(
            &Header::ScsiResponse(h).encode().as_bytes()[40..48],
            &[0; 8]
        );
    }

    #[test]
    fn no_direction_with_a_length_is_a_format_error() {
        let mut raw = SCSI_COMMAND;
        raw[1] = 0x81; // F=1, R=0, W=0, EDTL 4096
        assert_eq!(
            decode_raw(raw),
            Err(DecodeError::InvalidFlags {
                opcode: Opcode::ScsiCommand,
                flags: 0x81
            })
        );
        // No direction is fine when nothing is transferred.
        raw[20..24].copy_from_slice(&[0; 4]);
        assert!(decode_raw(raw).is_ok());
    }

    #[test]
    fn both_residual_bits_are_a_format_error() {
        for flags in [0x86, 0x98, 0x9e] {
            let mut raw = SCSI_RESPONSE;
            raw[1] = flags;
            assert_eq!(
                decode_raw(raw),
                Err(DecodeError::InvalidFlags {
                    opcode: Opcode::ScsiResponse,
                    flags
                }),
                "{flags:#04x}"
            );
        }
    }

    #[test]
    fn residual_bits_need_command_completed() {
        let mut raw = SCSI_RESPONSE;
        raw[2] = 0x01; // target failure, yet o and U are set
        assert_eq!(
            decode_raw(raw),
            Err(DecodeError::InvalidFlags {
                opcode: Opcode::ScsiResponse,
                flags: 0x92
            })
        );
        raw[1] = 0x80;
        assert!(decode_raw(raw).is_ok());
    }
}
