//! Arbitrary responses through every CRM and Books decoder.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| zoho_component::fuzz::responses(data));
