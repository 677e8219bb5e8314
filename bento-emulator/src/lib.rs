//! # bento-emulator
//!
//! A faithful, stateful, in-memory local stand-in for the Bento REST API (`/api/v1`), built from
//! the wire contract in `bento-api.md`, plus deterministic fault injection for testing clients.
//!
//! ## What it emulates
//! - Every route of the contract's master table (§2.1 #1–#35) and the legacy
//!   `GET /experimental/blacklist.json` alias, mounted under `/api/v1`, so any SDK pointed at
//!   `base_url()` works unchanged.
//! - Authentication as the live stack does it: a missing User-Agent → 403 (strict mode, default
//!   on), bad Basic credentials → 401 `{"error":"Unauthorized"}`, missing or wrong `site_uuid`
//!   (query, JSON body or form body; the query wins) → 401. Unknown paths and wrong methods → 404.
//! - JSON:API envelopes with string ids, counters `{"results": n[, "failed": m]}`, `{"data": null}`
//!   for an unknown subscriber, 404 `{"error":"… not found"}` for unknown segments, reports and
//!   templates, `{}` for geolocation, 500 `{"error":"Author not authorized to send on this account"}`
//!   for an unknown sender, 202 for data deletion.
//! - State: subscribers, tags, fields, events, the transactional outbox, broadcasts (created as
//!   drafts), templates; sequences, workflows, forms, segments and reports come from a fixture.
//! - Limits: 1–1000 subscribers/events, 1–60 emails, 1–100 broadcasts/commands, else 422; an
//!   optional rate-limit profile (429 with `Retry-After`); optional delayed import visibility.
//!
//! ## Request ids
//! Every answer the emulator writes — every route, 4xx/5xx errors, status faults, 404s, 408s,
//! 413s, the admin API — carries an `x-request-id` ([`REQUEST_ID_HEADER`]) of the form
//! `req_<12 hex digits>_<n>`: the hex part is fixed per process, `n` a counter shared by every
//! emulator in the process, so ids are unique across instances too. Each request-log entry
//! ([`RecordedRequest::request_id`], `request_id` in `GET /__emulator/requests`) keeps it, also
//! for a dropped connection, which sends no answer. With [`EmulatorConfig::log_requests`] (binary:
//! `--log-requests`) or `BENTO_EMULATOR_LOG=1`, one line per request goes to stderr:
//! `bento-emulator: req_3f0c9a11d2e4_17 POST /api/v1/batch/events -> 503 (1 ms) faults=status`
//! (method and path only, never the query or body). The only answers without an id are the
//! empty ones hyper writes itself for request heads it cannot parse (400, 414 for a URI over
//! 64 KiB, 431 for too many or too large headers); those requests never reach the emulator.
//!
//! ## Hostile input (what no request can do to it)
//! Every limit is a field of [`EmulatorConfig`]; over-limit input gets a JSON
//! `{"error": …}` answer, never a crash.
//! - Parameter nesting (`max_param_depth`, 32): a query or form key with more bracket segments
//!   (`a[b][c]` is 3), or a JSON body nested deeper, gets 400, checked before any value is built.
//! - Parameter counts: more than `max_params` (10,000) pairs in a query string gets 414, in a
//!   form body 413; a JSON body with more than `max_json_values` (500,000) values gets 413.
//! - Bodies over `max_body_bytes` (16 MiB), by `Content-Length` or while a chunked body is
//!   read, get 413 `{"error": "request body larger than N bytes"}` with `Connection: close`.
//!   The answer is sent before the connection closes and the rest of the body is read and
//!   discarded (up to 64 MiB / 5 s), so the client sees the 413 rather than a reset or a broken
//!   pipe. With `Expect: 100-continue` the body is never invited.
//! - The request log is capped by count (`max_log_entries`, 20,000) and by size
//!   (`max_log_bytes`, 16 MiB, each entry counting its JSON size), oldest dropped first, and each
//!   logged body keeps its first `max_logged_body_bytes` (64 KiB); `body_len` and
//!   `body_truncated` say when it was longer. Twelve unauthenticated 15 MB POSTs leave the
//!   emulator process at about 23 MB RSS (was 566 MB) and `GET /__emulator/requests` at 0.8 MB
//!   (was 567 MB). Entries are the only thing an unauthenticated client can make it keep.
//! - Timeouts: a connection that has not sent a complete request head within
//!   `header_read_timeout` (10 s) of opening, or of the first byte of a later head, is closed;
//!   one with no request in flight and no bytes moving for `idle_timeout` (60 s) is closed
//!   (so idle keep-alive connections live up to `idle_timeout`, not `header_read_timeout`); a
//!   request body that stalls for `idle_timeout` gets 408 `Connection: close`. Both are checked
//!   a few times per timeout (closed within about 1.25 × the timeout); `Duration::ZERO` turns
//!   either off. A latency fault is not idleness.
//!
//! ## What is invented (the contract leaves it open)
//! - `POST /fetch/segments/:id/match`: body `{"email": …}`, answer
//!   `{"data": {"segment_id", "email", "matches": bool}}`. Segment membership comes from an
//!   emulator-only `rule` in the fixture (tag / field equality / subscribed).
//! - Experimental answers come from small built-in tables (disposable, typo, free and role
//!   addresses; spam words; a first-name table; configurable blacklists). `wiggleroom` waives the
//!   role-account rule.
//! - Data deletion deletes the subscriber immediately and answers a `data_deletion_requests`
//!   resource; unknown email → 422. Unknown form in `/fetch/responses` → 404.
//! - Oversize/empty batches → 422 (live status unknown); unparseable JSON → 400; email items with
//!   missing keys → 422; list pages are 25 items (`per_page` up to 100), search pages 100.
//! - `DELETE /fetch/tags/:id` restores an already-discarded tag; the tag name must match.
//! - A *missing* `site_uuid` is tolerated on `/experimental/*` (the Ruby SDK never sends it there).
//! - Ids: subscribers from 804211377, tags from 5510, fields from 9031, new templates from 12400,
//!   new broadcasts from 7782; uuids are a hash of a counter and the email (deterministic).
//!
//! ## Built-in fixture ids
//! - Sequences `321` (`sequence_8fk2onboard`, "Onboarding", templates 12345, 12346) and `322`
//!   (`sequence_winback01`, "Win-back", template 12347).
//! - Workflows `401` ("Welcome flow", live, template 12350) and `402` ("Abandoned cart", draft, 12351).
//! - Templates 12345, 12346, 12347, 12350, 12351, 12360 (the sent broadcast `7781`'s).
//! - Form `form-123` with responses `resp-1`, `resp-2`.
//! - Segments `1201` Customers (tag `customer`), `1202` Everyone, `1203` Pro plan (field
//!   `plan` = `pro`), `1204` discarded (hidden).
//! - Reports `501` (counter, data 42) and `502` (line chart).
//! - Authors (config): `sender@example.com`, `team@example.com`.
//!
//! ## Use from Rust tests
//! ```no_run
//! use bento_emulator::{Emulator, EmulatorConfig, FaultAction, FaultRule};
//! let emu = Emulator::start(EmulatorConfig::default()).unwrap();
//! println!("{}", emu.base_url()); // http://127.0.0.1:PORT/api/v1
//! emu.add_fault(FaultRule::new(FaultAction::status(503)).path_prefix("/batch").once());
//! // ... point a client at emu.base_url() with emu.publishable_key()/secret_key()/site_uuid()
//! assert!(emu.requests().len() <= 1);
//! ```
//! The emulator runs on its own thread and tokio runtime, so it works from sync and async tests
//! alike; dropping the handle shuts it down gracefully.
//!
//! ## Admin API (`/__emulator/`, no auth)
//! `GET|POST|DELETE /faults` (POST takes one rule, an array, or `{"faults": [...]}`),
//! `GET|DELETE /requests` (`{"requests": [...], "log_bytes": n}`; each entry has `request_id`,
//! `method`, `path`, `query`, `headers`, `body`, `body_len`, `body_truncated`, `status`,
//! `faults`, `received_at`), `GET /state`, `POST /reset`. A rule:
//! `{"method":"POST","path":"/batch/events","match":"exact","action":{"kind":"status","status":503,"retry_after":2},"remaining":1}`.
//!
//! ## Probabilistic faults
//! A rule with `"probability": 0.2, "seed": 7` (Rust: [`FaultRule::with_probability`]) fires on
//! each candidate request with that probability, drawn from a SplitMix64 stream of the seed, so
//! the same seed over the same requests fires on the same ones. `remaining` (`times`/`once`)
//! counts fires; a rule that skips lets the next rule decide. Listed rules carry `candidates`
//! and `fired` counters. E.g. "20 % of requests get 429" or "20 % are dropped after handling":
//! ```no_run
//! use bento_emulator::{Emulator, EmulatorConfig, FaultAction, FaultRule};
//! let emu = Emulator::start(EmulatorConfig::default()).unwrap();
//! emu.add_fault(FaultRule::new(FaultAction::status(429)).with_probability(0.2, 7));
//! emu.add_fault(
//!     FaultRule::new(FaultAction::DropConnection { after_handling: true })
//!         .path_prefix("/batch")
//!         .with_probability(0.2, 8),
//! );
//! ```

mod admin;
mod app;
mod auth;
mod config;
mod faults;
mod fixture;
pub mod hostile;
mod params;
mod routes;
mod server;
mod state;
mod util;

pub use admin::parse_rules;
pub use app::RecordedRequest;
pub use config::{
    DEFAULT_PUBLISHABLE_KEY, DEFAULT_SECRET_KEY, DEFAULT_SITE_UUID, EmulatorConfig, RateLimit,
};
pub use faults::{FaultAction, FaultRule, PathMatch};
pub use fixture::{
    BroadcastFixture, Fixture, FixtureError, FormFixture, ReportFixture, SegmentFixture,
    SegmentRule, SequenceFixture, SiteFixture, TemplateFixture, WorkflowFixture,
};
pub use server::REQUEST_ID_HEADER;

use app::{App, Shared};
use std::net::SocketAddr;
use std::thread::JoinHandle;

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Binding the socket or spawning the thread/runtime failed.
    #[error("cannot start the emulator: {0}")]
    Io(#[from] std::io::Error),
    /// The server thread died before it was ready.
    #[error("the emulator thread exited during start-up")]
    ThreadDied,
}

/// A running emulator. Stops (gracefully, joining its thread) when dropped.
pub struct Emulator {
    addr: SocketAddr,
    base_url: String,
    admin_url: String,
    app: Shared,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Binds `config.host:config.port` (port 0 = a free one) and serves on a dedicated thread
    /// with its own tokio runtime. Returns once the socket is accepting.
    pub fn start(config: EmulatorConfig) -> Result<Emulator, StartError> {
        let listener = std::net::TcpListener::bind((config.host, config.port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let app = App::new(config);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<std::io::Result<()>>();
        let server_app = app.clone();
        let thread = std::thread::Builder::new()
            .name(format!("bento-emulator-{}", addr.port()))
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                rt.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(()));
                    server::serve(listener, server_app, async {
                        let _ = rx.await;
                    })
                    .await;
                });
            })?;
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                let _ = thread.join();
                return Err(StartError::Io(e));
            }
            Err(_) => {
                let _ = thread.join();
                return Err(StartError::ThreadDied);
            }
        }
        let root = format!("http://{addr}");
        Ok(Emulator {
            addr,
            base_url: format!("{root}/api/v1"),
            admin_url: format!("{root}/__emulator"),
            app,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// `http://127.0.0.1:PORT/api/v1`: what an SDK's base URL should be.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
    /// `http://127.0.0.1:PORT/__emulator`.
    pub fn admin_url(&self) -> &str {
        &self.admin_url
    }
    /// The accepted publishable key.
    pub fn publishable_key(&self) -> &str {
        &self.app.config.publishable_key
    }
    /// The accepted secret key.
    pub fn secret_key(&self) -> &str {
        &self.app.config.secret_key
    }
    /// The accepted site uuid.
    pub fn site_uuid(&self) -> &str {
        &self.app.config.site_uuid
    }
    /// The configuration it was started with.
    pub fn config(&self) -> &EmulatorConfig {
        &self.app.config
    }
    /// Adds a fault rule; returns its id.
    pub fn add_fault(&self, rule: FaultRule) -> u64 {
        self.app.faults().add(rule)
    }
    /// Active fault rules (exhausted ones are gone).
    pub fn faults(&self) -> Vec<FaultRule> {
        self.app.faults().list()
    }
    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.app.faults().clear();
    }
    /// The `/api/v1` request log, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.app.log().all()
    }
    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.app.log().clear();
    }
    /// Snapshot of the whole state (same JSON as `GET /__emulator/state`).
    pub fn state(&self) -> serde_json::Value {
        self.app.db().snapshot(util::now_ms())
    }
    /// Fresh state from the fixture, configured faults only, empty log, fresh rate windows.
    pub fn reset(&self) {
        self.app.reset();
    }
    /// Stops the server and waits for its thread (same as dropping).
    pub fn shutdown(mut self) {
        self.stop();
    }
    fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop();
    }
}
