//! SCSI Task Management Function Request (RFC 7143 §11.5) and Response (§11.6).
//!
//! ```text
//! TMF Request                              TMF Response
//! 0     .|I|0x02  1  1|Function (7 bits)   0     0x22  1  1|reserved
//! 2-3   reserved                           2     Response  3  reserved
//! 4     TotalAHSLength, DSL (both 0)       4     TotalAHSLength, DSL
//! 8-15  LUN or reserved                    8-15  reserved
//! 16-19 ITT                                16-19 ITT
//! 20-23 Referenced Task Tag or 0xffffffff  20-23 reserved
//! 24-27 CmdSN                              24-27 StatSN
//! 28-31 ExpStatSN                          28-31 ExpCmdSN
//! 32-35 RefCmdSN or reserved               32-35 MaxCmdSN
//! 36-39 ExpDataSN or reserved              36-47 reserved
//! 40-47 reserved
//! ```

use crate::wire::{
    Bhs, CmdSn, DataSn, DecodeError, Itt, Lun, Opcode, StatSn, TmfFunction, TmfResponse,
    bhs::{FINAL_BIT, field as common},
};

use super::opcode_byte;

mod field {
    use crate::wire::bhs::Field;

    // Request.
    pub(super) const REFERENCED_TASK_TAG: Field<u32> = Field::at(20);
    pub(super) const CMD_SN: Field<u32> = Field::at(24);
    pub(super) const EXP_STAT_SN: Field<u32> = Field::at(28);
    pub(super) const REF_CMD_SN: Field<u32> = Field::at(32);
    pub(super) const EXP_DATA_SN: Field<u32> = Field::at(36);

    // Response.
    pub(super) const RESPONSE: Field<u8> = Field::at(2);
    pub(super) const STAT_SN: Field<u32> = Field::at(24);
    pub(super) const EXP_CMD_SN: Field<u32> = Field::at(28);
    pub(super) const MAX_CMD_SN: Field<u32> = Field::at(32);
}

/// Byte 1 of the request: the function, below the always-set bit 7.
const FUNCTION_MASK: u8 = 0x7f;

/// Task Management Function Request.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct TaskMgmtRequest {
    /// I bit: immediate delivery.
    pub immediate: bool,
    /// The function.
    pub function: TmfFunction,
    /// LUN; reserved for the target-wide functions (warm and cold reset).
    pub lun: Lun,
    /// ITT of this request.
    pub itt: Itt,
    /// Referenced Task Tag: the ITT of the task to abort or reassign, [`Itt::RESERVED`]
    /// for every other function (§11.5.4).
    pub referenced_task_tag: Itt,
    /// CmdSN.
    pub cmd_sn: CmdSn,
    /// ExpStatSN.
    pub exp_stat_sn: StatSn,
    /// RefCmdSN: the CmdSN of the referenced task (§11.5.5).
    pub ref_cmd_sn: CmdSn,
    /// ExpDataSN, for TASK REASSIGN (§11.5.6).
    pub exp_data_sn: DataSn,
}

impl TaskMgmtRequest {
    /// Decodes the header.
    ///
    /// # Errors
    ///
    /// None beyond the opcode check; reserved bits are ignored.
    pub fn decode(bhs: &Bhs) -> Result<Self, DecodeError> {
        Ok(Self {
            immediate: bhs.is_immediate(),
            function: TmfFunction::from(bhs.flags() & FUNCTION_MASK),
            lun: Lun(bhs.get(common::LUN)),
            itt: bhs.itt(),
            referenced_task_tag: Itt(bhs.get(field::REFERENCED_TASK_TAG)),
            cmd_sn: CmdSn::new(bhs.get(field::CMD_SN)),
            exp_stat_sn: StatSn::new(bhs.get(field::EXP_STAT_SN)),
            ref_cmd_sn: CmdSn::new(bhs.get(field::REF_CMD_SN)),
            exp_data_sn: DataSn::new(bhs.get(field::EXP_DATA_SN)),
        })
    }

    /// Encodes into a zeroed header.
    pub fn encode(&self, bhs: &mut Bhs) {
        bhs.set(
            common::OPCODE,
            opcode_byte(Opcode::TaskMgmtRequest, self.immediate),
        );
        bhs.set(
            common::FLAGS,
            FINAL_BIT | (u8::from(self.function) & FUNCTION_MASK),
        );
        bhs.set(common::LUN, self.lun.0);
        bhs.set(common::ITT, self.itt.0);
        bhs.set(field::REFERENCED_TASK_TAG, self.referenced_task_tag.0);
        bhs.set(field::CMD_SN, self.cmd_sn.get());
        bhs.set(field::EXP_STAT_SN, self.exp_stat_sn.get());
        bhs.set(field::REF_CMD_SN, self.ref_cmd_sn.get());
        bhs.set(field::EXP_DATA_SN, self.exp_data_sn.get());
    }
}

/// Task Management Function Response.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct TaskMgmtResponse {
    /// The response code.
    pub response: TmfResponse,
    /// ITT of the request.
    pub itt: Itt,
    /// StatSN.
    pub stat_sn: StatSn,
    /// ExpCmdSN.
    pub exp_cmd_sn: CmdSn,
    /// MaxCmdSN.
    pub max_cmd_sn: CmdSn,
}

impl TaskMgmtResponse {
    /// Decodes the header.
    ///
    /// # Errors
    ///
    /// None beyond the opcode check; reserved bits are ignored.
    pub fn decode(bhs: &Bhs) -> Result<Self, DecodeError> {
        Ok(Self {
            response: TmfResponse::from(bhs.get(field::RESPONSE)),
            itt: bhs.itt(),
            stat_sn: StatSn::new(bhs.get(field::STAT_SN)),
            exp_cmd_sn: CmdSn::new(bhs.get(field::EXP_CMD_SN)),
            max_cmd_sn: CmdSn::new(bhs.get(field::MAX_CMD_SN)),
        })
    }

    /// Encodes into a zeroed header.
    pub fn encode(&self, bhs: &mut Bhs) {
        bhs.set(common::OPCODE, Opcode::TaskMgmtResponse as u8);
        bhs.set(common::FLAGS, FINAL_BIT);
        bhs.set(field::RESPONSE, u8::from(self.response));
        bhs.set(common::ITT, self.itt.0);
        bhs.set(field::STAT_SN, self.stat_sn.get());
        bhs.set(field::EXP_CMD_SN, self.exp_cmd_sn.get());
        bhs.set(field::MAX_CMD_SN, self.max_cmd_sn.get());
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
    const TMF_REQUEST: [u8; 48] = [
        0x42,                   // I=1, opcode 0x02 TMF Request
        0x81,                   // bit 7 set, Function 1: ABORT TASK
        0x00, 0x00,             // reserved
        0x00,                   // TotalAHSLength 0
        0x00, 0x00, 0x00,       // DataSegmentLength 0
        0x00, 0x01, 0, 0, 0, 0, 0, 0, // LUN 1
        0x00, 0x00, 0x00, 0x30, // ITT 0x30
        0x00, 0x00, 0x00, 0x2a, // Referenced Task Tag 0x2a
        0x00, 0x00, 0x00, 0x08, // CmdSN 8
        0x00, 0x00, 0x00, 0x0b, // ExpStatSN 11
        0x00, 0x00, 0x00, 0x05, // RefCmdSN 5
        0x00, 0x00, 0x00, 0x00, // ExpDataSN 0
        0, 0, 0, 0, 0, 0, 0, 0, // reserved
    ];

    #[rustfmt::skip]
    const TMF_RESPONSE: [u8; 48] = [
        0x22,                   // opcode 0x22 TMF Response
        0x80,                   // bit 7 set
        0x01,                   // Response 1: task does not exist
        0x00,                   // reserved
        0x00,                   // TotalAHSLength 0
        0x00, 0x00, 0x00,       // DataSegmentLength 0
        0, 0, 0, 0, 0, 0, 0, 0, // reserved
        0x00, 0x00, 0x00, 0x30, // ITT 0x30
        0x00, 0x00, 0x00, 0x00, // reserved
        0x00, 0x00, 0x00, 0x0b, // StatSN 11
        0x00, 0x00, 0x00, 0x08, // ExpCmdSN 8
        0x00, 0x00, 0x00, 0x28, // MaxCmdSN 40
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // reserved
    ];

    #[test]
    fn tmf_request_vector() {
        let h = TaskMgmtRequest {
            immediate: true,
            function: TmfFunction::AbortTask,
            lun: Lun::from_index(1).unwrap(),
            itt: Itt(0x30),
            referenced_task_tag: Itt(0x2a),
            cmd_sn: CmdSn::new(8),
            exp_stat_sn: StatSn::new(11),
            ref_cmd_sn: CmdSn::new(5),
            exp_data_sn: DataSn::new(0),
        };
        check_vector(Header::TaskMgmtRequest(h), &TMF_REQUEST);
    }

    #[test]
    fn tmf_response_vector() {
        let h = TaskMgmtResponse {
            response: TmfResponse::TaskDoesNotExist,
            itt: Itt(0x30),
            stat_sn: StatSn::new(11),
            exp_cmd_sn: CmdSn::new(8),
            max_cmd_sn: CmdSn::new(40),
        };
        check_vector(Header::TaskMgmtResponse(h), &TMF_RESPONSE);
    }

    #[test]
    fn reserved_bits_ignored_on_receipt() {
        let mut reserved = vec![(1, 0x80), (2, 0xff), (3, 0xff)];
        reserved.extend((40..48).map(|i| (i, 0xff)));
        check_reserved_ignored(&TMF_REQUEST, &reserved);
        let mut reserved = vec![(1, 0x7f), (3, 0xff)];
        reserved.extend((8..16).chain(20..24).chain(36..48).map(|i| (i, 0xff)));
        check_reserved_ignored(&TMF_RESPONSE, &reserved);
    }

    #[test]
    fn unknown_codes_are_kept() {
        let mut raw = TMF_REQUEST;
        raw[1] = 0x80 | 0x7e;
        let Header::TaskMgmtRequest(h) = decode_raw(raw).unwrap() else {
            panic!()
        };
        assert_eq!(h.function, TmfFunction::Unknown(0x7e));
        let mut raw = TMF_RESPONSE;
        raw[2] = 0x42;
        let Header::TaskMgmtResponse(h) = decode_raw(raw).unwrap() else {
            panic!()
        };
        assert_eq!(h.response, TmfResponse::Unknown(0x42));
    }
}
