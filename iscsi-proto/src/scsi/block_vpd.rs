//! The SBC VPD pages Block Limits (0xB0, SBC-3 §6.6.4) and Block Device Characteristics
//! (0xB1, SBC-3 §6.6.2), and Logical Block Provisioning (0xB2, SBC-3).
//!
//! ```text
//! Block Limits                                Block Device Characteristics
//! 0-3    VPD page header, PAGE LENGTH 0x3c    0-3  VPD page header, PAGE LENGTH 0x3c
//! 4      WSNZ (0)                             4-5  MEDIUM ROTATION RATE
//! 5      MAXIMUM COMPARE AND WRITE LENGTH     6    PRODUCT TYPE
//! 6-7    OPTIMAL TRANSFER LENGTH GRANULARITY  7    WABEREQ (7-6) WACEREQ (5-4)
//! 8-11   MAXIMUM TRANSFER LENGTH                   NOMINAL FORM FACTOR (3-0)
//! 12-15  OPTIMAL TRANSFER LENGTH              8    ZONED (5-4) FUAB (1) VBULS (0)
//! 16-19  MAXIMUM PREFETCH LENGTH              9-63 reserved
//! 20-23  MAXIMUM UNMAP LBA COUNT
//! 24-27  MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT
//! 28-31  OPTIMAL UNMAP GRANULARITY
//! 32-35  UGAVALID (31) | UNMAP GRANULARITY ALIGNMENT
//! 36-43  MAXIMUM WRITE SAME LENGTH
//! 44-63  atomic transfer limits (SBC-4)
//! ```
//!
//! Offsets count from the start of the page. A field past the PAGE LENGTH (an older,
//! shorter page) reads as zero, which SBC defines as "not reported".

use super::{
    ScsiError, array_at, be16_at, be32_at, be64_at,
    inquiry::{VpdPage, vpd_page},
};
use crate::wire::open_enum;

/// Block Limits (page 0xB0, SBC-3 §6.6.4). A zero field means "not reported" / no limit.
/// Transfer lengths are in logical blocks.
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct BlockLimits {
    /// WSNZ (byte 4 bit 0): WRITE SAME with zero blocks is not supported.
    pub wsnz: bool,
    /// MAXIMUM COMPARE AND WRITE LENGTH (byte 5).
    pub max_compare_and_write_length: u8,
    /// OPTIMAL TRANSFER LENGTH GRANULARITY (bytes 6-7).
    pub optimal_transfer_length_granularity: u16,
    /// MAXIMUM TRANSFER LENGTH (bytes 8-11).
    pub max_transfer_length: u32,
    /// OPTIMAL TRANSFER LENGTH (bytes 12-15).
    pub optimal_transfer_length: u32,
    /// MAXIMUM PREFETCH LENGTH (bytes 16-19).
    pub max_prefetch_length: u32,
    /// MAXIMUM UNMAP LBA COUNT (bytes 20-23); non-zero when UNMAP is supported.
    pub max_unmap_lba_count: u32,
    /// MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT (bytes 24-27).
    pub max_unmap_block_descriptor_count: u32,
    /// OPTIMAL UNMAP GRANULARITY (bytes 28-31).
    pub optimal_unmap_granularity: u32,
    /// UNMAP GRANULARITY ALIGNMENT (bytes 32-35) when UGAVALID (byte 32 bit 7) is set.
    pub unmap_granularity_alignment: Option<u32>,
    /// MAXIMUM WRITE SAME LENGTH (bytes 36-43).
    pub max_write_same_length: u64,
    /// MAXIMUM ATOMIC TRANSFER LENGTH (bytes 44-47, SBC-4).
    pub max_atomic_transfer_length: u32,
    /// ATOMIC ALIGNMENT (bytes 48-51, SBC-4).
    pub atomic_alignment: u32,
    /// ATOMIC TRANSFER LENGTH GRANULARITY (bytes 52-55, SBC-4).
    pub atomic_transfer_length_granularity: u32,
    /// MAXIMUM ATOMIC TRANSFER LENGTH WITH ATOMIC BOUNDARY (bytes 56-59, SBC-4).
    pub max_atomic_transfer_length_with_boundary: u32,
    /// MAXIMUM ATOMIC BOUNDARY SIZE (bytes 60-63, SBC-4).
    pub max_atomic_boundary_size: u32,
}

impl BlockLimits {
    /// Decodes page 0xB0. Fields past the PAGE LENGTH (pages of older targets) are zero.
    ///
    /// # Errors
    ///
    /// As [`super::SupportedVpdPages::decode`], for page code 0xB0.
    pub fn decode(buf: &[u8]) -> Result<Self, ScsiError> {
        let page = vpd_page(buf, VpdPage::BlockLimits, "Block Limits")?;
        let u32_at = |at| be32_at(page, at).unwrap_or_default();
        let alignment = u32_at(32);
        Ok(Self {
            wsnz: page.get(4).is_some_and(|byte| byte & 0x01 != 0),
            max_compare_and_write_length: page.get(5).copied().unwrap_or_default(),
            optimal_transfer_length_granularity: be16_at(page, 6).unwrap_or_default(),
            max_transfer_length: u32_at(8),
            optimal_transfer_length: u32_at(12),
            max_prefetch_length: u32_at(16),
            max_unmap_lba_count: u32_at(20),
            max_unmap_block_descriptor_count: u32_at(24),
            optimal_unmap_granularity: u32_at(28),
            unmap_granularity_alignment: (alignment & 0x8000_0000 != 0)
                .then_some(alignment & 0x7fff_ffff),
            max_write_same_length: be64_at(page, 36).unwrap_or_default(),
            max_atomic_transfer_length: u32_at(44),
            atomic_alignment: u32_at(48),
            atomic_transfer_length_granularity: u32_at(52),
            max_atomic_transfer_length_with_boundary: u32_at(56),
            max_atomic_boundary_size: u32_at(60),
        })
    }
}

open_enum! {
    /// NOMINAL FORM FACTOR of page 0xB1 (SBC-3 §6.6.2).
    pub enum NominalFormFactor: u8 {
        /// 0: not reported.
        NotReported = 0,
        /// 1: 5.25 inch.
        FiveAndQuarterInch = 1,
        /// 2: 3.5 inch.
        ThreeAndHalfInch = 2,
        /// 3: 2.5 inch.
        TwoAndHalfInch = 3,
        /// 4: 1.8 inch.
        OnePointEightInch = 4,
        /// 5: less than 1.8 inch.
        LessThanOnePointEightInch = 5,
    }
}

/// Block Device Characteristics (page 0xB1, SBC-3 §6.6.2).
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub struct BlockDeviceCharacteristics {
    /// MEDIUM ROTATION RATE (bytes 4-5): 0 not reported, 1 non-rotating (solid state),
    /// 0x0401-0xfffe revolutions per minute.
    pub medium_rotation_rate: u16,
    /// PRODUCT TYPE (byte 6, SBC-4): 0 not indicated, 1 CFast, 2 CompactFlash, ...
    pub product_type: u8,
    /// WABEREQ (byte 7 bits 7-6, SBC-4).
    pub wabereq: u8,
    /// WACEREQ (byte 7 bits 5-4, SBC-4).
    pub wacereq: u8,
    /// NOMINAL FORM FACTOR (byte 7 bits 3-0).
    pub nominal_form_factor: NominalFormFactor,
    /// ZONED (byte 8 bits 5-4, SBC-4): 1 host aware, 2 device managed.
    pub zoned: u8,
    /// FUAB (byte 8 bit 1).
    pub fuab: bool,
    /// VBULS (byte 8 bit 0).
    pub vbuls: bool,
}

impl BlockDeviceCharacteristics {
    /// Decodes page 0xB1. Fields past the PAGE LENGTH are zero.
    ///
    /// # Errors
    ///
    /// As [`super::SupportedVpdPages::decode`], for page code 0xB1.
    pub fn decode(buf: &[u8]) -> Result<Self, ScsiError> {
        let page = vpd_page(
            buf,
            VpdPage::BlockDeviceCharacteristics,
            "Block Device Characteristics",
        )?;
        let [byte6, byte7, byte8] = array_at(page, 6).unwrap_or_else(|| {
            // A short page: take what is there.
            let byte = |at: usize| page.get(at).copied().unwrap_or_default();
            [byte(6), byte(7), byte(8)]
        });
        Ok(Self {
            medium_rotation_rate: be16_at(page, 4).unwrap_or_default(),
            product_type: byte6,
            wabereq: byte7 >> 6,
            wacereq: (byte7 >> 4) & 0x03,
            nominal_form_factor: NominalFormFactor::from(byte7 & 0x0f),
            zoned: (byte8 >> 4) & 0x03,
            fuab: byte8 & 0x02 != 0,
            vbuls: byte8 & 0x01 != 0,
        })
    }

    /// Whether the medium does not rotate (solid state): MEDIUM ROTATION RATE is 1.
    pub fn is_non_rotating(&self) -> bool {
        self.medium_rotation_rate == 1
    }

    /// The rotation rate in revolutions per minute, if reported as one.
    pub fn rpm(&self) -> Option<u16> {
        (0x0401..=0xfffe)
            .contains(&self.medium_rotation_rate)
            .then_some(self.medium_rotation_rate)
    }
}

open_enum! {
    /// PROVISIONING TYPE of page 0xB2 (SBC-3, Logical Block Provisioning VPD page).
    pub enum ProvisioningType: u8 {
        /// 0: fully provisioned (or not reported).
        Full = 0,
        /// 1: resource provisioned.
        Resource = 1,
        /// 2: thin provisioned.
        Thin = 2,
    }
}

/// Logical Block Provisioning (page 0xB2, SBC-3 "Logical Block Provisioning VPD page").
///
/// ```text
/// 0-3  VPD page header
/// 4    THRESHOLD EXPONENT
/// 5    LBPU (7) LBPWS (6) LBPWS10 (5) LBPRZ (4-2) ANC_SUP (1) DP (0)
/// 6    MINIMUM PERCENTAGE (7-3) PROVISIONING TYPE (2-0)
/// 7    THRESHOLD PERCENTAGE
/// 8..  provisioning group descriptor (when DP is set), not decoded
/// ```
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub struct LogicalBlockProvisioning {
    /// THRESHOLD EXPONENT: a threshold set is 2^exponent blocks (0: thresholds unsupported).
    pub threshold_exponent: u8,
    /// LBPU: UNMAP is supported.
    pub lbpu: bool,
    /// LBPWS: WRITE SAME (16) with UNMAP is supported.
    pub lbpws: bool,
    /// LBPWS10: WRITE SAME (10) with UNMAP is supported.
    pub lbpws10: bool,
    /// LBPRZ (3 bits in SBC-4; SBC-3's single bit is the lowest): unmapped blocks read as
    /// zeros when non-zero.
    pub lbprz: u8,
    /// ANC_SUP: ANCHOR is supported.
    pub anc_sup: bool,
    /// DP: a provisioning group descriptor follows.
    pub dp: bool,
    /// MINIMUM PERCENTAGE (SBC-4).
    pub minimum_percentage: u8,
    /// PROVISIONING TYPE.
    pub provisioning_type: ProvisioningType,
    /// THRESHOLD PERCENTAGE (SBC-4).
    pub threshold_percentage: u8,
}

impl LogicalBlockProvisioning {
    /// Decodes page 0xB2. Fields past the PAGE LENGTH are zero ("not reported").
    ///
    /// # Errors
    ///
    /// As [`super::SupportedVpdPages::decode`], for page code 0xB2.
    pub fn decode(buf: &[u8]) -> Result<Self, ScsiError> {
        let page = vpd_page(
            buf,
            VpdPage::LogicalBlockProvisioning,
            "Logical Block Provisioning",
        )?;
        let byte = |at: usize| page.get(at).copied().unwrap_or_default();
        let (flags, types) = (byte(5), byte(6));
        Ok(Self {
            threshold_exponent: byte(4),
            lbpu: flags & 0x80 != 0,
            lbpws: flags & 0x40 != 0,
            lbpws10: flags & 0x20 != 0,
            lbprz: (flags >> 2) & 0x07,
            anc_sup: flags & 0x02 != 0,
            dp: flags & 0x01 != 0,
            minimum_percentage: types >> 3,
            provisioning_type: ProvisioningType::from(types & 0x07),
            threshold_percentage: byte(7),
        })
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use crate::scsi::check_vpd_truncation as check_truncation;

    #[rustfmt::skip]
    const BLOCK_LIMITS: [u8; 64] = [
        0x00,                   // direct-access device
        0xb0,                   // PAGE CODE 0xB0
        0x00, 0x3c,             // PAGE LENGTH 60
        0x01,                   // WSNZ
        0x01,                   // MAXIMUM COMPARE AND WRITE LENGTH: 1
        0x00, 0x08,             // OPTIMAL TRANSFER LENGTH GRANULARITY: 8
        0x00, 0x00, 0x40, 0x00, // MAXIMUM TRANSFER LENGTH: 16384
        0x00, 0x00, 0x04, 0x00, // OPTIMAL TRANSFER LENGTH: 1024
        0x00, 0x00, 0x00, 0x00, // MAXIMUM PREFETCH LENGTH
        0x00, 0x40, 0x00, 0x00, // MAXIMUM UNMAP LBA COUNT: 0x400000
        0x00, 0x00, 0x01, 0x00, // MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT: 256
        0x00, 0x00, 0x00, 0x08, // OPTIMAL UNMAP GRANULARITY: 8
        0x80, 0x00, 0x00, 0x02, // UGAVALID, UNMAP GRANULARITY ALIGNMENT: 2
        0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, // MAXIMUM WRITE SAME LENGTH
        0x00, 0x00, 0x00, 0x10, // MAXIMUM ATOMIC TRANSFER LENGTH: 16
        0x00, 0x00, 0x00, 0x01, // ATOMIC ALIGNMENT: 1
        0x00, 0x00, 0x00, 0x01, // ATOMIC TRANSFER LENGTH GRANULARITY: 1
        0x00, 0x00, 0x00, 0x00, // MAX ATOMIC TRANSFER LENGTH WITH ATOMIC BOUNDARY
        0x00, 0x00, 0x00, 0x00, // MAXIMUM ATOMIC BOUNDARY SIZE
    ];

    #[test]
    fn block_limits() {
        let limits = BlockLimits::decode(&BLOCK_LIMITS).unwrap();
        assert_eq!(
            limits,
            BlockLimits {
                wsnz: true,
                max_compare_and_write_length: 1,
                optimal_transfer_length_granularity: 8,
                max_transfer_length: 16384,
                optimal_transfer_length: 1024,
                max_prefetch_length: 0,
                max_unmap_lba_count: 0x40_0000,
                max_unmap_block_descriptor_count: 256,
                optimal_unmap_granularity: 8,
                unmap_granularity_alignment: Some(2),
                max_write_same_length: 0x40_0000,
                max_atomic_transfer_length: 16,
                atomic_alignment: 1,
                atomic_transfer_length_granularity: 1,
                max_atomic_transfer_length_with_boundary: 0,
                max_atomic_boundary_size: 0,
            }
        );
        check_truncation(&BLOCK_LIMITS, BlockLimits::decode, "Block Limits");
    }

    #[test]
    fn block_limits_old_short_page() {
        // An SBC-2 era page of 12 bytes: only the transfer lengths are there.
        let mut buf = BLOCK_LIMITS[..16].to_vec();
        buf[3] = 0x0c;
        let limits = BlockLimits::decode(&buf).unwrap();
        assert_eq!(
            limits,
            BlockLimits {
                wsnz: true,
                max_compare_and_write_length: 1,
                optimal_transfer_length_granularity: 8,
                max_transfer_length: 16384,
                optimal_transfer_length: 1024,
                ..BlockLimits::default()
            }
        );
        // The PAGE LENGTH bounds the fields even when more bytes follow.
        let mut long = BLOCK_LIMITS;
        long[3] = 0x0c;
        assert_eq!(BlockLimits::decode(&long), Ok(limits));
    }

    #[test]
    fn block_device_characteristics() {
        #[rustfmt::skip]
        let mut buf = vec![
            0x00,                   // direct-access device
            0xb1,                   // PAGE CODE 0xB1
            0x00, 0x3c,             // PAGE LENGTH 60
            0x00, 0x01,             // MEDIUM ROTATION RATE: non-rotating
            0x00,                   // PRODUCT TYPE: not indicated
            0x53,                   // WABEREQ 1, WACEREQ 1, NOMINAL FORM FACTOR 2.5"
            0x13,                   // ZONED 1, FUAB, VBULS
        ];
        buf.resize(64, 0);
        let chars = BlockDeviceCharacteristics::decode(&buf).unwrap();
        assert_eq!(
            chars,
            BlockDeviceCharacteristics {
                medium_rotation_rate: 1,
                product_type: 0,
                wabereq: 1,
                wacereq: 1,
                nominal_form_factor: NominalFormFactor::TwoAndHalfInch,
                zoned: 1,
                fuab: true,
                vbuls: true,
            }
        );
        assert!(chars.is_non_rotating());
        assert_eq!(chars.rpm(), None);
        check_truncation(
            &buf,
            BlockDeviceCharacteristics::decode,
            "Block Device Characteristics",
        );

        // A 7200 rpm disk with a short page (bytes 7 and 8 absent).
        let short = [0x00, 0xb1, 0x00, 0x03, 0x1c, 0x20, 0x00];
        let chars = BlockDeviceCharacteristics::decode(&short).unwrap();
        assert_eq!(chars.rpm(), Some(7200));
        assert_eq!(chars.nominal_form_factor, NominalFormFactor::NotReported);
    }

    #[test]
    fn logical_block_provisioning() {
        // Thin provisioned, UNMAP and WRITE SAME (16) with unmap, LBPRZ, exponent 12.
        let buf = [0x00, 0xb2, 0x00, 0x04, 0x0c, 0xc4, 0x02, 0x00];
        let lbp = LogicalBlockProvisioning::decode(&buf).unwrap();
        assert_eq!(
            lbp,
            LogicalBlockProvisioning {
                threshold_exponent: 12,
                lbpu: true,
                lbpws: true,
                lbpws10: false,
                lbprz: 1,
                anc_sup: false,
                dp: false,
                minimum_percentage: 0,
                provisioning_type: ProvisioningType::Thin,
                threshold_percentage: 0,
            }
        );
        check_truncation(
            &buf,
            LogicalBlockProvisioning::decode,
            "Logical Block Provisioning",
        );
        // A page that claims more than it has, another page code, and a short page.
        assert!(LogicalBlockProvisioning::decode(&[0x00, 0xb2, 0xff, 0xff, 0x00]).is_err());
        assert!(LogicalBlockProvisioning::decode(&[0x00, 0xb1, 0x00, 0x00]).is_err());
        let short = LogicalBlockProvisioning::decode(&[0x00, 0xb2, 0x00, 0x01, 0x03]).unwrap();
        assert_eq!(short.threshold_exponent, 3);
        assert!(!short.lbpu);
        assert_eq!(short.provisioning_type, ProvisioningType::Full);
        // Reserved provisioning types are kept, not refused.
        let odd = LogicalBlockProvisioning::decode(&[0, 0xb2, 0, 4, 0, 0, 0x07, 0]).unwrap();
        assert_eq!(u8::from(odd.provisioning_type), 7);
    }
}
