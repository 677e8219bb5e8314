//! Panic messages on `wasi:cli/stderr`.
//!
//! On `wasm32-unknown-unknown` std has no stderr: its default hook writes nowhere, so a panic
//! would end in a bare trap. This hook writes the message to `wasi:cli/stderr` (one of the
//! `wasi:http/proxy` world's imports) first; wasmtime, jco and `wasmtime serve` show it. The
//! component answers every input with a value or a `bento-error`, so a message here is a bug.

use std::panic::PanicHookInfo;
use std::sync::Once;

/// Largest slice handed to `blocking-write-and-flush` (the WASI limit is 4096 bytes).
const WRITE_CHUNK: usize = 4096;

/// Installs the hook (once per instance). Called by the `client` constructor, which every
/// instance runs before any other export.
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| std::panic::set_hook(Box::new(write_to_stderr)));
}

fn write_to_stderr(info: &PanicHookInfo<'_>) {
    let message = format!("bento-component panicked: {info}\n");
    let stderr = wasip2::cli::stderr::get_stderr();
    for chunk in message.as_bytes().chunks(WRITE_CHUNK) {
        if stderr.blocking_write_and_flush(chunk).is_err() {
            break;
        }
    }
}
