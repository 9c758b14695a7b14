//! Fuzz target `date`: see [`fonds_fuzz::date`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fonds_fuzz::date(data));
