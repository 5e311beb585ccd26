//! Fuzz target `login`: see `iscsi_proto::fuzzing::login` for the property it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| iscsi_proto::fuzzing::login(data));
