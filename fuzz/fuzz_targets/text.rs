//! Fuzz target `text`: see `iscsi_proto::fuzzing::text_value` for the property it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| iscsi_proto::fuzzing::text_value(data));
