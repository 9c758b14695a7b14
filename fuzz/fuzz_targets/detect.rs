//! Fuzz target `detect`: see [`fonds_fuzz::detect`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fonds_fuzz::detect(data));
