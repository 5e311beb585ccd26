//! The 48-byte Basic Header Segment (RFC 7143 §11.2.1) and its common fields.
//!
//! ```text
//! byte   0        1        2        3
//!      +--------+--------+--------+--------+
//!    0 |.|I| op |F| flags|   opcode-specific|
//!      +--------+--------+--------+--------+
//!    4 |TotalAHS| DataSegmentLength (24)   |
//!      +--------+--------+--------+--------+
//!    8 | LUN or opcode-specific (8 bytes)  |
//!      +--------+--------+--------+--------+
//!   16 | Initiator Task Tag                |
//!      +--------+--------+--------+--------+
//!   20 | opcode-specific fields (28 bytes) |
//!      +--------+--------+--------+--------+
//! ```
//!
//! Every offset is a named [`Field`]; opcode-specific offsets live in each `pdu/*.rs` file's
//! own `mod field`. A [`Field`] is checked against the header size when the constant is
//! built, so the accessors below cannot index out of bounds.

use std::marker::PhantomData;

use super::{DecodeError, Itt, Opcode};

/// Length of the Basic Header Segment.
pub const BHS_LEN: usize = 48;

/// A big-endian field holding a `V` at a fixed offset inside the BHS.
pub(crate) struct Field<V>(usize, PhantomData<V>);

impl<V: FieldValue> Field<V> {
    /// A field at `offset`; fails to compile when used in a `const` past the header end.
    pub(crate) const fn at(offset: usize) -> Self {
        assert!(
            offset + V::LEN <= BHS_LEN,
            "BHS field past the end of the header"
        );
        Self(offset, PhantomData)
    }
}

impl<V> Clone for Field<V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<V> Copy for Field<V> {}

/// Named offsets shared by every opcode.
pub(crate) mod field {
    use super::{Field, U24};

    /// Byte 0: bit 6 is the I (immediate) bit, bits 0–5 the opcode.
    pub(crate) const OPCODE: Field<u8> = Field::at(0);
    /// Byte 1: bit 7 is the F (final) bit; the rest is opcode-specific.
    pub(crate) const FLAGS: Field<u8> = Field::at(1);
    /// TotalAHSLength, in 4-byte words.
    pub(crate) const TOTAL_AHS_LENGTH: Field<u8> = Field::at(4);
    /// DataSegmentLength, 24 bits, excluding padding.
    pub(crate) const DATA_SEGMENT_LENGTH: Field<U24> = Field::at(5);
    /// LUN, or opcode-specific (8 bytes).
    pub(crate) const LUN: Field<[u8; 8]> = Field::at(8);
    /// Initiator Task Tag.
    pub(crate) const ITT: Field<u32> = Field::at(16);
}

/// Bit of byte 0 marking immediate delivery.
pub(crate) const IMMEDIATE_BIT: u8 = 0x40;
/// Bit of byte 1 marking the final PDU of a sequence.
pub(crate) const FINAL_BIT: u8 = 0x80;

/// A Basic Header Segment: 48 bytes, owned. Copying it costs nothing next to a syscall, and
/// owning it means no accessor has to re-check a length.
#[derive(Clone, Copy, Eq, PartialEq)]
pub struct Bhs([u8; BHS_LEN]);

impl Bhs {
    /// An all-zero header, the starting point for encoding (reserved fields stay zero).
    pub const fn zeroed() -> Self {
        Self([0; BHS_LEN])
    }

    /// Wraps 48 bytes.
    pub const fn from_bytes(bytes: [u8; BHS_LEN]) -> Self {
        Self(bytes)
    }

    /// Reads the first 48 bytes of `src`.
    ///
    /// # Errors
    ///
    /// [`DecodeError::Truncated`] when `src` is shorter than 48 bytes.
    pub fn decode(src: &[u8]) -> Result<Self, DecodeError> {
        src.first_chunk::<BHS_LEN>()
            .map(|bytes| Self(*bytes))
            .ok_or(DecodeError::Truncated {
                needed: BHS_LEN,
                available: src.len(),
            })
    }

    /// The raw bytes.
    pub const fn as_bytes(&self) -> &[u8; BHS_LEN] {
        &self.0
    }

    /// The opcode.
    ///
    /// # Errors
    ///
    /// [`DecodeError::UnknownOpcode`] for a value RFC 7143 does not define.
    pub fn opcode(&self) -> Result<Opcode, DecodeError> {
        Opcode::try_from(self.get(field::OPCODE))
    }

    /// The I bit: immediate delivery.
    pub fn is_immediate(&self) -> bool {
        self.get(field::OPCODE) & IMMEDIATE_BIT != 0
    }

    /// The F bit: the final PDU of a sequence.
    pub fn is_final(&self) -> bool {
        self.get(field::FLAGS) & FINAL_BIT != 0
    }

    /// Byte 1 whole: the F bit and the opcode-specific flags.
    pub fn flags(&self) -> u8 {
        self.get(field::FLAGS)
    }

    /// TotalAHSLength in 4-byte words.
    pub fn total_ahs_length(&self) -> u8 {
        self.get(field::TOTAL_AHS_LENGTH)
    }

    /// TotalAHSLength in bytes.
    pub fn ahs_bytes(&self) -> usize {
        usize::from(self.total_ahs_length()) * 4
    }

    /// DataSegmentLength in bytes, excluding padding.
    pub fn data_segment_length(&self) -> u32 {
        self.get(field::DATA_SEGMENT_LENGTH).0
    }

    /// The Initiator Task Tag.
    pub fn itt(&self) -> Itt {
        Itt(self.get(field::ITT))
    }

    /// Reads a field.
    pub(crate) fn get<V: FieldValue>(&self, field: Field<V>) -> V {
        // `Field::at` guarantees offset + LEN <= BHS_LEN, so the range is always in bounds;
        // `get` keeps the indexing lint satisfied and the empty fallback is unreachable.
        V::read(self.0.get(field.0..field.0 + V::LEN).unwrap_or_default())
    }

    /// Writes a field.
    pub(crate) fn set<V: FieldValue>(&mut self, field: Field<V>, value: V) {
        // Same invariant as `get`.
        if let Some(dst) = self.0.get_mut(field.0..field.0 + V::LEN) {
            value.write(dst);
        }
    }
}

impl Default for Bhs {
    fn default() -> Self {
        Self::zeroed()
    }
}

impl std::fmt::Debug for Bhs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bhs(")?;
        for (i, b) in self.0.iter().enumerate() {
            if i > 0 && i % 4 == 0 {
                write!(f, " ")?;
            }
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

/// A 24-bit unsigned value (DataSegmentLength). The top byte is dropped on write, so
/// callers check the value fits first.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) struct U24(pub(crate) u32);

/// A value stored big-endian in a header field of `LEN` bytes.
pub(crate) trait FieldValue: Sized {
    /// Width in bytes.
    const LEN: usize;
    /// Reads from exactly `LEN` bytes (a shorter slice reads as zero-extended).
    fn read(src: &[u8]) -> Self;
    /// Writes into exactly `LEN` bytes.
    fn write(self, dst: &mut [u8]);
}

/// Copies `src` right-aligned into an `N`-byte array.
fn be_array<const N: usize>(src: &[u8]) -> [u8; N] {
    let mut out = [0; N];
    if let Some(dst) = out.get_mut(N.saturating_sub(src.len())..) {
        let take = dst.len().min(src.len());
        if let (Some(d), Some(s)) = (dst.get_mut(..take), src.get(src.len() - take..)) {
            d.copy_from_slice(s);
        }
    }
    out
}

macro_rules! int_field {
    ($($ty:ty),+) => {$(
        impl FieldValue for $ty {
            const LEN: usize = std::mem::size_of::<$ty>();
            fn read(src: &[u8]) -> Self {
                Self::from_be_bytes(be_array(src))
            }
            fn write(self, dst: &mut [u8]) {
                dst.copy_from_slice(&self.to_be_bytes());
            }
        }
    )+};
}
int_field!(u8, u16, u32, u64);

impl FieldValue for U24 {
    const LEN: usize = 3;
    fn read(src: &[u8]) -> Self {
        Self(u32::from_be_bytes(be_array(src)))
    }
    fn write(self, dst: &mut [u8]) {
        let [_, a, b, c] = self.0.to_be_bytes();
        dst.copy_from_slice(&[a, b, c]);
    }
}

impl<const N: usize> FieldValue for [u8; N] {
    const LEN: usize = N;
    fn read(src: &[u8]) -> Self {
        be_array(src)
    }
    fn write(self, dst: &mut [u8]) {
        dst.copy_from_slice(&self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_fields() {
        let mut raw = [0u8; BHS_LEN];
        raw[0] = 0x40 | 0x01; // I bit + SCSI Command
        raw[1] = 0x80; // F bit
        raw[4] = 2; // TotalAHSLength: 2 words
        raw[5..8].copy_from_slice(&[0x01, 0x02, 0x03]); // DSL 0x010203
        raw[16..20].copy_from_slice(&[0xde, 0xad, 0xbe, 0xef]); // ITT
        let bhs = Bhs::decode(&raw).unwrap();
        assert_eq!(bhs.opcode(), Ok(Opcode::ScsiCommand));
        assert!(bhs.is_immediate());
        assert!(bhs.is_final());
        assert_eq!(bhs.total_ahs_length(), 2);
        assert_eq!(bhs.ahs_bytes(), 8);
        assert_eq!(bhs.data_segment_length(), 0x010203);
        assert_eq!(bhs.itt(), Itt(0xdeadbeef));
    }

    #[test]
    fn truncated() {
        assert_eq!(
            Bhs::decode(&[0; 47]),
            Err(DecodeError::Truncated {
                needed: 48,
                available: 47
            })
        );
    }

    #[test]
    fn unknown_opcode() {
        let mut raw = [0u8; BHS_LEN];
        raw[0] = 0x07;
        assert_eq!(
            Bhs::from_bytes(raw).opcode(),
            Err(DecodeError::UnknownOpcode(0x07))
        );
    }

    #[test]
    fn set_get_24_bit() {
        let mut bhs = Bhs::zeroed();
        bhs.set(field::DATA_SEGMENT_LENGTH, U24(0x00ff_fffe));
        assert_eq!(bhs.data_segment_length(), 0xff_fffe);
        assert_eq!(&bhs.as_bytes()[4..9], &[0, 0xff, 0xff, 0xfe, 0]);
    }
}
