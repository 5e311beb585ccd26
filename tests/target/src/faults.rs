//! Fault switches: deterministic misbehaviour to test an initiator's error paths.
//!
//! Counters are per connection and 1-based ("the 3rd PDU sent" is `Some(3)`), counting from
//! the connection's first PDU, login included. Every counted switch **fires once and then
//! clears itself** (in the target-wide [`Faults`] or the connection's own copy), so a test
//! that reconnects after a fault gets a healthy connection; set it again to re-arm it.
//! The state switches (`stall`, `window_closed`, `delay`, `ignore_text`, `ignore_logout`,
//! `garbage_after_login`, `nop_in_flood_after_login`, `data_in_gap_always`) stay until changed.

use std::time::Duration;

use iscsi_proto::wire::{Opcode, RejectReason, TmfResponse};

/// The fault switches of a target or of one connection. Build with struct-update syntax:
/// `Faults { drop_after_received: Some(3), ..Faults::default() }`.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Close the connection (abortively, nothing more is sent) right after the Nth PDU is
    /// received.
    pub drop_after_received: Option<u64>,
    /// Close the connection right after the Nth PDU is sent.
    pub drop_after_sent: Option<u64>,
    /// Flip the header digest of the Nth PDU sent (only effective once HeaderDigest=CRC32C
    /// is on; login PDUs carry no digest, so count full-feature PDUs).
    pub corrupt_header_digest: Option<u64>,
    /// Flip the data digest of the Nth PDU sent *that carries data* (only effective once
    /// DataDigest=CRC32C is on).
    pub corrupt_data_digest: Option<u64>,
    /// Hold every PDU this long before sending it (order is kept).
    pub delay: Option<Duration>,
    /// Hold the completion (Data-In and status) of the Nth SCSI command received until
    /// [`crate::TargetConnection::release_held`] or [`crate::Target::release_held`].
    pub hold_command: Option<u64>,
    /// Answer the Nth SCSI command with a Reject PDU of this reason, carrying its header.
    /// Its CmdSN is not consumed (RFC 7143 §7.3), so ExpCmdSN waits for a retry.
    pub reject_command: Option<(u64, RejectReason)>,
    /// Collect the completions of this many SCSI commands and send them in reverse order
    /// (later commands answered before earlier ones). One group, then it clears.
    pub reorder_completions: Option<usize>,
    /// Send nothing at all while set; input is still read and processed (responses queue).
    pub stall: bool,
    /// Advertise a closed command window: MaxCmdSN = ExpCmdSN − 1 in every PDU. Clearing it
    /// (through [`crate::Target::set_window_closed`] or
    /// [`crate::TargetConnection::set_window_closed`]) sends a NOP-In announcing the open
    /// window.
    pub window_closed: bool,
    /// Give the Nth Data-In PDU sent a DataSN one higher than it should be (a gap). Later
    /// Data-In PDUs of the same task continue from there.
    pub data_in_skip_data_sn: Option<u64>,
    /// Patch raw bytes of a sent header (before its header digest is computed).
    pub mangle: Option<Mangle>,
    /// Answer every TMF request with this response code instead of the real outcome.
    pub tmf_response: Option<TmfResponse>,
    /// Extra `key=value` pairs added to the last Login Response of the operational stage
    /// (e.g. an unknown `X-Foo=1`, or a repeated key).
    pub extra_login_keys: Vec<(String, String)>,
    /// Answer the first write at or after the Nth SCSI command with GOOD at once: no R2T, no
    /// residual, and nothing written (a target that claims a write it never took).
    pub write_early_good: Option<u64>,
    /// Take all the data of the first write at or after the Nth SCSI command, then answer
    /// GOOD with the U bit and a residual equal to the whole transfer.
    pub write_residual_underflow: Option<u64>,
    /// Solicit only the first half of the data of the first write at or after the Nth SCSI
    /// command, then answer GOOD with no residual.
    pub write_half_solicited: Option<u64>,
    /// Never answer a Text Request (state switch).
    pub ignore_text: bool,
    /// Never answer a Logout Request (state switch).
    pub ignore_logout: bool,
    /// Send these bytes, which are no PDU, right after every final Login Response (state
    /// switch: every connection, so a reconnecting initiator meets it again).
    pub garbage_after_login: Option<Vec<u8>>,
    /// Send this many informational NOP-Ins (ITT and TTT 0xffffffff) at once right after
    /// every final Login Response (state switch): a flood on every connection.
    pub nop_in_flood_after_login: Option<u32>,
    /// Answer the next this-many SCSI commands (any connection) with this status and no
    /// data, without running them (BUSY, TASK SET FULL), counting down.
    pub status_instead: Option<(u32, iscsi_proto::wire::ScsiStatus)>,
    /// Answer the next this-many SCSI commands with CHECK CONDITION, ABORTED COMMAND and
    /// this ASC/ASCQ (e.g. 47h/05h, protocol service CRC error), without running them,
    /// counting down.
    pub aborted_command: Option<(u32, u8, u8)>,
    /// Give the first Data-In of every task DataSN 1 instead of 0, on every connection (state
    /// switch): a deterministic DataSN gap that session recovery cannot cure.
    pub data_in_gap_always: bool,
}

/// A raw patch of the Nth sent PDU with a given opcode: `header[byte] = header[byte] & !clear
/// | set`.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Mangle {
    /// Which PDUs count.
    pub opcode: Opcode,
    /// 1-based count among sent PDUs with that opcode.
    pub nth: u64,
    /// Byte offset in the 48-byte BHS.
    pub byte: usize,
    /// Bits cleared.
    pub clear: u8,
    /// Bits set.
    pub set: u8,
}

impl Mangle {
    /// Sets `bits` in byte `byte` of the Nth PDU with `opcode`.
    pub fn set_bits(opcode: Opcode, nth: u64, byte: usize, bits: u8) -> Self {
        Self {
            opcode,
            nth,
            byte,
            clear: 0,
            set: bits,
        }
    }

    /// Writes `value` into byte `byte` of the Nth PDU with `opcode`.
    pub fn write_byte(opcode: Opcode, nth: u64, byte: usize, value: u8) -> Self {
        Self {
            opcode,
            nth,
            byte,
            clear: 0xff,
            set: value,
        }
    }
}
