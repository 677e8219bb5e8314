//! # bento — the Bento email-marketing API for Rust
//!
//! The [Bento](https://bentonow.com) API client: [`Client`] (async, reqwest + tokio, for
//! Tokio/Axum/Actix services) and [`blocking::Client`] (the same methods, for blocking code),
//! over the sans-IO [`bento_core`], whose public types this crate re-exports — so
//! `use bento::{Client, ConfigBuilder, EventData, ...}` is all an application needs.
//!
//! Both clients are thin transports: they send the core's `http::Request`, read the response
//! with a size cap, never follow redirects, and sleep when the core says to retry. Every rule —
//! validation, retries and deadlines, error mapping, redaction, the chunked, paged and upsert
//! helpers — is the core's ([`bento_core::driver`]). One TLS stack: rustls with ring.
//!
//! ```no_run
//! use bento::{Client, ConfigBuilder, ImportSubscriberData, ChunkOptions};
//!
//! # async fn run() -> Result<(), bento::Error> {
//! let client = Client::new(ConfigBuilder::new()
//!     .publishable_key("pk").secret_key("sk").site_uuid("site").build()?)?;
//! let rows = (0..10_000).map(|i| ImportSubscriberData::new(format!("user{i}@example.com")));
//! let report = client.import_subscribers_chunked(rows, ChunkOptions::default()).await?;
//! for chunk in &report.failed_chunks {
//!     eprintln!("chunk {} failed ({}, {}): {} records", chunk.index, chunk.error,
//!         chunk.delivery, chunk.records.len());
//! }
//! # Ok(()) }
//! ```

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![warn(missing_docs)]

pub use bento_core::*;

mod client;
mod transport;

pub mod blocking;
pub use client::Client;

/// The README's Rust samples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
