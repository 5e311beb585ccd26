//! iSNSP, the Internet Storage Name Service protocol (RFC 4171), as far as an iSCSI
//! initiator needs it: the message codec and the queries that list targets.
//!
//! Sans-IO like the rest of the crate: [`MessageAssembler`] turns received bytes into
//! [`Message`]s and [`Message::encode`] turns a message back into PDUs; `iscsi-initiator`
//! runs them over TCP.
//!
//! # Wire format
//!
//! - A PDU is a 12-byte header (RFC 4171 §5.1: Version, Function ID, PDU Length, Flags,
//!   Transaction ID, Sequence ID; big-endian) and a payload of PDU Length bytes.
//! - A message may span several PDUs with the same Function ID and Transaction ID, FIRST
//!   on the first, LAST on the last and the Sequence ID counting from 0 (§5.1.4–§5.1.6,
//!   §5.2); their payloads are joined before the attributes are read.
//! - The payload of a response starts with a 4-byte status code (§5.4, §5.7); the rest is
//!   a list of attributes, each a tag (u32), a length (u32) and a value zero-padded to a
//!   multiple of 4 that the length includes (§5.3.1). A request is Source, Message Key
//!   attributes, Delimiter (tag 0, length 0), Operating attributes (§5.6).
//!
//! # Decisions
//!
//! - Version other than 1: [`IsnsError::UnsupportedVersion`]. An authentication block
//!   (flag 0x2000) is not supported: [`IsnsError::AuthBlock`].
//! - An attribute length that is not a multiple of 4 or runs past the payload is an error.
//! - Strings must be NUL-terminated UTF-8 with only NULs after the terminator; iSCSI names
//!   are at most 224 bytes and aliases 256 (§6.1).
//! - IP attributes are 16 bytes; IPv4 is accepted both mapped (`::ffff:a.b.c.d`, what we
//!   send, §6.3.1) and compatible (`::a.b.c.d`, what open-isns' `isnsadm` sends).
//! - PDUs of different messages may not interleave; a message is bounded by
//!   [`IsnsLimits::max_message_len`] and [`IsnsLimits::max_attributes`].
#![warn(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

mod codes;
mod pdu;
mod targets;
#[cfg(test)]
mod tests;

pub use codes::{Flags, FunctionId, RESPONSE_BIT, Status, Tag, node_type, scn};
pub use pdu::{Attribute, HEADER_LEN, Header, Message, MessageAssembler, VERSION, offset};
pub use targets::{
    IsnsPortalGroup, IsnsTarget, ScnEvent, TargetCollector, dev_attr_qry_node,
    dev_attr_qry_targets, dev_attr_reg_initiator, dev_dereg, dev_get_next, parse_scn,
    parse_targets, scn_reg, scn_response,
};

/// The iSNS server's well-known port (TCP and UDP).
pub const DEFAULT_PORT: u16 = 3205;

/// Longest iSCSI Name attribute value (RFC 4171 §6.1: 4 to 224 bytes, with the NUL).
pub const MAX_NAME_LEN: usize = 224;

/// Longest Alias and Entity Identifier value (RFC 4171 §6.1: up to 256 bytes).
pub const MAX_ALIAS_LEN: usize = 256;

/// Bounds on what is decoded from a server. Every field has a safe default.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct IsnsLimits {
    /// Most payload bytes of one message, all its PDUs joined. Default 1 MiB.
    pub max_message_len: usize,
    /// Most attributes in one message. Default 65536.
    pub max_attributes: usize,
    /// Most targets in one answer. Default 4096.
    pub max_targets: usize,
    /// Most portal groups of one target. Default 64.
    pub max_portal_groups: usize,
}

impl Default for IsnsLimits {
    fn default() -> Self {
        Self {
            max_message_len: 1 << 20,
            max_attributes: 65536,
            max_targets: 4096,
            max_portal_groups: 64,
        }
    }
}

/// iSNSP bytes that are malformed, over a limit, or not what was asked.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
pub enum IsnsError {
    /// Fewer bytes than a header, a status code or an attribute needs.
    #[error("truncated iSNSP {what}: {needed} bytes needed, {available} available")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// A Version other than 1.
    #[error("iSNSP version {0} is not supported")]
    UnsupportedVersion(u16),
    /// An authentication block (flag 0x2000), which we do not support.
    #[error("iSNSP authentication blocks are not supported")]
    AuthBlock,
    /// An attribute length that is not a multiple of 4.
    #[error("attribute {tag} has length {len}, not a multiple of 4")]
    UnalignedAttribute {
        /// The tag.
        tag: u32,
        /// The length.
        len: u32,
    },
    /// An attribute value that does not fit its tag's form.
    #[error("attribute {tag}: {reason}")]
    BadAttribute {
        /// The tag.
        tag: u32,
        /// What is wrong.
        reason: &'static str,
    },
    /// A message's payload is longer than [`IsnsLimits::max_message_len`].
    #[error("iSNSP message longer than {limit} bytes")]
    MessageTooLong {
        /// The limit.
        limit: usize,
    },
    /// More attributes than [`IsnsLimits::max_attributes`].
    #[error("more than {limit} attributes in one iSNSP message")]
    TooManyAttributes {
        /// The limit.
        limit: usize,
    },
    /// More targets than [`IsnsLimits::max_targets`].
    #[error("more than {limit} targets")]
    TooManyTargets {
        /// The limit.
        limit: usize,
    },
    /// More portal groups of one target than [`IsnsLimits::max_portal_groups`].
    #[error("more than {limit} portal groups for {target}")]
    TooManyPortalGroups {
        /// The target.
        target: String,
        /// The limit.
        limit: usize,
    },
    /// A PDU that does not continue the message being assembled (other function or
    /// transaction, sequence out of order, or a later PDU without a first one).
    #[error("iSNSP PDU out of sequence: {reason}")]
    OutOfSequence {
        /// What is wrong.
        reason: &'static str,
    },
    /// A message that does not have the structure its function requires.
    #[error("malformed iSNSP {function:?}: {reason}")]
    Malformed {
        /// The function.
        function: FunctionId,
        /// What is wrong.
        reason: &'static str,
    },
}
