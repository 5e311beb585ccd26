//! Device Identification VPD page (0x83, SPC-4 §7.8.6): a list of designation descriptors.
//!
//! ```text
//! 0      PERIPHERAL QUALIFIER | PERIPHERAL DEVICE TYPE
//! 1      PAGE CODE (0x83)
//! 2-3    PAGE LENGTH (n - 3)
//! 4..    designation descriptors:
//!        0    PROTOCOL IDENTIFIER (7-4) | CODE SET (3-0)
//!        1    PIV (7) | ASSOCIATION (5-4) | DESIGNATOR TYPE (3-0)
//!        2    reserved
//!        3    DESIGNATOR LENGTH (m - 3)
//!        4..  DESIGNATOR
//! ```

use std::fmt;

use super::{
    ScsiError, be16_at, head,
    inquiry::{VPD_HEADER_LEN, VpdPage, vpd_page},
};
use crate::wire::open_enum;

/// Bytes of a designation descriptor header.
const DESIGNATOR_HEADER_LEN: usize = 4;

open_enum! {
    /// CODE SET of a designation descriptor (SPC-4 §7.8.6.1, table 459).
    pub enum CodeSet: u8 {
        /// 1: binary.
        Binary = 1,
        /// 2: ASCII printable characters.
        Ascii = 2,
        /// 3: UTF-8.
        Utf8 = 3,
    }
}

open_enum! {
    /// ASSOCIATION of a designation descriptor (SPC-4 §7.8.6.1, table 460).
    pub enum Association: u8 {
        /// 0: the logical unit.
        LogicalUnit = 0,
        /// 1: the target port that received the command.
        TargetPort = 1,
        /// 2: the SCSI target device containing the logical unit.
        TargetDevice = 2,
    }
}

open_enum! {
    /// DESIGNATOR TYPE (SPC-4 §7.8.6.1, table 461).
    pub enum DesignatorType: u8 {
        /// 0x0 vendor specific.
        VendorSpecific = 0x0,
        /// 0x1 T10 vendor ID based: 8-byte vendor identification plus vendor data.
        T10VendorId = 0x1,
        /// 0x2 EUI-64 based.
        Eui64 = 0x2,
        /// 0x3 NAA (world wide name).
        Naa = 0x3,
        /// 0x4 relative target port identifier.
        RelativeTargetPort = 0x4,
        /// 0x5 target port group.
        TargetPortGroup = 0x5,
        /// 0x6 logical unit group.
        LogicalUnitGroup = 0x6,
        /// 0x7 MD5 logical unit identifier.
        Md5LogicalUnit = 0x7,
        /// 0x8 SCSI name string (e.g. an iSCSI name), UTF-8, NUL padded.
        ScsiNameString = 0x8,
        /// 0x9 protocol specific port identifier.
        ProtocolSpecificPort = 0x9,
        /// 0xa UUID.
        Uuid = 0xa,
    }
}

/// One designation descriptor of page 0x83.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct Designator {
    /// PROTOCOL IDENTIFIER (5 = iSCSI); meaningful only when `piv` is set.
    pub protocol_identifier: u8,
    /// CODE SET.
    pub code_set: CodeSet,
    /// PIV: `protocol_identifier` is valid (for target port or device associations).
    pub piv: bool,
    /// ASSOCIATION.
    pub association: Association,
    /// DESIGNATOR TYPE.
    pub designator_type: DesignatorType,
    /// DESIGNATOR bytes.
    pub designator: Vec<u8>,
}

impl Designator {
    /// The designator as text for the ASCII and UTF-8 code sets, NUL padding removed;
    /// `None` for binary designators or invalid UTF-8.
    pub fn as_text(&self) -> Option<&str> {
        match self.code_set {
            CodeSet::Ascii | CodeSet::Utf8 => std::str::from_utf8(&self.designator)
                .ok()
                .map(|text| text.trim_end_matches('\0')),
            _ => None,
        }
    }

    /// The relative target port or target port group number (designator types 0x4 and 0x5:
    /// bytes 2-3 of the designator).
    pub fn port_number(&self) -> Option<u16> {
        match self.designator_type {
            DesignatorType::RelativeTargetPort | DesignatorType::TargetPortGroup => {
                be16_at(&self.designator, 2)
            }
            _ => None,
        }
    }
}

impl fmt::Display for Designator {
    /// `naa.<hex>`, `eui.<hex>`, the text of a textual designator, or `0x<hex>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = match self.designator_type {
            DesignatorType::Naa if self.code_set == CodeSet::Binary => "naa.",
            DesignatorType::Eui64 if self.code_set == CodeSet::Binary => "eui.",
            _ => match self.as_text() {
                Some(text) => return f.write_str(text),
                None => "0x",
            },
        };
        f.write_str(prefix)?;
        self.designator
            .iter()
            .try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

/// Device Identification (page 0x83, SPC-4 §7.8.6).
#[derive(Clone, Debug, Default, Eq, Hash, PartialEq)]
pub struct DeviceIdentification {
    /// The designation descriptors in the order returned.
    pub designators: Vec<Designator>,
}

impl DeviceIdentification {
    /// Decodes page 0x83.
    ///
    /// # Errors
    ///
    /// As [`super::SupportedVpdPages::decode`], for page code 0x83; [`ScsiError::Truncated`] when a
    /// designation descriptor overruns the page.
    pub fn decode(buf: &[u8]) -> Result<Self, ScsiError> {
        let page = vpd_page(buf, VpdPage::DeviceIdentification, "Device Identification")?;
        let mut rest = page.get(VPD_HEADER_LEN..).unwrap_or_default();
        let mut designators = Vec::new();
        // Each round consumes at least the 4-byte header; the list is bounded by the page.
        while !rest.is_empty() {
            let header: [u8; DESIGNATOR_HEADER_LEN] = head(rest, "designation descriptor")?;
            let len = usize::from(header[3]).saturating_add(DESIGNATOR_HEADER_LEN);
            let (descriptor, tail) = rest.split_at_checked(len).ok_or(ScsiError::Truncated {
                what: "designation descriptor",
                needed: len,
                available: rest.len(),
            })?;
            designators.push(Designator {
                protocol_identifier: header[0] >> 4,
                code_set: CodeSet::from(header[0] & 0x0f),
                piv: header[1] & 0x80 != 0,
                association: Association::from((header[1] >> 4) & 0x03),
                designator_type: DesignatorType::from(header[1] & 0x0f),
                designator: descriptor
                    .get(DESIGNATOR_HEADER_LEN..)
                    .unwrap_or_default()
                    .to_vec(),
            });
            rest = tail;
        }
        Ok(Self { designators })
    }

    /// The best name of the logical unit itself: among designators associated with the
    /// logical unit, the first NAA, else EUI-64, else SCSI name string, else T10 vendor ID.
    pub fn logical_unit_name(&self) -> Option<&Designator> {
        [
            DesignatorType::Naa,
            DesignatorType::Eui64,
            DesignatorType::ScsiNameString,
            DesignatorType::T10VendorId,
        ]
        .into_iter()
        .find_map(|kind| {
            self.designators.iter().find(|designator| {
                designator.association == Association::LogicalUnit
                    && designator.designator_type == kind
            })
        })
    }
}

/// Lowercase hex of `bytes` (used by tests and debug output).
#[cfg(test)]
fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use crate::scsi::check_vpd_truncation as check_truncation;

    /// Page 0x83 as a tgt-like target returns it: an NAA for the LU, a T10 vendor ID for
    /// the LU, a relative target port and the target's iSCSI name.
    fn device_identification_page() -> Vec<u8> {
        let mut buf = vec![
            0x00, // direct-access device
            0x83, // PAGE CODE 0x83
            0x00, 0x00, // PAGE LENGTH, set below
        ];
        // NAA IEEE Registered Extended (type 6), 16 bytes, binary, LU association.
        buf.extend_from_slice(&[0x01, 0x03, 0x00, 0x10]);
        buf.extend_from_slice(&[
            0x60, 0x00, 0x0c, 0x29, 0x00, 0x00, 0x00, 0x00, //
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        ]);
        // T10 vendor ID, ASCII, LU association: "IET     " + "beaf11".
        buf.extend_from_slice(&[0x02, 0x01, 0x00, 0x0e]);
        buf.extend_from_slice(b"IET     beaf11");
        // Relative target port 1: iSCSI (5), binary, PIV, target port association.
        buf.extend_from_slice(&[0x51, 0x94, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01]);
        // SCSI name string: iSCSI, UTF-8, PIV, target device association, NUL padded to 4.
        buf.extend_from_slice(&[0x53, 0xa8, 0x00, 0x20]);
        buf.extend_from_slice(b"iqn.2001-04.com.example:disk1\0\0\0");
        let len = u16::try_from(buf.len() - 4).unwrap();
        buf[2..4].copy_from_slice(&len.to_be_bytes());
        buf
    }

    #[test]
    fn device_identification() {
        let buf = device_identification_page();
        assert_eq!(&buf[..4], &[0x00, 0x83, 0x00, 0x52]); // PAGE LENGTH 82
        let ids = DeviceIdentification::decode(&buf).unwrap();
        assert_eq!(ids.designators.len(), 4);

        let naa = &ids.designators[0];
        assert_eq!(
            (naa.code_set, naa.association, naa.designator_type, naa.piv),
            (
                CodeSet::Binary,
                Association::LogicalUnit,
                DesignatorType::Naa,
                false
            )
        );
        assert_eq!(naa.to_string(), "naa.60000c29000000000000000000000001");
        assert_eq!(naa.as_text(), None);
        assert_eq!(ids.logical_unit_name(), Some(naa));

        let t10 = &ids.designators[1];
        assert_eq!(t10.designator_type, DesignatorType::T10VendorId);
        assert_eq!(t10.as_text(), Some("IET     beaf11"));

        let port = &ids.designators[2];
        assert_eq!(
            (port.protocol_identifier, port.piv, port.association),
            (5, true, Association::TargetPort)
        );
        assert_eq!(port.designator_type, DesignatorType::RelativeTargetPort);
        assert_eq!(port.port_number(), Some(1));
        assert_eq!(port.to_string(), "0x00000001");

        let name = &ids.designators[3];
        assert_eq!(
            (name.code_set, name.association, name.designator_type),
            (
                CodeSet::Utf8,
                Association::TargetDevice,
                DesignatorType::ScsiNameString
            )
        );
        assert_eq!(name.to_string(), "iqn.2001-04.com.example:disk1");
        assert_eq!(name.port_number(), None);

        check_truncation(&buf, DeviceIdentification::decode, "Device Identification");
    }

    #[test]
    fn device_identification_overrun_and_fallback_name() {
        let mut buf = device_identification_page();
        buf[4 + 3] = 0x11; // the NAA designator claims one byte more than it has
        assert!(matches!(
            DeviceIdentification::decode(&buf),
            Err(ScsiError::Truncated {
                what: "designation descriptor",
                ..
            })
        ));
        // A page whose PAGE LENGTH ends inside a descriptor header.
        let short = [0x00, 0x83, 0x00, 0x02, 0x01, 0x03];
        assert_eq!(
            DeviceIdentification::decode(&short),
            Err(ScsiError::Truncated {
                what: "designation descriptor",
                needed: 4,
                available: 2
            })
        );
        // Without the NAA, the T10 vendor ID names the LU; EUI-64 renders as eui.
        let mut ids = DeviceIdentification::decode(&device_identification_page()).unwrap();
        ids.designators.remove(0);
        assert_eq!(
            ids.logical_unit_name().unwrap().designator_type,
            DesignatorType::T10VendorId
        );
        let eui = Designator {
            protocol_identifier: 0,
            code_set: CodeSet::Binary,
            piv: false,
            association: Association::LogicalUnit,
            designator_type: DesignatorType::Eui64,
            designator: vec![0x00, 0x14, 0x05, 0xff, 0xfe, 0x01, 0x02, 0x03],
        };
        assert_eq!(eui.to_string(), "eui.001405fffe010203");
        assert_eq!(hex(&eui.designator), "001405fffe010203");
        ids.designators.push(eui.clone());
        assert_eq!(ids.logical_unit_name(), Some(&eui));
    }
}
