#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| wstrust::fuzzing::wss_header(
    wstrust_fuzz::fixture(),
    data
));
