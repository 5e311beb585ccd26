//! Handshake options and their replies.
//!
//! ```text
//! Option (client)                     Option reply (server)
//! 0-7   IHAVEOPT                      0-7    0x0003e889045565a9
//! 8-11  option                        8-11   option being answered
//! 12-15 data length                   12-15  reply type
//! 16-   data                          16-19  data length
//!                                     20-    data
//! ```

use bytes::{Buf, BufMut, Bytes, BytesMut};

use super::{IHAVEOPT, OPTION_REPLY_MAGIC, OptionReplyType, OptionType};

/// Length of an option header.
pub const OPTION_HEADER_LEN: usize = 16;
/// Length of an option reply header.
const OPTION_REPLY_HEADER_LEN: usize = 20;
/// Length of the `NBD_INFO_EXPORT` item: u16 type, u64 size, u16 flags.
pub const INFO_EXPORT_LEN: usize = 12;
/// Length of the `NBD_INFO_BLOCK_SIZE` item: u16 type, three u32 sizes.
pub const INFO_BLOCK_SIZE_LEN: usize = 14;

mod field {
    /// Option header: the magic.
    pub(super) const MAGIC: usize = 0;
    /// Option header: the option.
    pub(super) const OPTION: usize = 8;
    /// Option header: the data length.
    pub(super) const LENGTH: usize = 12;
}

/// Why an option's data could not be understood (answered `NBD_REP_ERR_INVALID`).
#[derive(Debug, thiserror::Error, Eq, PartialEq)]
pub enum OptionParseError {
    /// The data ended before a field it announced.
    #[error("option data truncated: {0}")]
    Truncated(&'static str),
    /// Bytes were left after the last field.
    #[error("{0} trailing bytes in option data")]
    Trailing(usize),
    /// A name or query is not UTF-8.
    #[error("{0} is not UTF-8")]
    NotUtf8(&'static str),
}

/// The header of one option, as sent by the client.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct OptionHeader {
    /// `IHAVEOPT` in a well-formed header.
    pub magic: u64,
    /// The option.
    pub option: OptionType,
    /// How many data bytes follow.
    pub length: u32,
}

impl OptionHeader {
    /// Decodes the 16-byte header.
    pub fn decode(raw: &[u8; OPTION_HEADER_LEN]) -> Self {
        let be64 = |at: usize| {
            let mut b = [0; 8];
            b.copy_from_slice(&raw[at..at + 8]);
            u64::from_be_bytes(b)
        };
        let be32 = |at: usize| {
            let mut b = [0; 4];
            b.copy_from_slice(&raw[at..at + 4]);
            u32::from_be_bytes(b)
        };
        Self {
            magic: be64(field::MAGIC),
            option: OptionType::from(be32(field::OPTION)),
            length: be32(field::LENGTH),
        }
    }

    /// Whether the magic is `IHAVEOPT`.
    pub fn magic_ok(&self) -> bool {
        self.magic == IHAVEOPT
    }

    /// Encodes the header (used by tests and clients).
    pub fn encode(&self) -> [u8; OPTION_HEADER_LEN] {
        let mut out = [0; OPTION_HEADER_LEN];
        out[field::MAGIC..field::OPTION].copy_from_slice(&self.magic.to_be_bytes());
        out[field::OPTION..field::LENGTH].copy_from_slice(&u32::from(self.option).to_be_bytes());
        out[field::LENGTH..].copy_from_slice(&self.length.to_be_bytes());
        out
    }
}

/// Encodes one option reply: header and data. The data must fit a u32 length, which every
/// reply this server builds does (names are bounded by the option length limit).
pub fn encode_option_reply(option: OptionType, kind: OptionReplyType, data: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(OPTION_REPLY_HEADER_LEN + data.len());
    out.put_u64(OPTION_REPLY_MAGIC);
    out.put_u32(option.into());
    out.put_u32(kind.into());
    // Replies are built from bounded data (option length limit, fixed items).
    out.put_u32(u32::try_from(data.len()).unwrap_or(u32::MAX));
    out.put_slice(data);
    out.freeze()
}

/// Reads a u32-length-prefixed UTF-8 string.
fn take_string(data: &mut &[u8], what: &'static str) -> Result<String, OptionParseError> {
    if data.remaining() < 4 {
        return Err(OptionParseError::Truncated(what));
    }
    let len = data.get_u32() as usize;
    if data.remaining() < len {
        return Err(OptionParseError::Truncated(what));
    }
    let (bytes, rest) = data.split_at(len);
    *data = rest;
    String::from_utf8(bytes.to_vec()).map_err(|_| OptionParseError::NotUtf8(what))
}

/// Parses the data of `NBD_OPT_INFO`/`GO`: u32 name length, name, u16 count, count × u16
/// information types.
pub fn parse_info_request(mut data: &[u8]) -> Result<(String, Vec<u16>), OptionParseError> {
    let name = take_string(&mut data, "export name")?;
    if data.remaining() < 2 {
        return Err(OptionParseError::Truncated("information request count"));
    }
    let count = usize::from(data.get_u16());
    if data.remaining() < count * 2 {
        return Err(OptionParseError::Truncated("information requests"));
    }
    let requests = (0..count).map(|_| data.get_u16()).collect();
    if data.has_remaining() {
        return Err(OptionParseError::Trailing(data.remaining()));
    }
    Ok((name, requests))
}

/// Parses the data of `NBD_OPT_LIST/SET_META_CONTEXT`: u32 name length, name, u32 count,
/// count × (u32 length, query). The count is checked against the data actually present
/// before anything is allocated for it.
pub fn parse_meta_context_request(
    mut data: &[u8],
) -> Result<(String, Vec<String>), OptionParseError> {
    let name = take_string(&mut data, "export name")?;
    if data.remaining() < 4 {
        return Err(OptionParseError::Truncated("query count"));
    }
    let count = data.get_u32() as usize;
    // Each query takes at least its 4-byte length.
    if count > data.remaining() / 4 {
        return Err(OptionParseError::Truncated("queries"));
    }
    let mut queries = Vec::with_capacity(count);
    for _ in 0..count {
        queries.push(take_string(&mut data, "query")?);
    }
    if data.has_remaining() {
        return Err(OptionParseError::Trailing(data.remaining()));
    }
    Ok((name, queries))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_request_round_trip_and_bounds() {
        let mut data = vec![0, 0, 0, 3];
        data.extend_from_slice(b"lun");
        data.extend_from_slice(&[0, 2, 0, 3, 0, 1]);
        assert_eq!(parse_info_request(&data), Ok(("lun".into(), vec![3, 1])));
        assert_eq!(
            parse_info_request(&data[..data.len() - 1]),
            Err(OptionParseError::Truncated("information requests"))
        );
        data.push(9);
        assert_eq!(
            parse_info_request(&data),
            Err(OptionParseError::Trailing(1))
        );
        assert!(parse_info_request(&[0xff, 0xff, 0xff, 0xff, 0]).is_err());
    }

    #[test]
    fn meta_context_request_rejects_huge_count() {
        let data = [0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0];
        assert_eq!(
            parse_meta_context_request(&data),
            Err(OptionParseError::Truncated("queries"))
        );
        let mut ok = vec![0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 15];
        ok.extend_from_slice(b"base:allocation");
        assert_eq!(
            parse_meta_context_request(&ok),
            Ok((String::new(), vec!["base:allocation".into()]))
        );
    }

    #[test]
    fn header_round_trip() {
        let header = OptionHeader {
            magic: IHAVEOPT,
            option: OptionType::Go,
            length: 7,
        };
        assert_eq!(OptionHeader::decode(&header.encode()), header);
        assert!(header.magic_ok());
    }
}
