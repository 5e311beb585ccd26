//! Command descriptor blocks and their builders (SPC-4 §4.2, SBC-3 §5).
//!
//! Every builder returns a [`Command`]: the [`Cdb`] plus the [`DataDirection`] with the
//! expected transfer length in bytes. Builders check that each argument fits its CDB field
//! and that byte counts fit 32 bits (the expected data transfer length of a SCSI transport).
//! The CONTROL byte (the last byte) is always zero.
//!
//! ```text
//! 6-byte CDB              10-byte CDB               16-byte CDB
//! 0    OPERATION CODE     0    OPERATION CODE       0     OPERATION CODE
//! 1-4  command specific   1    flags                1     flags
//! 5    CONTROL            2-5  LBA (32 bits)        2-9   LBA (64 bits)
//!                         6    GROUP NUMBER         10-13 TRANSFER LENGTH (32 bits)
//!                         7-8  TRANSFER LENGTH (16) 14    GROUP NUMBER
//!                         9    CONTROL              15    CONTROL
//! ```
//!
//! CDBs longer than 16 bytes (variable-length CDBs, up to 260 bytes) can be built with
//! [`Cdb::new`]; a transport carries the bytes past 16 separately (iSCSI: an extended CDB
//! AHS), see [`Cdb::padded16`] and [`Cdb::extension`].

use std::fmt;

use bytes::{BufMut, Bytes, BytesMut};

use super::{ScsiError, inquiry::VpdPage};

/// The longest CDB: a variable-length CDB of 8 header bytes plus 252 additional bytes
/// (SPC-4 §4.2.4).
pub const MAX_CDB_LEN: usize = 260;

/// CDB bytes kept inline; longer CDBs are boxed.
const INLINE_LEN: usize = 16;

/// Operation codes of the commands built here (SPC-4 Annex D, SBC-3 §5).
pub mod opcode {
    /// TEST UNIT READY (6).
    pub const TEST_UNIT_READY: u8 = 0x00;
    /// REQUEST SENSE (6).
    pub const REQUEST_SENSE: u8 = 0x03;
    /// INQUIRY (6).
    pub const INQUIRY: u8 = 0x12;
    /// MODE SENSE (6).
    pub const MODE_SENSE_6: u8 = 0x1a;
    /// READ CAPACITY (10).
    pub const READ_CAPACITY_10: u8 = 0x25;
    /// READ (10).
    pub const READ_10: u8 = 0x28;
    /// WRITE (10).
    pub const WRITE_10: u8 = 0x2a;
    /// SYNCHRONIZE CACHE (10).
    pub const SYNCHRONIZE_CACHE_10: u8 = 0x35;
    /// UNMAP (10).
    pub const UNMAP: u8 = 0x42;
    /// MODE SENSE (10).
    pub const MODE_SENSE_10: u8 = 0x5a;
    /// READ (16).
    pub const READ_16: u8 = 0x88;
    /// WRITE (16).
    pub const WRITE_16: u8 = 0x8a;
    /// SYNCHRONIZE CACHE (16).
    pub const SYNCHRONIZE_CACHE_16: u8 = 0x91;
    /// WRITE SAME (16).
    pub const WRITE_SAME_16: u8 = 0x93;
    /// SERVICE ACTION IN (16); READ CAPACITY (16) is its service action 0x10.
    pub const SERVICE_ACTION_IN_16: u8 = 0x9e;
    /// REPORT LUNS (12).
    pub const REPORT_LUNS: u8 = 0xa0;
}

/// SERVICE ACTION IN (16) service action of READ CAPACITY (16).
const SA_READ_CAPACITY_16: u8 = 0x10;

/// The allocation length used for READ CAPACITY (16): the full 32-byte parameter data.
const READ_CAPACITY_16_LEN: u32 = 32;

/// READ/WRITE byte 1: DPO.
const DPO_BIT: u8 = 0x10;
/// READ/WRITE byte 1: FUA.
const FUA_BIT: u8 = 0x08;

/// A command descriptor block of 1 to [`MAX_CDB_LEN`] bytes. CDBs of up to 16 bytes are
/// stored inline; cloning a longer one clones a small heap buffer.
#[derive(Clone, Eq, Hash, PartialEq)]
pub struct Cdb(Repr);

#[derive(Clone, Eq, Hash, PartialEq)]
enum Repr {
    /// Up to 16 bytes; the bytes past `len` are zero.
    Inline { bytes: [u8; INLINE_LEN], len: usize },
    /// 17 to 260 bytes.
    Extended(Box<[u8]>),
}

impl Cdb {
    /// A CDB from raw bytes (the raw-CDB call).
    ///
    /// # Errors
    ///
    /// [`ScsiError::InvalidField`] for an empty CDB, [`ScsiError::OutOfRange`] for one
    /// longer than [`MAX_CDB_LEN`].
    pub fn new(bytes: &[u8]) -> Result<Self, ScsiError> {
        if bytes.is_empty() {
            return Err(ScsiError::InvalidField { what: "empty CDB" });
        }
        if bytes.len() > MAX_CDB_LEN {
            return Err(ScsiError::OutOfRange {
                what: "CDB length",
                value: bytes.len() as u64,
                max: MAX_CDB_LEN as u64,
            });
        }
        let mut inline = [0; INLINE_LEN];
        Ok(match inline.get_mut(..bytes.len()) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                Self(Repr::Inline {
                    bytes: inline,
                    len: bytes.len(),
                })
            }
            None => Self(Repr::Extended(bytes.into())),
        })
    }

    /// A CDB of a fixed size known to be at most 16 bytes.
    fn fixed<const N: usize>(array: [u8; N]) -> Self {
        const { assert!(N > 0 && N <= INLINE_LEN) };
        let mut bytes = [0; INLINE_LEN];
        if let Some(dst) = bytes.get_mut(..N) {
            dst.copy_from_slice(&array);
        }
        Self(Repr::Inline { bytes, len: N })
    }

    /// The CDB bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { bytes, len } => bytes.get(..*len).unwrap_or(bytes),
            Repr::Extended(bytes) => bytes,
        }
    }

    /// The CDB length in bytes (1 to [`MAX_CDB_LEN`]).
    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    /// Always `false`: a CDB has at least its operation code.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The OPERATION CODE (byte 0).
    pub fn opcode(&self) -> u8 {
        self.as_bytes().first().copied().unwrap_or_default()
    }

    /// The first 16 bytes, zero-padded: the CDB field of a transport header (RFC 7143
    /// §11.3.5: a shorter CDB is padded, a longer one continues in an AHS).
    pub fn padded16(&self) -> [u8; INLINE_LEN] {
        match &self.0 {
            Repr::Inline { bytes, .. } => *bytes,
            Repr::Extended(bytes) => bytes.first_chunk().copied().unwrap_or_default(),
        }
    }

    /// The bytes past the first 16 (empty for CDBs of up to 16 bytes).
    pub fn extension(&self) -> &[u8] {
        self.as_bytes().get(INLINE_LEN..).unwrap_or_default()
    }
}

impl fmt::Debug for Cdb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Cdb(")?;
        for (i, byte) in self.as_bytes().iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{byte:02x}")?;
        }
        f.write_str(")")
    }
}

/// Which way data moves, with the expected transfer length in bytes.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum DataDirection {
    /// No data transfer.
    None,
    /// Data from the target (Data-In), this many bytes expected.
    Read(u32),
    /// Data to the target (Data-Out), this many bytes.
    Write(u32),
    /// Both directions.
    Bidi {
        /// Bytes expected from the target.
        read: u32,
        /// Bytes sent to the target.
        write: u32,
    },
}

impl DataDirection {
    /// Bytes expected from the target.
    pub fn read_len(self) -> u32 {
        match self {
            Self::Read(read) | Self::Bidi { read, .. } => read,
            Self::None | Self::Write(_) => 0,
        }
    }

    /// Bytes sent to the target.
    pub fn write_len(self) -> u32 {
        match self {
            Self::Write(write) | Self::Bidi { write, .. } => write,
            Self::None | Self::Read(_) => 0,
        }
    }
}

/// A CDB ready to send: the CDB and the data it moves.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub struct Command {
    /// The CDB.
    pub cdb: Cdb,
    /// Direction and expected transfer length in bytes.
    pub direction: DataDirection,
}

impl Command {
    /// A command from raw CDB bytes and a caller-chosen direction (the raw-CDB call).
    ///
    /// # Errors
    ///
    /// As [`Cdb::new`].
    pub fn raw(cdb: &[u8], direction: DataDirection) -> Result<Self, ScsiError> {
        Ok(Self {
            cdb: Cdb::new(cdb)?,
            direction,
        })
    }

    fn new<const N: usize>(cdb: [u8; N], direction: DataDirection) -> Self {
        Self {
            cdb: Cdb::fixed(cdb),
            direction,
        }
    }
}

/// Caching flags of READ and WRITE (byte 1).
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
pub struct IoFlags {
    /// DPO: disable page out (do not keep the data in the cache).
    pub dpo: bool,
    /// FUA: force unit access (read from or write to the medium, not the cache).
    pub fua: bool,
}

impl IoFlags {
    /// Neither DPO nor FUA.
    pub const NONE: Self = Self {
        dpo: false,
        fua: false,
    };
    /// FUA only.
    pub const FUA: Self = Self {
        dpo: false,
        fua: true,
    };

    fn byte(self) -> u8 {
        (if self.dpo { DPO_BIT } else { 0 }) | (if self.fua { FUA_BIT } else { 0 })
    }
}

/// Flags of WRITE SAME (16), byte 1.
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
pub struct WriteSameFlags {
    /// UNMAP (bit 3): unmap the blocks if the logical unit can.
    pub unmap: bool,
    /// ANCHOR (bit 4): anchor the blocks instead of deallocating them; needs `unmap`.
    pub anchor: bool,
    /// NDOB (bit 0): no data-out buffer; the blocks are written with zeros.
    pub ndob: bool,
}

impl WriteSameFlags {
    fn byte(self) -> u8 {
        (if self.anchor { 0x10 } else { 0 })
            | (if self.unmap { 0x08 } else { 0 })
            | (if self.ndob { 0x01 } else { 0 })
    }
}

/// PC field of MODE SENSE (byte 2, bits 7-6): which values to return.
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
pub enum PageControl {
    /// 00b current values.
    #[default]
    Current = 0,
    /// 01b changeable values (a mask).
    Changeable = 1,
    /// 10b default values.
    Default = 2,
    /// 11b saved values.
    Saved = 3,
}

/// One UNMAP block descriptor (SBC-3 §5.28.2): a range of logical blocks.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub struct UnmapDescriptor {
    /// First LBA of the range.
    pub lba: u64,
    /// Number of logical blocks.
    pub blocks: u32,
}

/// TEST UNIT READY (SPC-4 §6.47): `00 00 00 00 00 00`.
pub fn test_unit_ready() -> Command {
    Command::new(
        [opcode::TEST_UNIT_READY, 0, 0, 0, 0, 0],
        DataDirection::None,
    )
}

/// REQUEST SENSE (SPC-4 §6.39). `descriptor` sets DESC (byte 1 bit 0) to ask for
/// descriptor-format sense data; `alloc_len` (byte 4) should be at most 252.
pub fn request_sense(descriptor: bool, alloc_len: u8) -> Command {
    Command::new(
        [
            opcode::REQUEST_SENSE,
            u8::from(descriptor),
            0,
            0,
            alloc_len,
            0,
        ],
        DataDirection::Read(alloc_len.into()),
    )
}

/// INQUIRY (SPC-4 §6.6): the standard data when `page` is `None`, else the VPD page
/// (EVPD, byte 1 bit 0). ALLOCATION LENGTH is bytes 3-4.
pub fn inquiry(page: Option<VpdPage>, alloc_len: u16) -> Command {
    let [len_hi, len_lo] = alloc_len.to_be_bytes();
    let (evpd, page_code) = match page {
        Some(page) => (1, u8::from(page)),
        None => (0, 0),
    };
    Command::new(
        [opcode::INQUIRY, evpd, page_code, len_hi, len_lo, 0],
        DataDirection::Read(alloc_len.into()),
    )
}

/// READ CAPACITY (10) (SBC-3 §5.15): 8 bytes of parameter data.
pub fn read_capacity10() -> Command {
    Command::new(
        [opcode::READ_CAPACITY_10, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        DataDirection::Read(8),
    )
}

/// READ CAPACITY (16) (SBC-3 §5.16): SERVICE ACTION IN (16) with service action 0x10,
/// allocation length 32 (bytes 10-13).
pub fn read_capacity16() -> Command {
    let mut cdb = [0; 16];
    cdb[0] = opcode::SERVICE_ACTION_IN_16;
    cdb[1] = SA_READ_CAPACITY_16;
    cdb[10..14].copy_from_slice(&READ_CAPACITY_16_LEN.to_be_bytes());
    Command::new(cdb, DataDirection::Read(READ_CAPACITY_16_LEN))
}

/// REPORT LUNS (SPC-4 §6.33) with SELECT REPORT 0 (all logical units); ALLOCATION LENGTH is
/// bytes 6-9.
///
/// # Errors
///
/// [`ScsiError::InvalidField`] when `alloc_len` is below 16 (SPC-4: the device server then
/// terminates the command with ILLEGAL REQUEST).
pub fn report_luns(alloc_len: u32) -> Result<Command, ScsiError> {
    if alloc_len < 16 {
        return Err(ScsiError::InvalidField {
            what: "REPORT LUNS ALLOCATION LENGTH below 16",
        });
    }
    let mut cdb = [0; 12];
    cdb[0] = opcode::REPORT_LUNS;
    cdb[6..10].copy_from_slice(&alloc_len.to_be_bytes());
    Ok(Command::new(cdb, DataDirection::Read(alloc_len)))
}

/// READ (10) (SBC-3 §5.11) of `blocks` blocks of `block_size` bytes at `lba`.
///
/// # Errors
///
/// [`ScsiError::OutOfRange`] when `blocks` exceeds 65535, the last LBA exceeds 32 bits or the
/// byte count exceeds 32 bits; [`ScsiError::InvalidField`] for a zero `block_size`.
pub fn read10(
    lba: u64,
    blocks: u32,
    block_size: u32,
    flags: IoFlags,
) -> Result<Command, ScsiError> {
    let len = transfer_bytes(blocks, block_size)?;
    rw10(
        opcode::READ_10,
        "READ (10)",
        lba,
        blocks,
        flags.byte(),
        DataDirection::Read(len),
    )
}

/// WRITE (10) (SBC-3 §5.32) of `blocks` blocks of `block_size` bytes at `lba`.
///
/// # Errors
///
/// As [`read10`].
pub fn write10(
    lba: u64,
    blocks: u32,
    block_size: u32,
    flags: IoFlags,
) -> Result<Command, ScsiError> {
    let len = transfer_bytes(blocks, block_size)?;
    rw10(
        opcode::WRITE_10,
        "WRITE (10)",
        lba,
        blocks,
        flags.byte(),
        DataDirection::Write(len),
    )
}

/// READ (16) (SBC-3 §5.13) of `blocks` blocks of `block_size` bytes at `lba`.
///
/// # Errors
///
/// [`ScsiError::OutOfRange`] when the last LBA exceeds 64 bits or the byte count exceeds
/// 32 bits; [`ScsiError::InvalidField`] for a zero `block_size`.
pub fn read16(
    lba: u64,
    blocks: u32,
    block_size: u32,
    flags: IoFlags,
) -> Result<Command, ScsiError> {
    let len = transfer_bytes(blocks, block_size)?;
    rw16(
        opcode::READ_16,
        lba,
        blocks,
        flags.byte(),
        DataDirection::Read(len),
    )
}

/// WRITE (16) (SBC-3 §5.34) of `blocks` blocks of `block_size` bytes at `lba`.
///
/// # Errors
///
/// As [`read16`].
pub fn write16(
    lba: u64,
    blocks: u32,
    block_size: u32,
    flags: IoFlags,
) -> Result<Command, ScsiError> {
    let len = transfer_bytes(blocks, block_size)?;
    rw16(
        opcode::WRITE_16,
        lba,
        blocks,
        flags.byte(),
        DataDirection::Write(len),
    )
}

/// SYNCHRONIZE CACHE (10) (SBC-3 §5.22) of `blocks` blocks at `lba`; zero blocks means to
/// the last LBA. `immed` (byte 1 bit 1) asks for status before the cache is flushed.
///
/// # Errors
///
/// [`ScsiError::OutOfRange`] when `blocks` exceeds 65535 or the last LBA exceeds 32 bits.
pub fn synchronize_cache10(lba: u64, blocks: u32, immed: bool) -> Result<Command, ScsiError> {
    let byte1 = if immed { 0x02 } else { 0 };
    rw10(
        opcode::SYNCHRONIZE_CACHE_10,
        "SYNCHRONIZE CACHE (10)",
        lba,
        blocks,
        byte1,
        DataDirection::None,
    )
}

/// SYNCHRONIZE CACHE (16) (SBC-3 §5.23); see [`synchronize_cache10`].
///
/// # Errors
///
/// [`ScsiError::OutOfRange`] when the last LBA exceeds 64 bits.
pub fn synchronize_cache16(lba: u64, blocks: u32, immed: bool) -> Result<Command, ScsiError> {
    let byte1 = if immed { 0x02 } else { 0 };
    rw16(
        opcode::SYNCHRONIZE_CACHE_16,
        lba,
        blocks,
        byte1,
        DataDirection::None,
    )
}

/// WRITE SAME (16) (SBC-3 §5.42): writes one block of `block_size` bytes (the Data-Out
/// buffer) to `blocks` blocks at `lba`, or unmaps them with [`WriteSameFlags::unmap`].
/// With [`WriteSameFlags::ndob`] there is no Data-Out buffer. Zero blocks means to the last
/// LBA, unless the Block Limits VPD page sets WSNZ.
///
/// # Errors
///
/// [`ScsiError::OutOfRange`] when the last LBA exceeds 64 bits;
/// [`ScsiError::InvalidField`] for ANCHOR without UNMAP (SBC-3 §5.42: ILLEGAL REQUEST) or a
/// zero `block_size` with a Data-Out buffer.
pub fn write_same16(
    lba: u64,
    blocks: u32,
    block_size: u32,
    flags: WriteSameFlags,
) -> Result<Command, ScsiError> {
    if flags.anchor && !flags.unmap {
        return Err(ScsiError::InvalidField {
            what: "WRITE SAME ANCHOR without UNMAP",
        });
    }
    let direction = if flags.ndob {
        DataDirection::None
    } else if block_size == 0 {
        return Err(ScsiError::InvalidField {
            what: "block size 0",
        });
    } else {
        DataDirection::Write(block_size)
    };
    rw16(opcode::WRITE_SAME_16, lba, blocks, flags.byte(), direction)
}

/// UNMAP (SBC-3 §5.28) of the given ranges. Returns the command and its parameter list
/// (the Data-Out buffer):
///
/// ```text
/// 0-1  UNMAP DATA LENGTH (n - 1)
/// 2-3  UNMAP BLOCK DESCRIPTOR DATA LENGTH (n - 7)
/// 4-7  reserved
/// 8..  16-byte descriptors: 0-7 LBA, 8-11 NUMBER OF LOGICAL BLOCKS, 12-15 reserved
/// ```
///
/// # Errors
///
/// [`ScsiError::OutOfRange`] for more than 4095 descriptors (the parameter list length is
/// 16 bits) or a range whose last LBA exceeds 64 bits.
pub fn unmap(descriptors: &[UnmapDescriptor]) -> Result<(Command, Bytes), ScsiError> {
    const HEADER: usize = 8;
    const DESCRIPTOR: usize = 16;
    const MAX_DESCRIPTORS: usize = (u16::MAX as usize - HEADER) / DESCRIPTOR;
    if descriptors.len() > MAX_DESCRIPTORS {
        return Err(ScsiError::OutOfRange {
            what: "UNMAP block descriptor count",
            value: descriptors.len() as u64,
            max: MAX_DESCRIPTORS as u64,
        });
    }
    // Bounded by MAX_DESCRIPTORS above: at most 65528 bytes.
    let block_data_len = descriptors.len().saturating_mul(DESCRIPTOR);
    let param_len = block_data_len.saturating_add(HEADER);
    let to_u16 = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
    let mut list = BytesMut::with_capacity(param_len);
    list.put_u16(to_u16(param_len.saturating_sub(2)));
    list.put_u16(to_u16(block_data_len));
    list.put_u32(0);
    for descriptor in descriptors {
        last_lba(descriptor.lba, descriptor.blocks, "UNMAP range")?;
        list.put_u64(descriptor.lba);
        list.put_u32(descriptor.blocks);
        list.put_u32(0);
    }
    let [len_hi, len_lo] = to_u16(param_len).to_be_bytes();
    let cdb = [opcode::UNMAP, 0, 0, 0, 0, 0, 0, len_hi, len_lo, 0];
    let direction = DataDirection::Write(u32::from(to_u16(param_len)));
    Ok((Command::new(cdb, direction), list.freeze()))
}

/// MODE SENSE (6) (SPC-4 §6.11) of `page` (0x3f: all pages) and `subpage` (0xff: all
/// subpages). `dbd` disables block descriptors.
///
/// # Errors
///
/// [`ScsiError::OutOfRange`] when `page` exceeds 0x3f.
pub fn mode_sense6(
    pc: PageControl,
    page: u8,
    subpage: u8,
    dbd: bool,
    alloc_len: u8,
) -> Result<Command, ScsiError> {
    let byte2 = pc_page(pc, page)?;
    let byte1 = if dbd { 0x08 } else { 0 };
    Ok(Command::new(
        [opcode::MODE_SENSE_6, byte1, byte2, subpage, alloc_len, 0],
        DataDirection::Read(alloc_len.into()),
    ))
}

/// MODE SENSE (10) (SPC-4 §6.12); as [`mode_sense6`], plus `llbaa` (byte 1 bit 4) to accept
/// long LBA block descriptors.
///
/// # Errors
///
/// [`ScsiError::OutOfRange`] when `page` exceeds 0x3f.
pub fn mode_sense10(
    pc: PageControl,
    page: u8,
    subpage: u8,
    dbd: bool,
    llbaa: bool,
    alloc_len: u16,
) -> Result<Command, ScsiError> {
    let byte2 = pc_page(pc, page)?;
    let byte1 = (if llbaa { 0x10 } else { 0 }) | (if dbd { 0x08 } else { 0 });
    let [len_hi, len_lo] = alloc_len.to_be_bytes();
    Ok(Command::new(
        [
            opcode::MODE_SENSE_10,
            byte1,
            byte2,
            subpage,
            0,
            0,
            0,
            len_hi,
            len_lo,
            0,
        ],
        DataDirection::Read(alloc_len.into()),
    ))
}

/// MODE SENSE byte 2: PC in bits 7-6, PAGE CODE in bits 5-0.
fn pc_page(pc: PageControl, page: u8) -> Result<u8, ScsiError> {
    if page > 0x3f {
        return Err(ScsiError::OutOfRange {
            what: "PAGE CODE",
            value: page.into(),
            max: 0x3f,
        });
    }
    Ok(((pc as u8) << 6) | page)
}

/// `blocks × block_size` as an expected transfer length.
fn transfer_bytes(blocks: u32, block_size: u32) -> Result<u32, ScsiError> {
    if block_size == 0 {
        return Err(ScsiError::InvalidField {
            what: "block size 0",
        });
    }
    blocks
        .checked_mul(block_size)
        .ok_or_else(|| ScsiError::OutOfRange {
            what: "transfer length in bytes",
            value: u64::from(blocks).saturating_mul(u64::from(block_size)),
            max: u32::MAX.into(),
        })
}

/// The last LBA of a range (the LBA itself for zero blocks).
fn last_lba(lba: u64, blocks: u32, what: &'static str) -> Result<u64, ScsiError> {
    lba.checked_add(u64::from(blocks.saturating_sub(1)))
        .ok_or(ScsiError::OutOfRange {
            what,
            value: lba,
            max: u64::MAX,
        })
}

/// A 10-byte CDB with a 32-bit LBA (bytes 2-5) and 16-bit count (bytes 7-8).
fn rw10(
    opcode: u8,
    what: &'static str,
    lba: u64,
    blocks: u32,
    byte1: u8,
    direction: DataDirection,
) -> Result<Command, ScsiError> {
    let count = u16::try_from(blocks).map_err(|_| ScsiError::OutOfRange {
        what,
        value: blocks.into(),
        max: u16::MAX.into(),
    })?;
    let last = last_lba(lba, blocks, what)?;
    if last > u32::MAX.into() {
        return Err(ScsiError::OutOfRange {
            what,
            value: last,
            max: u32::MAX.into(),
        });
    }
    // Checked just above: `lba <= last <= u32::MAX`.
    let lba = u32::try_from(lba).unwrap_or(u32::MAX);
    let mut cdb = [0; 10];
    cdb[0] = opcode;
    cdb[1] = byte1;
    cdb[2..6].copy_from_slice(&lba.to_be_bytes());
    cdb[7..9].copy_from_slice(&count.to_be_bytes());
    Ok(Command::new(cdb, direction))
}

/// A 16-byte CDB with a 64-bit LBA (bytes 2-9) and 32-bit count (bytes 10-13).
fn rw16(
    opcode: u8,
    lba: u64,
    blocks: u32,
    byte1: u8,
    direction: DataDirection,
) -> Result<Command, ScsiError> {
    last_lba(lba, blocks, "LOGICAL BLOCK ADDRESS")?;
    let mut cdb = [0; 16];
    cdb[0] = opcode;
    cdb[1] = byte1;
    cdb[2..10].copy_from_slice(&lba.to_be_bytes());
    cdb[10..14].copy_from_slice(&blocks.to_be_bytes());
    Ok(Command::new(cdb, direction))
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests;
