//! Reject (RFC 7143 §11.17).
//!
//! ```text
//! 0     0x3f  1  1|reserved  2 Reason  3 reserved
//! 4     TotalAHSLength, DSL
//! 8-15  reserved
//! 16-19 0xffffffff
//! 20-23 reserved
//! 24-27 StatSN
//! 28-31 ExpCmdSN
//! 32-35 MaxCmdSN
//! 36-39 DataSN/R2TSN or reserved
//! 40-47 reserved
//! ```
//!
//! The data segment carries the complete header of the rejected PDU (read it with
//! [`Reject::rejected_bhs`]), then vendor-specific data; the task is found from the
//! rejected header's ITT. Bytes 16-19 of the Reject itself hold 0xffffffff; the field is
//! kept as received, so a round trip preserves it, and the decoder does not reject
//! another value.

use crate::wire::{
    Bhs, CmdSn, DecodeError, Itt, Opcode, RejectReason, StatSn,
    bhs::{FINAL_BIT, field as common},
};

mod field {
    use crate::wire::bhs::Field;

    pub(super) const REASON: Field<u8> = Field::at(2);
    pub(super) const STAT_SN: Field<u32> = Field::at(24);
    pub(super) const EXP_CMD_SN: Field<u32> = Field::at(28);
    pub(super) const MAX_CMD_SN: Field<u32> = Field::at(32);
    pub(super) const DATA_SN_OR_R2T_SN: Field<u32> = Field::at(36);
}

/// Reject: the target refuses a PDU.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Reject {
    /// Reason.
    pub reason: RejectReason,
    /// The ITT field: [`Itt::RESERVED`] from a conforming target.
    pub itt: Itt,
    /// StatSN.
    pub stat_sn: StatSn,
    /// ExpCmdSN.
    pub exp_cmd_sn: CmdSn,
    /// MaxCmdSN.
    pub max_cmd_sn: CmdSn,
    /// DataSN/R2TSN: for a rejected Data/R2T SNACK with reason protocol error, the next
    /// DataSN or R2TSN the target would send (which one depends on the rejected SNACK);
    /// zero otherwise.
    pub data_sn_or_r2t_sn: u32,
}

impl Reject {
    /// Decodes the header.
    ///
    /// # Errors
    ///
    /// None beyond the opcode check; reserved bits are ignored and an unknown reason is
    /// kept.
    pub fn decode(bhs: &Bhs) -> Result<Self, DecodeError> {
        Ok(Self {
            reason: RejectReason::from(bhs.get(field::REASON)),
            itt: bhs.itt(),
            stat_sn: StatSn::new(bhs.get(field::STAT_SN)),
            exp_cmd_sn: CmdSn::new(bhs.get(field::EXP_CMD_SN)),
            max_cmd_sn: CmdSn::new(bhs.get(field::MAX_CMD_SN)),
            data_sn_or_r2t_sn: bhs.get(field::DATA_SN_OR_R2T_SN),
        })
    }

    /// Encodes into a zeroed header.
    pub fn encode(&self, bhs: &mut Bhs) {
        bhs.set(common::OPCODE, Opcode::Reject as u8);
        bhs.set(common::FLAGS, FINAL_BIT);
        bhs.set(field::REASON, u8::from(self.reason));
        bhs.set(common::ITT, self.itt.0);
        bhs.set(field::STAT_SN, self.stat_sn.get());
        bhs.set(field::EXP_CMD_SN, self.exp_cmd_sn.get());
        bhs.set(field::MAX_CMD_SN, self.max_cmd_sn.get());
        bhs.set(field::DATA_SN_OR_R2T_SN, self.data_sn_or_r2t_sn);
    }

    /// The rejected PDU's header, from the start of a Reject's data segment. Decode it
    /// further with [`crate::wire::Header::decode`] or just read its opcode and ITT.
    ///
    /// # Errors
    ///
    /// [`DecodeError::Truncated`] when the data segment is shorter than a header.
    pub fn rejected_bhs(data: &[u8]) -> Result<Bhs, DecodeError> {
        Bhs::decode(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{
        Header, Pdu,
        pdu::{
            NopOut,
            test_util::{check_reserved_ignored, check_vector},
        },
    };
    use bytes::Bytes;

    #[rustfmt::skip]
    const REJECT: [u8; 48] = [
        0x3f,                   // opcode 0x3f Reject
        0x80,                   // bit 7 set
        0x09,                   // Reason 0x09: invalid PDU field
        0x00,                   // reserved
        0x00,                   // TotalAHSLength 0
        0x00, 0x00, 0x00,       // DataSegmentLength 0
        0, 0, 0, 0, 0, 0, 0, 0, // reserved
        0xff, 0xff, 0xff, 0xff, // 0xffffffff
        0x00, 0x00, 0x00, 0x00, // reserved
        0x00, 0x00, 0x00, 0x16, // StatSN 22
        0x00, 0x00, 0x00, 0x0a, // ExpCmdSN 10
        0x00, 0x00, 0x00, 0x2a, // MaxCmdSN 42
        0x00, 0x00, 0x00, 0x00, // DataSN/R2TSN 0
        0, 0, 0, 0, 0, 0, 0, 0, // reserved
    ];

    fn reject() -> Reject {
        Reject {
            reason: RejectReason::InvalidPduField,
            itt: Itt::RESERVED,
            stat_sn: StatSn::new(22),
            exp_cmd_sn: CmdSn::new(10),
            max_cmd_sn: CmdSn::new(42),
            data_sn_or_r2t_sn: 0,
        }
    }

    #[test]
    fn reject_vector() {
        check_vector(Header::Reject(reject()), &REJECT);
    }

    #[test]
    fn reserved_bits_ignored_on_receipt() {
        let mut reserved = vec![(0, 0x40), (1, 0x7f), (3, 0xff)];
        reserved.extend((8..16).chain(20..24).chain(40..48).map(|i| (i, 0xff)));
        check_reserved_ignored(&REJECT, &reserved);
    }

    #[test]
    fn data_segment_carries_the_rejected_header() {
        let rejected = NopOut {
            immediate: false,
            lun: crate::wire::Lun::default(),
            itt: Itt(0x99),
            ttt: crate::wire::Ttt::RESERVED,
            cmd_sn: CmdSn::new(3),
            exp_stat_sn: StatSn::new(4),
        };
        let bhs = Header::NopOut(rejected).encode();
        let pdu = Pdu::new(reject(), Bytes::copy_from_slice(bhs.as_bytes()));
        let mut wire = Vec::new();
        pdu.encode(&mut wire).unwrap();
        let (back, _) = Pdu::decode_bytes(&Bytes::from(wire)).unwrap();
        let inner = Reject::rejected_bhs(&back.data).unwrap();
        assert_eq!(inner.opcode(), Ok(Opcode::NopOut));
        assert_eq!(inner.itt(), Itt(0x99));
        assert_eq!(Header::decode(&inner), Ok(Header::NopOut(rejected)));
        assert!(matches!(
            Reject::rejected_bhs(&[0; 47]),
            Err(DecodeError::Truncated { .. })
        ));
    }
}
