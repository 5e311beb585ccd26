//! MODE SENSE parameter data (SPC-4 §7.5): header, block descriptors, mode pages.
//!
//! ```text
//! Header (6), 4 bytes                  Header (10), 8 bytes
//! 0  MODE DATA LENGTH (n - 1)          0-1  MODE DATA LENGTH (n - 2)
//! 1  MEDIUM TYPE                       2    MEDIUM TYPE
//! 2  DEVICE-SPECIFIC PARAMETER         3    DEVICE-SPECIFIC PARAMETER
//! 3  BLOCK DESCRIPTOR LENGTH           4    LONGLBA (bit 0)
//!                                      5    reserved
//!                                      6-7  BLOCK DESCRIPTOR LENGTH
//!
//! Short LBA block descriptor (SBC-3 §6.4.2), 8 bytes   Long LBA, 16 bytes (LONGLBA set)
//! 0-3  NUMBER OF LOGICAL BLOCKS                       0-7   NUMBER OF LOGICAL BLOCKS
//! 4    reserved (density code in other device types)  8-11  reserved
//! 5-7  LOGICAL BLOCK LENGTH                           12-15 LOGICAL BLOCK LENGTH
//!
//! Page_0 format (SPF 0)                Sub_page format (SPF 1)
//! 0  PS(7) SPF(6) PAGE CODE(5-0)       0    PS(7) SPF(6) PAGE CODE(5-0)
//! 1  PAGE LENGTH (n - 1)               1    SUBPAGE CODE
//! 2.. mode parameters                  2-3  PAGE LENGTH (n - 3)
//!                                      4..  mode parameters
//! ```
//!
//! For direct-access devices the DEVICE-SPECIFIC PARAMETER holds WP (bit 7) and DPOFUA
//! (bit 4) (SBC-3 §6.4.1). Block descriptors are decoded in the SBC (direct-access) layout.

use super::{ScsiError, be16_at, be32_at, be64_at, head, take};

/// Bytes of the mode parameter header of MODE SENSE (6).
const HEADER6_LEN: usize = 4;
/// Bytes of the mode parameter header of MODE SENSE (10).
const HEADER10_LEN: usize = 8;

/// One block descriptor, in the SBC layout.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub struct BlockDescriptor {
    /// NUMBER OF LOGICAL BLOCKS (0: all remaining; 0xffffffff in a short descriptor: too
    /// many to report).
    pub blocks: u64,
    /// LOGICAL BLOCK LENGTH.
    pub block_length: u32,
}

/// One mode page as returned, parameters kept raw.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct ModePage {
    /// PAGE CODE (6 bits).
    pub page_code: u8,
    /// SUBPAGE CODE; zero for a page_0 format page.
    pub subpage_code: u8,
    /// PS: the page can be saved.
    pub ps: bool,
    /// SPF: the page uses the sub_page format.
    pub spf: bool,
    /// The mode parameters after the page header.
    pub data: Vec<u8>,
}

/// MODE SENSE (6) or (10) parameter data.
#[derive(Clone, Debug, Default, Eq, Hash, PartialEq)]
pub struct ModeParameters {
    /// MODE DATA LENGTH as received (excludes the length field itself).
    pub mode_data_length: u16,
    /// MEDIUM TYPE (0 for direct-access devices).
    pub medium_type: u8,
    /// DEVICE-SPECIFIC PARAMETER, raw.
    pub device_specific: u8,
    /// LONGLBA (MODE SENSE (10) only): block descriptors are 16 bytes.
    pub long_lba: bool,
    /// The block descriptors.
    pub block_descriptors: Vec<BlockDescriptor>,
    /// The mode pages in the order returned.
    pub pages: Vec<ModePage>,
}

impl ModeParameters {
    /// Decodes MODE SENSE (6) parameter data.
    ///
    /// # Errors
    ///
    /// [`ScsiError::Truncated`] below the header or when the buffer holds less than MODE DATA
    /// LENGTH says (`needed` is then the allocation length to retry with);
    /// [`ScsiError::InvalidField`] when the block descriptors or a page overrun the data.
    pub fn decode6(buf: &[u8]) -> Result<Self, ScsiError> {
        let header: [u8; HEADER6_LEN] = head(buf, "mode parameter header (6)")?;
        let total = usize::from(header[0]).saturating_add(1);
        Self::decode_body(
            buf,
            total,
            HEADER6_LEN,
            Self {
                mode_data_length: header[0].into(),
                medium_type: header[1],
                device_specific: header[2],
                ..Self::default()
            },
            header[3].into(),
        )
    }

    /// Decodes MODE SENSE (10) parameter data.
    ///
    /// # Errors
    ///
    /// As [`ModeParameters::decode6`].
    pub fn decode10(buf: &[u8]) -> Result<Self, ScsiError> {
        let header: [u8; HEADER10_LEN] = head(buf, "mode parameter header (10)")?;
        let mode_data_length = u16::from_be_bytes([header[0], header[1]]);
        let total = usize::from(mode_data_length).saturating_add(2);
        Self::decode_body(
            buf,
            total,
            HEADER10_LEN,
            Self {
                mode_data_length,
                medium_type: header[2],
                device_specific: header[3],
                long_lba: header[4] & 0x01 != 0,
                ..Self::default()
            },
            u16::from_be_bytes([header[6], header[7]]).into(),
        )
    }

    /// Decodes the block descriptors and pages that follow the header.
    fn decode_body(
        buf: &[u8],
        total: usize,
        header_len: usize,
        mut params: Self,
        descriptors_len: usize,
    ) -> Result<Self, ScsiError> {
        let data = take(buf, total, "mode parameter data")?;
        let body = data.get(header_len..).unwrap_or_default();
        let (descriptors, mut pages) =
            body.split_at_checked(descriptors_len)
                .ok_or(ScsiError::InvalidField {
                    what: "BLOCK DESCRIPTOR LENGTH",
                })?;

        let descriptor_len = if params.long_lba { 16 } else { 8 };
        if descriptors.len().checked_rem(descriptor_len) != Some(0) {
            return Err(ScsiError::InvalidField {
                what: "BLOCK DESCRIPTOR LENGTH",
            });
        }
        // Both lists are bounded by `buf.len()`.
        params.block_descriptors = descriptors
            .chunks_exact(descriptor_len)
            .map(|descriptor| {
                if params.long_lba {
                    BlockDescriptor {
                        blocks: be64_at(descriptor, 0).unwrap_or_default(),
                        block_length: be32_at(descriptor, 12).unwrap_or_default(),
                    }
                } else {
                    BlockDescriptor {
                        blocks: be32_at(descriptor, 0).unwrap_or_default().into(),
                        block_length: be32_at(descriptor, 4).unwrap_or_default() & 0x00ff_ffff,
                    }
                }
            })
            .collect();

        // Each round consumes at least two bytes.
        while let Some(&[first, second]) = pages.first_chunk::<2>() {
            let spf = first & 0x40 != 0;
            let (subpage_code, header, len) = if spf {
                let len = be16_at(pages, 2).ok_or(ScsiError::InvalidField { what: "mode page" })?;
                (second, 4_usize, usize::from(len))
            } else {
                (0, 2, usize::from(second))
            };
            let (page, rest) = pages.split_at_checked(header.saturating_add(len)).ok_or(
                ScsiError::InvalidField {
                    what: "mode PAGE LENGTH",
                },
            )?;
            params.pages.push(ModePage {
                page_code: first & 0x3f,
                subpage_code,
                ps: first & 0x80 != 0,
                spf,
                data: page.get(header..).unwrap_or_default().to_vec(),
            });
            pages = rest;
        }
        if !pages.is_empty() {
            return Err(ScsiError::InvalidField { what: "mode page" });
        }
        Ok(params)
    }

    /// WP: the medium is write-protected (direct-access devices).
    pub fn write_protected(&self) -> bool {
        self.device_specific & 0x80 != 0
    }

    /// DPOFUA: the device supports DPO and FUA (direct-access devices).
    pub fn dpofua(&self) -> bool {
        self.device_specific & 0x10 != 0
    }

    /// The page with this page and subpage code, if returned.
    pub fn page(&self, page_code: u8, subpage_code: u8) -> Option<&ModePage> {
        self.pages
            .iter()
            .find(|page| page.page_code == page_code && page.subpage_code == subpage_code)
    }

    /// WCE of the Caching mode page (0x08, SBC-3 §6.4.5): the write cache is enabled.
    /// `None` when the page was not returned or is too short.
    pub fn write_cache_enabled(&self) -> Option<bool> {
        let byte2 = self.page(0x08, 0)?.data.first()?;
        Some(byte2 & 0x04 != 0)
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[rustfmt::skip]
    const SENSE6_CACHING: [u8; 32] = [
        0x1f,                   // MODE DATA LENGTH: 31 (32 bytes)
        0x00,                   // MEDIUM TYPE
        0x90,                   // WP, DPOFUA
        0x08,                   // BLOCK DESCRIPTOR LENGTH: one short descriptor
        0x00, 0x20, 0x00, 0x00, // NUMBER OF LOGICAL BLOCKS: 0x200000
        0x00,                   // reserved
        0x00, 0x02, 0x00,       // LOGICAL BLOCK LENGTH: 512
        0x88, 0x12,             // PS, Caching page 0x08, PAGE LENGTH 18
        0x04, 0x00, 0xff, 0xff, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, // WCE, ...
        0x80, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];

    #[test]
    fn mode_sense6_caching_page() {
        let params = ModeParameters::decode6(&SENSE6_CACHING).unwrap();
        assert_eq!(params.mode_data_length, 31);
        assert_eq!(params.medium_type, 0);
        assert!(params.write_protected() && params.dpofua() && !params.long_lba);
        assert_eq!(
            params.block_descriptors,
            [BlockDescriptor {
                blocks: 0x20_0000,
                block_length: 512
            }]
        );
        assert_eq!(params.pages.len(), 1);
        let page = &params.pages[0];
        assert_eq!(
            (page.page_code, page.subpage_code, page.ps, page.spf),
            (0x08, 0, true, false)
        );
        assert_eq!(page.data, SENSE6_CACHING[14..]);
        assert_eq!(params.write_cache_enabled(), Some(true));
        assert_eq!(params.page(0x0a, 0), None);
    }

    #[test]
    fn mode_sense6_truncation_and_overruns() {
        for len in 0..4 {
            assert_eq!(
                ModeParameters::decode6(&SENSE6_CACHING[..len]),
                Err(ScsiError::Truncated {
                    what: "mode parameter header (6)",
                    needed: 4,
                    available: len
                })
            );
        }
        for len in 4..32 {
            assert_eq!(
                ModeParameters::decode6(&SENSE6_CACHING[..len]),
                Err(ScsiError::Truncated {
                    what: "mode parameter data",
                    needed: 32,
                    available: len
                })
            );
        }
        let mut bad = SENSE6_CACHING;
        bad[3] = 0x40; // block descriptors past the end
        assert_eq!(
            ModeParameters::decode6(&bad),
            Err(ScsiError::InvalidField {
                what: "BLOCK DESCRIPTOR LENGTH"
            })
        );
        bad[3] = 0x04; // not a multiple of 8
        assert_eq!(
            ModeParameters::decode6(&bad),
            Err(ScsiError::InvalidField {
                what: "BLOCK DESCRIPTOR LENGTH"
            })
        );
        let mut bad = SENSE6_CACHING;
        bad[13] = 0x13; // page one byte longer than the data
        assert_eq!(
            ModeParameters::decode6(&bad),
            Err(ScsiError::InvalidField {
                what: "mode PAGE LENGTH"
            })
        );
    }

    #[test]
    fn mode_sense10_long_lba_and_subpage() {
        #[rustfmt::skip]
        let buf = [
            0x00, 0x1e,             // MODE DATA LENGTH: 30 (32 bytes)
            0x00,                   // MEDIUM TYPE
            0x00,                   // DEVICE-SPECIFIC PARAMETER
            0x01,                   // LONGLBA
            0x00,                   // reserved
            0x00, 0x10,             // BLOCK DESCRIPTOR LENGTH: one long descriptor
            0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, // NUMBER OF LOGICAL BLOCKS: 2^32
            0x00, 0x00, 0x00, 0x00, // reserved
            0x00, 0x00, 0x10, 0x00, // LOGICAL BLOCK LENGTH: 4096
            0x4a, 0x01,             // SPF, Control page 0x0a, subpage 1
            0x00, 0x02,             // PAGE LENGTH: 2
            0xab, 0xcd,             // parameters
            0x1c, 0x00,             // Informational exceptions page, PAGE LENGTH 0
        ];
        let params = ModeParameters::decode10(&buf).unwrap();
        assert_eq!(params.mode_data_length, 30);
        assert!(params.long_lba && !params.write_protected());
        assert_eq!(
            params.block_descriptors,
            [BlockDescriptor {
                blocks: 1 << 32,
                block_length: 4096
            }]
        );
        assert_eq!(
            params.pages,
            [
                ModePage {
                    page_code: 0x0a,
                    subpage_code: 1,
                    ps: false,
                    spf: true,
                    data: vec![0xab, 0xcd]
                },
                ModePage {
                    page_code: 0x1c,
                    subpage_code: 0,
                    ps: false,
                    spf: false,
                    data: vec![]
                },
            ]
        );
        assert_eq!(params.write_cache_enabled(), None);
        for len in 0..8 {
            assert!(matches!(
                ModeParameters::decode10(&buf[..len]),
                Err(ScsiError::Truncated { needed: 8, .. })
            ));
        }
        for len in 8..buf.len() {
            assert!(matches!(
                ModeParameters::decode10(&buf[..len]),
                Err(ScsiError::Truncated { needed: 32, .. })
            ));
        }
        // A lone trailing byte is not a page.
        let mut odd = buf.to_vec();
        odd[1] = 0x1f;
        odd.push(0x08);
        assert_eq!(
            ModeParameters::decode10(&odd),
            Err(ScsiError::InvalidField { what: "mode page" })
        );
    }
}
