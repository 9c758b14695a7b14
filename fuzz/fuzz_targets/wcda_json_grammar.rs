//! Fuzz target `wcda_json_grammar`: see [`fonds_fuzz::wcda_json_grammar`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fonds_fuzz::wcda_json_grammar(data));
