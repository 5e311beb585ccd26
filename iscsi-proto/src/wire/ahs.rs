//! Additional Header Segments (RFC 7143 §11.2.2).
//!
//! ```text
//! byte 0-1  AHSLength: bytes of AHS-specific data, counting byte 3, excluding padding
//! byte 2    AHSType: bits 0-5 the type, bits 6-7 reserved
//! byte 3..  AHS-specific data (AHSLength bytes), then padding to a 4-byte boundary
//! ```
//!
//! The extended CDB AHS (type 1) carries CDB bytes 16 and up after a reserved byte, so its
//! AHSLength is (CDB length − 16) + 1. The bidirectional read AHS (type 2) has AHSLength 5:
//! a reserved byte and the 32-bit expected read length.

use bytes::{BufMut, Bytes};

use super::{DecodeError, digest::pad_len, open_enum};

/// The most AHS bytes a PDU can carry: TotalAHSLength is 8 bits of 4-byte words.
pub const MAX_AHS_BYTES: usize = 255 * 4;

/// Bytes before the AHS-specific data: AHSLength (2) and AHSType (1).
const AHS_HEADER_LEN: usize = 3;

open_enum! {
    /// AHSType (RFC 7143 §11.2.2.2).
    pub enum AhsType: u8 {
        /// Extended CDB (§11.2.2.3).
        ExtendedCdb = 1,
        /// Bidirectional Read Expected Data Transfer Length (§11.2.2.4).
        BidiReadLength = 2,
    }
}

/// One additional header segment.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct AhsSegment {
    /// AHSType.
    pub kind: AhsType,
    /// The AHS-specific bytes (AHSLength of them), starting with byte 3 of the segment.
    pub specific: Bytes,
}

impl AhsSegment {
    /// An extended CDB segment for the bytes of a CDB beyond the first 16.
    pub fn extended_cdb(cdb_tail: &[u8]) -> Self {
        let mut specific = Vec::with_capacity(cdb_tail.len() + 1);
        specific.push(0); // reserved
        specific.extend_from_slice(cdb_tail);
        Self {
            kind: AhsType::ExtendedCdb,
            specific: specific.into(),
        }
    }

    /// A bidirectional read expected-length segment.
    pub fn bidi_read_length(length: u32) -> Self {
        let [a, b, c, d] = length.to_be_bytes();
        Self {
            kind: AhsType::BidiReadLength,
            specific: Bytes::copy_from_slice(&[0, a, b, c, d]),
        }
    }

    /// Encoded size including padding.
    pub fn encoded_len(&self) -> usize {
        let len = AHS_HEADER_LEN + self.specific.len();
        len + pad_len(len)
    }
}

/// The additional header segments of a PDU, in wire order. Most PDUs have none, and an
/// empty `Ahs` does not allocate.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct Ahs(pub Vec<AhsSegment>);

impl Ahs {
    /// No segments.
    pub const fn new() -> Self {
        Self(Vec::new())
    }

    /// Whether there are no segments.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Decodes the AHS area (TotalAHSLength × 4 bytes). Unknown types are kept.
    ///
    /// # Errors
    ///
    /// [`DecodeError::InvalidAhs`] when a segment runs past the area, has AHSLength 0, or
    /// a known type has the wrong length; the area is at most [`MAX_AHS_BYTES`], so the
    /// number of segments is bounded by 255.
    pub fn decode(area: &Bytes) -> Result<Self, DecodeError> {
        if area.len() > MAX_AHS_BYTES || area.len() % 4 != 0 {
            return Err(DecodeError::InvalidAhs {
                reason: "area is not whole words",
            });
        }
        let mut segments = Vec::new();
        let mut at = 0usize;
        while at < area.len() {
            let &[len_hi, len_lo, kind] = area
                .get(at..)
                .and_then(|rest| rest.first_chunk::<AHS_HEADER_LEN>())
                .ok_or(DecodeError::InvalidAhs {
                    reason: "segment header truncated",
                })?;
            let len = usize::from(u16::from_be_bytes([len_hi, len_lo]));
            if len == 0 {
                return Err(DecodeError::InvalidAhs {
                    reason: "AHSLength is zero",
                });
            }
            let start = at + AHS_HEADER_LEN;
            let end = start + len;
            if end > area.len() {
                return Err(DecodeError::InvalidAhs {
                    reason: "segment runs past TotalAHSLength",
                });
            }
            // Bits 6-7 of AHSType are reserved and ignored on receipt.
            let kind = AhsType::from(kind & 0x3f);
            let specific = area.slice(start..end);
            match kind {
                AhsType::ExtendedCdb if len < 2 => {
                    return Err(DecodeError::InvalidAhs {
                        reason: "extended CDB is empty",
                    });
                }
                AhsType::BidiReadLength if len != 5 => {
                    return Err(DecodeError::InvalidAhs {
                        reason: "bidi read length is not 5",
                    });
                }
                _ => {}
            }
            segments.push(AhsSegment { kind, specific });
            at = end + pad_len(end);
        }
        Ok(Self(segments))
    }

    /// Total encoded length in bytes, a multiple of 4.
    pub fn encoded_len(&self) -> usize {
        self.0.iter().map(AhsSegment::encoded_len).sum()
    }

    /// Writes every segment with its padding. The caller checks [`Ahs::encoded_len`] is at
    /// most [`MAX_AHS_BYTES`] and each segment's length fits 16 bits (see
    /// [`super::Pdu::encode_bhs`]).
    pub fn encode(&self, dst: &mut impl BufMut) {
        for seg in &self.0 {
            let len = u16::try_from(seg.specific.len()).unwrap_or(u16::MAX);
            dst.put_u16(len);
            dst.put_u8(u8::from(seg.kind));
            dst.put_slice(&seg.specific);
            dst.put_bytes(0, pad_len(AHS_HEADER_LEN + seg.specific.len()));
        }
    }

    /// CDB bytes 16 and up from an extended CDB segment, if present.
    pub fn extended_cdb(&self) -> Option<&[u8]> {
        self.0
            .iter()
            .find(|s| s.kind == AhsType::ExtendedCdb)
            .and_then(|s| s.specific.get(1..))
    }

    /// The bidirectional read expected data transfer length, if present.
    pub fn bidi_read_length(&self) -> Option<u32> {
        self.0
            .iter()
            .find(|s| s.kind == AhsType::BidiReadLength)
            .and_then(|s| {
                let bytes: [u8; 4] = s.specific.get(1..5)?.try_into().ok()?;
                Some(u32::from_be_bytes(bytes))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extended_cdb_vector() {
        // A 32-byte CDB: 16 bytes go in the BHS, 16 in the AHS.
        let tail: Vec<u8> = (16..32).collect();
        let ahs = Ahs(vec![AhsSegment::extended_cdb(&tail)]);
        let mut out = Vec::new();
        ahs.encode(&mut out);
        let mut expected = vec![
            0x00, 0x11, // AHSLength 17: reserved byte + 16 CDB bytes
            0x01, // AHSType 1: extended CDB
            0x00, // reserved
        ];
        expected.extend(16u8..32); // CDB bytes 16..31
        // 2 + 1 + 17 = 20 bytes: already a whole number of words, no padding.
        assert_eq!(out, expected);
        assert_eq!(ahs.encoded_len(), 20);
        let back = Ahs::decode(&Bytes::from(out)).unwrap();
        assert_eq!(back, ahs);
        assert_eq!(back.extended_cdb(), Some(&tail[..]));
    }

    #[test]
    fn bidi_vector() {
        let ahs = Ahs(vec![AhsSegment::bidi_read_length(0x0001_0000)]);
        let mut out = Vec::new();
        ahs.encode(&mut out);
        assert_eq!(
            out,
            [
                0x00, 0x05, // AHSLength 5
                0x02, // AHSType 2: bidirectional read length
                0x00, // reserved
                0x00, 0x01, 0x00, 0x00, // expected read length 65536
            ]
        );
        assert_eq!(
            Ahs::decode(&Bytes::from(out)).unwrap().bidi_read_length(),
            Some(0x10000)
        );
    }

    #[test]
    fn unknown_type_kept() {
        let raw = Bytes::from_static(&[0x00, 0x01, 0x3c, 0xaa]);
        let ahs = Ahs::decode(&raw).unwrap();
        assert_eq!(ahs.0[0].kind, AhsType::Unknown(0x3c));
        let mut out = Vec::new();
        ahs.encode(&mut out);
        assert_eq!(out, raw);
    }

    #[test]
    fn malformed() {
        for raw in [
            &[0x00, 0x00, 0x01, 0x00][..],       // zero length
            &[0x00, 0x09, 0x01, 0x00][..],       // runs past the area
            &[0x00, 0x01, 0x02, 0x00][..],       // bidi with length 1
            &[0x00, 0x05, 0x02, 0x00, 0x01][..], // not whole words
        ] {
            assert!(
                matches!(
                    Ahs::decode(&Bytes::copy_from_slice(raw)),
                    Err(DecodeError::InvalidAhs { .. })
                ),
                "{raw:?}"
            );
        }
    }
}
