//! Asynchronous Message (RFC 7143 §11.9).
//!
//! ```text
//! 0     0x32  1  1|reserved  2-3 reserved
//! 4     TotalAHSLength, DSL
//! 8-15  LUN or reserved
//! 16-19 0xffffffff
//! 20-23 reserved
//! 24-27 StatSN
//! 28-31 ExpCmdSN
//! 32-35 MaxCmdSN
//! 36    AsyncEvent   37 AsyncVCode
//! 38-39 Parameter1 or reserved
//! 40-41 Parameter2 or reserved
//! 42-43 Parameter3 or reserved
//! 44-47 reserved
//! ```
//!
//! The data segment carries sense data (for a SCSI event) and iSCSI event data. Bytes
//! 16-19 hold 0xffffffff (there is no task); the field is kept as received, so a round
//! trip preserves it, and the decoder does not reject another value.

use crate::wire::{
    AsyncEvent, Bhs, CmdSn, DecodeError, Itt, Lun, Opcode, StatSn,
    bhs::{FINAL_BIT, field as common},
};

mod field {
    use crate::wire::bhs::Field;

    pub(super) const STAT_SN: Field<u32> = Field::at(24);
    pub(super) const EXP_CMD_SN: Field<u32> = Field::at(28);
    pub(super) const MAX_CMD_SN: Field<u32> = Field::at(32);
    pub(super) const ASYNC_EVENT: Field<u8> = Field::at(36);
    pub(super) const ASYNC_VCODE: Field<u8> = Field::at(37);
    pub(super) const PARAMETER1: Field<u16> = Field::at(38);
    pub(super) const PARAMETER2: Field<u16> = Field::at(40);
    pub(super) const PARAMETER3: Field<u16> = Field::at(42);
}

/// Asynchronous Message: an event the target reports on its own.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct AsyncMessage {
    /// LUN, for a SCSI event or a task termination.
    pub lun: Lun,
    /// The ITT field: [`Itt::RESERVED`] from a conforming target.
    pub itt: Itt,
    /// StatSN.
    pub stat_sn: StatSn,
    /// ExpCmdSN.
    pub exp_cmd_sn: CmdSn,
    /// MaxCmdSN.
    pub max_cmd_sn: CmdSn,
    /// AsyncEvent.
    pub event: AsyncEvent,
    /// AsyncVCode: vendor-specific detail for [`AsyncEvent::VendorSpecific`].
    pub vcode: u8,
    /// Parameter1: the CID for a connection drop.
    pub parameter1: u16,
    /// Parameter2: Time2Wait for a connection or session drop.
    pub parameter2: u16,
    /// Parameter3: Time2Retain for a drop; the deadline in seconds for a logout or
    /// negotiation request.
    pub parameter3: u16,
}

impl AsyncMessage {
    /// Decodes the header.
    ///
    /// # Errors
    ///
    /// None beyond the opcode check; reserved bits are ignored and an unknown AsyncEvent
    /// is kept for the session to reject.
    pub fn decode(bhs: &Bhs) -> Result<Self, DecodeError> {
        Ok(Self {
            lun: Lun(bhs.get(common::LUN)),
            itt: bhs.itt(),
            stat_sn: StatSn::new(bhs.get(field::STAT_SN)),
            exp_cmd_sn: CmdSn::new(bhs.get(field::EXP_CMD_SN)),
            max_cmd_sn: CmdSn::new(bhs.get(field::MAX_CMD_SN)),
            event: AsyncEvent::from(bhs.get(field::ASYNC_EVENT)),
            vcode: bhs.get(field::ASYNC_VCODE),
            parameter1: bhs.get(field::PARAMETER1),
            parameter2: bhs.get(field::PARAMETER2),
            parameter3: bhs.get(field::PARAMETER3),
        })
    }

    /// Encodes into a zeroed header.
    pub fn encode(&self, bhs: &mut Bhs) {
        bhs.set(common::OPCODE, Opcode::AsyncMessage as u8);
        bhs.set(common::FLAGS, FINAL_BIT);
        bhs.set(common::LUN, self.lun.0);
        bhs.set(common::ITT, self.itt.0);
        bhs.set(field::STAT_SN, self.stat_sn.get());
        bhs.set(field::EXP_CMD_SN, self.exp_cmd_sn.get());
        bhs.set(field::MAX_CMD_SN, self.max_cmd_sn.get());
        bhs.set(field::ASYNC_EVENT, u8::from(self.event));
        bhs.set(field::ASYNC_VCODE, self.vcode);
        bhs.set(field::PARAMETER1, self.parameter1);
        bhs.set(field::PARAMETER2, self.parameter2);
        bhs.set(field::PARAMETER3, self.parameter3);
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
    const ASYNC_MESSAGE: [u8; 48] = [
        0x32,                   // opcode 0x32 Asynchronous Message
        0x80,                   // bit 7 set
        0x00, 0x00,             // reserved
        0x00,                   // TotalAHSLength 0
        0x00, 0x00, 0x00,       // DataSegmentLength 0
        0, 0, 0, 0, 0, 0, 0, 0, // LUN 0
        0xff, 0xff, 0xff, 0xff, // 0xffffffff
        0x00, 0x00, 0x00, 0x00, // reserved
        0x00, 0x00, 0x00, 0x15, // StatSN 21
        0x00, 0x00, 0x00, 0x09, // ExpCmdSN 9
        0x00, 0x00, 0x00, 0x29, // MaxCmdSN 41
        0x02,                   // AsyncEvent 2: connection drop
        0x00,                   // AsyncVCode 0
        0x00, 0x01,             // Parameter1: CID 1
        0x00, 0x02,             // Parameter2: Time2Wait 2
        0x00, 0x14,             // Parameter3: Time2Retain 20
        0x00, 0x00, 0x00, 0x00, // reserved
    ];

    #[test]
    fn async_message_vector() {
        let h = AsyncMessage {
            lun: Lun::default(),
            itt: Itt::RESERVED,
            stat_sn: StatSn::new(21),
            exp_cmd_sn: CmdSn::new(9),
            max_cmd_sn: CmdSn::new(41),
            event: AsyncEvent::ConnectionDrop,
            vcode: 0,
            parameter1: 1,
            parameter2: 2,
            parameter3: 20,
        };
        check_vector(Header::AsyncMessage(h), &ASYNC_MESSAGE);
        assert_eq!(Header::AsyncMessage(h).itt(), Itt::RESERVED);
    }

    #[test]
    fn reserved_bits_ignored_on_receipt() {
        let mut reserved = vec![(0, 0x40), (1, 0x7f), (2, 0xff), (3, 0xff)];
        reserved.extend((20..24).chain(44..48).map(|i| (i, 0xff)));
        check_reserved_ignored(&ASYNC_MESSAGE, &reserved);
    }

    #[test]
    fn unknown_event_is_kept() {
        let mut raw = ASYNC_MESSAGE;
        raw[36] = 0x09;
        let Header::AsyncMessage(h) = decode_raw(raw).unwrap() else {
            panic!()
        };
        assert_eq!(h.event, AsyncEvent::Unknown(9));
    }
}
