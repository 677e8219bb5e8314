//! # bento-ffi — the Bento API as a native library for Python, Kotlin and Swift
//!
//! A thin [uniffi](https://mozilla.github.io/uniffi-rs/) shell over `bento::blocking::Client`:
//! the same contract, validation, retries and errors as the Rust SDK, exported as
//!
//! - one object, [`BentoClient`], built from a [`BentoConfig`] record (or `from_env()`), with
//!   every operation of the core as a blocking method. It is thread-safe: share one client
//!   between threads;
//! - its async twin, [`AsyncBentoClient`], with the same methods as `async` ones (Python
//!   coroutines, Kotlin `suspend` functions, Swift `async`), run on one tokio runtime shared by
//!   the process (`src/runtime.rs`); cancelling the awaiting task aborts the request;
//! - input and output records and enums defined here (the core keeps its own
//!   forward-compatible models), converted at the boundary;
//! - one error enum, [`BentoError`], mapped once from the core's error
//!   (Kotlin: `BentoException`; Python: `bento.BentoError.<Variant>` subclasses).
//!
//! ## Free-form JSON
//! Custom fields, event details, personalizations, a purchase's cart, a command's field value
//! and the open-ended parts of responses are [`JsonValue`]s: JSON text between the languages, a
//! native value in Python (`dict`/`list`/scalars, converted by the binding as `uniffi.toml`
//! configures), a Jackson `JsonNode` in Kotlin, the text in Swift. Inputs keep their older `*_json` text fields
//! (deprecated). Values are parsed before anything is sent; a value that is not JSON (or a
//! non-object where an object is required) raises `BentoError.InvalidInput` whose `field` names
//! it, e.g. `events[2].details`.
//!
//! ## The Python package
//! `bento-ffi/python/src/bento/` wraps the generated module (`bento._native`): copies and
//! pickles that cannot crash, dataclass records, errors that pickle and read as sentences,
//! enum names as strings, interruptible calls, bulk rows as dicts, and type stubs.
//!
//! ## Logs
//! The SDK's `tracing` records (one per attempt, DEBUG, or WARN for a retry; one per chunk of a
//! chunked run; each with its operation's name, method and path) reach a [`LogListener`] set with
//! [`set_log_listener`] (Kotlin/Swift: forward them to the platform's logger); Python's package
//! forwards them to the standard `logging` logger `bento` by itself. No listener, no cost beyond
//! an atomic load per record site; never a key, the `Authorization` header or an email address.
//! See the `log` module and the README's "Logs" section.
//!
//! ## Guarantees at the boundary
//! - No panic unwinds into foreign code: every method runs its body under `catch_unwind` and a
//!   bug surfaces as `BentoError.Internal`.
//! - The secret key appears in no error, `repr`, `toString` or `description`.
//!
//! The foreign module is named `bento` (`import bento`).

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

uniffi::setup_scaffolding!("bento");

mod bulk;
mod client;
mod config;
mod error;
mod inputs;
mod json;
mod log;
mod marshal;
mod outputs;
mod reports;
mod runtime;

#[cfg(test)]
mod tests;

pub use bulk::MAX_BULK_JSON_TEXT;
pub use client::{AsyncBentoClient, BentoClient, Progress, ProgressListener};
pub use config::{BentoConfig, RetrySettings};
pub use error::{ApiFieldProblem, BentoError, TransportKind};
pub use inputs::*;
pub use json::{JsonValue, MAX_JSON_TEXT};
pub use log::{LogLevel, LogListener, LogRecord, set_log_level, set_log_listener};
pub use marshal::MAX_BULK_MARSHAL_DATA;
pub use outputs::*;
pub use reports::*;

/// The default retry settings (3 retries, 0.5 s doubling to at most 30 s, `Retry-After` up to
/// 60 s honoured).
#[uniffi::export]
pub fn default_retry_settings() -> RetrySettings {
    RetrySettings::default()
}

/// Retry settings that never retry.
#[uniffi::export]
pub fn disabled_retry_settings() -> RetrySettings {
    bento::RetryPolicy::disabled().into()
}
