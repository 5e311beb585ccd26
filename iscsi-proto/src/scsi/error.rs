//! Errors of the SCSI layer: malformed response data and out-of-range builder arguments.

/// Response data from a target is malformed, or a CDB cannot express the arguments given.
///
/// Like every error of this crate, it never allocates: context strings are `&'static str`.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq, thiserror::Error)]
pub enum ScsiError {
    /// Fewer bytes than the structure (or its own length field) needs. For parameter data
    /// with a length field, `needed` is the allocation length to retry the command with.
    #[error("{what} truncated: needed {needed} bytes, {available} available")]
    Truncated {
        /// The structure being decoded.
        what: &'static str,
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// A field holds a value the standard does not allow here.
    #[error("invalid {what}")]
    InvalidField {
        /// The field, named as in the standard.
        what: &'static str,
    },
    /// A builder argument does not fit the CDB field that carries it.
    #[error("{what} {value} out of range (max {max})")]
    OutOfRange {
        /// The argument or field, named as in the standard.
        what: &'static str,
        /// The value given.
        value: u64,
        /// The largest value the field can carry.
        max: u64,
    },
}
