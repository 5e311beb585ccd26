//! Errors for malformed bytes.

use super::Opcode;

/// The bytes of a PDU are malformed (RFC 7143 §7.7 calls these format errors).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq, thiserror::Error)]
pub enum DecodeError {
    /// Fewer bytes than the structure needs.
    #[error("truncated: needed {needed} bytes, {available} available")]
    Truncated {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// The opcode is not one RFC 7143 defines.
    #[error("unknown opcode {0:#04x}")]
    UnknownOpcode(u8),
    /// The data segment is longer than the receiver declared it can take.
    #[error("data segment of {len} bytes exceeds the limit of {max}")]
    DataSegmentTooLong {
        /// DataSegmentLength from the header.
        len: u32,
        /// The limit in force.
        max: u32,
    },
    /// The additional header segments do not fit TotalAHSLength or are malformed.
    #[error("malformed additional header segment: {reason}")]
    InvalidAhs {
        /// What is wrong.
        reason: &'static str,
    },
    /// The header digest does not match the header.
    #[error("header digest mismatch: received {received:#010x}, computed {computed:#010x}")]
    HeaderDigest {
        /// The digest on the wire.
        received: u32,
        /// The digest computed over the received header.
        computed: u32,
    },
    /// A combination of flags the RFC forbids for this opcode.
    #[error("invalid flags {flags:#04x} for {opcode:?}")]
    InvalidFlags {
        /// The PDU's opcode.
        opcode: Opcode,
        /// The flags byte (byte 1 of the header).
        flags: u8,
    },
    /// A field holds a value the RFC forbids (a reserved code, an inconsistent length).
    #[error("invalid field {field} in {opcode:?}")]
    InvalidField {
        /// The PDU's opcode.
        opcode: Opcode,
        /// The field's name as in RFC 7143.
        field: &'static str,
    },
}

/// A PDU cannot be encoded as given (a caller error, never caused by the peer).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq, thiserror::Error)]
pub enum EncodeError {
    /// The data segment is longer than DataSegmentLength (24 bits) can express, or longer
    /// than the peer declared it accepts.
    #[error("data segment of {len} bytes exceeds the limit of {max}")]
    DataSegmentTooLong {
        /// The data length.
        len: usize,
        /// The limit in force.
        max: usize,
    },
    /// The additional header segments exceed 1020 bytes or one exceeds 65535.
    #[error("additional header segments too long")]
    AhsTooLong,
}
