//! The full-feature phase without sockets: `iscsi-proto`'s sans-IO `Session` moving 1 GiB
//! through the in-memory [`Pair`] (the test target's sans-IO core on the other side), reads
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
//! Data-In with a copy). The allocation report separates the two sides.
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

use std::{
    alloc::{GlobalAlloc, Layout, System},
    sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering::Relaxed},
};

use bytes::Bytes;
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use iscsi_proto::{
    session::{Event, ScsiRequest},
    wire::{Lun, ScsiStatus},
};
use iscsi_test_target::{
    DEFAULT_TARGET_NAME, LuConfig, TargetConfig, TargetNodeConfig,
    pair::{Pair, Side},
};

// ---- allocation counting ---------------------------------------------------------------

/// Counts allocation calls (alloc, alloc_zeroed, realloc) per [`Side`] while
/// [`COUNTING`] is on; otherwise a plain pass-through to [`System`].
struct CountingAlloc;

static COUNTING: AtomicBool = AtomicBool::new(false);
/// The [`Side`] running now, as set by the pair's observer hook (index into [`CALLS`]).
static SIDE: AtomicU8 = AtomicU8::new(0);
static CALLS: [AtomicU64; 3] = [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)];
static BYTES: [AtomicU64; 3] = [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)];

const PAIR: u8 = 0;
const INITIATOR: u8 = 1;
const TARGET: u8 = 2;

fn count(size: usize) {
    if COUNTING.load(Relaxed) {
        let side = usize::from(SIDE.load(Relaxed));
        CALLS[side].fetch_add(1, Relaxed);
        BYTES[side].fetch_add(size as u64, Relaxed);
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so
// `System`'s guarantees hold; the counting touches only atomics and never allocates.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged; `ptr` came from this allocator, i.e. from `System`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        // SAFETY: forwarded unchanged; `ptr` came from this allocator, i.e. from `System`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// The pair's observer hook: records which side runs.
fn observe(side: Side) {
    let index = match side {
        Side::Pair => PAIR,
        Side::Initiator => INITIATOR,
        Side::Target => TARGET,
    };
    SIDE.store(index, Relaxed);
}

fn counters() -> ([u64; 3], [u64; 3]) {
    (
        CALLS.each_ref().map(|c| c.load(Relaxed)),
        BYTES.each_ref().map(|c| c.load(Relaxed)),
    )
}

// ---- the workload ----------------------------------------------------------------------

const BLOCK: usize = 512;
/// The LU: 64 MiB; LBAs wrap over it.
const LU_BYTES: usize = 64 << 20;
const QUEUE_DEPTH: usize = 32;
const IO_SIZE: usize = 256 * 1024;

#[derive(Clone, Copy, Debug)]
struct Workload {
    write: bool,
    io_size: usize,
    queue_depth: usize,
}

impl Workload {
    fn name(self) -> String {
        format!(
            "{}_{}k_qd{}",
            if self.write { "write" } else { "read" },
            self.io_size / 1024,
            self.queue_depth
        )
    }
}

/// A pair on a target with one 64 MiB LU (filled with a pattern), no capture log, and the
/// initiator's default operational offer.
fn pair() -> Pair {
    let mut config = TargetConfig::default();
    config.targets = vec![TargetNodeConfig::new(DEFAULT_TARGET_NAME).with_lus(vec![
        LuConfig::new(0, BLOCK as u32, (LU_BYTES / BLOCK) as u64),
    ])];
    config.capture_limit = 0;
    let pair = Pair::connect(config, |_| {}).expect("login");
    let pattern: Vec<u8> = (0..=250u8).collect();
    pair.target.first_lu(0).expect("LU 0").fill(&pattern);
    pair
}

/// READ(16) or WRITE(16).
fn cdb16(write: bool, lba: u64, blocks: u32) -> Bytes {
    let mut cdb = vec![if write { 0x8a } else { 0x88 }, 0];
    cdb.extend_from_slice(&lba.to_be_bytes());
    cdb.extend_from_slice(&blocks.to_be_bytes());
    cdb.extend_from_slice(&[0, 0]);
    cdb.into()
}

/// Drives a workload over one pair, across iterations: CDBs are built once for every
/// position in the LU, and the next LBA carries over from one run to the next.
struct Driver {
    pair: Pair,
    workload: Workload,
    cdbs: Vec<Bytes>,
    data: Bytes,
    cursor: usize,
}

impl Driver {
    fn new(workload: Workload) -> Self {
        let blocks = workload.io_size / BLOCK;
        let cdbs = (0..LU_BYTES / workload.io_size)
            .map(|i| cdb16(workload.write, (i * blocks) as u64, blocks as u32))
            .collect();
        let data = (0..workload.io_size)
            .map(|i| (i * 7 % 253) as u8)
            .collect::<Vec<_>>()
            .into();
        let mut pair = pair();
        pair.set_observer(observe);
        Self {
            pair,
            workload,
            cdbs,
            data,
            cursor: 0,
        }
    }

    /// Runs `ios` commands at the workload's queue depth; every one must end GOOD, and
    /// reads must deliver exactly their length.
    fn run(&mut self, ios: usize) {
        let Workload {
            write,
            io_size,
            queue_depth,
        } = self.workload;
        let (mut submitted, mut done, mut read_bytes) = (0usize, 0usize, 0usize);
        let Self {
            pair,
            cdbs,
            data: write_data,
            cursor,
            ..
        } = self;
        // Generous: a handful of steps per command is what it takes.
        pair.max_steps = ios.saturating_mul(64).max(1024);
        pair.drive_until(|p| {
            for event in p.events.drain(..) {
                match event {
                    Event::DataIn { data, .. } => read_bytes += data.len(),
                    Event::ScsiComplete { outcome, .. } => {
                        assert_eq!(outcome.status, ScsiStatus::Good, "{outcome:?}");
                        done += 1;
                    }
                    other => panic!("unexpected event {other:?}"),
                }
            }
            while submitted - done < queue_depth && submitted < ios {
                let cdb = cdbs[*cursor].clone();
                *cursor = (*cursor + 1) % cdbs.len();
                let request = if write {
                    ScsiRequest::write(Lun::default(), cdb, write_data.clone())
                } else {
                    ScsiRequest::read(Lun::default(), cdb, io_size as u32)
                };
                observe(Side::Initiator);
                p.session.submit(p.now, request).expect("submit");
                observe(Side::Pair);
                submitted += 1;
            }
            done == ios
        })
        .expect("drive");
        if !write {
            assert_eq!(read_bytes, ios * io_size, "read bytes");
        }
    }
}

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
        let mut driver = Driver::new(workload);
        let ios = (16 << 20) / io_size;
        // Warm up: buffers and tables reach their steady-state capacity.
        driver.run(ios);
        let stats_before = driver.pair.target.stats();
        let (calls_before, bytes_before) = counters();
        COUNTING.store(true, Relaxed);
        driver.run(ios);
        COUNTING.store(false, Relaxed);
        observe(Side::Pair);
        let (calls, bytes) = counters();
        let stats = driver.pair.target.stats();
        let pdus = (stats.pdus_sent + stats.pdus_received)
            - (stats_before.pdus_sent + stats_before.pdus_received);
        let per = |side: u8, n: u64| {
            let side = usize::from(side);
            (calls[side] - calls_before[side]) as f64 / n as f64
        };
        let init_bytes = (bytes[1] - bytes_before[1]) as f64 / ios as f64;
        eprintln!(
            "{:<18} {:>9.2} {:>10.2} {:>12.3} {:>12.0} {:>10.2} {:>12.2}",
            workload.name(),
            pdus as f64 / ios as f64,
            per(INITIATOR, ios as u64),
            per(INITIATOR, pdus),
            init_bytes,
            per(TARGET, ios as u64),
            per(PAIR, ios as u64),
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
        let mut driver = Driver::new(workload);
        group.bench_function(format!("{}/{}MiB", workload.name(), bytes >> 20), |b| {
            b.iter(|| driver.run(ios));
        });
        assert!(
            driver.pair.target.violations().is_empty(),
            "{:?}",
            driver.pair.target.violations()
        );
    }
    group.finish();
}

criterion_group!(benches, bench_session);
criterion_main!(benches);
