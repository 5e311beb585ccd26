//! Shared helpers for the cross-crate tests in `tests/`: a `tgtd` the tests start and stop
//! themselves.
#![forbid(unsafe_code)]

pub mod tgt;
