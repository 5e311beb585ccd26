//! SNACK Request (RFC 7143 §11.16).
//!
//! ```text
//! 0     .|.|0x10  1  1|.|.|.|Type (4 bits)  2-3 reserved
//! 4     TotalAHSLength, DSL
//! 8-15  LUN or reserved
//! 16-19 ITT or 0xffffffff
//! 20-23 TTT or SNACK Tag or 0xffffffff
//! 24-27 reserved
//! 28-31 ExpStatSN
//! 32-39 reserved
//! 40-43 BegRun
//! 44-47 RunLength
//! ```
//!
//! SNACK is for ErrorRecoveryLevel ≥ 1; an ERL 0 initiator never sends one but still
//! decodes it (for the test target and for tools).

use crate::wire::{
    Bhs, DecodeError, Itt, Lun, Opcode, SnackType, StatSn, Ttt,
    bhs::{FINAL_BIT, field as common},
};

mod field {
    use crate::wire::bhs::Field;

    pub(super) const TTT_OR_SNACK_TAG: Field<u32> = Field::at(20);
    pub(super) const EXP_STAT_SN: Field<u32> = Field::at(28);
    pub(super) const BEG_RUN: Field<u32> = Field::at(40);
    pub(super) const RUN_LENGTH: Field<u32> = Field::at(44);
}

/// Byte 1: the SNACK type, bits 0-3.
const TYPE_MASK: u8 = 0x0f;

/// SNACK Request: asks the target to resend numbered responses, or acknowledges data.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct SnackRequest {
    /// Type.
    pub snack_type: SnackType,
    /// LUN; for a DataACK, copied from the Data-In with the A bit.
    pub lun: Lun,
    /// ITT of the task, or [`Itt::RESERVED`] for a status SNACK.
    pub itt: Itt,
    /// TTT (DataACK, copied from the Data-In), SNACK Tag (R-Data SNACK) or
    /// [`Ttt::RESERVED`].
    pub ttt: Ttt,
    /// ExpStatSN.
    pub exp_stat_sn: StatSn,
    /// BegRun: the first DataSN, R2TSN or StatSN to resend or acknowledge.
    pub beg_run: u32,
    /// RunLength: how many; 0 means "all from BegRun".
    pub run_length: u32,
}

impl SnackRequest {
    /// Decodes the header.
    ///
    /// # Errors
    ///
    /// [`DecodeError::InvalidField`] `"RunLength"` when a DataACK or R-Data SNACK has a
    /// non-zero RunLength (RFC 7143 §11.16.7: RunLength "MUST also be 0 for a DataACK
    /// SNACK in addition to R-Data SNACK").
    pub fn decode(bhs: &Bhs) -> Result<Self, DecodeError> {
        let snack = Self {
            snack_type: SnackType::from(bhs.flags() & TYPE_MASK),
            lun: Lun(bhs.get(common::LUN)),
            itt: bhs.itt(),
            ttt: Ttt(bhs.get(field::TTT_OR_SNACK_TAG)),
            exp_stat_sn: StatSn::new(bhs.get(field::EXP_STAT_SN)),
            beg_run: bhs.get(field::BEG_RUN),
            run_length: bhs.get(field::RUN_LENGTH),
        };
        if matches!(snack.snack_type, SnackType::DataAck | SnackType::RData)
            && snack.run_length != 0
        {
            return Err(DecodeError::InvalidField {
                opcode: Opcode::SnackRequest,
                field: "RunLength",
            });
        }
        Ok(snack)
    }

    /// Encodes into a zeroed header.
    pub fn encode(&self, bhs: &mut Bhs) {
        bhs.set(common::OPCODE, Opcode::SnackRequest as u8);
        bhs.set(
            common::FLAGS,
            FINAL_BIT | (u8::from(self.snack_type) & TYPE_MASK),
        );
        bhs.set(common::LUN, self.lun.0);
        bhs.set(common::ITT, self.itt.0);
        bhs.set(field::TTT_OR_SNACK_TAG, self.ttt.0);
        bhs.set(field::EXP_STAT_SN, self.exp_stat_sn.get());
        bhs.set(field::BEG_RUN, self.beg_run);
        bhs.set(field::RUN_LENGTH, self.run_length);
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
    const SNACK: [u8; 48] = [
        0x10,                   // opcode 0x10 SNACK Request
        0x80,                   // bit 7 set, Type 0: Data/R2T SNACK
        0x00, 0x00,             // reserved
        0x00,                   // TotalAHSLength 0
        0x00, 0x00, 0x00,       // DataSegmentLength 0
        0x00, 0x01, 0, 0, 0, 0, 0, 0, // LUN 1
        0x00, 0x00, 0x00, 0x2a, // ITT 0x2a
        0xff, 0xff, 0xff, 0xff, // TTT reserved
        0x00, 0x00, 0x00, 0x00, // reserved
        0x00, 0x00, 0x00, 0x0b, // ExpStatSN 11
        0, 0, 0, 0, 0, 0, 0, 0, // reserved
        0x00, 0x00, 0x00, 0x03, // BegRun 3
        0x00, 0x00, 0x00, 0x02, // RunLength 2
    ];

    #[test]
    fn snack_vector() {
        let h = SnackRequest {
            snack_type: SnackType::DataR2t,
            lun: Lun::from_index(1).unwrap(),
            itt: Itt(0x2a),
            ttt: Ttt::RESERVED,
            exp_stat_sn: StatSn::new(11),
            beg_run: 3,
            run_length: 2,
        };
        check_vector(Header::SnackRequest(h), &SNACK);
    }

    #[test]
    fn reserved_bits_ignored_on_receipt() {
        let mut reserved = vec![(0, 0x40), (1, 0x70), (2, 0xff), (3, 0xff)];
        reserved.extend((24..28).chain(32..40).map(|i| (i, 0xff)));
        check_reserved_ignored(&SNACK, &reserved);
    }

    #[test]
    fn data_ack_with_run_length_is_a_format_error() {
        for snack_type in [2u8, 3] {
            let mut raw = SNACK;
            raw[1] = 0x80 | snack_type;
            assert_eq!(
                decode_raw(raw),
                Err(DecodeError::InvalidField {
                    opcode: Opcode::SnackRequest,
                    field: "RunLength"
                })
            );
            raw[44..48].copy_from_slice(&[0; 4]);
            assert!(decode_raw(raw).is_ok());
        }
    }
}
