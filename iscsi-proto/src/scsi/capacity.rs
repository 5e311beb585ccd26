//! READ CAPACITY parameter data (SBC-3 §5.15.2, §5.16.2).
//!
//! ```text
//! READ CAPACITY (10), 8 bytes          READ CAPACITY (16), 32 bytes
//! 0-3  RETURNED LOGICAL BLOCK ADDRESS  0-7   RETURNED LOGICAL BLOCK ADDRESS
//! 4-7  LOGICAL BLOCK LENGTH IN BYTES   8-11  LOGICAL BLOCK LENGTH IN BYTES
//!                                      12    RC BASIS (5-4) P_TYPE (3-1) PROT_EN (0)
//!                                      13    P_I_EXPONENT (7-4)
//!                                            LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT (3-0)
//!                                      14-15 LBPME (15) LBPRZ (14)
//!                                            LOWEST ALIGNED LOGICAL BLOCK ADDRESS (13-0)
//!                                      16-31 reserved
//! ```
//!
//! The returned LBA is the *last* LBA, so the block count is one more.

use super::{ScsiError, head};

/// READ CAPACITY (10) parameter data.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub struct ReadCapacity10 {
    /// RETURNED LOGICAL BLOCK ADDRESS: the last LBA; 0xffffffff when the capacity does not
    /// fit and READ CAPACITY (16) is needed.
    pub returned_lba: u32,
    /// LOGICAL BLOCK LENGTH IN BYTES.
    pub block_length: u32,
}

impl ReadCapacity10 {
    /// Decodes the 8 bytes of parameter data.
    ///
    /// # Errors
    ///
    /// [`ScsiError::Truncated`] below 8 bytes.
    pub fn decode(buf: &[u8]) -> Result<Self, ScsiError> {
        let data: [u8; 8] = head(buf, "READ CAPACITY (10) data")?;
        Ok(Self {
            returned_lba: u32::from_be_bytes([data[0], data[1], data[2], data[3]]),
            block_length: u32::from_be_bytes([data[4], data[5], data[6], data[7]]),
        })
    }

    /// Whether the capacity exceeds what this command can report (SBC-3 §5.15.2: the
    /// returned LBA is 0xffffffff), so READ CAPACITY (16) must be used.
    pub fn needs_read_capacity16(&self) -> bool {
        self.returned_lba == u32::MAX
    }

    /// The number of logical blocks (last LBA + 1); never overflows.
    pub fn block_count(&self) -> u64 {
        u64::from(self.returned_lba).saturating_add(1)
    }

    /// The capacity in bytes; never overflows (at most 2^32 blocks of at most 2^32 bytes).
    pub fn size_bytes(&self) -> u64 {
        self.block_count().saturating_mul(self.block_length.into())
    }
}

/// READ CAPACITY (16) parameter data.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub struct ReadCapacity16 {
    /// RETURNED LOGICAL BLOCK ADDRESS: the last LBA.
    pub returned_lba: u64,
    /// LOGICAL BLOCK LENGTH IN BYTES.
    pub block_length: u32,
    /// RC BASIS (SBC-4): 0 = the returned LBA ends the conventional zones, 1 = it is the
    /// last LBA of the logical unit.
    pub rc_basis: u8,
    /// PROT_EN: protection information is enabled.
    pub protection_enabled: bool,
    /// P_TYPE: protection type minus one (meaningful when `protection_enabled`).
    pub protection_type: u8,
    /// P_I_EXPONENT: protection information intervals per logical block, as a power of 2.
    pub p_i_exponent: u8,
    /// LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT.
    pub logical_per_physical_exponent: u8,
    /// LBPME: logical block provisioning management (thin provisioning) is enabled.
    pub lbpme: bool,
    /// LBPRZ: unmapped blocks read as zeros.
    pub lbprz: bool,
    /// LOWEST ALIGNED LOGICAL BLOCK ADDRESS (14 bits).
    pub lowest_aligned_lba: u16,
}

impl ReadCapacity16 {
    /// Decodes the parameter data; the first 16 bytes are required (the rest is reserved).
    ///
    /// # Errors
    ///
    /// [`ScsiError::Truncated`] below 16 bytes.
    pub fn decode(buf: &[u8]) -> Result<Self, ScsiError> {
        let data: [u8; 16] = head(buf, "READ CAPACITY (16) data")?;
        let [lba @ .., _, _, _, _, _, _, _, _] = data;
        let block_length = u32::from_be_bytes([data[8], data[9], data[10], data[11]]);
        Ok(Self {
            returned_lba: u64::from_be_bytes(lba),
            block_length,
            rc_basis: (data[12] >> 4) & 0x03,
            protection_enabled: data[12] & 0x01 != 0,
            protection_type: (data[12] >> 1) & 0x07,
            p_i_exponent: data[13] >> 4,
            logical_per_physical_exponent: data[13] & 0x0f,
            lbpme: data[14] & 0x80 != 0,
            lbprz: data[14] & 0x40 != 0,
            lowest_aligned_lba: u16::from_be_bytes([data[14] & 0x3f, data[15]]),
        })
    }

    /// The number of logical blocks (last LBA + 1), or `None` if it does not fit 64 bits.
    pub fn block_count(&self) -> Option<u64> {
        self.returned_lba.checked_add(1)
    }

    /// The capacity in bytes, or `None` if it does not fit 64 bits.
    pub fn size_bytes(&self) -> Option<u64> {
        self.block_count()?.checked_mul(self.block_length.into())
    }

    /// The physical block length in bytes, or `None` if it does not fit 32 bits.
    pub fn physical_block_length(&self) -> Option<u32> {
        1u32.checked_shl(self.logical_per_physical_exponent.into())?
            .checked_mul(self.block_length)
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn read_capacity10() {
        #[rustfmt::skip]
        let buf = [
            0x01, 0xff, 0xff, 0xff, // RETURNED LBA: 0x1ffffff (16 GiB at 512 bytes)
            0x00, 0x00, 0x02, 0x00, // LOGICAL BLOCK LENGTH: 512
        ];
        let cap = ReadCapacity10::decode(&buf).unwrap();
        assert_eq!(
            cap,
            ReadCapacity10 {
                returned_lba: 0x01ff_ffff,
                block_length: 512
            }
        );
        assert_eq!(cap.block_count(), 0x0200_0000);
        assert_eq!(cap.size_bytes(), 16 << 30);
        assert!(!cap.needs_read_capacity16());
        for len in 0..8 {
            assert_eq!(
                ReadCapacity10::decode(&buf[..len]),
                Err(ScsiError::Truncated {
                    what: "READ CAPACITY (10) data",
                    needed: 8,
                    available: len
                })
            );
        }
        let big = ReadCapacity10 {
            returned_lba: u32::MAX,
            block_length: u32::MAX,
        };
        assert!(big.needs_read_capacity16());
        assert_eq!(big.size_bytes(), (1 << 32) * u64::from(u32::MAX));
    }

    #[test]
    fn read_capacity16() {
        #[rustfmt::skip]
        let buf = [
            0x00, 0x00, 0x00, 0x03, 0xff, 0xff, 0xff, 0xff, // RETURNED LBA: 0x3_ffff_ffff
            0x00, 0x00, 0x02, 0x00, // LOGICAL BLOCK LENGTH: 512
            0x13,                   // RC BASIS 1, P_TYPE 1 (type 2), PROT_EN
            0x23,                   // P_I_EXPONENT 2, 8 logical blocks per physical
            0xc0, 0x07,             // LBPME, LBPRZ, lowest aligned LBA 7
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // reserved
        ];
        let cap = ReadCapacity16::decode(&buf).unwrap();
        assert_eq!(
            cap,
            ReadCapacity16 {
                returned_lba: 0x3_ffff_ffff,
                block_length: 512,
                rc_basis: 1,
                protection_enabled: true,
                protection_type: 1,
                p_i_exponent: 2,
                logical_per_physical_exponent: 3,
                lbpme: true,
                lbprz: true,
                lowest_aligned_lba: 7,
            }
        );
        assert_eq!(cap.block_count(), Some(0x4_0000_0000));
        assert_eq!(cap.size_bytes(), Some(8 << 40));
        assert_eq!(cap.physical_block_length(), Some(4096));
        assert_eq!(ReadCapacity16::decode(&buf[..16]), Ok(cap));
        for len in 0..16 {
            assert_eq!(
                ReadCapacity16::decode(&buf[..len]),
                Err(ScsiError::Truncated {
                    what: "READ CAPACITY (16) data",
                    needed: 16,
                    available: len
                })
            );
        }
    }

    #[test]
    fn read_capacity16_overflow_is_none() {
        let mut buf = [0xff; 16];
        buf[8..12].copy_from_slice(&512u32.to_be_bytes());
        let cap = ReadCapacity16::decode(&buf).unwrap();
        assert_eq!(cap.block_count(), None);
        assert_eq!(cap.size_bytes(), None);
        let cap = ReadCapacity16 {
            returned_lba: u64::MAX / 2,
            ..cap
        };
        assert_eq!(cap.size_bytes(), None);
        let cap = ReadCapacity16 {
            block_length: u32::MAX,
            logical_per_physical_exponent: 15,
            ..cap
        };
        assert_eq!(cap.physical_block_length(), None);
    }
}
