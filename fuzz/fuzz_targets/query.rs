//! Fuzz target `query`: see [`fonds_fuzz::query`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fonds_fuzz::query(data));
