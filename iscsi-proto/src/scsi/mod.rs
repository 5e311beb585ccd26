//! The SCSI layer, independent of iSCSI: CDB builders, status, sense data and decoders of
//! the common responses (INQUIRY and its VPD pages, READ CAPACITY, REPORT LUNS,
//! MODE SENSE).
//!
//! Nothing here knows about PDUs. A [`Command`] is a CDB plus the data direction and the
//! expected transfer length in bytes, which is exactly what an iSCSI SCSI Command PDU (or any
//! other transport) needs; the response decoders take the bytes of the Data-In buffer.
//!
//! | File | Contents | Standard |
//! |---|---|---|
//! | `cdb.rs` | [`Cdb`], [`Command`], one builder per command | SPC-4/5, SBC-3/4 |
//! | `sense.rs` | [`SenseData`] (fixed and descriptor formats), ASC/ASCQ names | SPC-4 §4.5 |
//! | `status.rs` | [`ScsiStatus`] helpers | SAM-5 §5.3 |
//! | `inquiry.rs` | standard INQUIRY data, VPD header, pages 0x00 and 0x80 | SPC-4 §6.6, §7.8 |
//! | `device_id.rs` | VPD page 0x83 designation descriptors | SPC-4 §7.8.6 |
//! | `block_vpd.rs` | VPD 0xB0 Block Limits, 0xB1 Block Device Characteristics | SBC-3 §6.6 |
//! | `capacity.rs` | READ CAPACITY (10) and (16) parameter data | SBC-3 §5.15, §5.16 |
//! | `report_luns.rs` | REPORT LUNS parameter data | SPC-4 §6.33 |
//! | `mode_sense.rs` | mode parameter headers, block descriptors and pages | SPC-4 §7.5 |
//!
//! # Untrusted input
//!
//! Every decoder takes `&[u8]` from the target and returns a typed [`ScsiError`] instead of
//! panicking. Lists (VPD pages, designators, LUNs, mode pages, sense descriptors) are bounded
//! by the input's length, so nothing is allocated beyond a small multiple of the input.
//!
//! Decoders of parameter data that carries its own length (VPD pages, REPORT LUNS, MODE
//! SENSE) fail with [`ScsiError::Truncated`] when the buffer is shorter than that length;
//! its `needed` field is the allocation length to retry with. Sense data is the exception:
//! it cannot be requested again, so a short sense buffer yields what it holds.

// Untrusted-input discipline (architecture B5 rule 1) for every file of this module.
#![warn(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

mod block_vpd;
mod capacity;
mod cdb;
mod device_id;
mod error;
mod inquiry;
mod mode_sense;
mod report_luns;
mod sense;
mod status;

pub use block_vpd::{
    BlockDeviceCharacteristics, BlockLimits, LogicalBlockProvisioning, NominalFormFactor,
    ProvisioningType,
};
pub use capacity::{ReadCapacity10, ReadCapacity16};
pub use cdb::{
    Cdb, Command, DataDirection, IoFlags, MAX_CDB_LEN, PageControl, UnmapDescriptor,
    WriteSameFlags, inquiry, mode_sense6, mode_sense10, opcode, read_capacity10, read_capacity16,
    read10, read16, report_luns, request_sense, synchronize_cache10, synchronize_cache16,
    test_unit_ready, unmap, write_same16, write10, write16,
};
pub use device_id::{Association, CodeSet, Designator, DesignatorType, DeviceIdentification};
pub use error::ScsiError;
pub use inquiry::{
    PeripheralDeviceType, StandardInquiry, SupportedVpdPages, UnitSerialNumber, VpdPage,
};
pub use mode_sense::{BlockDescriptor, ModePage, ModeParameters};
pub use report_luns::{ReportLuns, ReportedLun};
pub use sense::{MAX_SENSE_LEN, SenseData, SenseFormat, SenseKey, asc_ascq_description};
pub use status::ScsiStatus;

/// `N` bytes at `at`, or `None` when the buffer is too short.
fn array_at<const N: usize>(buf: &[u8], at: usize) -> Option<[u8; N]> {
    buf.get(at..)?.first_chunk::<N>().copied()
}

/// The first `N` bytes as an array, or [`ScsiError::Truncated`] naming `what`.
fn head<const N: usize>(buf: &[u8], what: &'static str) -> Result<[u8; N], ScsiError> {
    buf.first_chunk::<N>().copied().ok_or(ScsiError::Truncated {
        what,
        needed: N,
        available: buf.len(),
    })
}

/// A big-endian `u16` at `at`.
fn be16_at(buf: &[u8], at: usize) -> Option<u16> {
    array_at(buf, at).map(u16::from_be_bytes)
}

/// A big-endian `u32` at `at`.
fn be32_at(buf: &[u8], at: usize) -> Option<u32> {
    array_at(buf, at).map(u32::from_be_bytes)
}

/// A big-endian `u64` at `at`.
fn be64_at(buf: &[u8], at: usize) -> Option<u64> {
    array_at(buf, at).map(u64::from_be_bytes)
}

/// The first `len` bytes of `buf`, or [`ScsiError::Truncated`] naming `what`.
fn take<'a>(buf: &'a [u8], len: usize, what: &'static str) -> Result<&'a [u8], ScsiError> {
    buf.get(..len).ok_or(ScsiError::Truncated {
        what,
        needed: len,
        available: buf.len(),
    })
}

/// Bytes as text: lossy UTF-8 (the target's bytes are untrusted), trailing spaces and NULs
/// removed (SPC-4 §4.4.1: ASCII fields are left-aligned and padded with spaces).
fn ascii_field(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .trim_end_matches([' ', '\0'])
        .to_owned()
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod fuzz_tests;

/// Every prefix of a VPD page `buf` shorter than the page gives a typed truncation error.
#[cfg(test)]
#[allow(clippy::indexing_slicing)]
fn check_vpd_truncation<T: std::fmt::Debug>(
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
