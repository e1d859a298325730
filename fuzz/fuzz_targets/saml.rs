#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| wstrust::fuzzing::saml(wstrust_fuzz::fixture(), data));
