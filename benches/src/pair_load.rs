//! A read or write workload through the in-memory [`Pair`], and the steady-state allocation
//! measurement of it.
//!
//! The target is the test target with its defaults (MaxRecvDataSegmentLength 8 KiB, as tgt;
//! InitialR2T=Yes, ImmediateData=Yes, FirstBurstLength 64 KiB, MaxBurstLength 256 KiB,
//! command window 32) and one LU of [`LU_BYTES`] that the LBAs wrap over; the initiator
//! makes its default operational offer (MaxRecvDataSegmentLength 256 KiB), so a 256 KiB read
//! is one Data-In PDU and a 256 KiB write is a command with 8 KiB of immediate data and 31
//! solicited 8 KiB Data-Out PDUs.
//!
//! ```no_run
//! use iscsi_benches::pair_load::{Driver, Workload};
//!
//! # fn main() -> Result<(), iscsi_benches::pair_load::LoadError> {
//! let mut driver = Driver::new(Workload::read(256 * 1024, 32))?;
//! driver.run(256)?; // warm up
//! let measurement = driver.measure(256)?;
//! println!("{:.2} PDUs per I/O", measurement.pdus_per_io());
//! # Ok(())
//! # }
//! ```

use bytes::Bytes;
use iscsi_proto::{
    scsi::{self, IoFlags},
    session::{ApiMisuse, Event, ScsiOutcome, ScsiRequest},
    wire::{Lun, ScsiStatus},
};
use iscsi_test_target::{
    DEFAULT_TARGET_NAME, LuConfig, Target, TargetConfig, TargetNodeConfig,
    pair::{Pair, PairError, Side},
};

use crate::alloc_count::{self, Counts, observe};

/// Block size of the LU, in bytes.
pub const BLOCK_SIZE: usize = 512;
/// Size of the LU, in bytes: 64 MiB. LBAs wrap over it.
pub const LU_BYTES: usize = 64 << 20;

/// Why a workload could not be set up, run or measured.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The workload's parameters are out of range.
    #[error("workload: {0}")]
    Workload(&'static str),
    /// The pair could not log in, or a drive stalled or hit its step bound.
    #[error("pair: {0}")]
    Pair(#[from] PairError),
    /// The target has no LU 0 to fill.
    #[error("the target has no LU 0")]
    NoLu,
    /// The session refused a command.
    #[error("submit: {0}")]
    Submit(#[from] ApiMisuse),
    /// A command ended with a status other than GOOD.
    #[error("command ended with {0:?}")]
    Status(Box<ScsiOutcome>),
    /// The session reported something other than read data or a completion.
    #[error("unexpected event {0:?}")]
    Event(Box<Event>),
    /// The reads delivered more or fewer bytes than they asked for.
    #[error("reads delivered {got} bytes, expected {expected}")]
    ReadBytes {
        /// Bytes asked for.
        expected: u64,
        /// Bytes delivered.
        got: u64,
    },
    /// [`alloc_count::CountingAlloc`] is not this binary's global allocator, so a
    /// measurement would read 0 whatever happens.
    #[error("the counting allocator is not installed (#[global_allocator])")]
    NotCounting,
}

/// What to run: reads or writes of one size at a queue depth.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Workload {
    /// Writes (WRITE(16) with data) rather than reads (READ(16)).
    pub write: bool,
    /// Bytes per command: a multiple of [`BLOCK_SIZE`], at most [`LU_BYTES`].
    pub io_size: usize,
    /// Commands in flight.
    pub queue_depth: usize,
}

impl Workload {
    /// Reads of `io_size` bytes, `queue_depth` in flight.
    pub const fn read(io_size: usize, queue_depth: usize) -> Self {
        Self {
            write: false,
            io_size,
            queue_depth,
        }
    }

    /// Writes of `io_size` bytes, `queue_depth` in flight.
    pub const fn write(io_size: usize, queue_depth: usize) -> Self {
        Self {
            write: true,
            io_size,
            queue_depth,
        }
    }

    /// A short name such as `read_256k_qd32`.
    pub fn name(self) -> String {
        format!(
            "{}_{}k_qd{}",
            if self.write { "write" } else { "read" },
            self.io_size / 1024,
            self.queue_depth
        )
    }

    fn check(self) -> Result<(), LoadError> {
        if self.io_size == 0 || self.io_size % BLOCK_SIZE != 0 {
            return Err(LoadError::Workload(
                "I/O size must be a non-zero multiple of the block size",
            ));
        }
        if self.io_size > LU_BYTES {
            return Err(LoadError::Workload("I/O size must not exceed the LU"));
        }
        if self.queue_depth == 0 {
            return Err(LoadError::Workload("queue depth must be at least 1"));
        }
        Ok(())
    }
}

/// A target configuration for benchmarks: one node with one RAM LU of `bytes` (512-byte
/// blocks) at LUN 0, and no PDU capture log (a benchmark moves millions of PDUs). Used by
/// [`pair`] and by the `bench-target` server.
pub fn bench_target_config(bytes: u64) -> TargetConfig {
    let mut config = TargetConfig::default();
    config.targets = vec![TargetNodeConfig::new(DEFAULT_TARGET_NAME).with_lus(vec![
        LuConfig::new(0, BLOCK_SIZE as u32, bytes / BLOCK_SIZE as u64),
    ])];
    config.capture_limit = 0;
    config
}

/// Writes a repeating pattern over all of LU 0, so reads return data and every page of
/// the LU is resident before a measurement.
///
/// # Errors
///
/// [`LoadError::NoLu`] if the target has no LU 0.
pub fn fill_lu(target: &Target) -> Result<(), LoadError> {
    let pattern: Vec<u8> = (0..=250u8).collect();
    target.first_lu(0).ok_or(LoadError::NoLu)?.fill(&pattern);
    Ok(())
}

/// A pair on a [`bench_target_config`] target with one LU of [`LU_BYTES`] (filled by
/// [`fill_lu`]), and the initiator's default operational offer.
///
/// # Errors
///
/// [`LoadError::Pair`] if the login fails, [`LoadError::NoLu`] if the LU is missing.
pub fn pair() -> Result<Pair, LoadError> {
    let pair = Pair::connect(bench_target_config(LU_BYTES as u64), |_| {})?;
    fill_lu(&pair.target)?;
    Ok(pair)
}

/// Drives a workload over one [`pair`], across runs: CDBs are built once for every
/// position in the LU, and the next LBA carries over from one run to the next. The pair's
/// observer is [`alloc_count::observe`], so a counting allocator can tell the sides apart.
#[derive(Debug)]
pub struct Driver {
    pair: Pair,
    workload: Workload,
    cdbs: Vec<Bytes>,
    data: Bytes,
    cursor: usize,
}

impl Driver {
    /// A new pair (see [`pair`]) ready to run `workload`.
    ///
    /// # Errors
    ///
    /// [`LoadError::Workload`] for parameters out of range; as [`pair`].
    pub fn new(workload: Workload) -> Result<Self, LoadError> {
        workload.check()?;
        let blocks = workload.io_size / BLOCK_SIZE;
        // `check` bounds `io_size` by the LU, so `blocks` fits in u32.
        let build = if workload.write {
            scsi::write16
        } else {
            scsi::read16
        };
        let cdbs = (0..LU_BYTES / workload.io_size)
            .map(|i| {
                let lba = (i * blocks) as u64;
                build(lba, blocks as u32, BLOCK_SIZE as u32, IoFlags::default())
                    .map(|cmd| Bytes::copy_from_slice(cmd.cdb.as_bytes()))
                    .map_err(|_| LoadError::Workload("I/O out of READ(16)/WRITE(16) range"))
            })
            .collect::<Result<_, _>>()?;
        let data = (0..workload.io_size)
            .map(|i| (i * 7 % 253) as u8)
            .collect::<Vec<_>>()
            .into();
        let mut pair = pair()?;
        pair.set_observer(observe);
        Ok(Self {
            pair,
            workload,
            cdbs,
            data,
            cursor: 0,
        })
    }

    /// The workload this driver runs.
    pub const fn workload(&self) -> Workload {
        self.workload
    }

    /// The pair (for the target's statistics and violation log, say).
    pub const fn pair(&self) -> &Pair {
        &self.pair
    }

    /// Runs `ios` commands at the workload's queue depth; every one must end GOOD, and
    /// reads must deliver exactly their length.
    ///
    /// # Errors
    ///
    /// [`LoadError::Submit`], [`LoadError::Status`], [`LoadError::Event`] or
    /// [`LoadError::ReadBytes`] for a command that did not go as it should;
    /// [`LoadError::Pair`] if the pair stalls or loops.
    pub fn run(&mut self, ios: usize) -> Result<(), LoadError> {
        let Workload {
            write,
            io_size,
            queue_depth,
        } = self.workload;
        let (mut submitted, mut done, mut read_bytes) = (0usize, 0usize, 0usize);
        let mut failure = None;
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
                    Event::ScsiComplete { outcome, .. } if outcome.status == ScsiStatus::Good => {
                        done += 1;
                    }
                    Event::ScsiComplete { outcome, .. } => {
                        failure = Some(LoadError::Status(Box::new(outcome)));
                        return true;
                    }
                    other => {
                        failure = Some(LoadError::Event(Box::new(other)));
                        return true;
                    }
                }
            }
            while submitted - done < queue_depth && submitted < ios {
                let cdb = cdbs[*cursor].clone();
                *cursor = (*cursor + 1) % cdbs.len();
                let request = if write {
                    ScsiRequest::write(Lun::default(), cdb, write_data.clone())
                } else {
                    // `io_size` is at most `LU_BYTES` (see `Workload::check`).
                    ScsiRequest::read(Lun::default(), cdb, io_size as u32)
                };
                observe(Side::Initiator);
                let submit = p.session.submit(p.now, request);
                observe(Side::Pair);
                if let Err(e) = submit {
                    failure = Some(e.into());
                    return true;
                }
                submitted += 1;
            }
            done == ios
        })?;
        if let Some(failure) = failure {
            return Err(failure);
        }
        if !write && read_bytes != ios * io_size {
            return Err(LoadError::ReadBytes {
                expected: (ios * io_size) as u64,
                got: read_bytes as u64,
            });
        }
        Ok(())
    }

    /// Runs `ios` commands as [`Driver::run`] while counting the calling thread's heap
    /// allocations per side. Warm up first (a [`Driver::run`] of as many commands, say) so
    /// that buffers and tables have reached their steady-state capacity.
    ///
    /// # Errors
    ///
    /// [`LoadError::NotCounting`] if [`alloc_count::CountingAlloc`] is not the global
    /// allocator; as [`Driver::run`].
    pub fn measure(&mut self, ios: usize) -> Result<Measurement, LoadError> {
        if !alloc_count::is_installed() {
            return Err(LoadError::NotCounting);
        }
        let stats_before = self.pair.target.stats();
        let before = alloc_count::snapshot();
        alloc_count::start();
        let run = self.run(ios);
        alloc_count::stop();
        observe(Side::Pair);
        let counts = alloc_count::snapshot() - before;
        run?;
        let stats = self.pair.target.stats();
        let pdus = (stats.pdus_sent + stats.pdus_received)
            - (stats_before.pdus_sent + stats_before.pdus_received);
        Ok(Measurement {
            workload: self.workload,
            ios: ios as u64,
            pdus,
            counts,
        })
    }
}

/// Heap allocations over one [`Driver::measure`].
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Measurement {
    /// The workload measured.
    pub workload: Workload,
    /// Commands run.
    pub ios: u64,
    /// PDUs both ways, as counted by the target.
    pub pdus: u64,
    /// Allocation calls and bytes per side.
    pub counts: Counts,
}

impl Measurement {
    /// PDUs (both directions) per command.
    pub fn pdus_per_io(&self) -> f64 {
        ratio(self.pdus, self.ios)
    }

    /// Allocation calls made by `side` per command.
    pub fn calls_per_io(&self, side: Side) -> f64 {
        ratio(self.counts.calls(side), self.ios)
    }

    /// Allocation calls made by `side` per PDU.
    pub fn calls_per_pdu(&self, side: Side) -> f64 {
        ratio(self.counts.calls(side), self.pdus)
    }

    /// Bytes allocated by `side` per command.
    pub fn bytes_per_io(&self, side: Side) -> f64 {
        ratio(self.counts.bytes(side), self.ios)
    }
}

/// `n / d` as a float (not finite for `d == 0`).
fn ratio(n: u64, d: u64) -> f64 {
    n as f64 / d as f64
}
