//! Sense data (SPC-4 §4.5): why a command ended with CHECK CONDITION.
//!
//! ```text
//! Fixed format (0x70 current, 0x71 deferred)    Descriptor format (0x72, 0x73)
//! 0      VALID(7) | RESPONSE CODE               0     RESPONSE CODE
//! 1      obsolete                               1     SENSE KEY (bits 3-0)
//! 2      FILEMARK EOM ILI SDAT_OVFL | SENSE KEY 2     ASC
//! 3-6    INFORMATION (valid if VALID)           3     ASCQ
//! 7      ADDITIONAL SENSE LENGTH (n - 7)        4-6   reserved
//! 8-11   COMMAND-SPECIFIC INFORMATION           7     ADDITIONAL SENSE LENGTH (n - 7)
//! 12     ASC                                    8..   descriptors: TYPE, ADDITIONAL
//! 13     ASCQ                                         LENGTH (m - 1), m - 1 bytes
//! 14     FIELD REPLACEABLE UNIT CODE
//! 15-17  SKSV(7) | SENSE KEY SPECIFIC
//! ```
//!
//! Descriptor types decoded: 0x00 information, 0x01 command-specific information, 0x02
//! sense-key specific, 0x03 field replaceable unit, 0x04 stream commands (FILEMARK, EOM,
//! ILI), 0x05 block commands (ILI). Others are skipped.
//!
//! Sense data cannot be asked for again, so a buffer shorter than its ADDITIONAL SENSE LENGTH
//! (truncated by an allocation length) is decoded as far as it goes: absent ASC/ASCQ read as
//! zero, a descriptor cut short is ignored. Only the 8-byte header is required.

use std::fmt;

use super::{ScsiError, array_at, be32_at, be64_at, head};
use crate::wire::{SENSE_LENGTH_LEN, SenseLengthError, open_enum, sense_data_in};

/// The longest sense data: 8 header bytes and an additional sense length of at most 244
/// (SPC-4 §4.5.1).
pub const MAX_SENSE_LEN: usize = 252;

/// Bytes of the header common to both formats that this decoder requires.
const HEADER_LEN: usize = 8;

/// Length of the fixed format built by [`SenseData::encode_fixed`].
const FIXED_LEN: usize = 18;

open_enum! {
    /// SENSE KEY (SPC-4 §4.5.6, table 28). The value 0x0c is reserved.
    pub enum SenseKey: u8 {
        /// 0x0 NO SENSE.
        NoSense = 0x00,
        /// 0x1 RECOVERED ERROR.
        RecoveredError = 0x01,
        /// 0x2 NOT READY.
        NotReady = 0x02,
        /// 0x3 MEDIUM ERROR.
        MediumError = 0x03,
        /// 0x4 HARDWARE ERROR.
        HardwareError = 0x04,
        /// 0x5 ILLEGAL REQUEST.
        IllegalRequest = 0x05,
        /// 0x6 UNIT ATTENTION.
        UnitAttention = 0x06,
        /// 0x7 DATA PROTECT.
        DataProtect = 0x07,
        /// 0x8 BLANK CHECK.
        BlankCheck = 0x08,
        /// 0x9 VENDOR SPECIFIC.
        VendorSpecific = 0x09,
        /// 0xa COPY ABORTED.
        CopyAborted = 0x0a,
        /// 0xb ABORTED COMMAND.
        AbortedCommand = 0x0b,
        /// 0xd VOLUME OVERFLOW.
        VolumeOverflow = 0x0d,
        /// 0xe MISCOMPARE.
        Miscompare = 0x0e,
        /// 0xf COMPLETED.
        Completed = 0x0f,
    }
}

impl SenseKey {
    /// The SPC-4 name, e.g. `"ILLEGAL REQUEST"`, or `None` for the reserved value.
    pub fn spc_name(self) -> Option<&'static str> {
        Some(match self {
            Self::NoSense => "NO SENSE",
            Self::RecoveredError => "RECOVERED ERROR",
            Self::NotReady => "NOT READY",
            Self::MediumError => "MEDIUM ERROR",
            Self::HardwareError => "HARDWARE ERROR",
            Self::IllegalRequest => "ILLEGAL REQUEST",
            Self::UnitAttention => "UNIT ATTENTION",
            Self::DataProtect => "DATA PROTECT",
            Self::BlankCheck => "BLANK CHECK",
            Self::VendorSpecific => "VENDOR SPECIFIC",
            Self::CopyAborted => "COPY ABORTED",
            Self::AbortedCommand => "ABORTED COMMAND",
            Self::VolumeOverflow => "VOLUME OVERFLOW",
            Self::Miscompare => "MISCOMPARE",
            Self::Completed => "COMPLETED",
            Self::Unknown(_) => return None,
        })
    }
}

/// Which of the two sense data formats the target used.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum SenseFormat {
    /// Fixed format, response code 0x70 or 0x71.
    Fixed,
    /// Descriptor format, response code 0x72 or 0x73.
    Descriptor,
}

/// Decoded sense data, from either format.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub struct SenseData {
    /// The format the target used.
    pub format: SenseFormat,
    /// Whether the error is deferred (response code 0x71 or 0x73) rather than current: it
    /// belongs to an earlier command, e.g. a cached write.
    pub deferred: bool,
    /// SENSE KEY.
    pub sense_key: SenseKey,
    /// ADDITIONAL SENSE CODE (zero when absent).
    pub asc: u8,
    /// ADDITIONAL SENSE CODE QUALIFIER (zero when absent).
    pub ascq: u8,
    /// INFORMATION (often the failing LBA): fixed format with VALID set, or a descriptor of
    /// type 0x00 with VALID set.
    pub information: Option<u64>,
    /// COMMAND-SPECIFIC INFORMATION when present and non-zero.
    pub command_specific: Option<u64>,
    /// SENSE KEY SPECIFIC bytes when SKSV is set (SKSV itself masked off), e.g. the field
    /// pointer of an ILLEGAL REQUEST.
    pub sense_key_specific: Option<[u8; 3]>,
    /// FIELD REPLACEABLE UNIT CODE when non-zero.
    pub field_replaceable_unit: Option<u8>,
    /// FILEMARK (sequential-access devices).
    pub filemark: bool,
    /// EOM: end of medium (sequential-access devices).
    pub eom: bool,
    /// ILI: incorrect length indicator.
    pub ili: bool,
}

impl SenseData {
    /// Current fixed-format sense with the given key, ASC and ASCQ and nothing else.
    pub fn new(sense_key: SenseKey, asc: u8, ascq: u8) -> Self {
        Self {
            format: SenseFormat::Fixed,
            deferred: false,
            sense_key,
            asc,
            ascq,
            information: None,
            command_specific: None,
            sense_key_specific: None,
            field_replaceable_unit: None,
            filemark: false,
            eom: false,
            ili: false,
        }
    }

    /// Decodes sense data in either format.
    ///
    /// # Errors
    ///
    /// [`ScsiError::Truncated`] below 8 bytes; [`ScsiError::InvalidField`] for a response
    /// code other than 0x70-0x73.
    pub fn decode(buf: &[u8]) -> Result<Self, ScsiError> {
        let header: [u8; HEADER_LEN] = head(buf, "sense data")?;
        let response_code = header[0] & 0x7f;
        let deferred = matches!(response_code, 0x71 | 0x73);
        // Bytes present and within ADDITIONAL SENSE LENGTH.
        let declared = HEADER_LEN.saturating_add(header[7].into());
        let area = buf.get(..declared).unwrap_or(buf);
        match response_code {
            0x70 | 0x71 => Ok(Self::decode_fixed(area, header, deferred)),
            0x72 | 0x73 => Ok(Self::decode_descriptor(area, header, deferred)),
            _ => Err(ScsiError::InvalidField {
                what: "sense data RESPONSE CODE",
            }),
        }
    }

    /// Decodes the data segment of an iSCSI SCSI Response (RFC 7143 §11.4.7.2): a 2-byte
    /// SenseLength, that many bytes of sense data, then optional response data.
    ///
    /// Returns `None` for an empty segment or a SenseLength of zero.
    ///
    /// # Errors
    ///
    /// [`ScsiError::Truncated`] when the segment is shorter than SenseLength says;
    /// [`ScsiError::OutOfRange`] when SenseLength exceeds [`MAX_SENSE_LEN`]; otherwise as
    /// [`SenseData::decode`].
    pub fn from_iscsi_segment(segment: &[u8]) -> Result<Option<Self>, ScsiError> {
        // The iSCSI rules are the session's (wire::sense_data_in); SPC's bound on the length
        // comes first, as a too-long SenseLength is wrong whatever the segment holds.
        let sense = match sense_data_in(segment) {
            Ok(Some(sense)) => sense,
            Ok(None) => return Ok(None),
            Err(SenseLengthError::Missing { available }) => {
                return Err(ScsiError::Truncated {
                    what: "SenseLength",
                    needed: SENSE_LENGTH_LEN,
                    available,
                });
            }
            Err(SenseLengthError::BeyondSegment {
                sense_length,
                available,
            }) => {
                let sense_length = usize::from(sense_length);
                check_sense_length(sense_length)?;
                return Err(ScsiError::Truncated {
                    what: "sense data",
                    needed: SENSE_LENGTH_LEN + sense_length,
                    available,
                });
            }
        };
        check_sense_length(sense.len())?;
        Self::decode(sense).map(Some)
    }

    fn decode_fixed(area: &[u8], header: [u8; HEADER_LEN], deferred: bool) -> Self {
        let valid = header[0] & 0x80 != 0;
        let information = u32::from_be_bytes([header[3], header[4], header[5], header[6]]);
        let command_specific = be32_at(area, 8).filter(|&csi| csi != 0);
        let sense_key_specific = array_at::<3>(area, 15)
            .filter(|sks| sks[0] & 0x80 != 0)
            .map(mask_sksv);
        Self {
            format: SenseFormat::Fixed,
            deferred,
            sense_key: SenseKey::from(header[2] & 0x0f),
            asc: area.get(12).copied().unwrap_or_default(),
            ascq: area.get(13).copied().unwrap_or_default(),
            information: valid.then_some(information.into()),
            command_specific: command_specific.map(u64::from),
            sense_key_specific,
            field_replaceable_unit: area.get(14).copied().filter(|&fru| fru != 0),
            filemark: header[2] & 0x80 != 0,
            eom: header[2] & 0x40 != 0,
            ili: header[2] & 0x20 != 0,
        }
    }

    fn decode_descriptor(area: &[u8], header: [u8; HEADER_LEN], deferred: bool) -> Self {
        let mut sense = Self {
            format: SenseFormat::Descriptor,
            deferred,
            ..Self::new(SenseKey::from(header[1] & 0x0f), header[2], header[3])
        };
        let mut rest = area.get(HEADER_LEN..).unwrap_or_default();
        // Each round consumes at least two bytes, so the loop is bounded by the area length.
        while let Some(&[kind, additional_len]) = rest.first_chunk::<2>() {
            let len = usize::from(additional_len).saturating_add(2);
            let Some((descriptor, tail)) = rest.split_at_checked(len) else {
                break; // cut short by the allocation length
            };
            rest = tail;
            sense.apply_descriptor(kind, descriptor);
        }
        sense
    }

    /// Applies one sense data descriptor (type, additional length, specific bytes).
    fn apply_descriptor(&mut self, kind: u8, descriptor: &[u8]) {
        match kind {
            0x00 => {
                let valid = descriptor.get(2).is_some_and(|byte| byte & 0x80 != 0);
                if valid {
                    self.information = be64_at(descriptor, 4);
                }
            }
            0x01 => self.command_specific = be64_at(descriptor, 4).filter(|&csi| csi != 0),
            0x02 => {
                self.sense_key_specific = array_at::<3>(descriptor, 4)
                    .filter(|sks| sks[0] & 0x80 != 0)
                    .map(mask_sksv);
            }
            0x03 => {
                self.field_replaceable_unit = descriptor.get(3).copied().filter(|&fru| fru != 0);
            }
            0x04 => {
                let flags = descriptor.get(3).copied().unwrap_or_default();
                self.filemark = flags & 0x80 != 0;
                self.eom = flags & 0x40 != 0;
                self.ili = flags & 0x20 != 0;
            }
            0x05 => self.ili = descriptor.get(3).is_some_and(|flags| flags & 0x20 != 0),
            _ => {}
        }
    }

    /// Encodes as 18 bytes of fixed-format sense data (for test targets). INFORMATION and
    /// COMMAND-SPECIFIC INFORMATION keep their low 32 bits, the fixed format's width.
    #[allow(clippy::cast_possible_truncation)] // the fixed format's fields are 32 bits wide
    pub fn encode_fixed(&self) -> [u8; FIXED_LEN] {
        let mut out = [0; FIXED_LEN];
        out[0] = if self.deferred { 0x71 } else { 0x70 };
        if let Some(information) = self.information {
            out[0] |= 0x80;
            out[3..7].copy_from_slice(&(information as u32).to_be_bytes());
        }
        out[2] = u8::from(self.sense_key) & 0x0f
            | if self.filemark { 0x80 } else { 0 }
            | if self.eom { 0x40 } else { 0 }
            | if self.ili { 0x20 } else { 0 };
        out[7] = (FIXED_LEN - HEADER_LEN) as u8;
        if let Some(csi) = self.command_specific {
            out[8..12].copy_from_slice(&(csi as u32).to_be_bytes());
        }
        out[12] = self.asc;
        out[13] = self.ascq;
        out[14] = self.field_replaceable_unit.unwrap_or_default();
        if let Some(sks) = self.sense_key_specific {
            out[15..18].copy_from_slice(&mask_sksv(sks));
            out[15] |= 0x80;
        }
        out
    }

    /// ASC and ASCQ as one 16-bit code, ASC in the high byte (e.g. 0x2400).
    pub fn asc_ascq(&self) -> u16 {
        u16::from_be_bytes([self.asc, self.ascq])
    }

    /// The name of the ASC/ASCQ pair if it is in the small table of common codes.
    pub fn description(&self) -> Option<&'static str> {
        asc_ascq_description(self.asc, self.ascq)
    }

    /// UNIT ATTENTION: the target reports an event (reset, capacity change, ...); the command
    /// was not executed and can usually be retried.
    pub fn is_unit_attention(&self) -> bool {
        self.sense_key == SenseKey::UnitAttention
    }
}

/// SPC-4 §4.5.1 bounds sense data at [`MAX_SENSE_LEN`] bytes.
fn check_sense_length(len: usize) -> Result<(), ScsiError> {
    if len > MAX_SENSE_LEN {
        return Err(ScsiError::OutOfRange {
            what: "SenseLength",
            value: len as u64,
            max: MAX_SENSE_LEN as u64,
        });
    }
    Ok(())
}

/// The sense-key specific bytes with SKSV masked off.
fn mask_sksv([first, second, third]: [u8; 3]) -> [u8; 3] {
    [first & 0x7f, second, third]
}

impl fmt::Display for SenseData {
    /// E.g. `ILLEGAL REQUEST, asc 0x24 ascq 0x00 (invalid field in CDB)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.deferred {
            f.write_str("deferred ")?;
        }
        match self.sense_key.spc_name() {
            Some(name) => f.write_str(name)?,
            None => write!(f, "sense key {:#04x}", u8::from(self.sense_key))?,
        }
        write!(f, ", asc {:#04x} ascq {:#04x}", self.asc, self.ascq)?;
        if let Some(description) = self.description() {
            write!(f, " ({description})")?;
        }
        if let Some(information) = self.information {
            write!(f, ", information {information:#x}")?;
        }
        Ok(())
    }
}

/// The SPC-4 name (Annex D.2, lowercased) of common ASC/ASCQ pairs; `None` for the rest.
pub fn asc_ascq_description(asc: u8, ascq: u8) -> Option<&'static str> {
    Some(match (asc, ascq) {
        (0x00, 0x00) => "no additional sense information",
        (0x04, 0x00) => "logical unit not ready, cause not reportable",
        (0x04, 0x01) => "logical unit is in process of becoming ready",
        (0x04, 0x02) => "logical unit not ready, initializing command required",
        (0x04, 0x03) => "logical unit not ready, manual intervention required",
        (0x04, 0x0a) => "logical unit not accessible, asymmetric access state transition",
        (0x04, 0x0b) => "logical unit not accessible, target port in standby state",
        (0x04, 0x0c) => "logical unit not accessible, target port in unavailable state",
        (0x08, 0x00) => "logical unit communication failure",
        (0x0c, 0x00) => "write error",
        (0x10, 0x01) => "logical block guard check failed",
        (0x10, 0x02) => "logical block application tag check failed",
        (0x10, 0x03) => "logical block reference tag check failed",
        (0x11, 0x00) => "unrecovered read error",
        (0x1a, 0x00) => "parameter list length error",
        (0x1d, 0x00) => "miscompare during verify operation",
        (0x20, 0x00) => "invalid command operation code",
        (0x21, 0x00) => "logical block address out of range",
        (0x24, 0x00) => "invalid field in CDB",
        (0x25, 0x00) => "logical unit not supported",
        (0x26, 0x00) => "invalid field in parameter list",
        (0x27, 0x00) => "write protected",
        (0x27, 0x07) => "space allocation failed write protect",
        (0x28, 0x00) => "not ready to ready change, medium may have changed",
        (0x29, 0x00) => "power on, reset, or bus device reset occurred",
        (0x29, 0x01) => "power on occurred",
        (0x29, 0x02) => "SCSI bus reset occurred",
        (0x29, 0x03) => "bus device reset function occurred",
        (0x29, 0x04) => "device internal reset",
        (0x29, 0x07) => "I_T nexus loss occurred",
        (0x2a, 0x01) => "mode parameters changed",
        (0x2a, 0x03) => "reservations preempted",
        (0x2a, 0x06) => "asymmetric access state changed",
        (0x2a, 0x09) => "capacity data has changed",
        (0x2c, 0x00) => "command sequence error",
        (0x2f, 0x00) => "commands cleared by another initiator",
        (0x31, 0x00) => "medium format corrupted",
        (0x38, 0x07) => "thin provisioning soft threshold reached",
        (0x3a, 0x00) => "medium not present",
        (0x3f, 0x03) => "inquiry data has changed",
        (0x3f, 0x0e) => "reported luns data has changed",
        (0x44, 0x00) => "internal target failure",
        (0x4b, 0x00) => "data phase error",
        (0x55, 0x03) => "insufficient resources",
        (0x5d, 0x00) => "failure prediction threshold exceeded",
        _ => return None,
    })
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[rustfmt::skip]
    const FIXED_INVALID_FIELD: [u8; 18] = [
        0x70,                   // VALID 0, current, fixed format
        0x00,                   // obsolete
        0x05,                   // ILLEGAL REQUEST
        0x00, 0x00, 0x00, 0x00, // INFORMATION (not valid)
        0x0a,                   // ADDITIONAL SENSE LENGTH: 10 (18 bytes in all)
        0x00, 0x00, 0x00, 0x00, // COMMAND-SPECIFIC INFORMATION
        0x24,                   // ASC: invalid field in CDB
        0x00,                   // ASCQ
        0x00,                   // FRU code
        0xc0, 0x00, 0x02,       // SKSV, C/D = CDB, field pointer: byte 2
    ];

    #[test]
    fn fixed_illegal_request() {
        let sense = SenseData::decode(&FIXED_INVALID_FIELD).unwrap();
        assert_eq!(
            sense,
            SenseData {
                sense_key_specific: Some([0x40, 0x00, 0x02]),
                ..SenseData::new(SenseKey::IllegalRequest, 0x24, 0x00)
            }
        );
        assert_eq!(sense.asc_ascq(), 0x2400);
        assert_eq!(
            sense.to_string(),
            "ILLEGAL REQUEST, asc 0x24 ascq 0x00 (invalid field in CDB)"
        );
        assert_eq!(sense.encode_fixed(), FIXED_INVALID_FIELD);
    }

    #[rustfmt::skip]
    const FIXED_MEDIUM_ERROR: [u8; 18] = [
        0xf1,                   // VALID 1, deferred, fixed format
        0x00,                   // obsolete
        0x23,                   // ILI, MEDIUM ERROR
        0x00, 0x01, 0x02, 0x03, // INFORMATION: LBA 0x10203
        0x0a,                   // ADDITIONAL SENSE LENGTH
        0x00, 0x00, 0x00, 0x07, // COMMAND-SPECIFIC INFORMATION: 7
        0x11,                   // ASC: unrecovered read error
        0x00,                   // ASCQ
        0x09,                   // FRU code 9
        0x00, 0x00, 0x00,       // SKSV 0
    ];

    #[test]
    fn fixed_deferred_medium_error_with_information() {
        let sense = SenseData::decode(&FIXED_MEDIUM_ERROR).unwrap();
        assert_eq!(
            sense,
            SenseData {
                deferred: true,
                information: Some(0x10203),
                command_specific: Some(7),
                field_replaceable_unit: Some(9),
                ili: true,
                ..SenseData::new(SenseKey::MediumError, 0x11, 0x00)
            }
        );
        assert_eq!(
            sense.to_string(),
            "deferred MEDIUM ERROR, asc 0x11 ascq 0x00 (unrecovered read error), \
             information 0x10203"
        );
        assert_eq!(sense.encode_fixed(), FIXED_MEDIUM_ERROR);
    }

    #[rustfmt::skip]
    const DESCRIPTOR_UNIT_ATTENTION: [u8; 36] = [
        0x72,                   // current, descriptor format
        0x06,                   // UNIT ATTENTION
        0x2a,                   // ASC: capacity data has changed
        0x09,                   // ASCQ
        0x00, 0x00, 0x00,       // reserved
        0x1c,                   // ADDITIONAL SENSE LENGTH: 28
        // information descriptor
        0x00, 0x0a,             // type 0x00, additional length 10
        0x80, 0x00,             // VALID, reserved
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, // INFORMATION 0x1_0000_0000
        // sense key specific descriptor
        0x02, 0x06,             // type 0x02, additional length 6
        0x00, 0x00,             // reserved
        0x80, 0x12, 0x34, 0x00, // SKSV, specific bytes, reserved
        // vendor-specific descriptor, skipped
        0x80, 0x02, 0xaa, 0xbb,
        // block commands descriptor
        0x05, 0x02,             // type 0x05, additional length 2
        0x00, 0x20,             // reserved, ILI
    ];

    #[test]
    fn descriptor_unit_attention() {
        let sense = SenseData::decode(&DESCRIPTOR_UNIT_ATTENTION).unwrap();
        assert_eq!(
            sense,
            SenseData {
                format: SenseFormat::Descriptor,
                information: Some(0x1_0000_0000),
                sense_key_specific: Some([0x00, 0x12, 0x34]),
                ili: true,
                ..SenseData::new(SenseKey::UnitAttention, 0x2a, 0x09)
            }
        );
        assert!(sense.is_unit_attention());
        assert_eq!(
            sense.to_string(),
            "UNIT ATTENTION, asc 0x2a ascq 0x09 (capacity data has changed), \
             information 0x100000000"
        );
    }

    #[test]
    fn descriptor_deferred_and_stream_and_fru() {
        #[rustfmt::skip]
        let buf = [
            0x73, 0x0d, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0c, // deferred, VOLUME OVERFLOW
            0x04, 0x02, 0x00, 0xe0,                         // stream: FILEMARK EOM ILI
            0x03, 0x02, 0x00, 0x05,                         // FRU 5
            0x01, 0x0a, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, // CSI 0: beyond the length
        ];
        let sense = SenseData::decode(&buf).unwrap();
        assert_eq!(
            sense,
            SenseData {
                format: SenseFormat::Descriptor,
                deferred: true,
                field_replaceable_unit: Some(5),
                filemark: true,
                eom: true,
                ili: true,
                ..SenseData::new(SenseKey::VolumeOverflow, 0x00, 0x02)
            }
        );
        assert_eq!(
            sense.to_string(),
            "deferred VOLUME OVERFLOW, asc 0x00 ascq 0x02"
        );
    }

    #[test]
    fn short_sense_reads_as_far_as_it_goes() {
        // A fixed header whose ADDITIONAL SENSE LENGTH promises more than is present.
        let sense = SenseData::decode(&FIXED_INVALID_FIELD[..13]).unwrap();
        assert_eq!(sense.sense_key, SenseKey::IllegalRequest);
        assert_eq!((sense.asc, sense.ascq), (0x24, 0x00));
        // A descriptor cut in the middle is ignored.
        let sense = SenseData::decode(&DESCRIPTOR_UNIT_ATTENTION[..15]).unwrap();
        assert_eq!(sense.information, None);
        assert_eq!(sense.sense_key, SenseKey::UnitAttention);
        // ADDITIONAL SENSE LENGTH shorter than the buffer bounds the area read.
        let mut short = FIXED_INVALID_FIELD;
        short[7] = 4; // ASC and ASCQ are outside
        assert_eq!(SenseData::decode(&short).unwrap().asc, 0);
    }

    #[test]
    fn truncated_header_and_bad_response_code() {
        for len in 0..HEADER_LEN {
            assert_eq!(
                SenseData::decode(&FIXED_INVALID_FIELD[..len]),
                Err(ScsiError::Truncated {
                    what: "sense data",
                    needed: 8,
                    available: len
                })
            );
        }
        for code in [0x00, 0x6f, 0x74, 0x7f] {
            let mut buf = FIXED_INVALID_FIELD;
            buf[0] = code;
            assert_eq!(
                SenseData::decode(&buf),
                Err(ScsiError::InvalidField {
                    what: "sense data RESPONSE CODE"
                })
            );
        }
    }

    #[test]
    fn unknown_key_is_kept() {
        let mut buf = FIXED_INVALID_FIELD;
        buf[2] = 0x0c;
        let sense = SenseData::decode(&buf).unwrap();
        assert_eq!(sense.sense_key, SenseKey::Unknown(0x0c));
        assert_eq!(
            sense.to_string(),
            "sense key 0x0c, asc 0x24 ascq 0x00 (invalid field in CDB)"
        );
    }

    #[test]
    fn iscsi_segment() {
        let mut segment = vec![0x00, 0x12];
        segment.extend_from_slice(&FIXED_INVALID_FIELD);
        segment.extend_from_slice(&[0xde, 0xad]); // response data, ignored
        let sense = SenseData::from_iscsi_segment(&segment).unwrap().unwrap();
        assert_eq!(sense.sense_key, SenseKey::IllegalRequest);

        assert_eq!(SenseData::from_iscsi_segment(&[]), Ok(None));
        assert_eq!(SenseData::from_iscsi_segment(&[0, 0, 0xff]), Ok(None));
        assert_eq!(
            SenseData::from_iscsi_segment(&[0]),
            Err(ScsiError::Truncated {
                what: "SenseLength",
                needed: 2,
                available: 1
            })
        );
        for len in 2..20 {
            assert_eq!(
                SenseData::from_iscsi_segment(&segment[..len]),
                Err(ScsiError::Truncated {
                    what: "sense data",
                    needed: 20,
                    available: len
                })
            );
        }
        assert_eq!(
            SenseData::from_iscsi_segment(&[0x00, 0xfd]),
            Err(ScsiError::OutOfRange {
                what: "SenseLength",
                value: 253,
                max: 252
            })
        );
    }

    #[test]
    fn descriptions() {
        assert_eq!(
            asc_ascq_description(0x29, 0x07),
            Some("I_T nexus loss occurred")
        );
        assert_eq!(asc_ascq_description(0x24, 0x01), None);
        assert_eq!(SenseKey::from(0x0b).spc_name(), Some("ABORTED COMMAND"));
    }
}
