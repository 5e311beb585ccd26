//! Sequence numbers with RFC 1982 serial-number arithmetic, SERIAL_BITS = 32
//! (RFC 7143 §4.2.2.1: "comparisons and arithmetic on CmdSN ... MUST use serial number
//! arithmetic").
//!
//! Each kind of sequence number is its own type, so a StatSN cannot be compared with a
//! CmdSN. They deliberately do not implement `Ord`: serial comparison is not a total order
//! (two numbers exactly 2^31 apart are unordered), so callers use [`Serial::lt`] and
//! friends, which say so.

use std::{fmt, marker::PhantomData};

/// A 32-bit serial number of kind `K`.
pub struct Serial<K> {
    value: u32,
    kind: PhantomData<K>,
}

/// Marker for command sequence numbers (CmdSN, ExpCmdSN, MaxCmdSN).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum CmdKind {}
/// Marker for status sequence numbers (StatSN, ExpStatSN).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum StatKind {}
/// Marker for data sequence numbers (DataSN, ExpDataSN).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum DataKind {}
/// Marker for R2T sequence numbers (R2TSN).
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum R2tKind {}

/// Command sequence number.
pub type CmdSn = Serial<CmdKind>;
/// Status sequence number.
pub type StatSn = Serial<StatKind>;
/// Data sequence number.
pub type DataSn = Serial<DataKind>;
/// R2T sequence number.
pub type R2tSn = Serial<R2tKind>;

const HALF: u32 = 1 << 31;

impl<K> Serial<K> {
    /// Wraps a raw value.
    pub const fn new(value: u32) -> Self {
        Self {
            value,
            kind: PhantomData,
        }
    }

    /// The raw value.
    pub const fn get(self) -> u32 {
        self.value
    }

    /// RFC 1982 addition; `n` must be below 2^31 for the result to compare as later.
    #[must_use]
    pub const fn add(self, n: u32) -> Self {
        Self::new(self.value.wrapping_add(n))
    }

    /// The next number.
    #[must_use]
    pub const fn next(self) -> Self {
        self.add(1)
    }

    /// The previous number (used for "MaxCmdSN = ExpCmdSN - 1", an empty window).
    #[must_use]
    pub const fn prev(self) -> Self {
        Self::new(self.value.wrapping_sub(1))
    }

    /// `self < other` in serial arithmetic. False when the two are exactly 2^31 apart
    /// (undefined in RFC 1982), and false when equal.
    pub const fn lt(self, other: Self) -> bool {
        let (a, b) = (self.value, other.value);
        a != b && ((a < b && b - a < HALF) || (a > b && a - b > HALF))
    }

    /// `self > other` in serial arithmetic.
    pub const fn gt(self, other: Self) -> bool {
        other.lt(self)
    }

    /// `self <= other` in serial arithmetic.
    pub const fn le(self, other: Self) -> bool {
        self.value == other.value || self.lt(other)
    }

    /// `self >= other` in serial arithmetic.
    pub const fn ge(self, other: Self) -> bool {
        self.value == other.value || self.gt(other)
    }

    /// The forward distance from `earlier` to `self` (wrapping), e.g. how many CmdSNs the
    /// window holds.
    pub const fn distance_from(self, earlier: Self) -> u32 {
        self.value.wrapping_sub(earlier.value)
    }
}

// Manual impls: derives would require `K: Clone` etc., and the markers are uninhabited.
impl<K> Clone for Serial<K> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K> Copy for Serial<K> {}
impl<K> PartialEq for Serial<K> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}
impl<K> Eq for Serial<K> {}
impl<K> std::hash::Hash for Serial<K> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}
impl<K> Default for Serial<K> {
    fn default() -> Self {
        Self::new(0)
    }
}
impl<K> fmt::Debug for Serial<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.value)
    }
}
impl<K> fmt::Display for Serial<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.value)
    }
}
impl<K> From<u32> for Serial<K> {
    fn from(value: u32) -> Self {
        Self::new(value)
    }
}
impl<K> From<Serial<K>> for u32 {
    fn from(sn: Serial<K>) -> Self {
        sn.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sn(v: u32) -> CmdSn {
        CmdSn::new(v)
    }

    #[test]
    fn ordinary_order() {
        assert!(sn(1).lt(sn(2)));
        assert!(sn(2).gt(sn(1)));
        assert!(!sn(2).lt(sn(2)));
        assert!(sn(2).le(sn(2)) && sn(2).ge(sn(2)));
    }

    #[test]
    fn wrap_around() {
        // 0xffffffff precedes 0 and 5 across the wrap.
        assert!(sn(0xffff_ffff).lt(sn(0)));
        assert!(sn(0xffff_ffff).lt(sn(5)));
        assert!(sn(0).gt(sn(0xffff_ffff)));
        assert!(sn(0xffff_fff0).add(0x20).gt(sn(0xffff_fff0)));
        assert_eq!(sn(0xffff_ffff).next(), sn(0));
        assert_eq!(sn(0).prev(), sn(0xffff_ffff));
        assert_eq!(sn(3).distance_from(sn(0xffff_fffe)), 5);
    }

    #[test]
    fn half_range_is_unordered() {
        // RFC 1982 §3.2: exactly 2^31 apart is undefined; neither direction holds.
        let (a, b) = (sn(0), sn(HALF));
        assert!(!a.lt(b) && !a.gt(b) && !b.lt(a) && !b.gt(a));
        // One less than half is ordered.
        assert!(sn(0).lt(sn(HALF - 1)));
        assert!(sn(0).gt(sn(HALF + 1)));
    }

    #[test]
    fn seeded_consistency() {
        use rand::{Rng, SeedableRng, rngs::StdRng};
        let mut rng = StdRng::seed_from_u64(1982);
        for _ in 0..10_000 {
            let a = sn(rng.random());
            let d: u32 = rng.random_range(1..HALF);
            let b = a.add(d);
            assert!(a.lt(b) && b.gt(a) && !b.lt(a), "{a:?} {b:?}");
            assert_eq!(b.distance_from(a), d);
        }
    }
}
