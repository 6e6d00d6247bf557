//! Arbitrary action inputs, answered with arbitrary responses, through whole actions.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| zoho_component::fuzz::action(data));
