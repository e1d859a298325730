#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| wstrust::fuzzing::keyx_json(
    wstrust_fuzz::fixture(),
    data
));
