//! Identifier newtypes (RFC 7143 §11.2.1.8, §11.12.5, §11.12.6, SAM-5 LUN formats), so a
//! task tag cannot be passed where a transfer tag is expected.

use std::fmt;

/// Initiator Task Tag (RFC 7143 §11.2.1.8).
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct Itt(pub u32);

impl Itt {
    /// The reserved tag 0xffffffff: never assigned to a task; used by a NOP-Out that wants
    /// no answer and by an unsolicited NOP-In (RFC 7143 §11.18, §11.19).
    pub const RESERVED: Self = Self(0xffff_ffff);

    /// Whether this is the reserved value.
    pub fn is_reserved(self) -> bool {
        self == Self::RESERVED
    }
}

/// Target Transfer Tag (RFC 7143 §11.7.4, §11.8.4).
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct Ttt(pub u32);

impl Ttt {
    /// The reserved tag 0xffffffff: "no transfer tag" (unsolicited data, informational
    /// NOP-In, a new text exchange).
    pub const RESERVED: Self = Self(0xffff_ffff);

    /// Whether this is the reserved value.
    pub fn is_reserved(self) -> bool {
        self == Self::RESERVED
    }
}

/// Target Session Identifying Handle (RFC 7143 §11.12.6). Zero on a leading login.
#[derive(Clone, Copy, Debug, Default, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct Tsih(pub u16);

impl Tsih {
    /// The value for a new session or a session reinstatement.
    pub const NEW: Self = Self(0);
}

/// Connection ID (RFC 7143 §11.12.7).
#[derive(Clone, Copy, Debug, Default, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct Cid(pub u16);

/// A logical unit number in the 8-byte SAM format, kept as the raw bytes.
///
/// [`Lun::from_index`] builds the forms initiators use for single-level LUNs: peripheral
/// device addressing for 0–255 and flat space addressing for 256–16383.
#[derive(Clone, Copy, Default, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct Lun(pub [u8; 8]);

impl Lun {
    /// The largest LUN index [`Lun::from_index`] accepts (14-bit flat space).
    pub const MAX_INDEX: u16 = 0x3fff;

    /// Address method bits for flat space addressing (SAM-5 §4.7.7).
    const FLAT_SPACE: u8 = 0x40;

    /// The SAM encoding of a single-level LUN, or `None` above [`Lun::MAX_INDEX`].
    pub fn from_index(index: u16) -> Option<Self> {
        let [hi, lo] = index.to_be_bytes();
        match index {
            0..=0xff => Some(Self([0, lo, 0, 0, 0, 0, 0, 0])),
            0x100..=Self::MAX_INDEX => Some(Self([Self::FLAT_SPACE | hi, lo, 0, 0, 0, 0, 0, 0])),
            _ => None,
        }
    }

    /// The single-level LUN index for the peripheral and flat space forms, `None` for
    /// other address methods or multi-level LUNs.
    pub fn index(self) -> Option<u16> {
        let [b0, b1, rest @ ..] = self.0;
        if rest != [0; 6] {
            return None;
        }
        match b0 >> 6 {
            0b00 if b0 == 0 => Some(u16::from(b1)),
            0b01 => Some(u16::from_be_bytes([b0 & 0x3f, b1])),
            _ => None,
        }
    }
}

impl fmt::Debug for Lun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.index() {
            Some(i) => write!(f, "Lun({i})"),
            None => write!(f, "Lun({:02x?})", self.0),
        }
    }
}

/// ISID type, the top two bits of the ISID (RFC 7143 §11.12.5).
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum IsidType {
    /// 00b: OUI format (A and B hold an IEEE OUI, C and D a qualifier).
    Oui,
    /// 01b: IANA enterprise number format.
    En,
    /// 10b: random format (B and C random, D a qualifier).
    Random,
    /// 11b: reserved.
    Reserved,
}

/// Initiator Session ID: 6 bytes, T(2 bits) A(6 bits) B(16) C(8) D(16) (RFC 7143 §11.12.5).
#[derive(Clone, Copy, Debug, Default, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct Isid(pub [u8; 6]);

impl Isid {
    /// An ISID of the random type: `random` fills B and C (24 bits, the top byte of the
    /// `u32` is ignored), `qualifier` is D.
    pub fn random(random: u32, qualifier: u16) -> Self {
        let [_, b0, b1, c] = random.to_be_bytes();
        let [d0, d1] = qualifier.to_be_bytes();
        Self([0x80, b0, b1, c, d0, d1])
    }

    /// The ISID type.
    pub fn kind(self) -> IsidType {
        match self.0[0] >> 6 {
            0 => IsidType::Oui,
            1 => IsidType::En,
            2 => IsidType::Random,
            _ => IsidType::Reserved,
        }
    }

    /// The qualifier, field D.
    pub fn qualifier(self) -> u16 {
        u16::from_be_bytes([self.0[4], self.0[5]])
    }
}

impl fmt::Display for Isid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lun_peripheral_and_flat() {
        assert_eq!(Lun::from_index(0).unwrap().0, [0; 8]);
        assert_eq!(Lun::from_index(1).unwrap().0, [0, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(Lun::from_index(255).unwrap().0, [0, 0xff, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            Lun::from_index(256).unwrap().0,
            [0x41, 0x00, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            Lun::from_index(16383).unwrap().0,
            [0x7f, 0xff, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(Lun::from_index(16384), None);
        for i in [0, 1, 7, 255, 256, 1000, 16383] {
            assert_eq!(Lun::from_index(i).unwrap().index(), Some(i));
        }
        // Multi-level and other address methods have no single index.
        assert_eq!(Lun([0, 1, 0, 2, 0, 0, 0, 0]).index(), None);
        assert_eq!(Lun([0x81, 1, 0, 0, 0, 0, 0, 0]).index(), None);
    }

    #[test]
    fn isid_random() {
        let isid = Isid::random(0x00ab_cdef, 0x1234);
        assert_eq!(isid.0, [0x80, 0xab, 0xcd, 0xef, 0x12, 0x34]);
        assert_eq!(isid.kind(), IsidType::Random);
        assert_eq!(isid.qualifier(), 0x1234);
        assert_eq!(isid.to_string(), "80abcdef1234");
    }

    #[test]
    fn reserved_tags() {
        assert!(Itt::RESERVED.is_reserved());
        assert!(!Itt(0).is_reserved());
        assert!(Ttt(0xffff_ffff).is_reserved());
    }
}
