//! `key=value` text segments (RFC 7143 §6.1) through `iscsi_proto::text`, kept in this one
//! module so the rest of the crate sees plain pairs.

use iscsi_proto::text::{TextError, TextLimits, TextPairs};

/// Decodes a complete text (login or text request, continuation segments joined) with the
/// `iscsi-proto` codec and its default limits (64 KiB, 16384 pairs).
pub(crate) fn decode_pairs(data: &[u8]) -> Result<Vec<(String, String)>, TextError> {
    TextPairs::decode(data, &TextLimits::DEFAULT).map(TextPairs::into_vec)
}

/// Encodes pairs as `key=value\0` items.
///
/// Pairs the codec refuses (only fault-injected ones, such as
/// [`crate::Faults::extra_login_keys`] with an illegal key name) are written raw, so the
/// initiator sees exactly what the test asked for.
pub(crate) fn encode_pairs<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> Vec<u8> {
    let list: TextPairs = pairs
        .iter()
        .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned()))
        .collect();
    if let Ok(bytes) = list.to_bytes() {
        return bytes.to_vec();
    }
    let mut out = Vec::new();
    for (key, value) in pairs {
        out.extend_from_slice(key.as_ref().as_bytes());
        out.push(b'=');
        out.extend_from_slice(value.as_ref().as_bytes());
        out.push(0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let data = encode_pairs(&[("A", "1"), ("B", "x=y"), ("C", "")]);
        assert_eq!(data, b"A=1\0B=x=y\0C=\0");
        let pairs = decode_pairs(&data).unwrap();
        assert_eq!(pairs[1], ("B".to_owned(), "x=y".to_owned()));
        assert_eq!(pairs.len(), 3);
    }

    #[test]
    fn malformed() {
        assert!(decode_pairs(b"novalue\0").is_err());
        assert!(decode_pairs(b"=v\0").is_err());
        assert!(decode_pairs(b"A=\xff\0").is_err());
        assert!(decode_pairs(b"A=1").is_err(), "missing NUL");
        assert!(decode_pairs(b"\0\0").unwrap().is_empty());
    }

    #[test]
    fn illegal_keys_are_still_sent_raw() {
        assert_eq!(encode_pairs(&[("lower", "1")]), b"lower=1\0");
    }
}
