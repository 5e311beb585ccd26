//! The initiator's sans-IO `Session` makes no heap allocation per I/O in steady state.
//!
//! Each test drives one workload through the in-memory pair (`iscsi_benches::pair_load`):
//! a warm-up long enough for the session's buffers, receive-chunk pool and task table to
//! reach their steady-state capacity, then a measured run during which the counting global
//! allocator attributes every `alloc`/`alloc_zeroed`/`realloc` call to the initiator, the
//! target or the pair. Only the initiator's count is asserted: the test target allocates
//! by design (it is not the code under test).
//!
//! Checked to catch a regression: boxing the `ScsiTask` in `Session::submit` again (as
//! before commit 0671986) makes all four workloads fail with 1 call (104 B) per I/O.
//!
//! Counting is per thread (see `iscsi_benches::alloc_count`), so the tests may run in
//! parallel. `cargo bench -p iscsi-benches --bench session` prints the same figures.
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used)]

use iscsi_benches::{
    alloc_count::{self, CountingAlloc},
    pair_load::{Driver, Measurement, Workload},
};
use iscsi_test_target::pair::Side;

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

const QUEUE_DEPTH: usize = 32;
const KIB: usize = 1024;

/// Warms `workload` up with `warm_up` commands, then measures `ios` more.
fn measure(workload: Workload, warm_up: usize, ios: usize) -> Measurement {
    let mut driver = Driver::new(workload).expect("driver");
    driver.run(warm_up).expect("warm-up");
    let m = driver.measure(ios).expect("measure");
    let violations = driver.pair().target.violations();
    assert!(violations.is_empty(), "{violations:?}");
    eprintln!(
        "{}: {} I/Os, {:.2} PDUs/IO, allocation calls per I/O: initiator {:.4}, target {:.2}, \
         pair {:.2}",
        workload.name(),
        m.ios,
        m.pdus_per_io(),
        m.calls_per_io(Side::Initiator),
        m.calls_per_io(Side::Target),
        m.calls_per_io(Side::Pair),
    );
    m
}

fn assert_no_initiator_allocations(m: &Measurement) {
    assert_eq!(
        m.counts.calls(Side::Initiator),
        0,
        "{}: the initiator made {} allocation calls ({} bytes) over {} I/Os in steady state",
        m.workload.name(),
        m.counts.calls(Side::Initiator),
        m.counts.bytes(Side::Initiator),
        m.ios,
    );
}

#[test]
fn counting_allocator_is_installed() {
    // Without it every count below would be 0 whatever the session does.
    assert!(alloc_count::is_installed());
}

#[test]
fn read_4k_allocates_nothing_per_io() {
    // 4096 measured I/Os: 16 MiB.
    let m = measure(Workload::read(4 * KIB, QUEUE_DEPTH), 1024, 4096);
    assert_no_initiator_allocations(&m);
}

#[test]
fn read_256k_allocates_nothing_per_io() {
    // 256 measured I/Os: 64 MiB, the whole LU once.
    let m = measure(Workload::read(256 * KIB, QUEUE_DEPTH), 128, 256);
    assert_no_initiator_allocations(&m);
}

#[test]
fn write_4k_allocates_nothing_per_io() {
    let m = measure(Workload::write(4 * KIB, QUEUE_DEPTH), 1024, 4096);
    assert_no_initiator_allocations(&m);
}

#[test]
fn write_256k_allocates_nothing_per_io() {
    let m = measure(Workload::write(256 * KIB, QUEUE_DEPTH), 128, 256);
    assert_no_initiator_allocations(&m);
}
