//! Arbitrary trigger inputs, states and notifications, answered with arbitrary responses.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| zoho_component::fuzz::trigger(data));
