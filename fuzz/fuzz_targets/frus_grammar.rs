//! Fuzz target `frus_grammar`: see [`fonds_fuzz::frus_grammar`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fonds_fuzz::frus_grammar(data));
