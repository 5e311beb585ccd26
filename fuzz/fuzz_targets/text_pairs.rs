//! Fuzz target `text_pairs`: see `iscsi_proto::fuzzing::text_pairs` for the property it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| iscsi_proto::fuzzing::text_pairs(data));
