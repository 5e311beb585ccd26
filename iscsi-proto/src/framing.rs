//! Streaming framing between a byte stream and [`Pdu`]s (RFC 7143 §11.1, §13.1).
//!
//! A PDU on the wire is:
//!
//! ```text
//! | BHS (48) | AHS (TotalAHSLength×4) | header digest (4)? | data (DSL) | pad | data digest (4)? |
//! ```
//!
//! The header digest covers BHS and AHS; the data digest covers the data and its padding and
//! is present only when the data segment is not empty. Digests are negotiated at login and
//! switched on at a PDU boundary with [`Framer::set_digests`] (login PDUs carry none).
//!
//! [`Framer::decode`] follows tokio-util's `Decoder` contract without depending on it:
//! `Ok(None)` means "more bytes needed" (after reserving room for the rest of the PDU and the
//! next header), `Ok(Some(frame))` removes exactly one PDU from the buffer, and `Err` means
//! the stream can no longer be trusted and the connection must be dropped. DataSegmentLength
//! is checked against our declared MaxRecvDataSegmentLength *before* anything is reserved, so
//! a hostile length never allocates. A data digest mismatch leaves the framing intact and is
//! returned as [`Frame::DataDigestError`], for the session to act on per error recovery
//! level. Data segments are [`Bytes`] slices of the receive buffer: never copied here.
#![warn(clippy::indexing_slicing)]

use bytes::{BufMut, Bytes, BytesMut};

use crate::wire::{
    BHS_LEN, Bhs, Crc32c, DecodeError, EncodeError, Header, Pdu, data_digest,
    digest::{digest_from_wire, digest_matches, digest_to_wire},
    header_digest, pad_len,
};

/// Bytes of a digest on the wire.
pub const DIGEST_LEN: usize = 4;

/// The RFC 7143 default MaxRecvDataSegmentLength, in force until login declares another
/// (§13.12).
pub const DEFAULT_MAX_RECV_DATA_SEGMENT_LENGTH: u32 = 8192;

/// Data segments shorter than this are copied into the header buffer by
/// [`Framer::encode_split`]; longer ones are handed back for a vectored write.
pub const COPY_THRESHOLD: usize = 1024;

/// Which digests are on for a connection.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct Digests {
    /// HeaderDigest=CRC32C.
    pub header: bool,
    /// DataDigest=CRC32C.
    pub data: bool,
}

/// Limits applied by the framer.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Limits {
    /// The largest data segment we accept: the MaxRecvDataSegmentLength we declared
    /// (8192 before login completes). Range 512..=2^24−1. Memory: at most one PDU of this
    /// size is buffered at a time.
    pub max_recv_data_segment_length: u32,
    /// The largest data segment we send: the MaxRecvDataSegmentLength the *target* declared
    /// (8192 if it never declared one).
    pub max_send_data_segment_length: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_recv_data_segment_length: DEFAULT_MAX_RECV_DATA_SEGMENT_LENGTH,
            max_send_data_segment_length: DEFAULT_MAX_RECV_DATA_SEGMENT_LENGTH,
        }
    }
}

/// One decoded item.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Frame {
    /// A whole PDU whose digests (if on) matched.
    Pdu(Pdu),
    /// A PDU whose data digest did not match. The header is trustworthy (its own digest
    /// matched, or header digests are off); the data was discarded (RFC 7143 §7.8).
    DataDigestError {
        /// The PDU's header.
        header: Header,
        /// DataSegmentLength from the header: how many bytes were discarded (without
        /// padding), so that a receiver can keep its offsets in step.
        data_segment_length: u32,
        /// The digest on the wire.
        received: u32,
        /// The digest computed over the received data and padding.
        computed: u32,
    },
}

/// The byte stream is corrupt; the connection must be dropped.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Eq, PartialEq, thiserror::Error)]
pub enum FrameError {
    /// The header or a length in it is malformed, or a header digest did not match
    /// (RFC 7143 §7.8: without markers, the connection is closed).
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

/// Where the decoder is inside the current PDU.
#[derive(Clone, Copy, Debug)]
enum DecodeState {
    /// Waiting for a whole BHS.
    Header,
    /// The BHS was read and checked; waiting for `layout.total` bytes in all. The BHS is
    /// kept (a 48-byte copy), so it is not decoded again when the body is in.
    Body { bhs: Bhs, layout: Layout },
}

/// Offsets of the parts of one PDU, computed once from its BHS with checked arithmetic.
#[derive(Clone, Copy, Debug)]
struct Layout {
    ahs_end: usize,
    header_digest_end: usize,
    data_end: usize,
    pad_end: usize,
    total: usize,
}

/// Streaming PDU decoder and encoder for one connection.
#[derive(Clone, Debug)]
pub struct Framer {
    limits: Limits,
    digests: Digests,
    state: DecodeState,
}

impl Framer {
    /// A framer with no digests and the given limits.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            digests: Digests::default(),
            state: DecodeState::Header,
        }
    }

    /// Switches digests on or off. Call only at a PDU boundary: after the final Login
    /// Response has been decoded and before the first full-feature PDU is encoded.
    pub fn set_digests(&mut self, digests: Digests) {
        self.digests = digests;
    }

    /// Replaces the limits (after login, with the negotiated values).
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// The digests in force.
    pub fn digests(&self) -> Digests {
        self.digests
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Whether a PDU is partly read.
    pub fn is_mid_pdu(&self) -> bool {
        matches!(self.state, DecodeState::Body { .. })
    }

    /// The whole length (header, AHS, digests, data, padding) of the PDU being read, once its
    /// header is in; `None` between PDUs. A reader can use it to size its next read so a
    /// large PDU lands in one buffer.
    pub fn pending_pdu_len(&self) -> Option<usize> {
        match self.state {
            DecodeState::Body { layout, .. } => Some(layout.total),
            DecodeState::Header => None,
        }
    }

    /// Removes one PDU from the front of `src`.
    ///
    /// # Errors
    ///
    /// [`FrameError`] when the stream can no longer be trusted: an unknown opcode or a
    /// malformed header, DataSegmentLength over our limit, or a header digest mismatch.
    ///
    /// # Fuzzing
    ///
    /// Under `cfg(fuzzing)` digest verification always passes.
    pub fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
        let (bhs, layout) = match self.state {
            DecodeState::Body { bhs, layout } => (bhs, layout),
            DecodeState::Header => {
                let Ok(bhs) = Bhs::decode(src) else {
                    src.reserve(BHS_LEN.saturating_sub(src.len()));
                    return Ok(None);
                };
                let layout = self.layout(&bhs)?;
                self.state = DecodeState::Body { bhs, layout };
                (bhs, layout)
            }
        };
        if src.len() < layout.total {
            // Room for the rest of this PDU and the next header.
            src.reserve(
                layout
                    .total
                    .saturating_sub(src.len())
                    .saturating_add(BHS_LEN),
            );
            return Ok(None);
        }
        self.state = DecodeState::Header;
        let pdu = src.split_to(layout.total).freeze();
        self.finish(&pdu, &bhs, layout).map(Some)
    }

    /// Checks the lengths in `bhs` and computes where each part of the PDU ends.
    fn layout(&self, bhs: &Bhs) -> Result<Layout, FrameError> {
        let dsl = bhs.data_segment_length();
        if dsl > self.limits.max_recv_data_segment_length {
            return Err(DecodeError::DataSegmentTooLong {
                len: dsl,
                max: self.limits.max_recv_data_segment_length,
            }
            .into());
        }
        // Every term is bounded (AHS ≤ 1020, DSL < 2^24), so none of this can overflow.
        let dsl = dsl as usize;
        let ahs_end = BHS_LEN + bhs.ahs_bytes();
        let header_digest_end = ahs_end + if self.digests.header { DIGEST_LEN } else { 0 };
        let data_end = header_digest_end + dsl;
        let pad_end = data_end + pad_len(dsl);
        let total = pad_end
            + if self.digests.data && dsl > 0 {
                DIGEST_LEN
            } else {
                0
            };
        Ok(Layout {
            ahs_end,
            header_digest_end,
            data_end,
            pad_end,
            total,
        })
    }

    /// Verifies digests and decodes a PDU whose bytes are all present; `bhs` is its header,
    /// read when it arrived. Digests are checked on plain slices; only the AHS (when there
    /// is one) and the data become `Bytes` slices of the buffer.
    fn finish(&self, pdu: &Bytes, bhs: &Bhs, layout: Layout) -> Result<Frame, FrameError> {
        let part = |from: usize, to: usize| -> Result<&[u8], FrameError> {
            pdu.get(from..to).ok_or_else(|| {
                DecodeError::Truncated {
                    needed: to,
                    available: pdu.len(),
                }
                .into()
            })
        };
        let ahs = part(BHS_LEN, layout.ahs_end)?;
        if self.digests.header {
            let received = wire_digest(part(layout.ahs_end, layout.header_digest_end)?);
            // Over the BHS this PDU is decoded from, so what is checked is what is used.
            let mut crc = Crc32c::new();
            crc.update(bhs.as_bytes());
            crc.update(ahs);
            let computed = crc.value();
            if !digest_matches(received, computed) {
                return Err(DecodeError::HeaderDigest { received, computed }.into());
            }
        }
        let data = part(layout.header_digest_end, layout.data_end)?;
        if self.digests.data && !data.is_empty() {
            let received = wire_digest(part(layout.pad_end, layout.total)?);
            // The pad bytes as received are inside the digest (RFC 7143 §13.1).
            let computed = crate::wire::crc32c(part(layout.header_digest_end, layout.pad_end)?);
            if !digest_matches(received, computed) {
                return Ok(Frame::DataDigestError {
                    header: Header::decode(bhs)?,
                    data_segment_length: bhs.data_segment_length(),
                    received,
                    computed,
                });
            }
        }
        // Both ranges were checked by `part` above. An empty AHS slice is `Bytes::new()`,
        // without touching the reference count.
        Ok(Frame::Pdu(Pdu::decode(
            bhs,
            &pdu.slice(BHS_LEN..layout.ahs_end),
            pdu.slice(layout.header_digest_end..layout.data_end),
        )?))
    }

    /// Appends a whole PDU (header, AHS, digests, data, padding) to `dst`, copying the data.
    ///
    /// # Errors
    ///
    /// [`EncodeError::DataSegmentTooLong`] when the data exceeds the target's
    /// MaxRecvDataSegmentLength (the caller splits data, never this layer), or the
    /// errors of [`Pdu::encode_bhs`].
    pub fn encode(&self, pdu: &Pdu, dst: &mut BytesMut) -> Result<(), EncodeError> {
        let tail = self.encode_head(pdu, dst, DataPlacement::Copied)?;
        dst.put_slice(&pdu.data);
        dst.put_slice(tail.as_slice());
        Ok(())
    }

    /// Like [`Framer::encode`], but a data segment of [`COPY_THRESHOLD`] bytes or more is
    /// not copied: it is returned with the bytes that follow it, to be written after `dst`'s
    /// contents with a vectored write (`dst`, then `data`, then `tail`).
    ///
    /// # Errors
    ///
    /// As [`Framer::encode`].
    pub fn encode_split(
        &self,
        pdu: &Pdu,
        dst: &mut BytesMut,
    ) -> Result<Option<SplitData>, EncodeError> {
        let placement = if pdu.data.len() < COPY_THRESHOLD {
            DataPlacement::Copied
        } else {
            DataPlacement::HandedBack
        };
        let tail = self.encode_head(pdu, dst, placement)?;
        if placement == DataPlacement::Copied {
            dst.put_slice(&pdu.data);
            dst.put_slice(tail.as_slice());
            return Ok(None);
        }
        Ok(Some(SplitData {
            data: pdu.data.clone(),
            tail,
        }))
    }

    /// Writes BHS, AHS and header digest; returns the padding and data digest that follow
    /// the data. Room is reserved in `dst` for the data and its tail only when the caller
    /// copies them there: a data segment handed back for a vectored write would otherwise
    /// make every large PDU reserve (and, once the buffer is split off, allocate) up to
    /// MaxRecvDataSegmentLength of header buffer it never uses.
    fn encode_head(
        &self,
        pdu: &Pdu,
        dst: &mut BytesMut,
        placement: DataPlacement,
    ) -> Result<Tail, EncodeError> {
        let max = self.limits.max_send_data_segment_length as usize;
        if pdu.data.len() > max {
            return Err(EncodeError::DataSegmentTooLong {
                len: pdu.data.len(),
                max,
            });
        }
        let bhs = pdu.encode_bhs()?;
        let mut tail = Tail::default();
        let pad = pad_len(pdu.data.len());
        tail.push([0; 3].get(..pad).unwrap_or_default());
        if self.digests.data && !pdu.data.is_empty() {
            tail.push(&digest_to_wire(data_digest(&pdu.data)));
        }
        let head_len =
            BHS_LEN + pdu.ahs.encoded_len() + if self.digests.header { DIGEST_LEN } else { 0 };
        dst.reserve(match placement {
            DataPlacement::Copied => head_len + pdu.data.len() + tail.as_slice().len(),
            DataPlacement::HandedBack => head_len,
        });
        let start = dst.len();
        dst.put_slice(bhs.as_bytes());
        pdu.ahs.encode(dst);
        if self.digests.header {
            let digest = header_digest(dst.get(start..).unwrap_or_default());
            dst.put_u32_le(digest);
        }
        Ok(tail)
    }
}

/// Whether an encoded PDU's data segment goes into the header buffer or is handed back.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum DataPlacement {
    /// Copied into `dst` after the header, with its tail.
    Copied,
    /// Returned in [`SplitData`] for a vectored write; `dst` gets the header only.
    HandedBack,
}

/// A large data segment handed back by [`Framer::encode_split`] for a vectored write.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct SplitData {
    /// The data segment (a cheap clone of the PDU's `Bytes`).
    pub data: Bytes,
    /// Padding and data digest, written right after `data`.
    pub tail: Tail,
}

/// Up to 7 bytes that follow a data segment: 0–3 pad bytes and an optional 4-byte digest.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct Tail {
    bytes: [u8; 7],
    len: u8,
}

impl Tail {
    /// The bytes to write.
    pub fn as_slice(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or_default()
    }

    fn push(&mut self, more: &[u8]) {
        let at = usize::from(self.len);
        if let Some(dst) = self.bytes.get_mut(at..at + more.len()) {
            dst.copy_from_slice(more);
            self.len += more.len() as u8;
        }
    }
}

fn wire_digest(bytes: &[u8]) -> u32 {
    bytes
        .first_chunk::<DIGEST_LEN>()
        .map_or(0, |b| digest_from_wire(*b))
}

#[cfg(test)]
mod tests;
