//! INQUIRY data (SPC-4 §6.6.2), the VPD page header and pages 0x00 and 0x80 (SPC-4 §7.8).
//!
//! ```text
//! Standard INQUIRY data (at least 36 bytes)
//! 0      PERIPHERAL QUALIFIER (7-5) | PERIPHERAL DEVICE TYPE (4-0)
//! 1      RMB (7)
//! 2      VERSION (0x05 SPC-3, 0x06 SPC-4, 0x07 SPC-5)
//! 3      NORMACA (5) HISUP (4) | RESPONSE DATA FORMAT (3-0, shall be 2)
//! 4      ADDITIONAL LENGTH (n - 4)
//! 5      SCCS (7) ACC (6) TPGS (5-4) 3PC (3) PROTECT (0)
//! 6      ENCSERV (6) MULTIP (4)
//! 7      CMDQUE (1)
//! 8-15   T10 VENDOR IDENTIFICATION (ASCII, space padded)
//! 16-31  PRODUCT IDENTIFICATION
//! 32-35  PRODUCT REVISION LEVEL
//!
//! VPD page header
//! 0      PERIPHERAL QUALIFIER | PERIPHERAL DEVICE TYPE
//! 1      PAGE CODE
//! 2-3    PAGE LENGTH (n - 3)
//! 4..    page specific
//! ```

//!
//! Page 0x83 is decoded in `device_id.rs`, pages 0xB0 and 0xB1 in `block_vpd.rs`.

use super::{ScsiError, ascii_field, head, take};
use crate::wire::open_enum;

/// Bytes of standard INQUIRY data required (SPC-4 §6.6.2: at least 36 are returned).
const STANDARD_LEN: usize = 36;
/// Bytes of a VPD page header.
pub(super) const VPD_HEADER_LEN: usize = 4;

open_enum! {
    /// PERIPHERAL DEVICE TYPE (SPC-4 §6.6.2, table 140).
    pub enum PeripheralDeviceType: u8 {
        /// 0x00 direct-access block device (disk).
        DirectAccess = 0x00,
        /// 0x01 sequential-access device (tape).
        SequentialAccess = 0x01,
        /// 0x02 printer.
        Printer = 0x02,
        /// 0x03 processor.
        Processor = 0x03,
        /// 0x04 write-once device.
        WriteOnce = 0x04,
        /// 0x05 CD/DVD device.
        CdDvd = 0x05,
        /// 0x07 optical memory device.
        OpticalMemory = 0x07,
        /// 0x08 media changer.
        MediaChanger = 0x08,
        /// 0x0c storage array controller.
        StorageArrayController = 0x0c,
        /// 0x0d enclosure services device.
        EnclosureServices = 0x0d,
        /// 0x0e simplified direct-access device.
        SimplifiedDirectAccess = 0x0e,
        /// 0x0f optical card reader/writer.
        OpticalCardReader = 0x0f,
        /// 0x11 object-based storage device.
        ObjectStorage = 0x11,
        /// 0x12 automation/drive interface.
        AutomationDriveInterface = 0x12,
        /// 0x14 host managed zoned block device.
        HostManagedZoned = 0x14,
        /// 0x1e well known logical unit.
        WellKnownLogicalUnit = 0x1e,
        /// 0x1f unknown or no device type.
        UnknownOrNone = 0x1f,
    }
}

open_enum! {
    /// VPD page codes this module decodes or that an initiator commonly asks for.
    pub enum VpdPage: u8 {
        /// 0x00 Supported VPD Pages.
        SupportedPages = 0x00,
        /// 0x80 Unit Serial Number.
        UnitSerialNumber = 0x80,
        /// 0x83 Device Identification.
        DeviceIdentification = 0x83,
        /// 0x86 Extended INQUIRY Data.
        ExtendedInquiry = 0x86,
        /// 0xb0 Block Limits (SBC).
        BlockLimits = 0xb0,
        /// 0xb1 Block Device Characteristics (SBC).
        BlockDeviceCharacteristics = 0xb1,
        /// 0xb2 Logical Block Provisioning (SBC).
        LogicalBlockProvisioning = 0xb2,
    }
}

/// Standard INQUIRY data.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct StandardInquiry {
    /// PERIPHERAL QUALIFIER: 0 connected, 1 not connected, 3 no device at this LUN.
    pub peripheral_qualifier: u8,
    /// PERIPHERAL DEVICE TYPE.
    pub device_type: PeripheralDeviceType,
    /// RMB: the medium is removable.
    pub removable: bool,
    /// VERSION of SPC claimed.
    pub version: u8,
    /// NORMACA: the NACA bit of the CONTROL byte is supported.
    pub normaca: bool,
    /// HISUP: hierarchical LUN addressing is used.
    pub hisup: bool,
    /// RESPONSE DATA FORMAT (2 for SPC-2 and later).
    pub response_data_format: u8,
    /// ADDITIONAL LENGTH: bytes after byte 4 the target has (the total is this plus 5).
    pub additional_length: u8,
    /// SCCS: embedded storage array controller.
    pub sccs: bool,
    /// ACC: access controls coordinator.
    pub acc: bool,
    /// TPGS: target port group support (0 none, 1 implicit ALUA, 2 explicit, 3 both).
    pub tpgs: u8,
    /// 3PC: third-party copy supported.
    pub third_party_copy: bool,
    /// PROTECT: protection information supported.
    pub protect: bool,
    /// ENCSERV: embedded enclosure services.
    pub encserv: bool,
    /// MULTIP: multiple SCSI ports.
    pub multip: bool,
    /// CMDQUE: command queuing supported.
    pub cmdque: bool,
    /// T10 VENDOR IDENTIFICATION, trailing spaces removed.
    pub vendor: String,
    /// PRODUCT IDENTIFICATION, trailing spaces removed.
    pub product: String,
    /// PRODUCT REVISION LEVEL, trailing spaces removed.
    pub revision: String,
}

impl StandardInquiry {
    /// Decodes standard INQUIRY data; bytes past 36 are ignored.
    ///
    /// # Errors
    ///
    /// [`ScsiError::Truncated`] below 36 bytes.
    pub fn decode(buf: &[u8]) -> Result<Self, ScsiError> {
        let data: [u8; STANDARD_LEN] = head(buf, "standard INQUIRY data")?;
        let [.., vendor, product, revision] = split_ids(&data);
        Ok(Self {
            peripheral_qualifier: data[0] >> 5,
            device_type: PeripheralDeviceType::from(data[0] & 0x1f),
            removable: data[1] & 0x80 != 0,
            version: data[2],
            normaca: data[3] & 0x20 != 0,
            hisup: data[3] & 0x10 != 0,
            response_data_format: data[3] & 0x0f,
            additional_length: data[4],
            sccs: data[5] & 0x80 != 0,
            acc: data[5] & 0x40 != 0,
            tpgs: (data[5] >> 4) & 0x03,
            third_party_copy: data[5] & 0x08 != 0,
            protect: data[5] & 0x01 != 0,
            encserv: data[6] & 0x40 != 0,
            multip: data[6] & 0x10 != 0,
            cmdque: data[7] & 0x02 != 0,
            vendor: ascii_field(vendor),
            product: ascii_field(product),
            revision: ascii_field(revision),
        })
    }

    /// Whether a logical unit is present (peripheral qualifier 0): a target answers INQUIRY
    /// for an absent LUN with qualifier 3 (SPC-4 §6.6.2).
    pub fn is_connected(&self) -> bool {
        self.peripheral_qualifier == 0
    }
}

/// Splits the 36 bytes into the header, vendor, product and revision fields.
fn split_ids(data: &[u8; STANDARD_LEN]) -> [&[u8]; 4] {
    let (header, rest) = data.split_at(8);
    let (vendor, rest) = rest.split_at(8);
    let (product, revision) = rest.split_at(16);
    [header, vendor, product, revision]
}

/// The whole VPD page `page` (header included) within its PAGE LENGTH.
pub(super) fn vpd_page<'a>(
    buf: &'a [u8],
    page: VpdPage,
    what: &'static str,
) -> Result<&'a [u8], ScsiError> {
    let header: [u8; VPD_HEADER_LEN] = head(buf, what)?;
    if header[1] != u8::from(page) {
        return Err(ScsiError::InvalidField {
            what: "VPD PAGE CODE",
        });
    }
    let len = usize::from(u16::from_be_bytes([header[2], header[3]]));
    take(buf, len.saturating_add(VPD_HEADER_LEN), what)
}

/// Supported VPD Pages (page 0x00, SPC-4 §7.8.16).
#[derive(Clone, Debug, Default, Eq, Hash, PartialEq)]
pub struct SupportedVpdPages {
    /// The supported page codes, in the order listed (ascending per SPC-4).
    pub pages: Vec<VpdPage>,
}

impl SupportedVpdPages {
    /// Decodes page 0x00.
    ///
    /// # Errors
    ///
    /// [`ScsiError::Truncated`] when the buffer is shorter than the header or the PAGE
    /// LENGTH; [`ScsiError::InvalidField`] when the PAGE CODE is not 0x00.
    pub fn decode(buf: &[u8]) -> Result<Self, ScsiError> {
        let page = vpd_page(buf, VpdPage::SupportedPages, "Supported VPD Pages")?;
        let list = page.get(VPD_HEADER_LEN..).unwrap_or_default();
        Ok(Self {
            pages: list.iter().copied().map(VpdPage::from).collect(),
        })
    }

    /// Whether `page` is listed.
    pub fn supports(&self, page: VpdPage) -> bool {
        self.pages.contains(&page)
    }
}

/// Unit Serial Number (page 0x80, SPC-4 §7.8.18).
#[derive(Clone, Debug, Default, Eq, Hash, PartialEq)]
pub struct UnitSerialNumber {
    /// PRODUCT SERIAL NUMBER, leading and trailing spaces removed.
    pub serial: String,
}

impl UnitSerialNumber {
    /// Decodes page 0x80.
    ///
    /// # Errors
    ///
    /// As [`SupportedVpdPages::decode`], for page code 0x80.
    pub fn decode(buf: &[u8]) -> Result<Self, ScsiError> {
        let page = vpd_page(buf, VpdPage::UnitSerialNumber, "Unit Serial Number")?;
        let serial = ascii_field(page.get(VPD_HEADER_LEN..).unwrap_or_default());
        Ok(Self {
            serial: serial.trim_start_matches(' ').to_owned(),
        })
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use crate::scsi::check_vpd_truncation;
    /// Standard INQUIRY data of a tgt (stgt) disk: vendor "IET", product "VIRTUAL-DISK".
    #[rustfmt::skip]
    const TGT_INQUIRY: [u8; 36] = [
        0x00,                   // PQ 0 (connected), direct-access device
        0x00,                   // not removable
        0x05,                   // VERSION: SPC-3
        0x12,                   // HISUP, RESPONSE DATA FORMAT 2
        0x3b,                   // ADDITIONAL LENGTH: 59 (64 bytes available)
        0x10,                   // TPGS 1 (implicit ALUA)
        0x00,                   // no ENCSERV, no MULTIP
        0x02,                   // CMDQUE
        b'I', b'E', b'T', b' ', b' ', b' ', b' ', b' ',                 // vendor
        b'V', b'I', b'R', b'T', b'U', b'A', b'L', b'-',                 // product
        b'D', b'I', b'S', b'K', b' ', b' ', b' ', b' ',
        b'0', b'0', b'0', b'1',                                         // revision
    ];

    #[test]
    fn standard_inquiry_tgt() {
        let inquiry = StandardInquiry::decode(&TGT_INQUIRY).unwrap();
        assert_eq!(
            inquiry,
            StandardInquiry {
                peripheral_qualifier: 0,
                device_type: PeripheralDeviceType::DirectAccess,
                removable: false,
                version: 5,
                normaca: false,
                hisup: true,
                response_data_format: 2,
                additional_length: 59,
                sccs: false,
                acc: false,
                tpgs: 1,
                third_party_copy: false,
                protect: false,
                encserv: false,
                multip: false,
                cmdque: true,
                vendor: "IET".into(),
                product: "VIRTUAL-DISK".into(),
                revision: "0001".into(),
            }
        );
        assert!(inquiry.is_connected());
        for len in 0..STANDARD_LEN {
            assert_eq!(
                StandardInquiry::decode(&TGT_INQUIRY[..len]),
                Err(ScsiError::Truncated {
                    what: "standard INQUIRY data",
                    needed: 36,
                    available: len
                })
            );
        }
    }

    #[test]
    fn standard_inquiry_flags_and_garbage_text() {
        let mut buf = TGT_INQUIRY.to_vec();
        buf[0] = 0x7f; // PQ 3, unknown device type: no LU here
        buf[1] = 0x80; // removable
        buf[3] = 0x22; // NORMACA
        buf[5] = 0xf9; // SCCS ACC TPGS 3 3PC PROTECT
        buf[6] = 0x50; // ENCSERV MULTIP
        buf[8] = 0xff; // not UTF-8
        buf[16..32].fill(0); // NUL padded
        buf.extend_from_slice(&[0xaa; 28]); // version descriptors, ignored
        let inquiry = StandardInquiry::decode(&buf).unwrap();
        assert_eq!(inquiry.peripheral_qualifier, 3);
        assert_eq!(inquiry.device_type, PeripheralDeviceType::UnknownOrNone);
        assert!(!inquiry.is_connected());
        assert!(inquiry.removable && inquiry.normaca && !inquiry.hisup);
        assert!(inquiry.sccs && inquiry.acc && inquiry.third_party_copy && inquiry.protect);
        assert_eq!(inquiry.tpgs, 3);
        assert!(inquiry.encserv && inquiry.multip);
        assert_eq!(inquiry.vendor, "\u{fffd}ET");
        assert_eq!(inquiry.product, "");
    }

    #[test]
    fn supported_pages() {
        #[rustfmt::skip]
        let buf = [
            0x00,                   // direct-access device
            0x00,                   // PAGE CODE 0x00
            0x00, 0x06,             // PAGE LENGTH 6
            0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2,
        ];
        let pages = SupportedVpdPages::decode(&buf).unwrap();
        assert_eq!(
            pages.pages,
            [
                VpdPage::SupportedPages,
                VpdPage::UnitSerialNumber,
                VpdPage::DeviceIdentification,
                VpdPage::BlockLimits,
                VpdPage::BlockDeviceCharacteristics,
                VpdPage::LogicalBlockProvisioning,
            ]
        );
        assert!(pages.supports(VpdPage::BlockLimits));
        assert!(!pages.supports(VpdPage::Unknown(0xc0)));
        check_vpd_truncation(&buf, SupportedVpdPages::decode, "Supported VPD Pages");
        let mut wrong = buf;
        wrong[1] = 0x80;
        assert_eq!(
            SupportedVpdPages::decode(&wrong),
            Err(ScsiError::InvalidField {
                what: "VPD PAGE CODE"
            })
        );
    }

    #[test]
    fn unit_serial_number() {
        #[rustfmt::skip]
        let buf = [
            0x00,                   // direct-access device
            0x80,                   // PAGE CODE 0x80
            0x00, 0x0c,             // PAGE LENGTH 12
            b' ', b' ', b'b', b'e', b'a', b'f', b'1', b'1', b' ', b' ', b' ', 0,
        ];
        let serial = UnitSerialNumber::decode(&buf).unwrap();
        assert_eq!(serial.serial, "beaf11");
        check_vpd_truncation(&buf, UnitSerialNumber::decode, "Unit Serial Number");
    }
}
