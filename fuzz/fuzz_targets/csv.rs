//! Fuzz target `csv`: see [`fonds_fuzz::csv`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fonds_fuzz::csv(data));
