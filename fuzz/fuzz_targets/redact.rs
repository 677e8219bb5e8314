//! `redact` on any UTF-8: never panics, and no token of its output (split on whitespace and
//! common punctuation) is an address `is_valid_email` accepts.
#![no_main]

#[path = "common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let out = bento_core::redact(text);
    let leaked = common::leaked_emails(&out);
    assert!(
        leaked.is_empty(),
        "redact({text:?}) = {out:?} still shows {leaked:?}"
    );
    // Idempotent: redacting twice changes nothing more.
    assert_eq!(
        bento_core::redact(&out),
        out,
        "redact is not idempotent on {text:?}"
    );
    // Text without '@' is returned unchanged.
    if !text.contains('@') {
        assert_eq!(out, text);
    }
});
