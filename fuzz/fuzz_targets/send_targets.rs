//! Fuzz target `send_targets`: see `iscsi_proto::fuzzing::send_targets` for the property it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| iscsi_proto::fuzzing::send_targets(data));
