//! [`Secret`]: a CHAP secret that is wiped from memory on drop and never printed.

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Secrets shorter than this many bytes (96 bits) need IPsec (RFC 7143 §9.2.1).
pub const MIN_UNPROTECTED_SECRET_LEN: usize = 12;

/// A CHAP secret: bytes that are zeroized when dropped.
///
/// - `Debug` prints `Secret(..)`; there is no `Display`, and the bytes cannot be read back
///   from outside this crate.
/// - Comparison is [`Secret::ct_eq`], constant time in the contents; there is no
///   `PartialEq`, so secrets are never compared by accident with `==`.
/// - Cloning makes a second zeroize-on-drop copy.
///
/// RFC 7143 §9.2.1 ties secret length to transport protection: with a secret under 96 bits
/// the connection must be protected by IPsec. This crate has no view of IPsec, so it only
/// reports [`Secret::is_short`]; the session configuration decides whether to refuse such
/// a secret or to warn.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// Wraps secret bytes. A `Vec<u8>` or `String` argument is moved in without a copy; a
    /// borrowed argument is copied, and wiping the original is the caller's business.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    /// The length of the secret in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty (never usable for CHAP).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether the secret is shorter than 96 bits (12 bytes). RFC 7143 §9.2.1 requires IPsec
    /// protection for the connection when such a secret is used.
    pub fn is_short(&self) -> bool {
        self.0.len() < MIN_UNPROTECTED_SECRET_LEN
    }

    /// Compares two secrets in time independent of their contents (the lengths may leak).
    pub fn ct_eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }

    /// The secret bytes, for hashing only.
    pub(crate) fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for Secret {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl From<String> for Secret {
    fn from(text: String) -> Self {
        Self(text.into_bytes())
    }
}

impl From<&[u8]> for Secret {
    fn from(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }
}

impl From<&str> for Secret {
    fn from(text: &str) -> Self {
        Self(text.as_bytes().to_vec())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_zeroize_on_drop<T: ZeroizeOnDrop>() {}

    #[test]
    fn zeroized_on_drop() {
        // Fails to compile if `Secret` loses its drop-time wipe.
        assert_zeroize_on_drop::<Secret>();
        let mut secret = Secret::from("abcdefghijkl");
        secret.zeroize();
        assert!(secret.is_empty());
    }

    #[test]
    fn debug_is_redacted() {
        let secret = Secret::from("hunter2hunter2");
        assert_eq!(format!("{secret:?}"), "Secret(..)");
        assert_eq!(format!("{secret:#?}"), "Secret(..)");
    }

    #[test]
    fn short_secret_threshold_is_96_bits() {
        assert!(Secret::from(&[7u8; 11][..]).is_short());
        assert!(!Secret::from(&[7u8; 12][..]).is_short());
    }

    #[test]
    fn constant_time_equality() {
        let a = Secret::from("same-secret-1");
        assert!(a.ct_eq(&Secret::from(String::from("same-secret-1"))));
        assert!(!a.ct_eq(&Secret::from("same-secret-2")));
        assert!(!a.ct_eq(&Secret::from("same-secret-")));
    }

    #[test]
    fn constructors_keep_the_bytes() {
        let bytes = b"\x00\xffbinary".as_slice();
        assert_eq!(Secret::from(bytes).expose(), bytes);
        assert_eq!(Secret::new(bytes.to_vec()).expose(), bytes);
        assert_eq!(Secret::new("text").expose(), b"text");
    }
}
