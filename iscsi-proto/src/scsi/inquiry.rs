//! INQUIRY data (SPC-4 §6.6.2) and the vital product data pages (SPC-4 §7.8, SBC-3 §6.6).
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
//! Page 0x83 is a list of designation descriptors:
//!
//! ```text
//! 0      PROTOCOL IDENTIFIER (7-4) | CODE SET (3-0)
//! 1      PIV (7) | ASSOCIATION (5-4) | DESIGNATOR TYPE (3-0)
//! 2      reserved
//! 3      DESIGNATOR LENGTH (n - 3)
//! 4..    DESIGNATOR
//! ```
//!
//! Pages 0xB0 (Block Limits) and 0xB1 (Block Device Characteristics) are decoded with the
//! byte offsets of SBC-3/4 counted from the start of the page; a field past the PAGE LENGTH
//! (an older, shorter page) reads as zero, which SBC defines as "not reported".

use std::fmt;

use super::{ScsiError, array_at, ascii_field, be16_at, be32_at, be64_at, head, take};
use crate::wire::open_enum;

/// Bytes of standard INQUIRY data required (SPC-4 §6.6.2: at least 36 are returned).
const STANDARD_LEN: usize = 36;
/// Bytes of a VPD page header.
const VPD_HEADER_LEN: usize = 4;
/// Bytes of a designation descriptor header.
const DESIGNATOR_HEADER_LEN: usize = 4;

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
fn vpd_page<'a>(buf: &'a [u8], page: VpdPage, what: &'static str) -> Result<&'a [u8], ScsiError> {
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
    /// As [`SupportedVpdPages::decode`], for page code 0x83; [`ScsiError::Truncated`] when a
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

/// Block Limits (page 0xB0, SBC-3 §6.6.4). A zero field means "not reported" / no limit.
/// Transfer lengths are in logical blocks.
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
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
    /// As [`SupportedVpdPages::decode`], for page code 0xB0.
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
    /// As [`SupportedVpdPages::decode`], for page code 0xB1.
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
        check_truncation(&buf, SupportedVpdPages::decode, "Supported VPD Pages");
        let mut wrong = buf;
        wrong[1] = 0x80;
        assert_eq!(
            SupportedVpdPages::decode(&wrong),
            Err(ScsiError::InvalidField {
                what: "VPD PAGE CODE"
            })
        );
    }

    /// Every prefix shorter than the page gives a typed truncation error.
    fn check_truncation<T: fmt::Debug>(
        buf: &[u8],
        decode: fn(&[u8]) -> Result<T, ScsiError>,
        what: &'static str,
    ) {
        for len in 0..buf.len() {
            let needed = if len < 4 { 4 } else { buf.len() };
            match decode(&buf[..len]) {
                Err(ScsiError::Truncated {
                    what: w,
                    needed: n,
                    available,
                }) => {
                    assert_eq!((w, n, available), (what, needed, len), "prefix of {len}");
                }
                other => panic!("prefix of {len}: {other:?}"),
            }
        }
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
        check_truncation(&buf, UnitSerialNumber::decode, "Unit Serial Number");
    }

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
}
