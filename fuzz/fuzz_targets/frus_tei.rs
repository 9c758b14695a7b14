//! Fuzz target `frus_tei`: see [`fonds_fuzz::frus_tei`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fonds_fuzz::frus_tei(data));
