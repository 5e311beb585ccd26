//! Fuzz target `isns`: see `iscsi_proto::fuzzing::isns` for the property it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| iscsi_proto::fuzzing::isns(data));
