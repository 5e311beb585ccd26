//! `key=value` text segments (RFC 7143 §6.1), kept in this one module so it can be swapped
//! for `iscsi_proto::text` once that codec lands.

/// Splits a text data segment into pairs: NUL-terminated items, each split at its first `=`.
///
/// Empty items (padding NULs) are skipped; an item without `=` becomes a pair with an empty
/// value and `valid == false`, so the caller can treat it as a format error.
pub(crate) fn decode_pairs(data: &[u8]) -> Result<Vec<(String, String)>, TextFormatError> {
    let mut pairs = Vec::new();
    for item in data.split(|&b| b == 0) {
        if item.is_empty() {
            continue;
        }
        let text = std::str::from_utf8(item).map_err(|_| TextFormatError)?;
        let (key, value) = text.split_once('=').ok_or(TextFormatError)?;
        if key.is_empty() {
            return Err(TextFormatError);
        }
        pairs.push((key.to_owned(), value.to_owned()));
    }
    Ok(pairs)
}

/// Encodes pairs as `key=value\0` items.
pub(crate) fn encode_pairs<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (key, value) in pairs {
        out.extend_from_slice(key.as_ref().as_bytes());
        out.push(b'=');
        out.extend_from_slice(value.as_ref().as_bytes());
        out.push(0);
    }
    out
}

/// A text segment that is not UTF-8 `key=value` items.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) struct TextFormatError;

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
        assert_eq!(decode_pairs(b"novalue\0"), Err(TextFormatError));
        assert_eq!(decode_pairs(b"=v\0"), Err(TextFormatError));
        assert_eq!(decode_pairs(b"\xff=1\0"), Err(TextFormatError));
        assert!(decode_pairs(b"\0\0").unwrap().is_empty());
    }
}
