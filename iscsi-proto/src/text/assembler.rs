//! Text spread over several PDUs (RFC 7143 §11.10.2, §11.12.2: the C "continue" bit).
//!
//! Receiving: [`TextAssembler`] joins the data segments of PDUs with C=1 until one with C=0,
//! bounded in bytes and PDU count, then decodes the whole text. A pair may be split at any
//! byte between two PDUs, so nothing is decoded before the last segment.
//!
//! Sending: [`split_for_sending`] cuts an encoded text into chunks no longer than the peer's
//! MaxRecvDataSegmentLength; every chunk but the last is sent with C=1 (and, per §11.12.2 /
//! §11.10.2, with T=0 / F=0 — the PDU builders' job).

use bytes::Bytes;

use super::{TextError, TextLimits, TextPairs};

/// Collects continued text segments and decodes them once complete.
///
/// ```text
/// push(seg1, C=1) -> None      buffer: seg1
/// push(seg2, C=1) -> None      buffer: seg1 seg2
/// push(seg3, C=0) -> Some(..)  decode(seg1 seg2 seg3); buffer emptied
/// ```
///
/// For a SendTargets answer spread over several Text Responses (F=0 with a TTT, §11.11),
/// pass `continues = c_bit || !f_bit` so the whole answer is decoded at once, or decode each
/// response on its own and feed the pairs to [`crate::discovery::SendTargetsParser`].
#[derive(Clone, Debug)]
pub struct TextAssembler {
    limits: TextLimits,
    buf: Vec<u8>,
    pdus: usize,
}

impl TextAssembler {
    /// An empty assembler with these limits.
    pub fn new(limits: TextLimits) -> Self {
        Self {
            limits,
            buf: Vec::new(),
            pdus: 0,
        }
    }

    /// Adds the data segment of one PDU. `continues` is the PDU's C bit.
    ///
    /// Returns the decoded pairs when `continues` is false, and resets for the next text.
    ///
    /// # Errors
    ///
    /// [`TextError::TooManyPdus`] on the PDU past `max_pdus`, [`TextError::TooMuchText`]
    /// when the text would exceed `max_bytes` (checked before copying), and any decode
    /// error of the complete text. After an error the assembler is reset; the exchange
    /// must be abandoned (the caller fails the login or the text exchange).
    pub fn push(
        &mut self,
        segment: &[u8],
        continues: bool,
    ) -> Result<Option<TextPairs>, TextError> {
        let result = self.push_inner(segment, continues);
        if result.is_err() || !continues {
            self.reset();
        }
        result
    }

    fn push_inner(
        &mut self,
        segment: &[u8],
        continues: bool,
    ) -> Result<Option<TextPairs>, TextError> {
        if self.pdus >= self.limits.max_pdus {
            return Err(TextError::TooManyPdus {
                limit: self.limits.max_pdus,
            });
        }
        self.pdus = self.pdus.saturating_add(1);
        let total = self.buf.len().saturating_add(segment.len());
        if total > self.limits.max_bytes {
            return Err(TextError::TooMuchText {
                limit: self.limits.max_bytes,
            });
        }
        if !continues && self.buf.is_empty() {
            // The common single-PDU case: no copy.
            return TextPairs::decode(segment, &self.limits).map(Some);
        }
        self.buf.extend_from_slice(segment);
        if continues {
            Ok(None)
        } else {
            TextPairs::decode(&self.buf, &self.limits).map(Some)
        }
    }

    /// Drops any partial text.
    pub fn reset(&mut self) {
        self.buf = Vec::new();
        self.pdus = 0;
    }

    /// PDUs received for the text in progress.
    pub fn pdus(&self) -> usize {
        self.pdus
    }

    /// Bytes held for the text in progress.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Whether a text is in progress (a PDU with C=1 was received).
    pub fn is_partial(&self) -> bool {
        self.pdus > 0
    }
}

/// One piece of an outgoing text.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct TextChunk {
    /// The data segment.
    pub data: Bytes,
    /// The C bit: more of the text follows in the next PDU.
    pub continues: bool,
}

/// Splits an encoded text into data segments of at most `max_segment` bytes (the peer's
/// MaxRecvDataSegmentLength). Every chunk but the last has `continues` set.
///
/// An empty text gives one empty chunk (a PDU is still sent). A `max_segment` of 0 is
/// treated as 1 so the function always terminates; negotiation never yields less than 512.
/// The chunks share `text`'s memory.
pub fn split_for_sending(text: Bytes, max_segment: usize) -> Vec<TextChunk> {
    let max = max_segment.max(1);
    if text.is_empty() {
        return vec![TextChunk {
            data: text,
            continues: false,
        }];
    }
    let mut chunks = Vec::with_capacity(text.len().div_ceil(max));
    let mut start = 0usize;
    while start < text.len() {
        let end = start.saturating_add(max).min(text.len());
        chunks.push(TextChunk {
            data: text.slice(start..end),
            continues: end < text.len(),
        });
        start = end;
    }
    chunks
}
