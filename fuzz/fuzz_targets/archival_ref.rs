//! Fuzz target `archival_ref`: see [`fonds_fuzz::archival_ref`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fonds_fuzz::archival_ref(data));
