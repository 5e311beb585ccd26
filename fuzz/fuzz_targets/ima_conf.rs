//! Fuzz target `ima_conf`: see `ima::config::fuzz_decode` for the property it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ima::config::fuzz_decode(data));
