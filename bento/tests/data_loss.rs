//! No record unaccounted for (issue 11, findings 1 and 7): 100,000 subscribers imported and
//! 100,000 events tracked in chunks of 500 through the emulator while about 20 % of batch
//! requests fail — 429, 503, 422, a connection dropped before the request is handled, and one
//! dropped after it was handled (stored, answer lost) — with both clients. Three quarters of
//! the way through, the key is revoked (every later batch request gets 401), so the run stops
//! and the rest is reported as not sent.
//!
//! Checked against the emulator's state and request log, not just the report:
//! - every record is counted as accepted or sits in a failed chunk (`accounted() == records`);
//! - every accepted record is stored exactly once (an event stored twice is a duplicate);
//! - no record of a `NotSent` or `Rejected` chunk is stored (except, counted, a `Rejected`
//!   import whose earlier attempt was ambiguous: a known core bug, see `hostile.rs`);
//! - every chunk that was stored but reported failed is `MaybeReceived`, and its last
//!   request got no answer or a 5xx.
//!
//! The numbers (accepted, failed chunks by delivery, how many `MaybeReceived` chunks had
//! landed, time) are printed; run with `--nocapture` to see them.

// Tests own the clock: they report how long a run took.
#![allow(clippy::disallowed_methods)]

#[macro_use]
mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bento::{
    BatchReport, ChunkOptions, ConfigBuilder, Delivery, Event, ImportSubscriberData,
    ImportSubscribers, RetryPolicy, TrackEvents,
};
use bento_emulator::{Emulator, EmulatorConfig, FaultAction, FaultRule, RecordedRequest};

const RECORDS: usize = 100_000;
const CHUNK: usize = 500;
const CHUNKS: usize = RECORDS / CHUNK;
/// Per 429/503/drop rule, with 2 % 422 after them; the rules are tried in turn, so in total
/// 1 − 0.95⁴ · 0.98 ≈ 20.2 % of batch requests fail.
const P: f64 = 0.05;

fn emulator(seed: u64) -> Emulator {
    let emu = Emulator::start(EmulatorConfig {
        // Bodies are identified by their first record, at the start of the body.
        max_logged_body_bytes: 4 * 1024,
        max_log_bytes: 64 << 20,
        ..EmulatorConfig::default()
    })
    .unwrap();
    let actions = [
        FaultAction::Status {
            status: 429,
            body: None,
            retry_after: Some(0),
            content_type: None,
        },
        FaultAction::status(503),
        FaultAction::DropConnection {
            after_handling: false,
        },
        FaultAction::DropConnection {
            after_handling: true,
        },
    ];
    for (i, action) in actions.into_iter().enumerate() {
        emu.add_fault(
            FaultRule::new(action)
                .path_prefix("/batch")
                .with_probability(P, seed * 10 + i as u64),
        );
    }
    emu.add_fault(
        FaultRule::new(FaultAction::status(422))
            .path_prefix("/batch")
            .with_probability(0.02, seed * 10 + 9),
    );
    emu
}

/// After 3/4 of the chunks, every batch request gets 401 (a revoked key).
fn revoke_key_late(emu: &Emulator) -> impl FnMut(&bento::Progress) + Send + '_ {
    let mut revoked = false;
    move |progress| {
        if !revoked && progress.chunks_done >= CHUNKS * 3 / 4 {
            revoked = true;
            emu.add_fault(
                FaultRule::new(FaultAction::Status {
                    status: 401,
                    body: Some(serde_json::json!({"error": "Unauthorized"})),
                    retry_after: None,
                    content_type: None,
                })
                .path_prefix("/batch"),
            );
        }
    }
}

fn options() -> ChunkOptions {
    ChunkOptions::default().chunk_size(CHUNK)
}

fn config(emu: &Emulator) -> ConfigBuilder {
    ConfigBuilder::new()
        .publishable_key(emu.publishable_key())
        .secret_key(emu.secret_key())
        .site_uuid(emu.site_uuid())
        .base_url(emu.base_url())
        .timeout(Duration::from_secs(20))
        .deadline(Duration::from_secs(60))
        .retry_policy(RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_retry_after: Duration::from_secs(1),
            ..RetryPolicy::default()
        })
}

fn import_rows() -> impl Iterator<Item = ImportSubscriberData> {
    (0..RECORDS).map(|i| ImportSubscriberData::new(format!("imp{i}@example.com")))
}

fn events() -> impl Iterator<Item = Event> {
    (0..RECORDS).map(|i| Event::new("$loadtest", format!("trk{i}@example.com")))
}

/// How many times each email is stored: subscribers (imports) or events (tracking).
fn stored(emu: &Emulator, key: &str) -> HashMap<String, usize> {
    let state = emu.state();
    let mut counts = HashMap::new();
    for item in state[key].as_array().unwrap() {
        let email = item["email"]
            .as_str()
            .or_else(|| item["attributes"]["email"].as_str())
            .unwrap();
        *counts.entry(email.to_owned()).or_default() += 1;
    }
    counts
}

/// The request-log entries whose body starts with a chunk holding `first`.
fn requests_for<'a>(log: &'a [RecordedRequest], first: &str) -> Vec<&'a RecordedRequest> {
    let needle = format!("\"{first}\"");
    log.iter().filter(|r| r.body.contains(&needle)).collect()
}

struct Numbers {
    accepted: u64,
    not_sent: usize,
    rejected: usize,
    maybe: usize,
    maybe_landed: usize,
}

/// Every check of the module docs; returns the numbers for the summary line.
fn verify<T>(
    what: &str,
    emu: &Emulator,
    report: &BatchReport<T>,
    email: impl Fn(&T) -> &str,
    state_key: &str,
    all_emails: impl Iterator<Item = String>,
) -> Numbers {
    assert_eq!(report.records, RECORDS, "{what}");
    assert_eq!(
        report.accounted(),
        report.records,
        "{what}: records unaccounted for"
    );
    assert!(
        report.partial_chunks.is_empty(),
        "{what}: the emulator accepts whole chunks"
    );
    let stored = stored(emu, state_key);
    let log = emu.requests();
    let mut in_failed: HashMap<&str, Delivery> = HashMap::new();
    let mut numbers = Numbers {
        accepted: report.accepted,
        not_sent: 0,
        rejected: 0,
        maybe: 0,
        maybe_landed: 0,
    };
    for chunk in &report.failed_chunks {
        let landed = chunk
            .records
            .iter()
            .filter(|r| stored.contains_key(email(r)))
            .count();
        assert!(
            landed == 0 || landed == chunk.records.len(),
            "{what}: chunk {} stored in part ({landed})",
            chunk.index
        );
        let first = email(&chunk.records[0]);
        let requests = requests_for(&log, first);
        match chunk.delivery {
            Delivery::NotSent => {
                numbers.not_sent += 1;
                assert_eq!(landed, 0, "{what}: a NotSent chunk was stored");
            }
            Delivery::Rejected => {
                numbers.rejected += 1;
                let (last, earlier) = requests.split_last().expect("a Rejected chunk was sent");
                assert!(
                    last.status.is_some_and(|s| s < 500),
                    "{what}: chunk {} is Rejected but its last request got {:?}",
                    chunk.index,
                    last.status
                );
                // An attempt before the refusal that may have been received (no answer, or
                // a 5xx) makes the chunk MaybeReceived, never Rejected (hostile.rs,
                // `delivery_after_retries`).
                assert!(
                    !earlier.iter().any(|r| r.status.is_none_or(|s| s >= 500)),
                    "{what}: chunk {} is Rejected after an ambiguous attempt",
                    chunk.index
                );
                assert_eq!(landed, 0, "{what}: a Rejected chunk was stored");
            }
            Delivery::MaybeReceived => {
                numbers.maybe += 1;
                if landed > 0 {
                    numbers.maybe_landed += 1;
                }
                // Some attempt got no answer or a 5xx (the last, or an earlier one).
                assert!(
                    requests.iter().any(|r| r.status.is_none_or(|s| s >= 500)),
                    "{what}: chunk {} is MaybeReceived but every attempt was answered below 500: {:?}",
                    chunk.index,
                    requests.iter().map(|r| r.status).collect::<Vec<_>>()
                );
            }
        }
        for r in &chunk.records {
            in_failed.insert(email(r), chunk.delivery);
        }
    }
    let mut accepted_stored = 0u64;
    for e in all_emails {
        let times = stored.get(&e).copied().unwrap_or(0);
        if !in_failed.contains_key(e.as_str()) {
            assert_eq!(times, 1, "{what}: accepted record {e} stored {times} times");
            accepted_stored += 1;
        }
    }
    assert_eq!(accepted_stored, report.accepted, "{what}");
    numbers
}

fn summary(what: &str, client: &str, took: Duration, n: &Numbers, emu: &Emulator) {
    let fired: Vec<String> = emu
        .faults()
        .iter()
        .map(|f| format!("{}:{}/{}", f.action.kind(), f.fired, f.candidates))
        .collect();
    eprintln!(
        "DATA-LOSS {what} {client}: {RECORDS} records, {} accepted, failed chunks: {} not sent, {} rejected, {} maybe received ({} of them had landed); {:.1} s; faults fired {}",
        n.accepted,
        n.not_sent,
        n.rejected,
        n.maybe,
        n.maybe_landed,
        took.as_secs_f64(),
        fired.join(" ")
    );
}

fn stopped_by_the_revoked_key<T>(report: &BatchReport<T>, n: &Numbers) {
    assert!(
        matches!(report.stopped, Some(bento::Error::NotAuthorized { .. })),
        "{:?}",
        report.stopped
    );
    assert!(n.rejected > 0 && n.not_sent > 0);
    assert!(n.not_sent < CHUNKS / 4, "the run ran until the revocation");
}

both_clients! {
    imports_under_twenty_percent_faults_lose_nothing => {
        let client_name = module_path!().rsplit("::").next().unwrap();
        let emu = emulator(1);
        let c = client!(config(&emu).build().unwrap());
        let started = Instant::now();
        let report = call!(c.run_chunked::<ImportSubscribers>(import_rows(), options(), revoke_key_late(&emu))).unwrap();
        let took = started.elapsed();
        let n = verify("import", &emu, &report, |r| r.email.as_str(), "subscribers",
            (0..RECORDS).map(|i| format!("imp{i}@example.com")));
        summary("import", client_name, took, &n, &emu);
        // Imports are upserts: every failed chunk is safe to resend.
        assert!(report.failed_chunks.iter().all(|c| c.safe_to_resend()));
        stopped_by_the_revoked_key(&report, &n);
        assert!(took < Duration::from_secs(120), "{took:?}");
    }

    events_under_twenty_percent_faults_lose_nothing_and_are_never_duplicated => {
        let client_name = module_path!().rsplit("::").next().unwrap();
        let emu = emulator(2);
        let c = client!(config(&emu).build().unwrap());
        let started = Instant::now();
        let report = call!(c.run_chunked::<TrackEvents>(events(), options(), revoke_key_late(&emu))).unwrap();
        let took = started.elapsed();
        let n = verify("track", &emu, &report, |e| e.email.as_str(), "events",
            (0..RECORDS).map(|i| format!("trk{i}@example.com")));
        summary("track", client_name, took, &n, &emu);
        // Events are not idempotent: a chunk that may have been received is never resent,
        // and the report says it is not safe to.
        assert!(n.maybe > 0, "the faults must have hit some event chunks");
        assert!(report.failed_chunks.iter().filter(|c| c.delivery == Delivery::MaybeReceived).all(|c| !c.safe_to_resend()));
        stopped_by_the_revoked_key(&report, &n);
        assert!(took < Duration::from_secs(120), "{took:?}");
    }
}
