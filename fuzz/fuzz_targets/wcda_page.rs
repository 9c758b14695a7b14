//! Fuzz target `wcda_page`: see [`fonds_fuzz::wcda_page`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fonds_fuzz::wcda_page(data));
