//! The full-feature phase without sockets: `iscsi-proto`'s sans-IO `Session` moving 1 GiB
//! through the in-memory `Pair` (the test target's sans-IO core on the other side), reads
//! and writes of 256 KiB at queue depth 32, and a count of heap allocations per I/O and per
//! PDU.
//!
//! ```text
//! cargo bench -p iscsi-benches --bench session
//! ISCSI_BENCH_BYTES=268435456 cargo bench -p iscsi-benches --bench session   # 256 MiB
//! ```
//!
//! Both sides run on this thread, so the throughput is the initiator's and the target's
//! work together (the target copies every byte into or out of its RAM LU, and encodes
//! Data-In with a copy). The allocation report separates the two sides; the workload driver
//! and the counting allocator live in the `iscsi-benches` library (`pair_load`,
//! `alloc_count`), shared with the allocation test (`tests/allocations.rs`).
//!
//! The target is the test target with its defaults (MaxRecvDataSegmentLength 8 KiB, as tgt;
//! InitialR2T=Yes, ImmediateData=Yes, FirstBurstLength 64 KiB, MaxBurstLength 256 KiB,
//! command window 32) and a 64 MiB LU that the LBAs wrap over; the initiator declares
//! MaxRecvDataSegmentLength 256 KiB, so a 256 KiB read is one Data-In PDU and a 256 KiB write
//! is a command with 8 KiB of immediate data and 31 solicited 8 KiB Data-Out PDUs.
//!
//! Bytes moved per iteration: `ISCSI_BENCH_BYTES` if set, else 1 GiB under `cargo bench` and
//! 64 MiB in criterion's test mode (`cargo test --benches`), which runs each bench once.
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used)]

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use iscsi_benches::{
    alloc_count::CountingAlloc,
    pair_load::{Driver, Workload},
};
use iscsi_test_target::pair::Side;

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

const QUEUE_DEPTH: usize = 32;
const IO_SIZE: usize = 256 * 1024;

/// Bytes moved per bench iteration (see the module docs).
fn total_bytes() -> u64 {
    if let Some(bytes) = std::env::var("ISCSI_BENCH_BYTES")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        return bytes.max(IO_SIZE as u64);
    }
    if std::env::args().any(|a| a == "--bench") {
        1 << 30
    } else {
        64 << 20
    }
}

/// Counts allocations for a few workloads once and prints them, per I/O and per PDU (both
/// directions, as counted by the target), split between initiator, target and pair.
fn allocation_report() {
    eprintln!(
        "heap allocation calls (alloc/alloc_zeroed/realloc) in steady state, QD {QUEUE_DEPTH}:"
    );
    eprintln!(
        "{:<18} {:>9} {:>10} {:>12} {:>12} {:>10} {:>12}",
        "workload", "PDUs/IO", "init/IO", "init/PDU", "init B/IO", "target/IO", "pair/IO"
    );
    for (write, io_size) in [
        (false, 4096),
        (false, IO_SIZE),
        (true, 4096),
        (true, IO_SIZE),
    ] {
        let workload = Workload {
            write,
            io_size,
            queue_depth: QUEUE_DEPTH,
        };
        let mut driver = Driver::new(workload).expect("driver");
        let ios = (16 << 20) / io_size;
        // Warm up: buffers and tables reach their steady-state capacity.
        driver.run(ios).expect("warm-up");
        let m = driver.measure(ios).expect("measure");
        eprintln!(
            "{:<18} {:>9.2} {:>10.2} {:>12.3} {:>12.0} {:>10.2} {:>12.2}",
            workload.name(),
            m.pdus_per_io(),
            m.calls_per_io(Side::Initiator),
            m.calls_per_pdu(Side::Initiator),
            m.bytes_per_io(Side::Initiator),
            m.calls_per_io(Side::Target),
            m.calls_per_io(Side::Pair),
        );
    }
}

fn bench_session(c: &mut Criterion) {
    allocation_report();
    let bytes = total_bytes();
    let mut group = c.benchmark_group("session");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Bytes(bytes));
    for write in [false, true] {
        let workload = Workload {
            write,
            io_size: IO_SIZE,
            queue_depth: QUEUE_DEPTH,
        };
        let ios = usize::try_from(bytes).expect("fits") / IO_SIZE;
        let mut driver = Driver::new(workload).expect("driver");
        group.bench_function(format!("{}/{}MiB", workload.name(), bytes >> 20), |b| {
            b.iter(|| driver.run(ios).expect("run"));
        });
        let violations = driver.pair().target.violations();
        assert!(violations.is_empty(), "{violations:?}");
    }
    group.finish();
}

criterion_group!(benches, bench_session);
criterion_main!(benches);
