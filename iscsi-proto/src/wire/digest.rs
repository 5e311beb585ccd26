//! CRC32C header and data digests (RFC 7143 §13.1, Appendix A.4 of RFC 3720 for vectors).
//!
//! The digest is the reflected CRC32C (polynomial 0x1EDC6F41), and it goes on the wire
//! least significant byte first: 32 zero bytes give the value 0x8a9136aa, sent as
//! `aa 36 91 8a`. The data digest covers the data segment *including* its pad bytes.

/// Computes the CRC32C of `bytes`.
pub fn crc32c(bytes: &[u8]) -> u32 {
    crc32c::crc32c(bytes)
}

/// Pad bytes needed to bring `len` to a multiple of 4.
pub const fn pad_len(len: usize) -> usize {
    (4 - (len % 4)) % 4
}

/// `len` rounded up to a multiple of 4, or `None` on overflow.
pub const fn padded_len(len: usize) -> Option<usize> {
    len.checked_add(pad_len(len))
}

/// The header digest: CRC32C over the BHS and the AHS, which are always a multiple of 4.
pub fn header_digest(bhs_and_ahs: &[u8]) -> u32 {
    crc32c(bhs_and_ahs)
}

/// The data digest of a data segment: CRC32C over the data followed by zero pad bytes.
///
/// A received segment whose pad bytes were not zero is checked with [`Crc32c`] over the
/// bytes actually received, since the pad is inside the digest (RFC 7143 §13.1).
pub fn data_digest(data: &[u8]) -> u32 {
    let mut crc = Crc32c::new();
    crc.update(data);
    crc.pad_to_word(data.len());
    crc.value()
}

/// An incremental CRC32C, for data that arrives in pieces.
#[derive(Clone, Copy, Debug, Default)]
pub struct Crc32c(u32);

impl Crc32c {
    /// A fresh computation.
    pub const fn new() -> Self {
        Self(0)
    }

    /// Adds `bytes`.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0 = crc32c::crc32c_append(self.0, bytes);
    }

    /// Adds the zero pad bytes that follow `len` bytes of data.
    pub fn pad_to_word(&mut self, len: usize) {
        const ZEROS: [u8; 3] = [0; 3];
        self.update(ZEROS.get(..pad_len(len)).unwrap_or_default());
    }

    /// The digest value.
    pub const fn value(self) -> u32 {
        self.0
    }

    /// The digest in wire order (least significant byte first).
    pub const fn to_wire(self) -> [u8; 4] {
        self.0.to_le_bytes()
    }
}

/// Whether a received digest matches the computed one.
///
/// # Fuzzing
///
/// Under `cfg(fuzzing)` this always returns `true`, so fuzzers get past the CRC to the
/// code behind it. Ordinary tests prove mismatches are caught.
pub(crate) fn digest_matches(received: u32, computed: u32) -> bool {
    cfg!(fuzzing) || received == computed
}

/// Reads a digest from its wire bytes.
pub(crate) fn digest_from_wire(bytes: [u8; 4]) -> u32 {
    u32::from_le_bytes(bytes)
}

/// A digest's wire bytes (least significant byte first).
pub(crate) fn digest_to_wire(digest: u32) -> [u8; 4] {
    digest.to_le_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 3720 Appendix B.4 vectors: (input, CRC value, wire bytes).
    fn vectors() -> [(Vec<u8>, u32, [u8; 4]); 4] {
        [
            (vec![0x00; 32], 0x8a91_36aa, [0xaa, 0x36, 0x91, 0x8a]),
            (vec![0xff; 32], 0x62a8_ab43, [0x43, 0xab, 0xa8, 0x62]),
            ((0..32).collect(), 0x46dd_794e, [0x4e, 0x79, 0xdd, 0x46]),
            (
                (0..32).rev().collect(),
                0x113f_db5c,
                [0x5c, 0xdb, 0x3f, 0x11],
            ),
        ]
    }

    #[test]
    fn rfc3720_b4_values_and_wire_bytes() {
        for (input, value, wire) in vectors() {
            assert_eq!(crc32c(&input), value);
            let mut crc = Crc32c::new();
            crc.update(&input);
            assert_eq!(crc.value(), value);
            assert_eq!(crc.to_wire(), wire);
            assert_eq!(digest_from_wire(wire), value);
            // 32 bytes need no padding, so the data digest is the plain CRC.
            assert_eq!(data_digest(&input), value);
        }
    }

    #[test]
    fn incremental_equals_one_shot() {
        let data: Vec<u8> = (0..=255).cycle().take(10_000).collect();
        let mut crc = Crc32c::new();
        for chunk in data.chunks(7) {
            crc.update(chunk);
        }
        assert_eq!(crc.value(), crc32c(&data));
    }

    #[test]
    fn data_digest_covers_padding() {
        // DSL 5: the digest is over 8 bytes (5 data + 3 zero pad), not over 5.
        let data = [1u8, 2, 3, 4, 5];
        assert_eq!(data_digest(&data), crc32c(&[1, 2, 3, 4, 5, 0, 0, 0]));
        assert_ne!(data_digest(&data), crc32c(&data));
    }

    #[test]
    fn padding_math() {
        assert_eq!([0, 1, 2, 3, 4, 5].map(pad_len), [0, 3, 2, 1, 0, 3]);
        assert_eq!(padded_len(5), Some(8));
        assert_eq!(padded_len(usize::MAX), None);
    }

    #[test]
    #[cfg(not(fuzzing))]
    fn mismatch_detected() {
        assert!(digest_matches(1, 1));
        assert!(!digest_matches(1, 2));
    }
}
