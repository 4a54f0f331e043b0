//! A page body rendered with link rewriting against a small site, plus code highlighting.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    upnotes_fuzz::checks::markdown_page(data);
});
