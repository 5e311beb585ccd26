//! SCSI emulation of a RAM disk from raw CDB bytes (SPC-4/SBC-3 subset).
//!
//! Supported: TEST UNIT READY, REQUEST SENSE, INQUIRY (standard, VPD 0x00, 0x80, 0x83),
//! READ CAPACITY(10)/(16), REPORT LUNS, READ(6/10/16), WRITE(6/10/16),
//! SYNCHRONIZE CACHE(10/16), MODE SENSE(6/10) (header only). Anything else is CHECK
//! CONDITION, ILLEGAL REQUEST, INVALID COMMAND OPERATION CODE.

use iscsi_proto::scsi::{SenseData, SenseKey};

use crate::lu::LogicalUnit;

/// Sense key ILLEGAL REQUEST.
pub const ILLEGAL_REQUEST: u8 = 0x05;
/// ASC INVALID COMMAND OPERATION CODE.
pub const ASC_INVALID_OPCODE: u8 = 0x20;
/// ASC LOGICAL BLOCK ADDRESS OUT OF RANGE.
pub const ASC_LBA_OUT_OF_RANGE: u8 = 0x21;
/// ASC INVALID FIELD IN CDB.
pub const ASC_INVALID_FIELD_IN_CDB: u8 = 0x24;
/// ASC LOGICAL UNIT NOT SUPPORTED.
pub const ASC_LU_NOT_SUPPORTED: u8 = 0x25;

const VENDOR: &[u8; 8] = b"IMATEST ";
const PRODUCT: &[u8; 16] = b"RAM DISK        ";
const REVISION: &[u8; 4] = b"0001";

/// Sense data to report with CHECK CONDITION.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Sense {
    /// Sense key.
    pub key: u8,
    /// Additional sense code.
    pub asc: u8,
    /// Additional sense code qualifier.
    pub ascq: u8,
}

impl Sense {
    /// ILLEGAL REQUEST with `asc`, ASCQ 0.
    pub fn illegal_request(asc: u8) -> Self {
        Self {
            key: ILLEGAL_REQUEST,
            asc,
            ascq: 0,
        }
    }

    /// The same as `iscsi-proto` sense data: current, fixed format, nothing else set.
    pub fn to_sense_data(self) -> SenseData {
        SenseData::new(SenseKey::from(self.key & 0x0f), self.asc, self.ascq)
    }

    /// Fixed-format sense data (18 bytes, response code 0x70), as
    /// [`SenseData::encode_fixed`] builds it.
    pub fn fixed_format(self) -> [u8; 18] {
        self.to_sense_data().encode_fixed()
    }

    /// The SCSI Response data segment: a 2-byte SenseLength, then the sense data
    /// (RFC 7143 §11.4.7.2).
    pub fn data_segment(self) -> Vec<u8> {
        sense_segment(&self.fixed_format())
    }
}

/// A data segment carrying sense data, in a SCSI Response or an Asynchronous Message: the
/// 2-byte SenseLength, then the sense data (RFC 7143 §11.4.7.2, §11.9.4). Sense data is at
/// most 252 bytes; anything past 65535 bytes, which SenseLength cannot count, is left out.
pub(crate) fn sense_segment(sense: &[u8]) -> Vec<u8> {
    let sense = sense.get(..usize::from(u16::MAX)).unwrap_or(sense);
    let mut out = Vec::with_capacity(2 + sense.len());
    out.extend_from_slice(&u16::try_from(sense.len()).unwrap_or(u16::MAX).to_be_bytes());
    out.extend_from_slice(sense);
    out
}

/// What a command needs, decided from its CDB before any data moves.
#[derive(Clone, Debug, Eq, PartialEq)]
pub(crate) enum Plan {
    /// Return this data to the initiator (already cut to the allocation length). The
    /// caller compares its length with the Expected Data Transfer Length for residuals.
    DataIn(Vec<u8>),
    /// Take `len` bytes from the initiator and write them at byte `offset`.
    Write { offset: u64, len: u64 },
    /// GOOD, no data.
    Good,
    /// CHECK CONDITION.
    Check(Sense),
}

/// Decides what `cdb` does on `lu` (`None`: no LU at that LUN). `luns` yields every LUN of
/// the target; it is only walked (and collected) for REPORT LUNS.
pub(crate) fn plan(
    cdb: &[u8; 16],
    lu: Option<&LogicalUnit>,
    luns: impl IntoIterator<Item = u16>,
) -> Plan {
    let opcode = cdb[0];
    // INQUIRY, REPORT LUNS and REQUEST SENSE work on any LUN; the rest need an LU.
    match opcode {
        0x12 => return inquiry(cdb, lu),
        0xa0 => return report_luns(cdb, luns),
        0x03 => return request_sense(cdb),
        _ => {}
    }
    let Some(lu) = lu else {
        return Plan::Check(Sense::illegal_request(ASC_LU_NOT_SUPPORTED));
    };
    match opcode {
        0x00 | 0x35 | 0x91 => Plan::Good,
        0x25 => read_capacity10(lu),
        0x9e if cdb[1] & 0x1f == 0x10 => read_capacity16(cdb, lu),
        0x1a => mode_sense(lu, usize::from(cdb[4]), false),
        0x5a => mode_sense(lu, usize::from(be16(&cdb[7..9])), true),
        0x08 | 0x28 | 0x88 => match rw_range(cdb, lu) {
            Ok((offset, len)) => usize::try_from(len)
                .ok()
                .and_then(|len| lu.read(offset, len))
                .map_or_else(
                    || Plan::Check(Sense::illegal_request(ASC_LBA_OUT_OF_RANGE)),
                    Plan::DataIn,
                ),
            Err(sense) => Plan::Check(sense),
        },
        0x0a | 0x2a | 0x8a => match rw_range(cdb, lu) {
            Ok((offset, len)) => Plan::Write { offset, len },
            Err(sense) => Plan::Check(sense),
        },
        _ => Plan::Check(Sense::illegal_request(ASC_INVALID_OPCODE)),
    }
}

/// The byte range of a READ or WRITE (6, 10 or 16), checked against the LU's capacity.
fn rw_range(cdb: &[u8; 16], lu: &LogicalUnit) -> Result<(u64, u64), Sense> {
    let (lba, blocks) = match cdb[0] {
        0x08 | 0x0a => {
            let lba = u64::from(u32::from_be_bytes([0, cdb[1] & 0x1f, cdb[2], cdb[3]]));
            // SBC-3: a TRANSFER LENGTH of 0 means 256 blocks in the 6-byte CDBs.
            let blocks = if cdb[4] == 0 { 256 } else { u64::from(cdb[4]) };
            (lba, blocks)
        }
        0x28 | 0x2a => (u64::from(be32(&cdb[2..6])), u64::from(be16(&cdb[7..9]))),
        _ => (be64(&cdb[2..10]), u64::from(be32(&cdb[10..14]))),
    };
    let out_of_range = Sense::illegal_request(ASC_LBA_OUT_OF_RANGE);
    let end = lba.checked_add(blocks).ok_or(out_of_range)?;
    if end > lu.blocks() {
        return Err(out_of_range);
    }
    let block = u64::from(lu.block_size());
    Ok((lba * block, blocks * block))
}

fn inquiry(cdb: &[u8; 16], lu: Option<&LogicalUnit>) -> Plan {
    let evpd = cdb[1] & 0x01 != 0;
    let page = cdb[2];
    let alloc = usize::from(be16(&cdb[3..5]));
    // Peripheral qualifier 3 (no LU here) or 0, device type 0 (direct access block).
    let peripheral = if lu.is_some() { 0x00 } else { 0x7f };
    let data = if !evpd {
        if page != 0 {
            return Plan::Check(Sense::illegal_request(ASC_INVALID_FIELD_IN_CDB));
        }
        let mut d = vec![0u8; 36];
        d[0] = peripheral;
        d[2] = 0x06; // SPC-4
        d[3] = 0x02; // response data format 2
        d[4] = 31; // additional length
        d[7] = 0x02; // CmdQue
        d[8..16].copy_from_slice(VENDOR);
        d[16..32].copy_from_slice(PRODUCT);
        d[32..36].copy_from_slice(REVISION);
        d
    } else {
        let serial = lu.map_or("", LogicalUnit::serial).as_bytes();
        let body: Vec<u8> = match page {
            0x00 => vec![0x00, 0x80, 0x83],
            0x80 => serial.to_vec(),
            0x83 => {
                // One T10 vendor ID designator: code set ASCII, type 1.
                let mut id = VENDOR.to_vec();
                id.extend_from_slice(serial);
                let mut d = vec![0x02, 0x01, 0x00, u8::try_from(id.len()).unwrap_or(u8::MAX)];
                d.extend_from_slice(&id[..id.len().min(255)]);
                d
            }
            _ => return Plan::Check(Sense::illegal_request(ASC_INVALID_FIELD_IN_CDB)),
        };
        let mut d = vec![peripheral, page];
        d.extend_from_slice(&u16::try_from(body.len()).unwrap_or(u16::MAX).to_be_bytes());
        d.extend_from_slice(&body);
        d
    };
    Plan::DataIn(truncate(data, alloc))
}

fn report_luns(cdb: &[u8; 16], luns: impl IntoIterator<Item = u16>) -> Plan {
    let alloc = be32(&cdb[6..10]) as usize;
    let mut sorted: Vec<u16> = luns.into_iter().collect();
    sorted.sort_unstable();
    let list_len = u32::try_from(sorted.len() * 8).unwrap_or(u32::MAX);
    let mut d = Vec::with_capacity(8 + sorted.len() * 8);
    d.extend_from_slice(&list_len.to_be_bytes());
    d.extend_from_slice(&[0; 4]);
    for lun in sorted {
        let entry = iscsi_proto::wire::Lun::from_index(lun).map_or([0; 8], |l| l.0);
        d.extend_from_slice(&entry);
    }
    Plan::DataIn(truncate(d, alloc))
}

fn request_sense(cdb: &[u8; 16]) -> Plan {
    // No deferred errors are kept: always NO SENSE.
    let sense = Sense {
        key: 0,
        asc: 0,
        ascq: 0,
    };
    Plan::DataIn(truncate(sense.fixed_format().to_vec(), usize::from(cdb[4])))
}

fn read_capacity10(lu: &LogicalUnit) -> Plan {
    let last = lu.blocks().saturating_sub(1);
    let last = u32::try_from(last).unwrap_or(u32::MAX);
    let mut d = last.to_be_bytes().to_vec();
    d.extend_from_slice(&lu.block_size().to_be_bytes());
    Plan::DataIn(d)
}

fn read_capacity16(cdb: &[u8; 16], lu: &LogicalUnit) -> Plan {
    let alloc = be32(&cdb[10..14]) as usize;
    let mut d = vec![0u8; 32];
    d[0..8].copy_from_slice(&lu.blocks().saturating_sub(1).to_be_bytes());
    d[8..12].copy_from_slice(&lu.block_size().to_be_bytes());
    Plan::DataIn(truncate(d, alloc))
}

fn mode_sense(_lu: &LogicalUnit, alloc: usize, ten: bool) -> Plan {
    // Header only: no block descriptors, no pages, not write-protected.
    let d = if ten {
        vec![0, 6, 0, 0, 0, 0, 0, 0]
    } else {
        vec![3, 0, 0, 0]
    };
    Plan::DataIn(truncate(d, alloc))
}

fn truncate(mut data: Vec<u8>, alloc: usize) -> Vec<u8> {
    data.truncate(alloc);
    data
}

fn be16(b: &[u8]) -> u16 {
    b.first_chunk::<2>().map_or(0, |b| u16::from_be_bytes(*b))
}

fn be32(b: &[u8]) -> u32 {
    b.first_chunk::<4>().map_or(0, |b| u32::from_be_bytes(*b))
}

fn be64(b: &[u8]) -> u64 {
    b.first_chunk::<8>().map_or(0, |b| u64::from_be_bytes(*b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LuConfig;

    fn lu() -> LogicalUnit {
        LogicalUnit::new(&LuConfig::new(0, 512, 100)).unwrap()
    }

    fn cdb(bytes: &[u8]) -> [u8; 16] {
        let mut c = [0u8; 16];
        c[..bytes.len()].copy_from_slice(bytes);
        c
    }

    #[test]
    fn read10_range() {
        let lu = lu();
        assert_eq!(
            plan(&cdb(&[0x28, 0, 0, 0, 0, 98, 0, 0, 2, 0]), Some(&lu), [0]),
            Plan::DataIn(vec![0; 1024])
        );
        assert_eq!(
            plan(&cdb(&[0x28, 0, 0, 0, 0, 99, 0, 0, 2, 0]), Some(&lu), [0]),
            Plan::Check(Sense::illegal_request(ASC_LBA_OUT_OF_RANGE))
        );
    }

    #[test]
    fn write16_plan() {
        let lu = lu();
        let mut c = cdb(&[0x8a]);
        c[9] = 4; // LBA 4
        c[13] = 3; // 3 blocks
        assert_eq!(
            plan(&c, Some(&lu), [0]),
            Plan::Write {
                offset: 2048,
                len: 1536
            }
        );
    }

    #[test]
    fn unknown_opcode_and_missing_lu() {
        assert_eq!(
            plan(&cdb(&[0xc7]), Some(&lu()), [0]),
            Plan::Check(Sense::illegal_request(ASC_INVALID_OPCODE))
        );
        assert_eq!(
            plan(&cdb(&[0x00]), None, [0]),
            Plan::Check(Sense::illegal_request(ASC_LU_NOT_SUPPORTED))
        );
    }

    #[test]
    fn capacity_inquiry_luns() {
        let lu = lu();
        let Plan::DataIn(d) = plan(&cdb(&[0x25]), Some(&lu), [0]) else {
            panic!()
        };
        assert_eq!(d, [0, 0, 0, 99, 0, 0, 2, 0]);
        let Plan::DataIn(d) = plan(&cdb(&[0x12, 0, 0, 0, 255]), Some(&lu), [0]) else {
            panic!()
        };
        assert_eq!((d.len(), &d[8..16]), (36, &VENDOR[..]));
        let Plan::DataIn(d) = plan(&cdb(&[0x12, 1, 0x80, 0, 255]), Some(&lu), [0]) else {
            panic!()
        };
        assert_eq!(&d[4..], b"IMATEST0000");
        let Plan::DataIn(d) = plan(&cdb(&[0xa0, 0, 0, 0, 0, 0, 0, 0, 1, 0]), None, [3, 0]) else {
            panic!()
        };
        assert_eq!(
            d,
            [
                0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0
            ]
        );
    }

    #[test]
    fn fixed_format_layout() {
        let sense = Sense {
            key: ILLEGAL_REQUEST,
            asc: ASC_INVALID_FIELD_IN_CDB,
            ascq: 0x01,
        };
        let mut expected = [0u8; 18];
        expected[0] = 0x70;
        expected[2] = ILLEGAL_REQUEST;
        expected[7] = 10;
        expected[12] = ASC_INVALID_FIELD_IN_CDB;
        expected[13] = 0x01;
        assert_eq!(sense.fixed_format(), expected);
        assert_eq!(SenseData::decode(&expected), Ok(sense.to_sense_data()));
    }

    #[test]
    fn sense_segment() {
        let seg = Sense::illegal_request(0x20).data_segment();
        assert_eq!(&seg[..3], &[0, 18, 0x70]);
        assert_eq!((seg[4], seg[14]), (5, 0x20));
    }
}
