//! INQUIRY data and VPD pages as the tools print them: one serde type per page for
//! `--json`, and `Name:value` lines in libiscsi's style for text. Decoding is
//! `iscsi_proto::scsi`'s (bounds-checked); this module only renders.

use std::fmt::Debug;

use iscsi_initiator::{
    iscsi_proto::scsi::{
        BlockDeviceCharacteristics, BlockLimits, Designator, DeviceIdentification,
        LogicalBlockProvisioning, PeripheralDeviceType, ScsiError, StandardInquiry,
        SupportedVpdPages, UnitSerialNumber, VpdPage,
    },
    scsi::Capacity,
};
use serde::Serialize;

/// An enum's variant name in libiscsi's spelling: `DirectAccess` -> `DIRECT_ACCESS`;
/// values the decoder does not know are `RESERVED`.
pub fn screaming(value: &impl Debug) -> String {
    let name = format!("{value:?}");
    if name.starts_with("Unknown") {
        return "RESERVED".to_owned();
    }
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// A peripheral device type as libiscsi's tools name it.
pub fn type_name(t: PeripheralDeviceType) -> String {
    match t {
        PeripheralDeviceType::CdDvd => "MMC".into(),
        other => screaming(&other),
    }
}

/// The standard INQUIRY data, every field the decoder exposes.
#[derive(Clone, Debug, Serialize)]
pub struct Inquiry {
    /// PERIPHERAL QUALIFIER.
    pub peripheral_qualifier: u8,
    /// Its name (`CONNECTED`, `DISCONNECTED`, `NOT_SUPPORTED`).
    pub peripheral_qualifier_name: String,
    /// PERIPHERAL DEVICE TYPE.
    pub device_type: u8,
    /// Its name (`DIRECT_ACCESS`, ...).
    pub device_type_name: String,
    /// RMB.
    pub removable: bool,
    /// VERSION.
    pub version: u8,
    /// The standard VERSION claims.
    pub version_name: String,
    /// NORMACA.
    pub normaca: bool,
    /// HISUP.
    pub hisup: bool,
    /// RESPONSE DATA FORMAT.
    pub response_data_format: u8,
    /// ADDITIONAL LENGTH.
    pub additional_length: u8,
    /// SCCS.
    pub sccs: bool,
    /// ACC.
    pub acc: bool,
    /// TPGS.
    pub tpgs: u8,
    /// 3PC.
    pub third_party_copy: bool,
    /// PROTECT.
    pub protect: bool,
    /// ENCSERV.
    pub encserv: bool,
    /// MULTIP.
    pub multip: bool,
    /// CMDQUE.
    pub cmdque: bool,
    /// T10 VENDOR IDENTIFICATION.
    pub vendor: String,
    /// PRODUCT IDENTIFICATION.
    pub product: String,
    /// PRODUCT REVISION LEVEL.
    pub revision: String,
}

impl From<&StandardInquiry> for Inquiry {
    fn from(i: &StandardInquiry) -> Self {
        Self {
            peripheral_qualifier: i.peripheral_qualifier,
            peripheral_qualifier_name: match i.peripheral_qualifier {
                0 => "CONNECTED",
                1 => "DISCONNECTED",
                3 => "NOT_SUPPORTED",
                _ => "RESERVED",
            }
            .to_owned(),
            device_type: u8::from(i.device_type),
            device_type_name: type_name(i.device_type),
            removable: i.removable,
            version: i.version,
            version_name: match i.version {
                0 => "no standard claimed",
                3 => "SPC",
                4 => "SPC-2",
                5 => "SPC-3",
                6 => "SPC-4",
                7 => "SPC-5",
                _ => "reserved",
            }
            .to_owned(),
            normaca: i.normaca,
            hisup: i.hisup,
            response_data_format: i.response_data_format,
            additional_length: i.additional_length,
            sccs: i.sccs,
            acc: i.acc,
            tpgs: i.tpgs,
            third_party_copy: i.third_party_copy,
            protect: i.protect,
            encserv: i.encserv,
            multip: i.multip,
            cmdque: i.cmdque,
            vendor: i.vendor.clone(),
            product: i.product.clone(),
            revision: i.revision.clone(),
        }
    }
}

impl Inquiry {
    /// `Name:value` lines, libiscsi's names.
    pub fn lines(&self) -> Vec<String> {
        let b = u8::from;
        vec![
            format!("Peripheral Qualifier:{}", self.peripheral_qualifier_name),
            format!("Peripheral Device Type:{}", self.device_type_name),
            format!("Removable:{}", b(self.removable)),
            format!("Version:{} ({})", self.version, self.version_name),
            format!("NormACA:{}", b(self.normaca)),
            format!("HiSup:{}", b(self.hisup)),
            format!("ResponseDataFormat:{}", self.response_data_format),
            format!("SCCS:{}", b(self.sccs)),
            format!("ACC:{}", b(self.acc)),
            format!("TPGS:{}", self.tpgs),
            format!("3PC:{}", b(self.third_party_copy)),
            format!("Protect:{}", b(self.protect)),
            format!("EncServ:{}", b(self.encserv)),
            format!("MultiP:{}", b(self.multip)),
            format!("CmdQue:{}", b(self.cmdque)),
            format!("Vendor:{}", self.vendor),
            format!("Product:{}", self.product),
            format!("Revision:{}", self.revision),
        ]
    }
}

/// A VPD page code with its name.
#[derive(Clone, Debug, Serialize)]
pub struct PageName {
    /// The page code.
    pub code: u8,
    /// Its name (`DEVICE_IDENTIFICATION`, ...; `RESERVED` when not known here).
    pub name: String,
}

impl PageName {
    /// The page `code`.
    pub fn of(code: u8) -> Self {
        Self {
            code,
            name: screaming(&VpdPage::from(code)).replace("SUPPORTED_PAGES", "SUPPORTED_VPD_PAGES"),
        }
    }
}

/// One designation descriptor of page 0x83, readable.
#[derive(Clone, Debug, Serialize)]
pub struct DesignatorText {
    /// CODE SET.
    pub code_set: u8,
    /// Its name (`BINARY`, `ASCII`, `UTF8`).
    pub code_set_name: String,
    /// PIV.
    pub piv: bool,
    /// PROTOCOL IDENTIFIER (meaningful when PIV is set; 5 is iSCSI).
    pub protocol_identifier: u8,
    /// ASSOCIATION.
    pub association: u8,
    /// Its name (`LOGICAL_UNIT`, `TARGET_PORT`, `TARGET_DEVICE`).
    pub association_name: String,
    /// DESIGNATOR TYPE.
    pub designator_type: u8,
    /// Its name (`NAA`, `EUI_64`, `T10_VENDOR_ID`, `SCSI_NAME_STRING`, ...).
    pub designator_type_name: String,
    /// The designator: `naa.<hex>`, `eui.<hex>`, the text of a textual one, the port number
    /// of a relative target port or group, else `0x<hex>`.
    pub value: String,
}

impl From<&Designator> for DesignatorText {
    fn from(d: &Designator) -> Self {
        Self {
            code_set: u8::from(d.code_set),
            code_set_name: screaming(&d.code_set),
            piv: d.piv,
            protocol_identifier: d.protocol_identifier,
            association: u8::from(d.association),
            association_name: screaming(&d.association),
            designator_type: u8::from(d.designator_type),
            designator_type_name: screaming(&d.designator_type)
                .replace("EUI64", "EUI_64")
                .replace("MD5_LOGICAL_UNIT", "MD5_LOGICAL_UNIT_IDENTIFIER"),
            value: d
                .port_number()
                .map_or_else(|| d.to_string(), |port| port.to_string()),
        }
    }
}

/// Block Device Characteristics (0xB1), as decoded.
#[derive(Clone, Debug, Serialize)]
pub struct BlockDeviceCharacteristicsText {
    /// MEDIUM ROTATION RATE as reported.
    pub medium_rotation_rate: u16,
    /// Readable: `not reported`, `non-rotating medium (solid state)`, `7200 rpm`.
    pub rotation: String,
    /// NOMINAL FORM FACTOR.
    pub nominal_form_factor: u8,
    /// Its name.
    pub nominal_form_factor_name: String,
    /// PRODUCT TYPE.
    pub product_type: u8,
    /// WABEREQ.
    pub wabereq: u8,
    /// WACEREQ.
    pub wacereq: u8,
    /// ZONED.
    pub zoned: u8,
    /// FUAB.
    pub fuab: bool,
    /// VBULS.
    pub vbuls: bool,
}

impl From<&BlockDeviceCharacteristics> for BlockDeviceCharacteristicsText {
    fn from(c: &BlockDeviceCharacteristics) -> Self {
        Self {
            medium_rotation_rate: c.medium_rotation_rate,
            rotation: if c.is_non_rotating() {
                "non-rotating medium (solid state)".to_owned()
            } else if let Some(rpm) = c.rpm() {
                format!("{rpm} rpm")
            } else if c.medium_rotation_rate == 0 {
                "not reported".to_owned()
            } else {
                "reserved".to_owned()
            },
            nominal_form_factor: u8::from(c.nominal_form_factor),
            nominal_form_factor_name: screaming(&c.nominal_form_factor),
            product_type: c.product_type,
            wabereq: c.wabereq,
            wacereq: c.wacereq,
            zoned: c.zoned,
            fuab: c.fuab,
            vbuls: c.vbuls,
        }
    }
}

/// Logical Block Provisioning (0xB2), as decoded.
#[derive(Clone, Debug, Serialize)]
pub struct ProvisioningText {
    /// THRESHOLD EXPONENT.
    pub threshold_exponent: u8,
    /// LBPU.
    pub lbpu: bool,
    /// LBPWS.
    pub lbpws: bool,
    /// LBPWS10.
    pub lbpws10: bool,
    /// LBPRZ.
    pub lbprz: u8,
    /// ANC_SUP.
    pub anc_sup: bool,
    /// DP.
    pub dp: bool,
    /// PROVISIONING TYPE.
    pub provisioning_type: u8,
    /// Its name (`FULL`, `RESOURCE`, `THIN`).
    pub provisioning_type_name: String,
    /// MINIMUM PERCENTAGE.
    pub minimum_percentage: u8,
    /// THRESHOLD PERCENTAGE.
    pub threshold_percentage: u8,
}

impl From<&LogicalBlockProvisioning> for ProvisioningText {
    fn from(p: &LogicalBlockProvisioning) -> Self {
        Self {
            threshold_exponent: p.threshold_exponent,
            lbpu: p.lbpu,
            lbpws: p.lbpws,
            lbpws10: p.lbpws10,
            lbprz: p.lbprz,
            anc_sup: p.anc_sup,
            dp: p.dp,
            provisioning_type: u8::from(p.provisioning_type),
            provisioning_type_name: screaming(&p.provisioning_type),
            minimum_percentage: p.minimum_percentage,
            threshold_percentage: p.threshold_percentage,
        }
    }
}

/// A decoded VPD page.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "page", rename_all = "snake_case")]
pub enum Vpd {
    /// 0x00.
    SupportedPages {
        /// The pages the LU supports.
        pages: Vec<PageName>,
    },
    /// 0x80.
    UnitSerialNumber {
        /// PRODUCT SERIAL NUMBER.
        serial: String,
    },
    /// 0x83.
    DeviceIdentification {
        /// The designation descriptors.
        designators: Vec<DesignatorText>,
    },
    /// 0xB0.
    BlockLimits(BlockLimits),
    /// 0xB1.
    BlockDeviceCharacteristics(BlockDeviceCharacteristicsText),
    /// 0xB2.
    LogicalBlockProvisioning(ProvisioningText),
    /// Any other page, in hex.
    Raw {
        /// The page code.
        code: u8,
        /// The page's bytes in hex.
        hex: String,
    },
}

impl Vpd {
    /// Decodes page `code` from `raw`.
    ///
    /// # Errors
    ///
    /// The decoder's: a truncated page, a different page code.
    pub fn decode(code: u8, raw: &[u8]) -> Result<Self, ScsiError> {
        Ok(match VpdPage::from(code) {
            VpdPage::SupportedPages => Self::SupportedPages {
                pages: SupportedVpdPages::decode(raw)?
                    .pages
                    .iter()
                    .map(|p| PageName::of(u8::from(*p)))
                    .collect(),
            },
            VpdPage::UnitSerialNumber => Self::UnitSerialNumber {
                serial: UnitSerialNumber::decode(raw)?.serial,
            },
            VpdPage::DeviceIdentification => Self::DeviceIdentification {
                designators: DeviceIdentification::decode(raw)?
                    .designators
                    .iter()
                    .map(DesignatorText::from)
                    .collect(),
            },
            VpdPage::BlockLimits => Self::BlockLimits(BlockLimits::decode(raw)?),
            VpdPage::BlockDeviceCharacteristics => {
                Self::BlockDeviceCharacteristics((&BlockDeviceCharacteristics::decode(raw)?).into())
            }
            VpdPage::LogicalBlockProvisioning => {
                Self::LogicalBlockProvisioning((&LogicalBlockProvisioning::decode(raw)?).into())
            }
            _ => Self::Raw {
                code,
                hex: hex(raw),
            },
        })
    }

    /// `Name:value` lines.
    pub fn lines(&self) -> Vec<String> {
        let b = u8::from;
        let mut out = Vec::new();
        match self {
            Self::SupportedPages { pages } => {
                for p in pages {
                    out.push(format!("Page:{:#04x} {}", p.code, p.name));
                }
            }
            Self::UnitSerialNumber { serial } => out.push(format!("Unit Serial Number:{serial}")),
            Self::DeviceIdentification { designators } => {
                out.push("Page Code:(0x83) DEVICE_IDENTIFICATION".to_owned());
                for (i, d) in designators.iter().enumerate() {
                    out.push(format!("DEVICE DESIGNATOR #{i}"));
                    out.push(format!("Code Set:({}) {}", d.code_set, d.code_set_name));
                    out.push(format!("PIV:{}", b(d.piv)));
                    if d.piv {
                        out.push(format!("Protocol Identifier:{}", d.protocol_identifier));
                    }
                    out.push(format!(
                        "Association:({}) {}",
                        d.association, d.association_name
                    ));
                    out.push(format!(
                        "Designator Type:({}) {}",
                        d.designator_type, d.designator_type_name
                    ));
                    out.push(format!("Designator:{}", d.value));
                }
            }
            Self::BlockLimits(l) => {
                out.push(format!("wsnz:{}", b(l.wsnz)));
                out.push(format!(
                    "maximum compare and write length:{}",
                    l.max_compare_and_write_length
                ));
                out.push(format!(
                    "optimal transfer length granularity:{}",
                    l.optimal_transfer_length_granularity
                ));
                out.push(format!("maximum transfer length:{}", l.max_transfer_length));
                out.push(format!(
                    "optimal transfer length:{}",
                    l.optimal_transfer_length
                ));
                out.push(format!("maximum prefetch length:{}", l.max_prefetch_length));
                out.push(format!("maximum unmap lba count:{}", l.max_unmap_lba_count));
                out.push(format!(
                    "maximum unmap block descriptor count:{}",
                    l.max_unmap_block_descriptor_count
                ));
                out.push(format!(
                    "optimal unmap granularity:{}",
                    l.optimal_unmap_granularity
                ));
                out.push(format!(
                    "ugavalid:{}",
                    b(l.unmap_granularity_alignment.is_some())
                ));
                out.push(format!(
                    "unmap granularity alignment:{}",
                    l.unmap_granularity_alignment.unwrap_or_default()
                ));
                out.push(format!(
                    "maximum write same length:{}",
                    l.max_write_same_length
                ));
            }
            Self::BlockDeviceCharacteristics(c) => {
                out.push(format!(
                    "Medium Rotation Rate:{} ({})",
                    c.medium_rotation_rate, c.rotation
                ));
                out.push(format!("Product Type:{}", c.product_type));
                out.push(format!(
                    "Nominal Form Factor:({}) {}",
                    c.nominal_form_factor, c.nominal_form_factor_name
                ));
                out.push(format!("WABEREQ:{} WACEREQ:{}", c.wabereq, c.wacereq));
                out.push(format!(
                    "Zoned:{} FUAB:{} VBULS:{}",
                    c.zoned,
                    b(c.fuab),
                    b(c.vbuls)
                ));
            }
            Self::LogicalBlockProvisioning(p) => {
                out.push(format!("Threshold Exponent:{}", p.threshold_exponent));
                out.push(format!("lbpu:{}", b(p.lbpu)));
                out.push(format!("lbpws:{}", b(p.lbpws)));
                out.push(format!("lbpws10:{}", b(p.lbpws10)));
                out.push(format!("lbprz:{}", p.lbprz));
                out.push(format!("anc_sup:{}", b(p.anc_sup)));
                out.push(format!("dp:{}", b(p.dp)));
                out.push(format!(
                    "provisioning type:{} ({})",
                    p.provisioning_type, p.provisioning_type_name
                ));
            }
            Self::Raw { code, hex } => {
                out.push(format!("Page:{code:#04x} (not decoded)"));
                out.push(hex.clone());
            }
        }
        out
    }
}

/// READ CAPACITY (16) data for `iscsi-readcapacity16 --json`.
#[derive(Clone, Debug, Serialize)]
pub struct ReadCapacity16Text {
    /// RETURNED LOGICAL BLOCK ADDRESS (the last LBA).
    pub returned_lba: u64,
    /// LOGICAL BLOCK LENGTH IN BYTES.
    pub block_length: u32,
    /// P_TYPE.
    pub p_type: u8,
    /// PROT_EN.
    pub prot_en: bool,
    /// P_I_EXPONENT.
    pub p_i_exponent: u8,
    /// LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT.
    pub lbppbe: u8,
    /// LBPME.
    pub lbpme: bool,
    /// LBPRZ.
    pub lbprz: bool,
    /// LOWEST ALIGNED LOGICAL BLOCK ADDRESS.
    pub lowest_aligned_lba: u16,
    /// Total size in bytes (`(returned_lba + 1) * block_length`), absent on overflow.
    pub total_size: Option<u64>,
}

/// Lowercase hex with a space between bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A capacity as `iscsi-ls -s`'s JSON shows it.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct CapacityText {
    /// Logical block length in bytes.
    pub block_size: u32,
    /// Number of blocks.
    pub blocks: u64,
    /// Size in bytes.
    pub bytes: u64,
}

impl From<&Capacity> for CapacityText {
    fn from(c: &Capacity) -> Self {
        Self {
            block_size: c.block_size,
            blocks: c.blocks,
            bytes: c.bytes(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_libiscsi_spelling() {
        assert_eq!(
            type_name(PeripheralDeviceType::DirectAccess),
            "DIRECT_ACCESS"
        );
        assert_eq!(
            type_name(PeripheralDeviceType::StorageArrayController),
            "STORAGE_ARRAY_CONTROLLER"
        );
        assert_eq!(type_name(PeripheralDeviceType::from(0x1b)), "RESERVED");
        assert_eq!(PageName::of(0x00).name, "SUPPORTED_VPD_PAGES");
        assert_eq!(PageName::of(0xb2).name, "LOGICAL_BLOCK_PROVISIONING");
    }

    #[test]
    fn device_identification_is_readable() {
        #[rustfmt::skip]
        let page = [
            0x00, 0x83, 0x00, 0x2c,
            // NAA, binary, LU
            0x01, 0x03, 0x00, 0x08, 0x60, 0x01, 0x40, 0x50, 0x00, 0x00, 0x00, 0x01,
            // T10 vendor id, ASCII, LU
            0x02, 0x01, 0x00, 0x08, b'I', b'E', b'T', b' ', b'0', b'0', b'0', b'1',
            // SCSI name string, UTF-8, target device, PIV iSCSI
            0x53, 0xa8, 0x00, 0x08, b'i', b'q', b'n', b'.', b'x', b':', b'y', 0,
            // relative target port 1, binary, target port
            0x51, 0x94, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01,
        ];
        let Vpd::DeviceIdentification { designators } = Vpd::decode(0x83, &page).unwrap() else {
            panic!("not 0x83");
        };
        let values: Vec<_> = designators.iter().map(|d| d.value.as_str()).collect();
        assert_eq!(values, ["naa.6001405000000001", "IET 0001", "iqn.x:y", "1"]);
        assert_eq!(designators[0].designator_type_name, "NAA");
        assert_eq!(designators[1].designator_type_name, "T10_VENDOR_ID");
        assert_eq!(designators[2].designator_type_name, "SCSI_NAME_STRING");
        assert_eq!(designators[2].association_name, "TARGET_DEVICE");
        assert_eq!(designators[3].designator_type_name, "RELATIVE_TARGET_PORT");
        let text = Vpd::decode(0x83, &page).unwrap().lines().join("\n");
        assert!(text.contains("Designator:naa.6001405000000001"), "{text}");
        assert!(!text.contains("Designator {"), "{text}");
    }

    #[test]
    fn malformed_pages_are_errors_not_panics() {
        for code in [0x00u8, 0x80, 0x83, 0xb0, 0xb1, 0xb2] {
            for page in [
                &[][..],
                &[0x00, code],
                &[0x00, code, 0xff, 0xff],
                &[0x00, code.wrapping_add(1), 0x00, 0x00],
            ] {
                assert!(Vpd::decode(code, page).is_err(), "{code:#x} {page:?}");
            }
        }
        // A designator that claims more bytes than the page has.
        let bad = [0x00, 0x83, 0x00, 0x06, 0x01, 0x03, 0x00, 0x40, 0x60, 0x01];
        assert!(Vpd::decode(0x83, &bad).is_err());
        // Unknown pages are shown raw.
        let raw = Vpd::decode(0xc0, &[1, 2]).unwrap();
        assert_eq!(raw.lines(), ["Page:0xc0 (not decoded)", "01 02"]);
    }
}
