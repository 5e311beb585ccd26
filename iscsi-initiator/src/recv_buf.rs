//! The driver's receive buffer: socket reads land in chunks recycled from a small pool.
//!
//! Read data is handed to callers without copying: a Data-In segment is a [`bytes::Bytes`]
//! slice of the chunk it arrived in, so a chunk stays allocated while any caller holds a
//! slice of it. Allocating a fresh chunk whenever the current one filled made the
//! allocator hand memory back to the kernel and fault it in again page by page: profiled
//! at 128 KiB reads, page faults were the largest single cost of the process. So retired
//! chunks wait in a pool and are reused once every slice of them has been dropped
//! (`BytesMut::try_reclaim`, which neither copies nor allocates when it says yes).
//!
//! Two rules keep each chunk one allocation of known size, swapped at a PDU boundary:
//! - every read leaves room for the rest of the longest PDU the target may send plus the
//!   next header, so the framer never has to grow (reallocate) the buffer under us;
//! - while a large PDU is partly read, the read stops at its end, so the chunk is usually
//!   swapped between PDUs and nothing but a partial header is copied into the next one.
//!
//! And one rule keeps an idle connection small: whenever every byte read has been consumed
//! and no caller holds a slice of the chunk, the next read starts again at the chunk's
//! beginning. A session moving small PDUs then touches the same first pages over and
//! over, instead of walking the whole chunk (every page touched once stays resident, which
//! is what counts with thousands of sessions in one process).

use std::collections::VecDeque;

use bytes::{BufMut, BytesMut, buf::Limit};

/// Smallest size of a fresh chunk (it also holds four of the longest PDUs).
const CHUNK: usize = 1024 * 1024;
/// The least a read may bring; a chunk with less room (beyond the reserve) is swapped.
const MIN_READ: usize = 16 * 1024;
/// The most bytes of a PDU besides its data segment: BHS, AHS (≤ 1020), digests, padding.
const PDU_OVERHEAD: usize = 48 + 1020 + 4 + 3 + 4;
/// Room for the next header, which the framer reserves along with the rest of a PDU.
const NEXT_HEADER: usize = 64;
/// A partly read PDU at least this long is read to its end and no further.
const LARGE_PDU: usize = 64 * 1024;
/// Retired chunks kept for reuse, in bytes: memory held per connection beyond what
/// callers still hold is at most this plus the current chunk.
const POOL_BYTES: usize = 16 * 1024 * 1024;

/// The bytes read and not yet consumed, and the chunks waiting to be reused.
#[derive(Debug)]
pub(crate) struct RecvBuffer {
    buf: BytesMut,
    /// Kept free after every read: the longest PDU the target may send (from our
    /// MaxRecvDataSegmentLength) plus the next header.
    reserve: usize,
    /// The size of a fresh chunk.
    chunk: usize,
    /// Whether `buf` is one of our chunks (not the login leftover), worth pooling.
    pooled: bool,
    /// The whole capacity of the current chunk (when `pooled`), for rewinding to its start.
    chunk_capacity: usize,
    /// Retired chunks, oldest first; a swap takes the newest free one. When it is full the
    /// oldest is let go, so a chunk a caller keeps a slice of for long does not block the
    /// pool.
    pool: VecDeque<BytesMut>,
}

impl RecvBuffer {
    /// Starts with bytes already read (what followed the final Login Response), for a
    /// connection on which we declared `max_recv_data_segment_length`.
    pub(crate) fn new(leftover: BytesMut, max_recv_data_segment_length: u32) -> Self {
        let max_pdu = (max_recv_data_segment_length as usize).saturating_add(PDU_OVERHEAD);
        Self {
            buf: leftover,
            reserve: max_pdu.saturating_add(NEXT_HEADER),
            chunk: max_pdu.saturating_mul(4).max(CHUNK),
            pooled: false,
            chunk_capacity: 0,
            pool: VecDeque::new(),
        }
    }

    /// The unconsumed bytes, for the session to decode from.
    pub(crate) fn bytes(&mut self) -> &mut BytesMut {
        &mut self.buf
    }

    /// Makes room for the next read and returns the buffer to read into, limited as the
    /// module documentation says. `pdu_len` is the whole length of the PDU whose first
    /// bytes are buffered (`Session::partial_pdu_len`). The limit is never 0, so a read of
    /// 0 bytes means the peer closed.
    pub(crate) fn prepare(&mut self, pdu_len: Option<usize>) -> Limit<&mut BytesMut> {
        if self.buf.is_empty() && self.pooled && self.spare() < self.chunk_capacity {
            // Asking for the chunk's whole capacity rewinds it to its start when nobody
            // holds a slice of it (neither copies nor allocates; see the module doc).
            let _ = self.buf.try_reclaim(self.chunk_capacity);
        }
        let needed = self.reserve.saturating_add(MIN_READ);
        if self.spare() < needed {
            self.swap_chunk(self.buf.len().saturating_add(needed));
        }
        let want = pdu_len.map_or(0, |total| total.saturating_sub(self.buf.len()));
        let limit = if want >= LARGE_PDU {
            want
        } else {
            self.spare() - self.reserve
        };
        (&mut self.buf).limit(limit)
    }

    fn spare(&self) -> usize {
        self.buf.capacity() - self.buf.len()
    }

    /// Moves the unconsumed bytes (usually none, or part of a header) into a chunk of at
    /// least `size` bytes, reused from the pool when one is free, and retires the current
    /// chunk.
    fn swap_chunk(&mut self, size: usize) {
        let size = size.max(self.chunk);
        // The chunk retired last first: its pages are the likeliest to be in the CPU cache
        // (profiled at 128 KiB reads, the kernel's copy into our chunks is most of the
        // cost; taking the oldest free chunk cycled through the whole pool).
        let mut next = match self.pool.iter_mut().rposition(|c| c.try_reclaim(size)) {
            Some(i) => self.pool.remove(i).unwrap_or_default(),
            None => BytesMut::with_capacity(size),
        };
        self.chunk_capacity = next.capacity();
        next.extend_from_slice(&self.buf);
        let mut old = std::mem::replace(&mut self.buf, next);
        old.clear();
        if std::mem::replace(&mut self.pooled, true) {
            let keep = POOL_BYTES / self.chunk;
            if self.pool.len() >= keep {
                self.pool.pop_front();
            }
            if keep > 0 {
                self.pool.push_back(old);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]

    use super::*;

    /// Simulates a read of `n` bytes of `fill` into what `prepare` returned.
    fn read(r: &mut RecvBuffer, pdu_len: Option<usize>, n: usize, fill: u8) -> usize {
        let mut dst = r.prepare(pdu_len);
        let n = n.min(dst.remaining_mut());
        dst.put_bytes(fill, n);
        n
    }

    /// Reads and consumes 4 KiB `rounds` times; returns the start of each chunk swapped in.
    fn churn(r: &mut RecvBuffer, rounds: usize, held: &mut Vec<bytes::Bytes>) -> Vec<*const u8> {
        let mut starts = Vec::new();
        for i in 0..rounds {
            let swaps = r.spare() < r.reserve + MIN_READ;
            read(r, None, 4096, i as u8);
            if swaps {
                starts.push(r.buf.as_ptr());
            }
            held.push(r.buf.split_to(4096).freeze());
        }
        starts
    }

    #[test]
    fn chunks_are_reused_once_callers_drop_their_slices() {
        let mut r = RecvBuffer::new(BytesMut::new(), 256 * 1024);
        let mut held = Vec::new();
        let first = churn(&mut r, 3 * CHUNK / 4096, &mut held);
        assert!(first.len() >= 3, "{} chunks", first.len());
        // While callers hold slices, no chunk is reused: all starts differ...
        let mut unique = first.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), first.len(), "a held chunk was reused");
        // ...and every slice still reads what was written into it.
        for (i, s) in held.iter().enumerate() {
            assert!(s.iter().all(|b| *b == i as u8), "slice {i} intact");
        }
        held.clear();
        // Dropped: the next swaps take retired chunks from the pool.
        let mut dropped = Vec::new();
        let again = churn(&mut r, 2 * CHUNK / 4096, &mut dropped);
        assert!(!again.is_empty());
        assert!(
            again.iter().all(|p| first.contains(p)),
            "every swap reused a retired chunk"
        );
    }

    #[test]
    fn the_chunk_retired_last_is_reused_first() {
        let mut r = RecvBuffer::new(BytesMut::new(), 256 * 1024);
        let mut held = Vec::new();
        let first = churn(&mut r, 4 * CHUNK / 4096, &mut held);
        assert!(first.len() >= 4, "{} chunks", first.len());
        held.clear();
        // Every retired chunk is free now; the swaps alternate between the two most recent
        // (the current one and the one retired last), never back to the oldest: the
        // working set stays two chunks, which the cache keeps warm. (Taking the oldest
        // free chunk instead cycles through the whole pool.)
        // Callers hold the current chunk's slices and drop them once it is retired.
        let mut again = Vec::new();
        let mut held_now = Vec::new();
        for i in 0..4 * CHUNK / 4096 {
            let swaps = r.spare() < r.reserve + MIN_READ;
            read(&mut r, None, 4096, i as u8);
            if swaps {
                again.push(r.buf.as_ptr());
                held_now.clear();
            }
            held_now.push(r.buf.split_to(4096).freeze());
        }
        assert!(again.len() >= 3, "{} swaps", again.len());
        let recent = &first[first.len() - 2..];
        assert_eq!(
            again.first(),
            Some(&recent[0]),
            "took the chunk retired last"
        );
        assert!(
            again.iter().all(|p| recent.contains(p)),
            "only the two most recent chunks are used"
        );
    }

    #[test]
    fn an_idle_chunk_is_rewound_once_its_slices_are_dropped() {
        let mut r = RecvBuffer::new(BytesMut::new(), 256 * 1024);
        read(&mut r, None, 4096, 1);
        let start = r.buf.as_ptr();
        let held = r.buf.split_to(4096).freeze();
        // A caller still holds the first 4 KiB: the next read goes after them.
        read(&mut r, None, 4096, 2);
        assert_eq!(r.buf.as_ptr(), start.wrapping_add(4096));
        let _ = r.buf.split_to(4096);
        drop(held);
        // Everything consumed and dropped: back to the start of the same chunk.
        read(&mut r, None, 4096, 3);
        assert_eq!(r.buf.as_ptr(), start);
        assert!(r.buf.iter().all(|b| *b == 3));
        // Not rewound while bytes wait to be consumed.
        read(&mut r, None, 100, 4);
        assert_eq!(r.buf.as_ptr(), start);
        assert_eq!(r.buf.len(), 4196);
    }

    #[test]
    fn a_large_pdu_is_read_to_its_end_and_no_further() {
        let mut r = RecvBuffer::new(BytesMut::new(), 256 * 1024);
        // The header and some data of a 128 KiB + 48 byte PDU.
        let total = 48 + 128 * 1024;
        assert_eq!(read(&mut r, None, 10_000, 1), 10_000);
        let limit = r.prepare(Some(total)).remaining_mut();
        assert_eq!(limit, total - 10_000);
        assert_eq!(read(&mut r, Some(total), usize::MAX, 1), total - 10_000);
        assert_eq!(r.bytes().len(), total);
    }

    #[test]
    fn a_pdu_larger_than_a_chunk_gets_a_chunk_of_its_size() {
        let mut r = RecvBuffer::new(BytesMut::new(), 256 * 1024);
        let total = 48 + 4 * CHUNK;
        read(&mut r, None, 48, 0xee);
        let mut got = 48;
        while got < total {
            got += read(&mut r, Some(total), 100_000, 0xee);
        }
        assert_eq!(r.bytes().len(), total);
        assert!(
            r.bytes().iter().all(|b| *b == 0xee),
            "partial bytes carried over"
        );
    }

    #[test]
    fn the_framer_never_has_to_grow_the_buffer() {
        // Random PDU sizes up to the longest allowed, random read sizes: after every read
        // the buffer has room for the rest of the PDU in progress and the next header, so
        // `Framer::decode`'s reserve is a no-op and the chunk stays ours.
        use rand::{Rng, SeedableRng, rngs::StdRng};
        let mrdsl = 256 * 1024;
        let mut r = RecvBuffer::new(BytesMut::new(), mrdsl);
        let mut rng = StdRng::seed_from_u64(3);
        let mut pdu: Option<usize> = None;
        for _ in 0..20_000 {
            let n = rng.random_range(1..300_000);
            read(&mut r, pdu, n, 0);
            loop {
                let total = match pdu {
                    Some(t) => t,
                    None if r.buf.len() >= 48 => 48 + rng.random_range(0..=mrdsl as usize),
                    None => break,
                };
                if r.buf.len() >= total {
                    let _ = r.buf.split_to(total).freeze();
                    pdu = None;
                } else {
                    pdu = Some(total);
                    assert!(r.spare() >= total - r.buf.len() + 48, "room for the rest");
                    break;
                }
            }
        }
    }

    #[test]
    fn unconsumed_bytes_move_with_a_swap() {
        let mut r = RecvBuffer::new(BytesMut::from(&b"leftover"[..]), 256 * 1024);
        // Fill a chunk up to its reserve, consume all but a partial header.
        read(&mut r, None, usize::MAX, 5);
        assert_eq!(r.spare(), r.reserve, "a read leaves the reserve free");
        let len = r.buf.len();
        let _ = r.buf.split_to(len - 20);
        let before: Vec<u8> = r.buf.to_vec();
        read(&mut r, None, 1, 6);
        assert_eq!(&r.buf[..20], &before[..]);
        assert_eq!(r.buf[20], 6);
    }
}
