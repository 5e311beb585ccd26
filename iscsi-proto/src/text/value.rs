//! Value forms of text keys (RFC 7143 §6.1): decimal, hex (`0x`) and base64 (`0b`)
//! numbers and binary values, booleans and comma-separated lists.
//!
//! Every decoder takes a limit and fails with a typed [`ValueError`]; none can allocate
//! more than its limit or panic, whatever the input.
#![warn(clippy::indexing_slicing)]

/// A value is not in a legal form or is over its limit.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq, thiserror::Error)]
pub enum ValueError {
    /// Empty where a value is required.
    #[error("empty value")]
    Empty,
    /// Not a decimal, `0x` hex or `0b` base64 constant.
    #[error("not a number")]
    NotANumber,
    /// A number that does not fit the key's range (or 64 bits).
    #[error("number out of range")]
    OutOfRange,
    /// Bad hex digits.
    #[error("bad hex constant")]
    BadHex,
    /// Bad base64 text or padding.
    #[error("bad base64 constant")]
    BadBase64,
    /// A binary value longer than its limit (in decoded bytes).
    #[error("binary value longer than {limit} bytes")]
    TooLong {
        /// The limit in bytes.
        limit: usize,
    },
    /// Neither `Yes` nor `No`.
    #[error("not Yes or No")]
    NotABoolean,
}

/// Decodes a numerical value: decimal, `0x`/`0X` hex or `0b`/`0B` base64, up to 2^64 − 1.
///
/// # Errors
///
/// [`ValueError::NotANumber`] for anything else (signs, spaces, other letters),
/// [`ValueError::OutOfRange`] above 64 bits.
pub fn decode_number(text: &str) -> Result<u64, ValueError> {
    if text.is_empty() {
        return Err(ValueError::Empty);
    }
    if has_prefix(text, 'x') || has_prefix(text, 'b') {
        // Binary forms of a number: at most 8 significant bytes after leading zeros.
        let bytes = decode_binary(text, MAX_NUMBER_BYTES)?;
        let significant = bytes.iter().skip_while(|&&b| b == 0);
        let mut value = 0u64;
        let mut count = 0usize;
        for &b in significant {
            count = count.saturating_add(1);
            if count > 8 {
                return Err(ValueError::OutOfRange);
            }
            value = (value << 8) | u64::from(b);
        }
        return Ok(value);
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ValueError::NotANumber);
    }
    text.parse::<u64>().map_err(|_| ValueError::OutOfRange)
}

/// Decodes a number and checks it against an inclusive range.
///
/// # Errors
///
/// As [`decode_number`], and [`ValueError::OutOfRange`] outside `min..=max`.
pub fn decode_number_in(text: &str, min: u64, max: u64) -> Result<u64, ValueError> {
    let value = decode_number(text)?;
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(ValueError::OutOfRange)
    }
}

/// The longest binary text accepted for a number (leading zeros allowed, within reason).
const MAX_NUMBER_BYTES: usize = 64;

/// Decodes a binary value in `0x` hex or `0b` base64 form, at most `limit` bytes decoded.
///
/// A hex constant with an odd number of digits has an implied leading zero nibble.
/// Base64 is RFC 4648 with or without `=` padding.
///
/// # Errors
///
/// [`ValueError::TooLong`] (checked before decoding), [`ValueError::BadHex`],
/// [`ValueError::BadBase64`], or [`ValueError::NotANumber`] without a prefix.
pub fn decode_binary(text: &str, limit: usize) -> Result<Vec<u8>, ValueError> {
    let body = text.get(2..).unwrap_or_default();
    if has_prefix(text, 'x') {
        decode_hex(body, limit)
    } else if has_prefix(text, 'b') {
        decode_base64(body, limit)
    } else {
        Err(ValueError::NotANumber)
    }
}

/// Encodes bytes as a `0x` hex constant (lower case).
// Indexes are nibbles, masked to 0..16.
#[allow(clippy::indexing_slicing)]
pub fn encode_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len().saturating_mul(2).saturating_add(2));
    out.push_str("0x");
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Encodes bytes as a `0b` base64 constant with `=` padding.
// Indexes are sextets, masked to 0..64.
#[allow(clippy::indexing_slicing)]
pub fn encode_base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out =
        String::with_capacity(bytes.len().div_ceil(3).saturating_mul(4).saturating_add(2));
    out.push_str("0b");
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let sextets =
            [n >> 18, n >> 12, n >> 6, n].map(|s| char::from(ALPHABET[(s & 63) as usize]));
        let keep = chunk.len().saturating_add(1);
        for (i, c) in sextets.into_iter().enumerate() {
            out.push(if i < keep { c } else { '=' });
        }
    }
    out
}

/// Decodes `Yes` or `No` (case-sensitive, RFC 7143 §6.1).
///
/// # Errors
///
/// [`ValueError::NotABoolean`] for anything else.
pub fn decode_bool(text: &str) -> Result<bool, ValueError> {
    match text {
        "Yes" => Ok(true),
        "No" => Ok(false),
        _ => Err(ValueError::NotABoolean),
    }
}

/// Encodes a boolean as `Yes` or `No`.
pub fn encode_bool(value: bool) -> &'static str {
    if value { "Yes" } else { "No" }
}

/// Splits a list value at commas (RFC 7143 §6.1 list-of-values). Empty items are kept so
/// the caller can reject them.
pub fn split_list(text: &str) -> impl Iterator<Item = &str> {
    text.split(',')
}

/// Whether `text` starts with `0` and the given letter in either case.
fn has_prefix(text: &str, letter: char) -> bool {
    let mut chars = text.chars();
    chars.next() == Some('0')
        && chars
            .next()
            .is_some_and(|c| c.eq_ignore_ascii_case(&letter))
}

fn decode_hex(digits: &str, limit: usize) -> Result<Vec<u8>, ValueError> {
    if digits.is_empty() {
        return Err(ValueError::BadHex);
    }
    let len = digits.len().div_ceil(2);
    if len > limit {
        return Err(ValueError::TooLong { limit });
    }
    let mut out = Vec::with_capacity(len);
    let mut nibbles = digits.bytes().map(hex_nibble);
    // An odd count means an implied leading zero nibble.
    if digits.len() % 2 == 1 {
        out.push(nibbles.next().ok_or(ValueError::BadHex)??);
    }
    while let Some(hi) = nibbles.next() {
        let lo = nibbles.next().ok_or(ValueError::BadHex)??;
        out.push((hi? << 4) | lo);
    }
    Ok(out)
}

fn hex_nibble(c: u8) -> Result<u8, ValueError> {
    match c {
        b'0'..=b'9' => Ok(c.wrapping_sub(b'0')),
        b'a'..=b'f' => Ok(c.wrapping_sub(b'a').wrapping_add(10)),
        b'A'..=b'F' => Ok(c.wrapping_sub(b'A').wrapping_add(10)),
        _ => Err(ValueError::BadHex),
    }
}

fn decode_base64(text: &str, limit: usize) -> Result<Vec<u8>, ValueError> {
    let trimmed = text.trim_end_matches('=');
    let pad = text.len().saturating_sub(trimmed.len());
    if trimmed.is_empty() || pad > 2 || (pad > 0 && text.len() % 4 != 0) || trimmed.len() % 4 == 1 {
        return Err(ValueError::BadBase64);
    }
    // Three bytes per four characters, rounded down for the partial group.
    let len = trimmed.len() / 4 * 3 + (trimmed.len() % 4).saturating_sub(1);
    if len > limit {
        return Err(ValueError::TooLong { limit });
    }
    let mut out = Vec::with_capacity(len);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for c in trimmed.bytes() {
        acc = (acc << 6) | u32::from(base64_sextet(c)?);
        bits = bits.saturating_add(6);
        if bits >= 8 {
            bits = bits.saturating_sub(8);
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // Leftover bits of the last character must be zero (canonical encoding).
    if acc != 0 {
        return Err(ValueError::BadBase64);
    }
    Ok(out)
}

fn base64_sextet(c: u8) -> Result<u8, ValueError> {
    match c {
        b'A'..=b'Z' => Ok(c.wrapping_sub(b'A')),
        b'a'..=b'z' => Ok(c.wrapping_sub(b'a').wrapping_add(26)),
        b'0'..=b'9' => Ok(c.wrapping_sub(b'0').wrapping_add(52)),
        b'+' => Ok(62),
        b'/' => Ok(63),
        _ => Err(ValueError::BadBase64),
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(decode_number("0"), Ok(0));
        assert_eq!(decode_number("262144"), Ok(262_144));
        assert_eq!(decode_number("0x40000"), Ok(0x40000));
        assert_eq!(decode_number("0X1f"), Ok(31));
        assert_eq!(decode_number("0xf"), Ok(15));
        assert_eq!(decode_number("0bAQA="), Ok(256));
        assert_eq!(decode_number("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(
            decode_number("18446744073709551616"),
            Err(ValueError::OutOfRange)
        );
        assert_eq!(decode_number("0x00000000000000000001"), Ok(1));
        assert_eq!(
            decode_number("0x010000000000000000"),
            Err(ValueError::OutOfRange)
        );
        for bad in ["", "-1", "+1", " 1", "1 ", "1e3", "0x", "0xg", "abc"] {
            assert!(decode_number(bad).is_err(), "{bad:?}");
        }
        assert_eq!(decode_number_in("512", 512, 16_777_215), Ok(512));
        assert_eq!(
            decode_number_in("511", 512, 16_777_215),
            Err(ValueError::OutOfRange)
        );
    }

    #[test]
    fn hex_binary() {
        assert_eq!(decode_binary("0x0102ff", 16), Ok(vec![1, 2, 0xff]));
        assert_eq!(decode_binary("0xABC", 16), Ok(vec![0x0a, 0xbc]));
        assert_eq!(
            decode_binary("0x0102", 1),
            Err(ValueError::TooLong { limit: 1 })
        );
        assert_eq!(decode_binary("0x01z2", 16), Err(ValueError::BadHex));
        assert_eq!(encode_hex(&[0, 0xab, 0x10]), "0x00ab10");
    }

    #[test]
    fn base64_binary() {
        // RFC 4648 §10 vectors.
        for (plain, enc) in [
            ("f", "0bZg=="),
            ("fo", "0bZm8="),
            ("foo", "0bZm9v"),
            ("foob", "0bZm9vYg=="),
            ("fooba", "0bZm9vYmE="),
            ("foobar", "0bZm9vYmFy"),
        ] {
            assert_eq!(encode_base64(plain.as_bytes()), enc);
            assert_eq!(decode_binary(enc, 64).as_deref(), Ok(plain.as_bytes()));
            // Padding is optional on receipt.
            let unpadded = enc.trim_end_matches('=');
            assert_eq!(decode_binary(unpadded, 64).as_deref(), Ok(plain.as_bytes()));
        }
        for bad in [
            "0b", "0bZ", "0bZg=", "0bZ===", "0bZh==", "0b!!!!", "0bZm9v==",
        ] {
            assert!(decode_binary(bad, 64).is_err(), "{bad:?}");
        }
        assert_eq!(
            decode_binary("0bZm9vYmFy", 5),
            Err(ValueError::TooLong { limit: 5 })
        );
    }

    #[test]
    fn binary_round_trip_and_limit_up_to_1024() {
        let data: Vec<u8> = (0..1024u32).map(|i| (i * 7 + 3) as u8).collect();
        assert_eq!(decode_binary(&encode_hex(&data), 1024), Ok(data.clone()));
        assert_eq!(decode_binary(&encode_base64(&data), 1024), Ok(data.clone()));
        let mut longer = data;
        longer.push(0);
        assert_eq!(
            decode_binary(&encode_hex(&longer), 1024),
            Err(ValueError::TooLong { limit: 1024 })
        );
        assert_eq!(
            decode_binary(&encode_base64(&longer), 1024),
            Err(ValueError::TooLong { limit: 1024 })
        );
    }

    #[test]
    fn seeded_garbage_never_panics() {
        use rand::{Rng, SeedableRng, rngs::StdRng};
        let mut rng = StdRng::seed_from_u64(6);
        let alphabet = b"0xXbB123456789abcdefABCDEF+/=gz- ";
        for _ in 0..20_000 {
            let len = rng.random_range(0..24);
            let s: String = (0..len)
                .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
                .collect();
            let _ = decode_number(&s);
            if let Ok(bytes) = decode_binary(&s, 8) {
                assert!(bytes.len() <= 8);
            }
        }
    }

    #[test]
    fn booleans_and_lists() {
        assert_eq!(decode_bool("Yes"), Ok(true));
        assert_eq!(decode_bool("No"), Ok(false));
        assert_eq!(decode_bool("yes"), Err(ValueError::NotABoolean));
        assert_eq!(encode_bool(true), "Yes");
        assert_eq!(
            split_list("CRC32C,None").collect::<Vec<_>>(),
            ["CRC32C", "None"]
        );
        assert_eq!(split_list("5").collect::<Vec<_>>(), ["5"]);
    }
}
