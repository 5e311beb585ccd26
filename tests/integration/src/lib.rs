//! Shared helpers for the cross-crate tests in `tests/`: a `tgtd` and an `isnsd` the tests start and stop
//! themselves, and the C client harness and scenarios of the HBA (plugin) tests, which
//! `hbad/tests` runs against the daemon too.
#![forbid(unsafe_code)]

pub mod hba;
pub mod hba_scenarios;
pub mod isns;
pub mod process;
pub mod tgt;
