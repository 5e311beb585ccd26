//! REPORT LUNS parameter data (SPC-4 §6.33.2).
//!
//! ```text
//! 0-3   LUN LIST LENGTH (n - 7), a multiple of 8
//! 4-7   reserved
//! 8-15  first LUN (SAM-5 §4.7 eight-byte LUN)
//! ...
//! n-7-n last LUN
//! ```

use super::{ScsiError, head};
use crate::wire::Lun;

/// Bytes before the LUN list.
const HEADER_LEN: usize = 8;
/// Bytes per LUN.
const LUN_LEN: usize = 8;

/// One eight-byte LUN as reported (SAM-5 §4.7), kept raw. A transport converts it to its own
/// LUN type as is.
#[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct ReportedLun(pub [u8; 8]);

impl ReportedLun {
    /// The LUN number of a single-level LUN with peripheral (00b, bus 0) or flat space (01b)
    /// addressing, the forms targets use for up to 16384 LUNs; `None` for other forms. The
    /// same decoding as [`Lun::index`].
    pub fn index(&self) -> Option<u16> {
        Lun(self.0).index()
    }
}

/// REPORT LUNS parameter data.
#[derive(Clone, Debug, Default, Eq, Hash, PartialEq)]
pub struct ReportLuns {
    /// The LUNs in the order reported.
    pub luns: Vec<ReportedLun>,
}

impl ReportLuns {
    /// Decodes the parameter data.
    ///
    /// # Errors
    ///
    /// [`ScsiError::Truncated`] below 8 bytes or when the buffer holds less than LUN LIST
    /// LENGTH says (`needed` is then the allocation length that would hold the whole list);
    /// [`ScsiError::InvalidField`] when LUN LIST LENGTH is not a multiple of 8.
    pub fn decode(buf: &[u8]) -> Result<Self, ScsiError> {
        let header: [u8; HEADER_LEN] = head(buf, "REPORT LUNS data")?;
        let list_len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        let list_len = usize::try_from(list_len).unwrap_or(usize::MAX);
        if list_len % LUN_LEN != 0 {
            return Err(ScsiError::InvalidField {
                what: "LUN LIST LENGTH",
            });
        }
        let needed = list_len.saturating_add(HEADER_LEN);
        let list = buf.get(HEADER_LEN..needed).ok_or(ScsiError::Truncated {
            what: "REPORT LUNS data",
            needed,
            available: buf.len(),
        })?;
        // `list` is part of `buf`, so this allocates at most `buf.len()` bytes.
        let luns = list
            .chunks_exact(LUN_LEN)
            .filter_map(|lun| lun.try_into().ok())
            .map(ReportedLun);
        Ok(Self {
            luns: luns.collect(),
        })
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[rustfmt::skip]
    const THREE_LUNS: [u8; 32] = [
        0x00, 0x00, 0x00, 0x18, // LUN LIST LENGTH: 24 (three LUNs)
        0x00, 0x00, 0x00, 0x00, // reserved
        0x00, 0x00, 0, 0, 0, 0, 0, 0, // LUN 0, peripheral addressing
        0x00, 0x01, 0, 0, 0, 0, 0, 0, // LUN 1, peripheral addressing
        0x41, 0x2c, 0, 0, 0, 0, 0, 0, // LUN 300, flat space addressing
    ];

    #[test]
    fn three_luns() {
        let report = ReportLuns::decode(&THREE_LUNS).unwrap();
        let indexes: Vec<_> = report.luns.iter().map(ReportedLun::index).collect();
        assert_eq!(indexes, [Some(0), Some(1), Some(300)]);
        assert_eq!(report.luns[2], ReportedLun([0x41, 0x2c, 0, 0, 0, 0, 0, 0]));
        // Extra bytes past the list are ignored.
        let mut longer = THREE_LUNS.to_vec();
        longer.extend_from_slice(&[0xff; 8]);
        assert_eq!(ReportLuns::decode(&longer), Ok(report));
    }

    #[test]
    fn truncation_reports_needed_allocation_length() {
        for len in 0..8 {
            assert_eq!(
                ReportLuns::decode(&THREE_LUNS[..len]),
                Err(ScsiError::Truncated {
                    what: "REPORT LUNS data",
                    needed: 8,
                    available: len
                })
            );
        }
        for len in 8..32 {
            assert_eq!(
                ReportLuns::decode(&THREE_LUNS[..len]),
                Err(ScsiError::Truncated {
                    what: "REPORT LUNS data",
                    needed: 32,
                    available: len
                })
            );
        }
        let huge = [0xff, 0xff, 0xff, 0xf8, 0, 0, 0, 0];
        assert!(matches!(
            ReportLuns::decode(&huge),
            Err(ScsiError::Truncated { .. })
        ));
    }

    #[test]
    fn empty_and_invalid() {
        assert_eq!(ReportLuns::decode(&[0; 8]), Ok(ReportLuns::default()));
        assert_eq!(
            ReportLuns::decode(&[0, 0, 0, 7, 0, 0, 0, 0]),
            Err(ScsiError::InvalidField {
                what: "LUN LIST LENGTH"
            })
        );
    }

    #[test]
    fn lun_forms() {
        assert_eq!(ReportedLun([0x01, 0x05, 0, 0, 0, 0, 0, 0]).index(), None); // bus 1
        assert_eq!(
            ReportedLun([0x7f, 0xff, 0, 0, 0, 0, 0, 0]).index(),
            Some(0x3fff)
        );
        assert_eq!(
            ReportedLun([0x00, 0x01, 0x40, 0x02, 0, 0, 0, 0]).index(),
            None
        ); // 2 levels
        assert_eq!(ReportedLun([0xc1, 0x00, 0, 0, 0, 0, 0, 0]).index(), None); // well known
    }
}
