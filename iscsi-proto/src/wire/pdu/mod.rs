//! Typed PDUs: one small owned header struct per opcode, gathered in [`Header`], and
//! [`Pdu`], which adds the additional header segments and the data segment.
//!
//! Each header type has `decode(&Bhs) -> Result<Self, DecodeError>` and
//! `encode(&self, &mut Bhs)`. `encode` writes the opcode byte (with the I bit where the PDU
//! has one), byte 1 and every defined field into a zeroed [`Bhs`]; reserved bytes stay
//! zero. TotalAHSLength and DataSegmentLength are written by [`Pdu::encode_bhs`].

mod nop;

use bytes::{BufMut, Bytes};

pub use nop::{NopIn, NopOut};

use super::{
    Ahs, BHS_LEN, Bhs, DecodeError, EncodeError, Itt, MAX_AHS_BYTES, Opcode,
    bhs::{U24, field},
    digest::pad_len,
};

/// The largest DataSegmentLength the 24-bit field can carry.
pub const MAX_DATA_SEGMENT_LENGTH: usize = 0x00ff_ffff;

/// A typed Basic Header Segment: one variant per opcode.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Header {
    /// NOP-Out (§11.18).
    NopOut(NopOut),
    /// NOP-In (§11.19).
    NopIn(NopIn),
}

impl Header {
    /// Decodes a header.
    ///
    /// # Errors
    ///
    /// [`DecodeError::UnknownOpcode`] or the opcode-specific decode error.
    pub fn decode(bhs: &Bhs) -> Result<Self, DecodeError> {
        Ok(match bhs.opcode()? {
            Opcode::NopOut => Self::NopOut(NopOut::decode(bhs)?),
            Opcode::NopIn => Self::NopIn(NopIn::decode(bhs)?),
            other => {
                return Err(DecodeError::InvalidField {
                    opcode: other,
                    field: "opcode",
                });
            }
        })
    }

    /// Encodes into a fresh header with TotalAHSLength and DataSegmentLength zero.
    pub fn encode(&self) -> Bhs {
        let mut bhs = Bhs::zeroed();
        match self {
            Self::NopOut(h) => h.encode(&mut bhs),
            Self::NopIn(h) => h.encode(&mut bhs),
        }
        bhs
    }

    /// The opcode.
    pub fn opcode(&self) -> Opcode {
        match self {
            Self::NopOut(_) => Opcode::NopOut,
            Self::NopIn(_) => Opcode::NopIn,
        }
    }

    /// The Initiator Task Tag (bytes 16–19, common to every opcode).
    pub fn itt(&self) -> Itt {
        self.encode().itt()
    }
}

/// A whole PDU: header, additional header segments and data segment (without padding or
/// digests, which belong to framing).
///
/// The data is a [`Bytes`]: on receive a slice of the read buffer, on send a slice of the
/// caller's buffer, never copied by this layer.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Pdu {
    /// The typed header.
    pub header: Header,
    /// Additional header segments.
    pub ahs: Ahs,
    /// The data segment, without padding.
    pub data: Bytes,
}

impl Pdu {
    /// A PDU with no AHS.
    pub fn new(header: impl Into<Header>, data: Bytes) -> Self {
        Self {
            header: header.into(),
            ahs: Ahs::new(),
            data,
        }
    }

    /// Assembles a received PDU from its header, AHS area and data segment (padding and
    /// digests already removed by the framer).
    ///
    /// # Errors
    ///
    /// Any [`DecodeError`] from the header or the AHS.
    pub fn decode(bhs: &Bhs, ahs_area: &Bytes, data: Bytes) -> Result<Self, DecodeError> {
        let header = Header::decode(bhs)?;
        let ahs = if ahs_area.is_empty() {
            Ahs::new()
        } else {
            Ahs::decode(ahs_area)?
        };
        Ok(Self { header, ahs, data })
    }

    /// The header with TotalAHSLength and DataSegmentLength filled in.
    ///
    /// # Errors
    ///
    /// [`EncodeError`] when the data or the AHS are too long for their length fields.
    pub fn encode_bhs(&self) -> Result<Bhs, EncodeError> {
        let mut bhs = self.header.encode();
        let ahs_len = self.ahs.encoded_len();
        if ahs_len > MAX_AHS_BYTES || self.ahs.0.iter().any(|s| s.specific.len() > 0xffff) {
            return Err(EncodeError::AhsTooLong);
        }
        let dsl = u32::try_from(self.data.len())
            .ok()
            .filter(|&len| len as usize <= MAX_DATA_SEGMENT_LENGTH)
            .ok_or(EncodeError::DataSegmentTooLong {
                len: self.data.len(),
                max: MAX_DATA_SEGMENT_LENGTH,
            })?;
        // ahs_len <= 1020 was checked above, so the word count fits a byte.
        bhs.set(
            field::TOTAL_AHS_LENGTH,
            u8::try_from(ahs_len / 4).unwrap_or(u8::MAX),
        );
        bhs.set(field::DATA_SEGMENT_LENGTH, U24(dsl));
        Ok(bhs)
    }

    /// Appends the PDU without digests: BHS, AHS, data, padding. Convenient for tests and
    /// login, where digests are never on; the framer's encoder is the general path.
    ///
    /// # Errors
    ///
    /// As [`Pdu::encode_bhs`].
    pub fn encode(&self, dst: &mut impl BufMut) -> Result<(), EncodeError> {
        let bhs = self.encode_bhs()?;
        dst.put_slice(bhs.as_bytes());
        self.ahs.encode(dst);
        dst.put_slice(&self.data);
        dst.put_bytes(0, pad_len(self.data.len()));
        Ok(())
    }

    /// Decodes one PDU without digests from the start of `src`, returning it and the bytes
    /// consumed. The test-and-tools counterpart of [`Pdu::encode`].
    ///
    /// # Errors
    ///
    /// [`DecodeError::Truncated`] when `src` holds less than the whole PDU, or any header
    /// or AHS error.
    pub fn decode_bytes(src: &Bytes) -> Result<(Self, usize), DecodeError> {
        let bhs = Bhs::decode(src)?;
        let ahs_end = BHS_LEN + bhs.ahs_bytes();
        let dsl = bhs.data_segment_length() as usize;
        let data_end = ahs_end + dsl;
        let total = data_end + pad_len(dsl);
        if src.len() < total {
            return Err(DecodeError::Truncated {
                needed: total,
                available: src.len(),
            });
        }
        let pdu = Self::decode(
            &bhs,
            &src.slice(BHS_LEN..ahs_end),
            src.slice(ahs_end..data_end),
        )?;
        Ok((pdu, total))
    }
}

macro_rules! impl_into_header {
    ($($ty:ident),+ $(,)?) => {
        $(impl From<$ty> for Header {
            fn from(h: $ty) -> Self {
                Self::$ty(h)
            }
        })+
    };
}
impl_into_header!(NopOut, NopIn);

#[cfg(test)]
pub(crate) mod test_util {
    //! Helpers shared by the per-PDU vector tests.

    use super::*;

    /// Encodes `header` into a buffer pre-filled with 0xA5 (so a forgotten field shows),
    /// then compares with `expected`, decodes `expected` and compares with `header`.
    pub(crate) fn check_vector(header: Header, expected: &[u8; BHS_LEN]) {
        let mut filled = [0xa5u8; BHS_LEN];
        filled.copy_from_slice(header.encode().as_bytes());
        assert_eq!(&filled, expected, "encode of {header:?}");
        let decoded = Header::decode(&Bhs::from_bytes(*expected)).expect("vector decodes");
        assert_eq!(decoded, header);
    }
}
