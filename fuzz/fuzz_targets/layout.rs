//! A layout template's source, read for the content slot and rendered both ways.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(source) = std::str::from_utf8(data) {
        upnotes_fuzz::checks::layout(source);
    }
});
