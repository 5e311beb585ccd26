//! Transmission replies: simple replies and structured reply chunks.
//!
//! ```text
//! Simple reply              Structured chunk
//! 0-3   0x67446698          0-3   0x668e33ef
//! 4-7   error               4-5   flags (bit 0 DONE)
//! 8-15  cookie              6-7   chunk type
//! 16-   data (READ)         8-15  cookie
//!                           16-19 payload length
//!                           20-   payload
//! ```

use bytes::{BufMut, BytesMut};

use super::{CHUNK_FLAG_DONE, ChunkType, Errno, SIMPLE_REPLY_MAGIC, STRUCTURED_REPLY_MAGIC};

/// Length of a simple reply header.
pub const SIMPLE_REPLY_LEN: usize = 16;
/// Length of a structured chunk header.
pub const CHUNK_HEADER_LEN: usize = 20;

/// Appends a simple reply header; `error` is `None` on success.
pub fn encode_simple_reply(out: &mut BytesMut, cookie: u64, error: Option<Errno>) {
    out.put_u32(SIMPLE_REPLY_MAGIC);
    out.put_u32(error.map_or(0, u32::from));
    out.put_u64(cookie);
}

/// Appends a structured chunk header announcing `length` payload bytes.
pub fn encode_chunk_header(
    out: &mut BytesMut,
    cookie: u64,
    kind: ChunkType,
    done: bool,
    length: u32,
) {
    out.put_u32(STRUCTURED_REPLY_MAGIC);
    out.put_u16(if done { CHUNK_FLAG_DONE } else { 0 });
    out.put_u16(kind.into());
    out.put_u64(cookie);
    out.put_u32(length);
}

/// Appends a final `NBD_REPLY_TYPE_ERROR` chunk with a message, cut to fit a u16 length
/// at a character boundary.
pub fn encode_error_chunk(out: &mut BytesMut, cookie: u64, error: Errno, message: &str) {
    let mut end = message.len().min(usize::from(u16::MAX) - 1);
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    let message = &message[..end];
    // end < u16::MAX, checked just above.
    let len = u16::try_from(message.len()).unwrap_or(0);
    encode_chunk_header(out, cookie, ChunkType::Error, true, 6 + u32::from(len));
    out.put_u32(error.into());
    out.put_u16(len);
    out.put_slice(&message.as_bytes()[..usize::from(len)]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_chunk_layout() {
        let mut out = BytesMut::new();
        encode_error_chunk(&mut out, 7, Errno::Einval, "bad");
        assert_eq!(out.len(), CHUNK_HEADER_LEN + 6 + 3);
        assert_eq!(&out[4..8], &[0, 1, 0x80, 0x01]);
        assert_eq!(&out[16..20], &[0, 0, 0, 9]);
        assert_eq!(&out[20..24], &[0, 0, 0, 22]);
    }
}
