//! Benchmarks for the initiator; filled by the benchmark issue.
#![forbid(unsafe_code)]
