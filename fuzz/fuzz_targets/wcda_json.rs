//! Fuzz target `wcda_json`: see [`fonds_fuzz::wcda_json`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fonds_fuzz::wcda_json(data));
