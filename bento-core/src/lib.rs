//! # bento-core — the Bento email-marketing API, sans-IO
//!
//! The core of the [Bento](https://bentonow.com) API client that ships as the `bento` crate
//! (async and blocking clients), as a WASI component and as a native library for Python,
//! Kotlin and Swift. Applications depend on `bento`; this crate is for transports.
//!
//! ## What the core promises
//!
//! Every API operation (one type per endpoint, grouped in one module per API area) turns its
//! input into a plain `http::Request<Vec<u8>>` and a plain `http::Response<Vec<u8>>` into a
//! typed result or an [`Error`]. The core
//!
//! - opens no sockets, speaks no TLS, and reads **no clock, no randomness and no environment**
//!   (the crate's `clippy.toml` forbids `Instant::now`, `SystemTime::now`, `std::env::var`,
//!   `RandomState::new` and `thread::sleep`; only [`Config::from_env`] opts out, explicitly),
//!   and depends on no transport crate (no reqwest, ureq, tokio or hyper: a CI step checks
//!   `cargo tree`);
//! - validates every input **before** a request exists ([`Error::InvalidInput`] names the field
//!   and the rule; nothing is sent);
//! - decides retries as a pure function ([`RetryPolicy::decide`]); time and jitter are passed in;
//! - owns every helper built on sending: the retry loop with its deadline, chunked runs with a
//!   report that loses no record, paging and upsert, written once per colour over
//!   [`driver::Transport`] and [`driver::AsyncTransport`];
//! - never panics on a response, whatever its status, headers or body;
//! - never puts the secret key or a subscriber's email in `Debug` output or an error message.
//!
//! It compiles for `wasm32-wasip2` and `wasm32-unknown-unknown`.
//!
//! ## Example
//!
//! ```
//! use bento_core::{ConfigBuilder, Event, EventData, Exchange, Step, TrackEvents};
//! use std::time::SystemTime;
//!
//! let config = ConfigBuilder::new()
//!     .publishable_key("pk_live_123")
//!     .secret_key("sk_live_456")
//!     .site_uuid("site-789")
//!     .build()?;
//!
//! // The guide's struct literal, and a typed event with a backfill date.
//! let page_view = EventData {
//!     event_type: "$pageView".to_string(),
//!     email: "user@example.com".to_string(),
//!     fields: None,
//!     details: None,
//! };
//! let op = TrackEvents::new([Event::from(page_view), Event::tag("user@example.com", "vip").with_date("2026-01-31")]);
//! let mut exchange = Exchange::new(&op, &config)?;
//! let request = exchange.request();
//! assert_eq!(request.method(), "POST");
//! assert_eq!(request.uri(), "https://app.bentonow.com/api/v1/batch/events?site_uuid=site-789");
//! assert_eq!(request.headers()["user-agent"], "bento-rust-site-789");
//! // The credentials never show in `Debug`.
//! assert!(!format!("{request:?}").contains("Basic"));
//!
//! // Any transport sends it; the answer goes back through the core.
//! let response = http::Response::builder().status(200).body(br#"{"results":2}"#.to_vec())?;
//! let Step::Done(result) = exchange.on_response(Ok(response), SystemTime::now(), 0.5) else { unreachable!() };
//! assert_eq!(result?.results, 2);
//!
//! // Bad input never becomes a request.
//! let bad = TrackEvents::new([Event::new("signup", "not-an-email")]);
//! let err = Exchange::new(&bad, &config).unwrap_err();
//! assert_eq!(err.to_string(), "invalid input: events[0].email: is not a valid email address");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Not offered
//! `POST /fetch/segments/:id/match` has no documented request or response shape; it is left
//! out rather than guessed.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![deny(clippy::disallowed_methods)]
#![warn(missing_docs)]

mod config;
mod error;
mod methods;
mod model;
mod objects;
mod operation;
mod retry;
#[cfg(test)]
mod test_support;
mod trace;
mod validate;

pub mod authors;
pub mod batch;
pub mod broadcasts;
pub mod commands;
pub mod data_deletion;
pub mod driver;
pub mod emails;
pub mod events;
pub mod experimental;
pub mod fields;
pub mod forms;
pub mod json_text;
pub mod paging;
pub mod search;
pub mod segments;
pub mod sequences;
pub mod stats;
pub mod subscribers;
pub mod tags;
pub mod templates;
pub mod workflows;

pub use config::{
    Config, ConfigBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_DEADLINE,
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT,
};
pub use error::{
    AUTHOR_NOT_AUTHORIZED, Error, ErrorClass, FieldError, FlatError, MAX_MESSAGE_CHARS,
    TransportError, TransportErrorKind, redact,
};
pub use methods::{HELPERS, OPERATIONS};
pub use model::{BatchResult, JsonMap, JsonObjectError, Resource, json_object_from_str};
pub use operation::{
    Attempts, Exchange, Operation, REQUEST_ID_HEADERS, RESPONSE_HEADERS, Step, error_from_response,
    request_id,
};
pub use retry::{AttemptOutcome, Idempotency, RetryDecision, RetryPolicy, parse_retry_after};
pub use validate::{is_valid_email, limits};

pub use authors::{Author, AuthorAttributes, GetAuthors};
pub use batch::{
    BatchReport, ChunkOptions, ChunkRun, Chunked, Chunks, Counts, Delivery, FailedChunk,
    PartialChunk, Progress,
};
pub use broadcasts::{
    Broadcast, BroadcastAttributes, BroadcastCreateResult, BroadcastData, BroadcastSender,
    BroadcastStatus, BroadcastType, CreateBroadcasts, GetBroadcasts,
};
pub use commands::{Command, CommandData, CommandType, IntoCommand, SubscriberCommands};
pub use data_deletion::RequestDataDeletion;
pub use driver::{AsyncTransport, Clock, Transport};
pub use emails::{EmailBatch, EmailData, SendEmails};
pub use events::{Event, EventData, Purchase, TrackEvents};
pub use experimental::{
    BlacklistData, BlacklistResult, GenderResult, GeolocateIp, GetBlacklistStatus, GetGender,
    JessesRuleset, Location, ModerateContent, ModerationResult, ValidateEmail, ValidationData,
    ValidationResult,
};
pub use fields::{CreateField, Field, FieldAttributes, GetFields};
pub use forms::{FormResponse, GetFormResponses};
pub use paging::{MAX_PAGES, PageWalker, Paged};
pub use search::{DateRange, SearchResult, SearchSubscribers};
pub use segments::{GetSegment, GetSegments, Segment};
pub use sequences::{CreateSequenceEmail, DelayInterval, GetSequences, Sequence, SequenceEmail};
pub use stats::{
    AdsStats, GetAdsStats, GetReportStats, GetSegmentStats, GetSiteStats, ReportStats, SiteStats,
};
pub use subscribers::{
    CreateSubscriber, FindSubscriber, ImportSubscriberData, ImportSubscriberText,
    ImportSubscribers, ImportSubscribersText, Subscriber, SubscriberAttributes,
};
pub use tags::{CreateTag, DeleteTag, DeleteTagResult, GetTags, Tag, TagAttributes};
pub use templates::{EmailTemplate, GetEmailTemplate, UpdateEmailTemplate};
pub use workflows::{GetWorkflows, Workflow};
