//! Arbitrary bytes as a Bulk Read result file (a zipped CSV) and as a chunk position.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| zoho_component::fuzz::bulk_files(data));
