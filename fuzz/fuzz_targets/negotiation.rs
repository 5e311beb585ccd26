//! Fuzz target `negotiation`: see `iscsi_proto::fuzzing::negotiation` for the property it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| iscsi_proto::fuzzing::negotiation(data));
