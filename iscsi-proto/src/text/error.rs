//! Errors of the text codec.
//!
//! Keys in errors are at most 63 bytes (they are checked for length first). Values are
//! never copied into a text error, so a CHAP challenge or response cannot leak through one.

/// A text segment is malformed or over a limit.
#[non_exhaustive]
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
pub enum TextError {
    /// The text does not end with a NUL (RFC 7143 §6.1: every `key=value` ends with one).
    #[error("text does not end with a NUL")]
    MissingNul,
    /// An item is not UTF-8 (RFC 7143 §6.1).
    #[error("text is not UTF-8 at byte {offset}")]
    NotUtf8 {
        /// Offset of the first invalid byte in the text.
        offset: usize,
    },
    /// Two NULs in a row before the end of the text (an empty item).
    #[error("empty item at byte {offset}")]
    EmptyPair {
        /// Offset of the empty item in the text.
        offset: usize,
    },
    /// An item without `=`.
    #[error("item without '=' at byte {offset}")]
    MissingEquals {
        /// Offset of the item in the text.
        offset: usize,
    },
    /// A key longer than 63 bytes (RFC 7143 §6.1).
    #[error("key of {len} bytes is longer than 63")]
    KeyTooLong {
        /// The key's length in bytes.
        len: usize,
    },
    /// A key that is not a legal key name (RFC 7143 §6.1: starts with a capital letter,
    /// then letters, digits, `.`, `-`, `+`, `@`, `_`; or an `X#`-style extension).
    #[error("invalid key name {key:?}")]
    InvalidKey {
        /// The key as received (at most 63 bytes).
        key: String,
    },
    /// A value longer than the key allows (255 bytes unless the key says otherwise).
    #[error("value of {key} is {len} bytes, over the limit of {limit}")]
    ValueTooLong {
        /// The key.
        key: String,
        /// The value's length in bytes.
        len: usize,
        /// The key's limit in bytes.
        limit: usize,
    },
    /// A value to encode contains a NUL (a caller error, never caused by the peer).
    #[error("value of {key} contains a NUL")]
    NulInValue {
        /// The key.
        key: String,
    },
    /// More text than [`TextLimits::max_bytes`](super::TextLimits::max_bytes).
    #[error("more than {limit} bytes of text")]
    TooMuchText {
        /// The limit in bytes.
        limit: usize,
    },
    /// More continuation PDUs than [`TextLimits::max_pdus`](super::TextLimits::max_pdus).
    #[error("more than {limit} text PDUs")]
    TooManyPdus {
        /// The limit in PDUs.
        limit: usize,
    },
    /// More pairs than [`TextLimits::max_pairs`](super::TextLimits::max_pairs).
    #[error("more than {limit} key=value pairs")]
    TooManyPairs {
        /// The limit in pairs.
        limit: usize,
    },
}
