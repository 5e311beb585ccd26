//! A latency histogram with bounded memory, for `iscsi-bench`'s percentiles.
//!
//! Log-linear buckets in the manner of HDR histograms: values below 64 ns each have their
//! own bucket; above, every power of two is split into 64 equal buckets, so a recorded value
//! is known to within 1/64 (1.6 %) of itself whatever its size. The whole `u64` range takes
//! 59 × 64 buckets (30 KiB), however many samples are recorded. Counters are atomics so
//! every worker of a run records into one histogram.

use std::sync::atomic::{AtomicU64, Ordering};

/// log2 of the buckets per power of two.
const SUB_BITS: u32 = 6;
/// Buckets per power of two.
const SUB: usize = 1 << SUB_BITS;
/// Groups: one for values below [`SUB`], one per power of two from 2^6 to 2^63.
const GROUPS: usize = 64 - SUB_BITS as usize + 1;

/// A concurrent log-linear histogram of nanosecond values.
#[derive(Debug)]
pub struct Histogram {
    counts: Box<[AtomicU64]>,
    total: AtomicU64,
    sum: AtomicU64,
    max: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self::new()
    }
}

impl Histogram {
    /// An empty histogram.
    pub fn new() -> Self {
        Self {
            counts: (0..GROUPS * SUB).map(|_| AtomicU64::new(0)).collect(),
            total: AtomicU64::new(0),
            sum: AtomicU64::new(0),
            max: AtomicU64::new(0),
        }
    }

    /// Records one value.
    pub fn record(&self, nanos: u64) {
        if let Some(c) = self.counts.get(index(nanos)) {
            c.fetch_add(1, Ordering::Relaxed);
        }
        self.total.fetch_add(1, Ordering::Relaxed);
        self.sum.fetch_add(nanos, Ordering::Relaxed);
        self.max.fetch_max(nanos, Ordering::Relaxed);
    }

    /// Values recorded.
    pub fn len(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The largest value recorded (exact), 0 when empty.
    pub fn max(&self) -> u64 {
        self.max.load(Ordering::Relaxed)
    }

    /// The mean (exact up to `u64` overflow of the sum), 0 when empty.
    pub fn mean(&self) -> f64 {
        match self.len() {
            0 => 0.0,
            n => self.sum.load(Ordering::Relaxed) as f64 / n as f64,
        }
    }

    /// The value below or at which a fraction `q` (0..=1) of the samples lie: the middle
    /// of its bucket, capped at the maximum. 0 when empty.
    pub fn quantile(&self, q: f64) -> u64 {
        let total = self.len();
        if total == 0 {
            return 0;
        }
        // The rank of the sample wanted, 1-based: at least the first, at most the last.
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).clamp(1, total);
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c.load(Ordering::Relaxed);
            if seen >= rank {
                return middle(i).min(self.max());
            }
        }
        self.max()
    }
}

/// The bucket of a value.
fn index(v: u64) -> usize {
    if v < SUB as u64 {
        return v as usize;
    }
    // The position of the leading one, at least SUB_BITS here.
    let exp = 63 - v.leading_zeros();
    let shift = exp - SUB_BITS;
    let mantissa = ((v >> shift) as usize) & (SUB - 1);
    (shift as usize + 1) * SUB + mantissa
}

/// The middle of a bucket's range of values.
fn middle(i: usize) -> u64 {
    let (group, mantissa) = (i / SUB, (i % SUB) as u64);
    if group == 0 {
        return mantissa;
    }
    let width = 1u64 << (group - 1);
    ((SUB as u64 + mantissa) << (group - 1)) + width / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_u64_and_stay_within_one_64th() {
        assert_eq!(index(u64::MAX), GROUPS * SUB - 1);
        for v in [
            0,
            1,
            63,
            64,
            65,
            127,
            128,
            1000,
            12_345,
            999_999,
            1 << 40,
            u64::MAX / 3,
        ] {
            let m = middle(index(v));
            let err = (m as f64 - v as f64).abs() / (v.max(1) as f64);
            assert!(err <= 1.0 / 64.0, "{v} -> {m}");
        }
    }

    #[test]
    fn quantiles_of_a_known_distribution() {
        let h = Histogram::new();
        assert_eq!(h.quantile(0.5), 0);
        for v in 1..=10_000u64 {
            h.record(v * 1000);
        }
        assert_eq!(h.len(), 10_000);
        assert_eq!(h.max(), 10_000_000);
        let near = |got: u64, want: f64| (got as f64 - want).abs() / want < 0.02;
        assert!(near(h.quantile(0.5), 5_000_000.0), "{}", h.quantile(0.5));
        assert!(near(h.quantile(0.99), 9_900_000.0), "{}", h.quantile(0.99));
        assert_eq!(h.quantile(1.0), 10_000_000);
        assert!((h.mean() - 5_000_500.0).abs() < 1.0);
    }
}
