//! Fuzz target `jsonl`: see [`fonds_fuzz::jsonl`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fonds_fuzz::jsonl(data));
