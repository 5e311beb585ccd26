//! The text key=value codec (RFC 7143 §6.1): NUL-separated UTF-8 pairs, value forms and the
//! continuation assembler. It knows nothing about negotiation semantics.
//!
//! # Format
//!
//! A text is a sequence of items `key=value\0`. [`TextPairs::decode`] turns a complete text
//! (one data segment, or the C-bit continued segments joined by [`TextAssembler`]) into an
//! ordered, fully checked list of pairs:
//!
//! - every item is UTF-8 and contains `=`; the value is everything after the first `=`
//!   (base64 values end in `=`), and may be empty (`SendTargets=`);
//! - a key is a legal key name of at most 63 bytes ([`is_valid_key`]);
//! - a value is at most 255 bytes unless its key allows more ([`max_value_len`]: CHAP_C and
//!   CHAP_R carry up to 1024 bytes of binary data, up to 4096 characters of text);
//! - the text must end with a NUL: a last item without its NUL is [`TextError::MissingNul`]
//!   (a pair split across PDUs is joined by the assembler before decoding, so a missing NUL
//!   at the end of the whole text is always an error). Any number of extra NULs *after* the
//!   last item are padding and ignored; an empty item *between* items is
//!   [`TextError::EmptyPair`];
//! - the total size and the number of pairs are bounded by [`TextLimits`].
//!
//! Duplicate keys are kept: whether a repeat is legal depends on the key and the exchange
//! (TargetAddress repeats in a SendTargets answer), so the negotiation and discovery layers
//! decide.
#![warn(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

mod assembler;
mod error;
pub mod keys;
// `value.rs` predates the module-wide arithmetic/cast lints; its arithmetic is bounded by
// its own length checks.
#[allow(clippy::arithmetic_side_effects, clippy::cast_possible_truncation)]
pub mod value;

use bytes::{BufMut, Bytes, BytesMut};

pub use assembler::{TextAssembler, TextChunk, split_for_sending};
pub use error::TextError;
pub use keys::{Key, max_value_len};
pub use value::ValueError;

/// The longest key name in bytes (RFC 7143 §6.1).
pub const MAX_KEY_LEN: usize = 63;

/// The longest value in bytes for keys that do not say otherwise (RFC 7143 §6.1).
pub const MAX_VALUE_LEN: usize = 255;

/// Bounds on text received from the peer. Every field has a safe default.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct TextLimits {
    /// Most bytes of text in one exchange, across all continuation PDUs.
    ///
    /// Default 64 KiB. This is also the most memory one assembler holds. Raise it for a
    /// large SendTargets answer (see [`TextLimits::for_discovery`]).
    pub max_bytes: usize,
    /// Most PDUs one text may span through the C bit (and, for SendTargets, the F bit).
    ///
    /// Default 32.
    pub max_pdus: usize,
    /// Most `key=value` pairs in one text. Default 16384, which is what 64 KiB of the
    /// shortest legal pairs (`A=\0`, 3 bytes) can hold once rounded up; it bounds the
    /// per-pair allocation count independently of `max_bytes`.
    pub max_pairs: usize,
}

impl TextLimits {
    /// The defaults: 64 KiB, 32 PDUs, 16384 pairs.
    pub const DEFAULT: Self = Self {
        max_bytes: 64 * 1024,
        max_pdus: 32,
        max_pairs: 16 * 1024,
    };

    /// Limits sized for a SendTargets answer on a discovery session: 4 MiB, 1024 PDUs,
    /// 256 Ki pairs — enough for a few thousand targets with several portals each. The
    /// assembler holds up to `max_bytes` in memory.
    pub const fn for_discovery() -> Self {
        Self {
            max_bytes: 4 * 1024 * 1024,
            max_pdus: 1024,
            max_pairs: 256 * 1024,
        }
    }
}

impl Default for TextLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// An ordered list of `key=value` pairs, as decoded from or encoded to a text.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct TextPairs {
    pairs: Vec<(String, String)>,
}

impl TextPairs {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes a complete text (RFC 7143 §6.1); see the [module docs](self) for the rules.
    ///
    /// An empty text, or one made only of NULs, is an empty list.
    ///
    /// # Errors
    ///
    /// [`TextError::TooMuchText`] before looking at the bytes if `text` is over
    /// `limits.max_bytes`; [`TextError::TooManyPairs`]; and every format error listed in
    /// [`TextError`].
    pub fn decode(text: &[u8], limits: &TextLimits) -> Result<Self, TextError> {
        if text.len() > limits.max_bytes {
            return Err(TextError::TooMuchText {
                limit: limits.max_bytes,
            });
        }
        // Trailing NULs are terminator plus padding; the last item must have its NUL.
        let Some(last) = text.iter().rposition(|&b| b != 0) else {
            return Ok(Self::new());
        };
        let end = last.saturating_add(1);
        if end == text.len() {
            return Err(TextError::MissingNul);
        }
        let body = text.get(..end).unwrap_or_default();
        let mut pairs = Vec::new();
        let mut offset = 0usize;
        for item in body.split(|&b| b == 0) {
            if pairs.len() >= limits.max_pairs {
                return Err(TextError::TooManyPairs {
                    limit: limits.max_pairs,
                });
            }
            pairs.push(decode_item(item, offset)?);
            // `offset` stays within `text.len()`, which fits in usize.
            offset = offset.saturating_add(item.len()).saturating_add(1);
        }
        Ok(Self { pairs })
    }

    /// Appends a pair. Nothing is checked until [`TextPairs::encode`].
    pub fn push(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.pairs.push((key.into(), value.into()));
    }

    /// Appends every pair of `other`.
    pub fn extend(&mut self, other: Self) {
        self.pairs.extend(other.pairs);
    }

    /// The pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The value of the first pair with this key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.iter().find(|&(k, _)| k == key).map(|(_, v)| v)
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The pairs, consuming the list.
    pub fn into_vec(self) -> Vec<(String, String)> {
        self.pairs
    }

    /// Number of bytes [`TextPairs::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        self.pairs.iter().fold(0usize, |n, (k, v)| {
            n.saturating_add(k.len())
                .saturating_add(v.len())
                .saturating_add(2)
        })
    }

    /// Appends `key=value\0` for every pair to `out`.
    ///
    /// # Errors
    ///
    /// The same checks as decoding apply to what we send: [`TextError::KeyTooLong`],
    /// [`TextError::InvalidKey`], [`TextError::ValueTooLong`], and
    /// [`TextError::NulInValue`]. Nothing is written if any pair fails.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), TextError> {
        for (key, value) in &self.pairs {
            check_key(key)?;
            check_value(key, value)?;
            if value.as_bytes().contains(&0) {
                return Err(TextError::NulInValue { key: key.clone() });
            }
        }
        out.reserve(self.encoded_len());
        for (key, value) in &self.pairs {
            out.put_slice(key.as_bytes());
            out.put_u8(b'=');
            out.put_slice(value.as_bytes());
            out.put_u8(0);
        }
        Ok(())
    }

    /// Encodes into a new buffer.
    ///
    /// # Errors
    ///
    /// As [`TextPairs::encode`].
    pub fn to_bytes(&self) -> Result<Bytes, TextError> {
        let mut out = BytesMut::new();
        self.encode(&mut out)?;
        Ok(out.freeze())
    }
}

impl FromIterator<(String, String)> for TextPairs {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        Self {
            pairs: iter.into_iter().collect(),
        }
    }
}

impl<'a> IntoIterator for &'a TextPairs {
    type Item = (&'a str, &'a str);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, String)>,
        fn(&'a (String, String)) -> (&'a str, &'a str),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// Whether `key` is a legal key name (RFC 7143 §6.1): 1 to 63 bytes, a capital letter
/// first, then letters, digits, `.`, `-`, `+`, `@` or `_`. As the one exception, `#` may
/// be the second character after `X`, `Y` or `Z` (public extension names such as
/// `X#NodeArchitecture`, RFC 7143 §13.22/§13.26).
///
/// RFC 7143 itself breaks the capital-letter rule once: `iSCSIProtocolLevel` (§13.24) is
/// accepted by name.
pub fn is_valid_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    if bytes.is_empty() || bytes.len() > MAX_KEY_LEN {
        return false;
    }
    if key == "iSCSIProtocolLevel" {
        return true;
    }
    bytes.iter().enumerate().all(|(i, &b)| match i {
        0 => b.is_ascii_uppercase(),
        1 if b == b'#' => matches!(bytes.first(), Some(b'X' | b'Y' | b'Z')),
        _ => b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+' | b'@' | b'_'),
    })
}

fn decode_item(item: &[u8], offset: usize) -> Result<(String, String), TextError> {
    if item.is_empty() {
        return Err(TextError::EmptyPair { offset });
    }
    let text = std::str::from_utf8(item).map_err(|e| TextError::NotUtf8 {
        offset: offset.saturating_add(e.valid_up_to()),
    })?;
    let (key, value) = text
        .split_once('=')
        .ok_or(TextError::MissingEquals { offset })?;
    check_key(key)?;
    check_value(key, value)?;
    Ok((key.to_owned(), value.to_owned()))
}

fn check_key(key: &str) -> Result<(), TextError> {
    if key.len() > MAX_KEY_LEN {
        return Err(TextError::KeyTooLong { len: key.len() });
    }
    if !is_valid_key(key) {
        return Err(TextError::InvalidKey {
            key: key.to_owned(),
        });
    }
    Ok(())
}

fn check_value(key: &str, value: &str) -> Result<(), TextError> {
    let limit = max_value_len(key);
    if value.len() > limit {
        return Err(TextError::ValueTooLong {
            key: key.to_owned(),
            len: value.len(),
            limit,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
