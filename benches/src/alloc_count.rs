//! Counting heap allocation calls per [`Side`] of an in-memory [`Pair`].
//!
//! A binary (bench or test) installs the allocator itself:
//!
//! ```
//! use iscsi_benches::alloc_count::{self, CountingAlloc};
//!
//! #[global_allocator]
//! static GLOBAL: CountingAlloc = CountingAlloc;
//!
//! fn main() {
//!     assert!(alloc_count::is_installed());
//! }
//! ```
//!
//! then passes [`observe`] to [`Pair::set_observer`] (and calls it around its own calls
//! into the session, such as `submit`), and brackets the code to measure with [`start`]
//! and [`stop`], reading the counters with [`snapshot`] before and after.
//!
//! The state is **per thread**: only allocations made on the thread that called [`start`]
//! are counted, attributed to the side that thread last passed to [`observe`]. Threads of a
//! test harness or of criterion therefore do not disturb a measurement; the pair is
//! single-threaded, so nothing of it is missed. Counted are `alloc`, `alloc_zeroed` and
//! `realloc` calls (and the bytes they ask for); `dealloc` is not counted.
//!
//! The thread-local state is `const`-initialised and needs no destructor, so reading it
//! never allocates (on targets with native thread-local storage, such as Linux, macOS and
//! Windows).
//!
//! [`Pair`]: iscsi_test_target::pair::Pair
//! [`Pair::set_observer`]: iscsi_test_target::pair::Pair::set_observer

use std::{
    alloc::{GlobalAlloc, Layout, System},
    cell::Cell,
    ops::Sub,
};

use iscsi_test_target::pair::Side;

/// A [`GlobalAlloc`] that forwards to [`System`] and, while [`start`]ed on the calling
/// thread, counts allocation calls and requested bytes per [`Side`].
#[derive(Clone, Copy, Debug, Default)]
pub struct CountingAlloc;

/// Index of a side in [`Counts`]' arrays.
const fn index(side: Side) -> usize {
    match side {
        Side::Pair => 0,
        Side::Initiator => 1,
        Side::Target => 2,
    }
}

/// The calling thread's counting state.
struct State {
    counting: Cell<bool>,
    /// Index (see [`index`]) of the side that runs now.
    side: Cell<usize>,
    calls: Cell<[u64; 3]>,
    bytes: Cell<[u64; 3]>,
}

thread_local! {
    static STATE: State = const {
        State {
            counting: Cell::new(false),
            side: Cell::new(0),
            calls: Cell::new([0; 3]),
            bytes: Cell::new([0; 3]),
        }
    };
}

/// Records one allocation call of `size` bytes if the calling thread counts. Never
/// allocates and never panics (a thread whose local state is gone is simply not counted).
fn count(size: usize) {
    let _ = STATE.try_with(|state| {
        if state.counting.get() {
            let side = state.side.get();
            let mut calls = state.calls.get();
            let mut bytes = state.bytes.get();
            calls[side] = calls[side].wrapping_add(1);
            bytes[side] = bytes[side].wrapping_add(size as u64);
            state.calls.set(calls);
            state.bytes.set(bytes);
        }
    });
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so
// `System`'s guarantees hold; the counting touches only `const`-initialised thread-local
// cells and never allocates.
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

/// The pair's observer hook ([`Pair::set_observer`]): allocations the calling thread makes
/// from now on are attributed to `side`.
///
/// [`Pair::set_observer`]: iscsi_test_target::pair::Pair::set_observer
pub fn observe(side: Side) {
    STATE.with(|state| state.side.set(index(side)));
}

/// Starts counting on the calling thread.
pub fn start() {
    STATE.with(|state| state.counting.set(true));
}

/// Stops counting on the calling thread; the counters keep their values.
pub fn stop() {
    STATE.with(|state| state.counting.set(false));
}

/// The calling thread's counters now. Subtract two snapshots for the calls in between.
pub fn snapshot() -> Counts {
    STATE.with(|state| Counts {
        calls: state.calls.get(),
        bytes: state.bytes.get(),
    })
}

/// Whether [`CountingAlloc`] is the global allocator of this binary, tested by counting
/// one allocation. Without it every count stays 0, which would pass for "no allocations";
/// a measurement should check this first. Leaves the calling thread's counting on or off
/// as it was.
pub fn is_installed() -> bool {
    let was_counting = STATE.with(|state| state.counting.replace(true));
    let before = snapshot();
    let probe = std::hint::black_box(Box::new(0_u64));
    let after = snapshot();
    drop(probe);
    STATE.with(|state| state.counting.set(was_counting));
    (after - before).total_calls() > 0
}

/// Allocation counters, per [`Side`]: cumulative from [`snapshot`], or the difference of
/// two snapshots.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct Counts {
    calls: [u64; 3],
    bytes: [u64; 3],
}

impl Counts {
    /// Allocation calls (`alloc`, `alloc_zeroed`, `realloc`) made while `side` ran.
    pub const fn calls(&self, side: Side) -> u64 {
        self.calls[index(side)]
    }

    /// Bytes those calls asked for (the new size, for `realloc`).
    pub const fn bytes(&self, side: Side) -> u64 {
        self.bytes[index(side)]
    }

    /// Allocation calls of all sides.
    pub fn total_calls(&self) -> u64 {
        self.calls.iter().fold(0, |sum, c| sum.wrapping_add(*c))
    }
}

impl Sub for Counts {
    type Output = Self;

    /// The calls and bytes between two snapshots (`later - earlier`).
    fn sub(self, earlier: Self) -> Self {
        let mut out = self;
        for i in 0..3 {
            out.calls[i] = self.calls[i].wrapping_sub(earlier.calls[i]);
            out.bytes[i] = self.bytes[i].wrapping_sub(earlier.bytes[i]);
        }
        out
    }
}
