//! Scenario tests of the test target: the sans-IO core driven PDU by PDU, and the tokio
//! wrapper over loopback TCP.

mod support;

mod data;
mod faults;
mod login;
mod robustness;
mod tcp;
