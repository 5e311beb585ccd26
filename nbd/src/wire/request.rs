//! Transmission requests.
//!
//! ```text
//! 0-3   0x25609513      16-23 offset
//! 4-5   command flags   24-27 length
//! 6-7   command         28-   data (NBD_CMD_WRITE only)
//! 8-15  cookie
//! ```

use super::{Command, REQUEST_MAGIC};

/// Length of a request header.
pub const REQUEST_HEADER_LEN: usize = 28;

mod field {
    pub(super) const MAGIC: usize = 0;
    pub(super) const FLAGS: usize = 4;
    pub(super) const COMMAND: usize = 6;
    pub(super) const COOKIE: usize = 8;
    pub(super) const OFFSET: usize = 16;
    pub(super) const LENGTH: usize = 24;
}

/// One request header as sent by the client.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct RequestHeader {
    /// [`REQUEST_MAGIC`] in a well-formed request.
    pub magic: u32,
    /// Command flags ([`super::command_flags`]).
    pub flags: u16,
    /// The command.
    pub command: Command,
    /// The client's opaque handle, echoed in the reply.
    pub cookie: u64,
    /// Byte offset into the export.
    pub offset: u64,
    /// Byte length (for `WRITE`, the length of the data that follows).
    pub length: u32,
}

impl RequestHeader {
    /// Decodes the 28-byte header.
    pub fn decode(raw: &[u8; REQUEST_HEADER_LEN]) -> Self {
        let be16 = |at: usize| u16::from_be_bytes([raw[at], raw[at + 1]]);
        let be32 = |at: usize| u32::from_be_bytes([raw[at], raw[at + 1], raw[at + 2], raw[at + 3]]);
        let be64 = |at: usize| (u64::from(be32(at)) << 32) | u64::from(be32(at + 4));
        Self {
            magic: be32(field::MAGIC),
            flags: be16(field::FLAGS),
            command: Command::from(be16(field::COMMAND)),
            cookie: be64(field::COOKIE),
            offset: be64(field::OFFSET),
            length: be32(field::LENGTH),
        }
    }

    /// Encodes the header (used by tests and clients).
    pub fn encode(&self) -> [u8; REQUEST_HEADER_LEN] {
        let mut out = [0; REQUEST_HEADER_LEN];
        out[field::MAGIC..field::FLAGS].copy_from_slice(&self.magic.to_be_bytes());
        out[field::FLAGS..field::COMMAND].copy_from_slice(&self.flags.to_be_bytes());
        out[field::COMMAND..field::COOKIE].copy_from_slice(&u16::from(self.command).to_be_bytes());
        out[field::COOKIE..field::OFFSET].copy_from_slice(&self.cookie.to_be_bytes());
        out[field::OFFSET..field::LENGTH].copy_from_slice(&self.offset.to_be_bytes());
        out[field::LENGTH..].copy_from_slice(&self.length.to_be_bytes());
        out
    }

    /// Whether the magic is right.
    pub fn magic_ok(&self) -> bool {
        self.magic == REQUEST_MAGIC
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let header = RequestHeader {
            magic: REQUEST_MAGIC,
            flags: 1,
            command: Command::Write,
            cookie: 0x0102_0304_0506_0708,
            offset: 1 << 40,
            length: 4096,
        };
        assert_eq!(RequestHeader::decode(&header.encode()), header);
        assert_eq!(Command::from(42), Command::Unknown(42));
    }
}
