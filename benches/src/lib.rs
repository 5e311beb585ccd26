//! Benchmarks for the initiator, and the pieces they share with the allocation test:
//!
//! - [`alloc_count`]: a counting global allocator that attributes heap allocation calls to
//!   the initiator, the target or the in-memory pair (through the pair's observer hook);
//! - [`pair_load`]: a read or write workload driven through the in-memory
//!   [`Pair`](iscsi_test_target::pair::Pair) (`iscsi-proto`'s sans-IO session against the
//!   test target's sans-IO core), and the steady-state allocation measurement built on both;
//! - [`procfs`]: this process's CPU time and resident memory, for `iscsi-scale`.
//!
//! - [`latency`]: the bounded-memory latency histogram behind `iscsi-bench`'s percentiles.
//!
//! The criterion bench `benches/session.rs` prints the measurement; the integration test
//! `tests/allocations.rs` asserts that the initiator allocates nothing per I/O.
// Only `alloc_count` (a `GlobalAlloc` impl) may use `unsafe`.
#![deny(unsafe_code)]
#![warn(missing_docs)]

#[allow(unsafe_code)]
pub mod alloc_count;
pub mod latency;
pub mod pair_load;
pub mod procfs;
