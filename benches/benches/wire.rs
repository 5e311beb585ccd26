//! Wire-layer costs without sockets: the framer on a Data-In PDU (0 B, 8 KiB, 256 KiB; with
//! and without CRC32C header and data digests), typed header decode of one 48-byte BHS, and
//! CRC32C itself.
//!
//! ```text
//! cargo bench -p iscsi-benches --bench wire
//! ```
//!
//! Targets from the benchmark issue: ≥ 5 million header decodes per second, CRC32C
//! ≥ 5 GB/s at 256 KiB.
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used)]

use std::hint::black_box;

use bytes::{Bytes, BytesMut};
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use iscsi_proto::{
    framing::{Digests, Frame, Framer, Limits},
    wire::{
        Bhs, CmdSn, DataIn, DataInStatus, DataSn, Header, Itt, Lun, Pdu, Residual, ScsiStatus,
        StatSn, Ttt, crc32c,
    },
};

/// Data segment sizes of the framer benches.
const SIZES: [usize; 3] = [0, 8 * 1024, 256 * 1024];

/// The final Data-In of a read, carrying GOOD status (phase collapse, as tgt and LIO send).
fn data_in(len: usize) -> Pdu {
    let header = DataIn {
        final_pdu: true,
        acknowledge: false,
        status: Some(DataInStatus {
            status: ScsiStatus::Good,
            stat_sn: StatSn::new(0x1234),
            residual: Residual::Exact,
        }),
        lun: Lun::default(),
        itt: Itt(0x42),
        ttt: Ttt::RESERVED,
        exp_cmd_sn: CmdSn::new(100),
        max_cmd_sn: CmdSn::new(131),
        data_sn: DataSn::new(0),
        buffer_offset: 0,
    };
    let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
    Pdu::new(header, Bytes::from(data))
}

fn framer(digests: bool) -> Framer {
    let mut framer = Framer::new(Limits {
        max_recv_data_segment_length: 0x00ff_ffff,
        max_send_data_segment_length: 0x00ff_ffff,
    });
    framer.set_digests(Digests {
        header: digests,
        data: digests,
    });
    framer
}

fn digest_label(digests: bool) -> &'static str {
    if digests { "crc32c" } else { "none" }
}

fn bench_framer(c: &mut Criterion) {
    let mut group = c.benchmark_group("framer");
    for digests in [false, true] {
        let framer = framer(digests);
        for len in SIZES {
            let pdu = data_in(len);
            let mut encoded = BytesMut::new();
            framer.encode(&pdu, &mut encoded).expect("encode");
            // Bytes on the wire: header, digests, data and padding.
            group.throughput(Throughput::Bytes(encoded.len() as u64));
            let id =
                |what: &str| BenchmarkId::new(format!("{what}/{}", digest_label(digests)), len);

            // Each iteration decodes its own copy of the bytes (as a socket read leaves
            // them). Batches hold about 256 KiB of copies, so they come from cache as
            // freshly received bytes would, not from memory.
            let batch = (256 * 1024 / encoded.len()).clamp(1, 64) as u64;
            group.bench_function(id("decode"), |b| {
                let mut framer = framer.clone();
                b.iter_batched_ref(
                    || encoded.clone(),
                    |buf| {
                        let frame = framer.decode(buf).expect("decode").expect("whole PDU");
                        assert!(matches!(frame, Frame::Pdu(_)));
                        frame
                    },
                    BatchSize::NumIterations(batch),
                );
            });

            // Copies the data into the output, as a target's encoder does.
            group.bench_function(id("encode"), |b| {
                let mut out = BytesMut::with_capacity(encoded.len());
                b.iter(|| {
                    out.clear();
                    framer.encode(black_box(&pdu), &mut out).expect("encode");
                    black_box(out.len())
                });
            });

            // The session's path: segments of 1 KiB or more are handed back for a vectored
            // write instead of being copied (the data digest is still computed).
            group.bench_function(id("encode_split"), |b| {
                let mut out = BytesMut::with_capacity(encoded.len());
                b.iter(|| {
                    out.clear();
                    let split = framer
                        .encode_split(black_box(&pdu), &mut out)
                        .expect("encode");
                    black_box((out.len(), split))
                });
            });
        }
    }
    group.finish();
}

fn bench_header(c: &mut Criterion) {
    let mut group = c.benchmark_group("header");
    group.throughput(Throughput::Elements(1));
    let bhs: Bhs = data_in(8192).encode_bhs().expect("encode");
    let bytes = *bhs.as_bytes();
    group.bench_function("decode/data_in", |b| {
        b.iter(|| Header::decode(black_box(&bhs)).expect("decode"));
    });
    // From a byte slice, as the framer starts: copy 48 bytes into a Bhs, then decode.
    group.bench_function("decode_from_bytes/data_in", |b| {
        b.iter(|| {
            let bhs = Bhs::decode(black_box(&bytes[..])).expect("48 bytes");
            Header::decode(&bhs).expect("decode")
        });
    });
    group.finish();
}

fn bench_crc32c(c: &mut Criterion) {
    let mut group = c.benchmark_group("crc32c");
    for len in [48, 8 * 1024, 256 * 1024] {
        let data: Vec<u8> = (0..len).map(|i| (i * 13 % 256) as u8).collect();
        group.throughput(Throughput::Bytes(len as u64));
        group.bench_with_input(BenchmarkId::from_parameter(len), &data, |b, data| {
            b.iter(|| crc32c(black_box(data)));
        });
    }
    group.finish();
}

criterion_group!(benches, bench_framer, bench_header, bench_crc32c);
criterion_main!(benches);
