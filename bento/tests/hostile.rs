//! Both clients against a hostile server on a real loopback socket (issue 11): redirects,
//! batch answers that do not add up, fatal errors and brakes in chunked runs, deadlines,
//! non-idempotent commands, broken and endless responses, header bombs, `Retry-After` abuse,
//! dropped connections, TLS to a plain-HTTP port, servers that echo credentials and emails,
//! and what the transports log.
//!
//! The single-call cases are data, shared with the component and the Python package
//! (`bento_emulator::hostile::cases`, run here by `shared`); the rest — chunked runs, logs,
//! proxies, fake clocks, threads — are written out below. Every case asserts the typed error
//! (variant and kind), a bound on the time it took, how many requests reached the server, and
//! that no error text carries the secret key, the base64 Authorization value or the
//! subscriber's email. The outcomes are listed in the RELIABILITY section of FUZZING.md
//! (its table of shared cases is generated from the list: `shared::fuzzing_md_lists_every_case`).

// Tests own the clock: they measure how long calls took.
#![allow(clippy::disallowed_methods)]

#[macro_use]
mod support;

use std::time::{Duration, Instant};

use bento::{
    ChunkOptions, Command, ConfigBuilder, Delivery, EmailBatch, EmailData, Error, Event,
    ImportSubscriberData, RetryPolicy, TransportErrorKind,
};
use bento_emulator::hostile::cases::{B64, EMAIL, NEEDLES, PK, SECRET};
use bento_emulator::hostile::{Act, Hostile, json, response};

/// Small timeouts and delays, so every case ends within a few seconds.
fn config(base_url: &str) -> ConfigBuilder {
    ConfigBuilder::new()
        .publishable_key(PK)
        .secret_key(SECRET)
        .site_uuid("site-1")
        .base_url(base_url)
        .timeout(Duration::from_millis(500))
        .connect_timeout(Duration::from_millis(500))
        .deadline(Duration::from_secs(3))
        .max_response_bytes(64 * 1024)
        .retry_policy(fast_retries())
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        max_retry_after: Duration::from_secs(2),
        ..RetryPolicy::default()
    }
}

fn email_data() -> EmailData {
    EmailData {
        to: EMAIL.into(),
        from: "sender@example.com".into(),
        subject: "Reset".into(),
        html_body: "<p>hi</p>".into(),
        transactional: true,
        personalizations: None,
    }
}

fn email() -> EmailBatch {
    EmailBatch::new(vec![email_data()]).unwrap()
}

fn rows(n: usize) -> impl Iterator<Item = ImportSubscriberData> {
    (0..n).map(|i| ImportSubscriberData::new(format!("user{i}@example.com")))
}

/// Asserts that no error text carries a secret or the email; returns the text.
fn clean(err: &Error) -> String {
    let shown = format!("{err} {err:?}");
    for needle in NEEDLES {
        assert!(!shown.contains(needle), "{needle} leaked: {shown}");
    }
    shown
}

fn transport_kind(err: &Error) -> TransportErrorKind {
    match err {
        Error::Transport { kind, .. } => *kind,
        other => panic!("expected a transport error, got {other:?}"),
    }
}

/// Asserts that `started` is less than `max` ago.
fn within(started: Instant, max: Duration) {
    let took = started.elapsed();
    assert!(took < max, "took {took:?}, bound {max:?}");
}

/// The shared hostile list (`bento_emulator::hostile::cases`, the same cases the component and
/// the Python package run): every case on both clients, a few at a time. Each asserts the
/// outcome class, the time bound, the server-side counts (judged by the list itself), and that
/// no error text carries a secret or the email. A failure names every case that failed.
mod shared {
    use super::*;
    use bento::{SequenceEmail, UpdateEmailTemplate};
    use bento_emulator::hostile::cases::{self, Call, Case, Check, Expect, Kind, Started};
    use bento_emulator::hostile::rss_bytes;

    /// Cases run at once (each holds a server and a client; some stall for a second).
    const AT_ONCE: usize = 4;

    fn builder(case: &Case, started: &Started) -> ConfigBuilder {
        let s = &case.setup;
        ConfigBuilder::new()
            .publishable_key(cases::PK)
            .secret_key(cases::SECRET)
            .site_uuid(cases::SITE_UUID)
            .base_url(started.base_url(case))
            .timeout(s.timeout)
            .connect_timeout(s.connect_timeout)
            .deadline(s.deadline)
            .max_response_bytes(usize::try_from(s.max_response_bytes).unwrap())
            .retry_policy(RetryPolicy {
                max_retries: s.max_retries,
                base_delay: s.base_delay,
                max_delay: s.max_delay,
                max_retry_after: s.max_retry_after,
                ..RetryPolicy::default()
            })
    }

    fn big_rows() -> impl Iterator<Item = ImportSubscriberData> {
        (0..1000).map(|i| {
            let mut row = ImportSubscriberData::new(format!("user{i}@example.com"));
            row.first_name = Some("n".repeat(900));
            row
        })
    }

    /// The case's call on either client (`$($aw)*` is `.await` on the async one); `Ok` holds
    /// the ids of a returned list.
    macro_rules! make_call {
        ($c:expr, $call:expr $(, $aw:tt)*) => {{
            let c = $c;
            match $call {
                Call::Track => c.track(Event::tag(EMAIL, "vip"))$(.$aw)*.map(none),
                Call::GetTags => c.get_tags()$(.$aw)*.map(none),
                Call::SendEmail => c.send_emails(email())$(.$aw)*.map(none),
                Call::FindSubscriber => c.find_subscriber(EMAIL)$(.$aw)*.map(none),
                Call::ImportSubscribers(n) => c.import_subscribers(rows(*n))$(.$aw)*.map(none),
                Call::ImportBigRows => c.import_subscribers(big_rows())$(.$aw)*.map(none),
                Call::Commands { via_event } => {
                    let mut commands = vec![Command::AddTag { email: EMAIL.into(), tag: "vip".into() }];
                    if *via_event {
                        commands.push(Command::AddTagViaEvent { email: EMAIL.into(), tag: "vip".into() });
                    }
                    c.subscriber_command(commands)$(.$aw)*.map(none)
                }
                Call::AllSequences => c.all_sequences()$(.$aw)*
                    .map(|all| Some(all.into_iter().map(|r| r.id).collect())),
                Call::UpsertSubscriber => c.upsert_subscriber(ImportSubscriberData::new(EMAIL))$(.$aw)*.map(none),
                Call::DeleteTag(id) => c.delete_tag(*id, "vip")$(.$aw)*.map(none),
                Call::GetSegment(id) => c.get_segment(*id)$(.$aw)*.map(none),
                Call::GetEmailTemplate(id) => c.get_email_template(*id)$(.$aw)*.map(none),
                Call::CreateSequenceEmail(id) => c
                    .create_sequence_email(*id, SequenceEmail::new("s", "<p>h</p>"))$(.$aw)*
                    .map(none),
                Call::UpdateEmailTemplate(id) => c
                    .update_email_template(UpdateEmailTemplate {
                        subject: Some("s".into()),
                        ..UpdateEmailTemplate::new(*id)
                    })$(.$aw)*
                    .map(none),
            }
        }};
    }

    fn none<T>(_: T) -> Option<Vec<String>> {
        None
    }

    fn kind_of(kind: Kind) -> TransportErrorKind {
        match kind {
            Kind::Timeout => TransportErrorKind::Timeout,
            Kind::Deadline => TransportErrorKind::Deadline,
            Kind::Io => TransportErrorKind::Io,
            Kind::Connect => TransportErrorKind::Connect,
            Kind::ResponseTooLarge => TransportErrorKind::ResponseTooLarge,
        }
    }

    /// Whether `got` is the outcome `case` expects; else why not.
    fn outcome(
        case: &Case,
        started: &Started,
        got: &Result<Option<Vec<String>>, Error>,
    ) -> Result<(), String> {
        let wrong = || Err(format!("expected {}, got {got:?}", case.expect.describe()));
        let Err(err) = got else {
            let ids = got.as_ref().ok().and_then(|ids| ids.as_deref());
            return case.expect.ok_problem(ids).map_or(Ok(()), Err);
        };
        let holds = match (&case.expect, err) {
            (Expect::Ok { .. }, _) => false,
            (Expect::InvalidInput, Error::InvalidInput { .. }) => true,
            (Expect::NotAuthorized, Error::NotAuthorized { .. }) => true,
            (
                Expect::RateLimit { retry_after },
                Error::RateLimit {
                    retry_after: got, ..
                },
            ) => retry_after.accepts(*got),
            (
                Expect::Api {
                    status,
                    retry_after,
                    message,
                },
                Error::Api {
                    status: s,
                    message: m,
                    retry_after: r,
                    ..
                },
            ) => {
                status == s
                    && retry_after.accepts(*r)
                    && message.is_none_or(|want| m.contains(&started.resolve(want)))
            }
            (Expect::Decode { status }, Error::Decode { status: s, .. }) => status == s,
            (Expect::Transport(kinds), Error::Transport { kind, .. }) => {
                kinds.iter().any(|k| kind_of(*k) == *kind)
            }
            (Expect::AnyError, _) => true,
            _ => false,
        };
        if holds { Ok(()) } else { wrong() }
    }

    /// Every problem of one finished case (empty when it passed).
    fn judge(
        case: &Case,
        started: &Started,
        got: Result<Option<Vec<String>>, Error>,
        took: Duration,
        grew: u64,
    ) -> Vec<String> {
        let mut problems = Vec::new();
        if let Err(why) = outcome(case, started, &got) {
            problems.push(why);
        }
        let shown = got
            .as_ref()
            .err()
            .map(|e| (format!("{e} {e:?}"), e.to_string().chars().count()));
        let error = shown.as_ref().map(|(all, chars)| (all.as_str(), *chars));
        problems.extend(case.call_problems(took, grew, error));
        // Rust clients only: the other surfaces do not expose `never_sent`.
        for check in &case.checks {
            if let (Check::NeverSent(want), Err(e)) = (check, &got)
                && e.never_sent() != *want
            {
                problems.push(format!("never_sent() is {}", e.never_sent()));
            }
        }
        problems.extend(case.server_problems(&started.stats()));
        problems
    }

    fn report(failures: Vec<String>, ran: usize) {
        assert!(
            failures.is_empty(),
            "{} of {ran} cases failed:\n{}",
            failures.len(),
            failures.join("\n")
        );
        assert!(ran > 100, "only {ran} cases");
    }

    fn failure(case: &Case, problems: Vec<String>) -> Option<String> {
        (!problems.is_empty()).then(|| format!("{}: {}", case.name, problems.join("; ")))
    }

    #[test]
    fn blocking_client_on_every_shared_case() {
        let all = cases::cases();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let failures = std::sync::Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for _ in 0..AT_ONCE {
                s.spawn(|| {
                    while let Some(case) =
                        all.get(next.fetch_add(1, std::sync::atomic::Ordering::SeqCst))
                    {
                        let started = case.start().unwrap();
                        let c =
                            bento::blocking::Client::new(builder(case, &started).build().unwrap())
                                .unwrap();
                        let before = rss_bytes();
                        let at = Instant::now();
                        let got = make_call!(&c, &case.call);
                        let took = at.elapsed();
                        let grew = rss_bytes().saturating_sub(before);
                        drop(c);
                        if let Some(f) = failure(case, judge(case, &started, got, took, grew)) {
                            failures.lock().unwrap().push(f);
                        }
                    }
                });
            }
        });
        report(failures.into_inner().unwrap(), all.len());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn async_client_on_every_shared_case() {
        let all = cases::cases();
        let ran = all.len();
        let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(AT_ONCE));
        let mut tasks = tokio::task::JoinSet::new();
        for case in all {
            let gate = gate.clone();
            tasks.spawn(async move {
                let _permit = gate.acquire_owned().await.unwrap();
                let started = case.start().unwrap();
                let c = bento::Client::new(builder(&case, &started).build().unwrap()).unwrap();
                let before = rss_bytes();
                let at = Instant::now();
                let got = make_call!(&c, &case.call, await);
                let took = at.elapsed();
                let grew = rss_bytes().saturating_sub(before);
                failure(&case, judge(&case, &started, got, took, grew))
            });
        }
        let mut failures = Vec::new();
        while let Some(done) = tasks.join_next().await {
            failures.extend(done.unwrap());
        }
        report(failures, ran);
    }
}

/// A chunked run against a server redirecting every chunk (finding 3; the single calls are in
/// the shared list): every chunk failed and reported, none re-sent.
mod redirects {
    use super::*;

    both_clients! {
        a_chunked_run_reports_redirected_chunks_as_failed_and_resendable => {
            let server = Hostile::always(Act::Raw(response(308, &[("location", "https://evil.example/")], "")));
            let c = client!(config(&server.base_url()).build().unwrap());
            let report = call!(c.import_subscribers_chunked(rows(3_000), ChunkOptions::default())).unwrap();
            assert_eq!(report.accounted(), 3_000);
            assert_eq!(report.failed_chunks.len(), 3);
            // Imports are upserts: resendable whatever the delivery (a 3xx is `Rejected` today;
            // see `redirect_delivery` for why it should be `MaybeReceived`).
            assert!(report.failed_chunks.iter().all(|c| c.delivery != Delivery::NotSent && c.safe_to_resend()));
            assert_eq!(server.requests().len(), 3, "one request per chunk, none re-sent");
        }
    }
}

/// A chunk whose answer's counters do not account for its records (finding 1; the single
/// calls are in the shared list) is reported with its records.
mod batch_counts {
    use super::*;

    both_clients! {
        a_chunk_answered_with_an_empty_object_is_reported_with_its_records => {
            let server = Hostile::script(|n| if n == 3 {
                Act::Raw(json(200, "{}"))
            } else {
                Act::Raw(json(200, r#"{"results":1000,"failed":0}"#))
            });
            let c = client!(config(&server.base_url()).build().unwrap());
            let report = call!(c.import_subscribers_chunked(rows(10_000), ChunkOptions::default().concurrency(1))).unwrap();
            assert_eq!((report.records, report.accepted), (10_000, 9_000));
            assert_eq!(report.accounted(), report.records);
            assert!(!report.is_complete());
            let failed = &report.failed_chunks[0];
            assert_eq!((failed.index, failed.records.len()), (3, 1_000));
            assert!(matches!(failed.error, Error::Decode { .. }));
            assert_eq!(failed.delivery, Delivery::MaybeReceived);
            assert!(failed.safe_to_resend(), "imports are upserts");
        }
    }
}

/// Fatal errors stop a chunked run after one request; the brake stops a 429 storm; the run's
/// deadline stops sending (finding 7/8).
mod chunk_stops {
    use super::*;

    both_clients! {
        a_wrong_key_sends_exactly_one_request_even_with_concurrency_4 => {
            for (answer, fatal) in [
                (json(401, r#"{"error":"Unauthorized"}"#), "401"),
                (json(403, r#"{"error":"Forbidden"}"#), "403"),
            ] {
                let server = Hostile::always(Act::Raw(answer));
                let c = client!(config(&server.base_url()).build().unwrap());
                let report = call!(c.import_subscribers_chunked(rows(10_000), ChunkOptions::default().concurrency(4))).unwrap();
                assert_eq!(server.requests().len(), 1, "{fatal}");
                assert_eq!(report.accounted(), 10_000);
                assert_eq!(report.failed_chunks.len(), 10);
                assert!(report.stopped.is_some(), "{fatal}");
                assert_eq!(report.failed_chunks[0].delivery, Delivery::Rejected);
                assert!(report.failed_chunks[1..].iter().all(|c| c.delivery == Delivery::NotSent));
                assert!(report.failed_chunks.iter().all(|c| c.safe_to_resend()));
                clean(report.stopped.as_ref().unwrap());
            }
        }

        an_unknown_author_stops_an_email_run_after_one_request => {
            let server = Hostile::always(Act::Raw(json(500, r#"{"error":"Author not authorized to send on this account"}"#)));
            let c = client!(config(&server.base_url()).build().unwrap());
            let emails = (0..300).map(|_| email_data());
            let report = call!(c.send_emails_chunked(emails, ChunkOptions::default())).unwrap();
            assert_eq!(server.requests().len(), 1);
            assert_eq!(report.stopped, Some(Error::AuthorNotAuthorized { request_id: None }));
            assert_eq!(report.failed_chunks.len(), 5);
            assert_eq!(report.accounted(), 300);
            // The 500 is the API refusing the author before queueing anything: the sent
            // chunk was rejected (safe to resend once the author is fixed), not "may have
            // been received".
            assert_eq!(report.failed_chunks[0].delivery, Delivery::Rejected);
            assert!(report.failed_chunks[1..].iter().all(|c| c.delivery == Delivery::NotSent));
            assert!(report.failed_chunks.iter().all(|c| c.safe_to_resend()));
        }

        a_429_storm_is_braked => {
            let server = Hostile::always(Act::Raw(response(429, &[("retry-after", "0")], "")));
            let c = client!(config(&server.base_url()).build().unwrap());
            let started = Instant::now();
            let report = call!(c.import_subscribers_chunked(rows(100_000), ChunkOptions::default())).unwrap();
            within(started, Duration::from_secs(10));
            assert!(matches!(report.stopped, Some(Error::RateLimit { .. })), "{:?}", report.stopped);
            assert_eq!(report.accounted(), 100_000);
            // 3 consecutive rate-limited chunks stop it; with 4 in flight a few more may have
            // been sent already. Each chunk is tried 4 times.
            let sent_chunks = report.failed_chunks.iter().filter(|c| c.delivery == Delivery::Rejected).count();
            assert!((3..=3 + 4).contains(&sent_chunks), "{sent_chunks}");
            assert_eq!(server.requests().len(), sent_chunks * 4);
            assert_eq!(report.failed_chunks.iter().filter(|c| c.delivery == Delivery::NotSent).count(), 100 - sent_chunks);
        }

        the_run_deadline_stops_sending_and_reports_the_rest_as_not_sent => {
            let slow = Hostile::script(move |_| Act::Computed(std::sync::Arc::new(|_| {
                std::thread::sleep(Duration::from_millis(150));
                json(200, r#"{"results":1000,"failed":0}"#)
            })));
            let c = client!(config(&slow.base_url()).build().unwrap());
            let started = Instant::now();
            let options = ChunkOptions::default().concurrency(1).deadline(Some(Duration::from_millis(400)));
            let report = call!(c.import_subscribers_chunked(rows(50_000), options)).unwrap();
            within(started, Duration::from_secs(2));
            let sent = slow.requests().len();
            assert!((2..=5).contains(&sent), "{sent}");
            assert_eq!(report.accepted as usize, sent * 1000);
            assert_eq!(report.failed_chunks.len(), 50 - sent);
            assert!(report.failed_chunks.iter().all(|c| c.delivery == Delivery::NotSent
                && matches!(c.error, Error::Transport { kind: TransportErrorKind::Deadline, .. })));
            assert_eq!(report.accounted(), 50_000);
        }
    }
}

/// `with_deadline` bounds one call site (the client's deadline is in the shared list).
mod deadlines {
    use super::*;

    both_clients! {
        with_deadline_overrides_it_per_call_site => {
            let server = Hostile::always(Act::Stall);
            let c = client!(config(&server.base_url()).timeout(Duration::from_secs(5)).deadline(Duration::from_secs(30)).build().unwrap());
            let short = c.with_deadline(Some(Duration::from_millis(300))).unwrap();
            let started = Instant::now();
            let err = call!(short.get_tags()).unwrap_err();
            within(started, Duration::from_millis(1_200));
            assert!(matches!(err, Error::Transport { .. }), "{err:?}");
        }
    }
}

/// An encoded dot or slash in an id is sent as data, not decoded into a path step (finding
/// 6; the bare `.`/`..` ids are in the shared list).
mod ids {
    use super::*;

    both_clients! {
        encoded_dots_and_slashes_stay_inside_their_segment => {
            let server = Hostile::always(Act::Raw(json(200, "{}")));
            let c = client!(config(&server.base_url()).build().unwrap());
            // Encoded dots and slashes stay inside their segment.
            let _ = call!(c.get_segment("%2e%2e"));
            let _ = call!(c.get_segment("../../fetch/tags"));
            let targets: Vec<String> = server.requests().iter().map(|r| r.target().to_owned()).collect();
            assert!(targets[0].starts_with("/api/v1/fetch/segments/%252e%252e?"), "{targets:?}");
            assert!(targets[1].starts_with("/api/v1/fetch/segments/..%2F..%2Ffetch%2Ftags?"), "{targets:?}");
        }
    }
}

/// `Debug` of a built request shows no credentials (finding 5).
#[test]
fn debug_of_a_built_request_hides_the_authorization() {
    use bento::Operation;
    let config = config("http://127.0.0.1:9/api/v1").build().unwrap();
    let op = bento::FindSubscriber::by_email(EMAIL);
    let request = op.to_request(&config).unwrap();
    let shown = format!("{request:?} {:?}", op.to_request(&config));
    assert!(!shown.contains(B64) && !shown.contains(SECRET), "{shown}");
    assert!(shown.contains("Sensitive"), "{shown}");
}

/// When the call's deadline runs out *between* attempts (a sleep that ends at or past it),
/// the driver returns `Transport { kind: Deadline }` instead of the last attempt's answer.
/// After nothing but 429s — the server acted on nothing — a chunk is then reported
/// `MaybeReceived`, so `safe_to_resend()` is false for events that were certainly not stored.
/// A fake transport with a fake clock makes the race deterministic: every send takes 1 ms
/// and answers `429 Retry-After: 0`, every sleep overshoots by 2.5 ms (tokio's timer wheel
/// rounds up to the next millisecond; a loaded machine overshoots more).
mod deadline_between_attempts {
    use super::*;
    use bento::{Clock, TrackEvents, Transport, TransportError};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::SystemTime;

    struct Always429 {
        now_us: AtomicU64,
        sent: AtomicU64,
    }

    impl Always429 {
        fn advance(&self, d: Duration) {
            self.now_us
                .fetch_add(d.as_micros() as u64, Ordering::SeqCst);
        }
    }

    impl Clock for Always429 {
        fn now(&self) -> SystemTime {
            SystemTime::UNIX_EPOCH
        }
        fn monotonic(&self) -> Duration {
            Duration::from_micros(self.now_us.load(Ordering::SeqCst))
        }
        fn jitter(&self) -> f64 {
            0.5
        }
    }

    impl Transport for Always429 {
        fn send(
            &self,
            _: &http::Request<Vec<u8>>,
            _: Duration,
        ) -> Result<http::Response<Vec<u8>>, TransportError> {
            self.sent.fetch_add(1, Ordering::SeqCst);
            self.advance(Duration::from_millis(1));
            Ok(http::Response::builder()
                .status(429)
                .header("retry-after", "0")
                .body(Vec::new())
                .unwrap())
        }
        fn sleep(&self, delay: Duration) {
            self.advance(delay + Duration::from_micros(2_500));
        }
    }

    #[test]
    fn a_chunk_that_only_ever_got_429s_is_rejected_not_maybe_received() {
        let transport = Always429 {
            now_us: AtomicU64::new(0),
            sent: AtomicU64::new(0),
        };
        let config = config("http://127.0.0.1:9/api/v1")
            .deadline(Duration::from_millis(10))
            .retry_policy(RetryPolicy {
                max_retries: 100,
                ..fast_retries()
            })
            .build()
            .unwrap();
        let events = (0..10).map(|i| Event::tag(format!("u{i}@example.com"), "vip"));
        let report = bento::driver::run_chunked::<_, TrackEvents>(
            &transport,
            &config,
            events,
            &ChunkOptions::default(),
            None,
        )
        .unwrap();
        assert!(transport.sent.load(Ordering::SeqCst) > 1);
        let chunk = &report.failed_chunks[0];
        assert!(
            matches!(chunk.error, Error::RateLimit { .. }),
            "every attempt was a 429, got {:?}",
            chunk.error
        );
        assert_eq!(chunk.delivery, Delivery::Rejected);
        assert!(chunk.safe_to_resend());
    }
}

/// What the transports log (finding 5): a `log` logger at TRACE and a `tracing` subscriber
/// that records every span and event, installed for the whole test binary — so every other
/// case running at the same time is checked too. No record may carry the secret, the base64
/// Authorization value, the email or `%40`.
mod logs {
    use super::*;
    use bento_emulator::{Emulator, EmulatorConfig, FaultAction, FaultRule};
    use std::fmt::Write as _;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Mutex, Once};

    static RECORDS: Mutex<Vec<(&'static str, String)>> = Mutex::new(Vec::new());

    fn push(kind: &'static str, text: String) {
        RECORDS.lock().unwrap().push((kind, text));
    }

    struct LogCapture;
    impl log::Log for LogCapture {
        fn enabled(&self, _: &log::Metadata<'_>) -> bool {
            true
        }
        fn log(&self, record: &log::Record<'_>) {
            push(
                "log",
                format!("{} {}: {}", record.level(), record.target(), record.args()),
            );
        }
        fn flush(&self) {}
    }
    static LOGGER: LogCapture = LogCapture;

    struct Fields(String);
    impl tracing::field::Visit for Fields {
        fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
            let _ = write!(self.0, "{}={value:?} ", field.name());
        }
    }

    struct TracingCapture(AtomicU64);
    impl tracing::Subscriber for TracingCapture {
        fn register_callsite(
            &self,
            _: &'static tracing::Metadata<'static>,
        ) -> tracing::subscriber::Interest {
            tracing::subscriber::Interest::always()
        }
        fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
            Some(tracing::level_filters::LevelFilter::TRACE)
        }
        fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            let mut fields = Fields(String::new());
            span.record(&mut fields);
            push(
                "tracing",
                format!(
                    "span {} {}: {}",
                    span.metadata().target(),
                    span.metadata().name(),
                    fields.0
                ),
            );
            tracing::span::Id::from_u64(self.0.fetch_add(1, Ordering::Relaxed))
        }
        fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
            let mut fields = Fields(String::new());
            values.record(&mut fields);
            push("tracing", format!("record {}", fields.0));
        }
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, event: &tracing::Event<'_>) {
            let mut fields = Fields(String::new());
            event.record(&mut fields);
            push(
                "tracing",
                format!(
                    "{} {}: {}",
                    event.metadata().level(),
                    event.metadata().target(),
                    fields.0
                ),
            );
        }
        fn enter(&self, _: &tracing::span::Id) {}
        fn exit(&self, _: &tracing::span::Id) {}
    }

    fn install() {
        static ONCE: Once = Once::new();
        ONCE.call_once(|| {
            log::set_logger(&LOGGER).unwrap();
            log::set_max_level(log::LevelFilter::Trace);
            tracing::subscriber::set_global_default(TracingCapture(AtomicU64::new(1))).unwrap();
        });
    }

    /// The server side (the emulator's hyper/axum, in this process) is not under test.
    fn from_the_client(text: &str) -> bool {
        ![
            "bento_emulator",
            "axum",
            "tower",
            "hyper::server",
            "hyper_util::server",
        ]
        .iter()
        .any(|t| text.contains(&format!(" {t}")))
    }

    fn emulator() -> Emulator {
        Emulator::start(EmulatorConfig {
            publishable_key: PK.into(),
            secret_key: SECRET.into(),
            site_uuid: "site-1".into(),
            ..EmulatorConfig::default()
        })
        .unwrap()
    }

    fn check_records() -> usize {
        let records = RECORDS.lock().unwrap();
        let mut client_records = 0;
        for (kind, text) in records.iter().filter(|(_, t)| from_the_client(t)) {
            client_records += 1;
            for needle in NEEDLES {
                assert!(
                    !text.contains(needle),
                    "{needle} in a {kind} record: {text}"
                );
            }
        }
        client_records
    }

    both_clients! {
        no_log_or_trace_record_carries_a_secret_or_an_email => {
            install();
            let emu = emulator();
            emu.add_fault(FaultRule::new(FaultAction::Status { status: 429, body: None, retry_after: Some(0), content_type: None }).exact_path("/fetch/tags").once());
            emu.add_fault(FaultRule::new(FaultAction::status(500)).exact_path("/fetch/fields").once());
            let c = client!(config(emu.base_url()).timeout(Duration::from_secs(5)).build().unwrap());
            call!(c.import_subscribers([ImportSubscriberData::new(EMAIL)])).unwrap();
            let found = call!(c.find_subscriber(EMAIL)).unwrap();
            assert!(found.is_some());
            call!(c.get_tags()).unwrap();
            assert!(matches!(call!(c.get_fields()), Err(Error::Api { status: 500, .. })));
            call!(c.track(Event::tag(EMAIL, "vip"))).unwrap();
            let wrong = client!(config(emu.base_url()).secret_key("sk_wrong").build().unwrap());
            assert!(matches!(call!(wrong.find_subscriber(EMAIL)), Err(Error::NotAuthorized { .. })));
            assert_eq!(emu.requests().len(), 7, "429 retried once, nothing else");
            let seen = check_records();
            // The capture works: reqwest (log) and hyper-util (tracing) log every connection.
            assert!(seen > 0, "no record was captured");
            eprintln!("{seen} client-side log/tracing records checked");
        }
    }
}

/// A chunk's delivery is read from its last attempt only. An import (idempotent, so retried
/// after an ambiguous failure) whose first attempt was read in full by the server and then
/// dropped — in the emulator: stored, answer lost — and whose retry got a 422 or 401 is
/// reported `Rejected` ("the server did not act on it"), although the server may have acted
/// on the first attempt. `safe_to_resend()` stays right (imports are upserts), but the
/// report claims something false; the data-loss test sees it under faults.
mod delivery_after_retries {
    use super::*;

    fn server() -> Hostile {
        Hostile::sequence(vec![
            Act::DropAfterRead,
            Act::Raw(json(422, r#"{"error":"rejected"}"#)),
        ])
    }

    fn check<T>(server: &Hostile, report: &bento::BatchReport<T>) {
        assert_eq!(server.requests().len(), 2, "read in full, then retried");
        assert_eq!(
            report.failed_chunks[0].delivery,
            Delivery::MaybeReceived,
            "the first attempt may have been acted on"
        );
    }

    #[test]
    fn blocking_an_import_retried_after_a_drop_then_refused_may_have_been_received() {
        let server = server();
        let c = bento::blocking::Client::new(config(&server.base_url()).build().unwrap()).unwrap();
        let report = c
            .import_subscribers_chunked(rows(10), ChunkOptions::default())
            .unwrap();
        check(&server, &report);
    }

    #[tokio::test]
    async fn async_an_import_retried_after_a_drop_then_refused_may_have_been_received() {
        let server = server();
        let c = bento::Client::new(config(&server.base_url()).build().unwrap()).unwrap();
        let report = c
            .import_subscribers_chunked(rows(10), ChunkOptions::default())
            .await
            .unwrap();
        check(&server, &report);
    }
}

/// A 401 behind a body over the size cap (a proxy's 1 MB HTML page) still stops a chunked run
/// after one request (the single calls are in the shared list). Guards a transport fix: both
/// clients failed every such answer as `ResponseTooLarge`, so a wrong key behind a verbose
/// proxy sent every chunk.
mod big_error_bodies {
    use super::*;

    fn page(status: u16, extra: &[(&str, &str)]) -> Act {
        let body = format!(
            "<html><body>{}</body></html>",
            "blocked ".repeat(128 * 1024)
        );
        let mut headers = vec![("content-type", "text/html")];
        headers.extend_from_slice(extra);
        Act::Raw(response(status, &headers, &body))
    }

    both_clients! {
        a_401_with_a_huge_body_stops_the_run_after_one_request => {
            let server = Hostile::always(page(401, &[]));
            let c = client!(config(&server.base_url()).build().unwrap());
            let report = call!(c.import_subscribers_chunked(rows(10_000), ChunkOptions::default())).unwrap();
            assert!(matches!(report.stopped, Some(Error::NotAuthorized { .. })), "{:?}", report.stopped);
            assert_eq!(server.requests().len(), 1);
            assert_eq!(report.failed_chunks[0].delivery, Delivery::Rejected);
        }
    }
}

/// `HTTP_PROXY`/`ALL_PROXY` in the environment must not route a plain-http (loopback-only)
/// base URL through a proxy: the request, Authorization header included, would travel in
/// clear to wherever the variable points, bypassing the "http only on loopback" rule.
/// (https keeps the system proxy: it tunnels with CONNECT, TLS end to end.) Guards a
/// transport fix: reqwest reads these variables and does not exempt loopback hosts.
///
/// The environment is process-wide, so each test re-runs itself in a child process with the
/// variables set; the parent owns both servers and checks where the request went.
mod proxy_env {
    use super::*;
    use std::process::Command as Process;

    const CHILD: &str = "BENTO_HOSTILE_PROXY_CHILD_BASE";

    fn parent(test: &str) {
        let server = Hostile::always(Act::Raw(json(200, r#"{"data":[]}"#)));
        let proxy = Hostile::always(Act::Raw(json(200, r#"{"data":[]}"#)));
        let proxy_url = format!("http://127.0.0.1:{}", proxy.port);
        let output = Process::new(std::env::current_exe().unwrap())
            .args([test, "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD, server.base_url())
            .env("HTTP_PROXY", &proxy_url)
            .env("http_proxy", &proxy_url)
            .env("ALL_PROXY", &proxy_url)
            .env("all_proxy", &proxy_url)
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "the child failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let leaked: Vec<String> = proxy.requests().iter().map(|r| r.head.clone()).collect();
        assert_eq!(proxy.connections(), 0, "sent through the proxy: {leaked:?}");
        assert_eq!(server.requests().len(), 1);
    }

    const TUNNEL_CHILD: &str = "BENTO_HOSTILE_TUNNEL_CHILD";

    /// https through `HTTPS_PROXY`: the proxy sees `CONNECT host:443` and nothing else — no
    /// Authorization, no path, no email — and a proxy that refuses the tunnel (407) is a
    /// `Connect` error (never sent).
    fn tunnel_parent(test: &str) {
        let proxy = Hostile::always(Act::Raw(
            b"HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\n\r\n".to_vec(),
        ));
        let proxy_url = format!("http://127.0.0.1:{}", proxy.port);
        let output = Process::new(std::env::current_exe().unwrap())
            .args([test, "--exact", "--nocapture", "--test-threads=1"])
            .env(TUNNEL_CHILD, "1")
            .env("HTTPS_PROXY", &proxy_url)
            .env("https_proxy", &proxy_url)
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "the child failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let heads: Vec<String> = proxy.requests().iter().map(|r| r.head.clone()).collect();
        assert!(!heads.is_empty(), "the proxy was not used");
        for head in &heads {
            assert!(head.starts_with("CONNECT api.bento.invalid:443 "), "{head}");
            for needle in NEEDLES.iter().chain(&["fetch", "site_uuid"]) {
                assert!(!head.contains(needle), "{needle} sent to the proxy: {head}");
            }
        }
    }

    fn tunnel_child_check(err: &Error) {
        assert_eq!(transport_kind(err), TransportErrorKind::Connect, "{err:?}");
        assert!(err.never_sent());
        clean(err);
    }

    #[test]
    fn blocking_https_through_a_proxy_shows_it_only_the_host() {
        if std::env::var_os(TUNNEL_CHILD).is_some() {
            let c = bento::blocking::Client::new(
                config("https://api.bento.invalid/api/v1").build().unwrap(),
            )
            .unwrap();
            tunnel_child_check(&c.find_subscriber(EMAIL).unwrap_err());
        } else {
            tunnel_parent("proxy_env::blocking_https_through_a_proxy_shows_it_only_the_host");
        }
    }

    #[tokio::test]
    async fn async_https_through_a_proxy_shows_it_only_the_host() {
        if std::env::var_os(TUNNEL_CHILD).is_some() {
            let c = bento::Client::new(config("https://api.bento.invalid/api/v1").build().unwrap())
                .unwrap();
            tunnel_child_check(&c.find_subscriber(EMAIL).await.unwrap_err());
        } else {
            tunnel_parent("proxy_env::async_https_through_a_proxy_shows_it_only_the_host");
        }
    }

    #[test]
    fn blocking_plain_http_ignores_proxy_variables() {
        match std::env::var(CHILD) {
            Ok(base) => {
                let c = bento::blocking::Client::new(config(&base).build().unwrap()).unwrap();
                c.get_tags().unwrap();
            }
            Err(_) => parent("proxy_env::blocking_plain_http_ignores_proxy_variables"),
        }
    }

    #[tokio::test]
    async fn async_plain_http_ignores_proxy_variables() {
        match std::env::var(CHILD) {
            Ok(base) => {
                let c = bento::Client::new(config(&base).build().unwrap()).unwrap();
                c.get_tags().await.unwrap();
            }
            Err(_) => parent("proxy_env::async_plain_http_ignores_proxy_variables"),
        }
    }
}

/// Extreme but accepted configurations: no panic (e.g. an `Instant + Duration::MAX`
/// overflow in a timer), and a call still completes.
mod extreme_config {
    use super::*;

    both_clients! {
        duration_max_timeouts_and_deadlines_do_not_panic => {
            let server = Hostile::always(Act::Raw(json(200, r#"{"data":[]}"#)));
            let policy = RetryPolicy {
                max_retries: u32::MAX,
                base_delay: Duration::MAX,
                max_delay: Duration::MAX,
                max_retry_after: Duration::MAX,
                ..RetryPolicy::default()
            };
            for builder in [
                config(&server.base_url()).timeout(Duration::MAX).connect_timeout(Duration::MAX).no_deadline(),
                config(&server.base_url()).timeout(Duration::MAX).deadline(Duration::MAX),
                config(&server.base_url()).retry_policy(policy.clone()).deadline(Duration::MAX),
                config(&server.base_url()).max_response_bytes(usize::MAX),
            ] {
                let c = client!(builder.build().unwrap());
                assert!(call!(c.get_tags()).unwrap().is_empty());
                let c = c.with_deadline(Some(Duration::MAX)).unwrap();
                assert!(call!(c.get_tags()).unwrap().is_empty());
            }
        }
    }
}

/// The blocking client called from inside a current-thread tokio runtime (its docs: "safe
/// from any thread — even one inside an async runtime"), and dropped there.
#[tokio::test(flavor = "current_thread")]
async fn the_blocking_client_works_inside_a_current_thread_runtime() {
    let server = Hostile::always(Act::Raw(json(200, r#"{"data":[]}"#)));
    let c = bento::blocking::Client::new(config(&server.base_url()).build().unwrap()).unwrap();
    assert!(c.get_tags().unwrap().is_empty());
    let err = {
        let stalled = Hostile::always(Act::Stall);
        let c2 =
            bento::blocking::Client::new(config(&stalled.base_url()).build().unwrap()).unwrap();
        c2.track(Event::tag(EMAIL, "vip")).unwrap_err()
    };
    assert_eq!(transport_kind(&err), TransportErrorKind::Timeout);
    drop(c);
}

/// One stalled call must not hold up the others sharing a blocking client (one I/O thread
/// for all of them): the calls are futures on that thread, not blocking reads.
#[test]
fn a_stalled_call_does_not_block_other_threads_on_the_same_blocking_client() {
    let server = Hostile::script(|n| {
        if n == 0 {
            Act::Stall
        } else {
            Act::Raw(json(200, r#"{"data":[]}"#))
        }
    });
    let c = bento::blocking::Client::new(
        config(&server.base_url())
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap(),
    )
    .unwrap();
    let stalled = {
        let c = c.clone();
        std::thread::spawn(move || c.track(Event::tag(EMAIL, "vip")))
    };
    while server.connections() == 0 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let started = Instant::now();
    let others: Vec<_> = (0..8)
        .map(|_| {
            let c = c.clone();
            std::thread::spawn(move || c.get_tags())
        })
        .collect();
    for t in others {
        assert!(t.join().unwrap().unwrap().is_empty());
    }
    within(started, Duration::from_secs(2));
    assert!(!stalled.is_finished(), "the stalled call is still waiting");
    let err = stalled.join().unwrap().unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Timeout);
}

/// A 303 See Other answers a POST the server has *processed* (Post/Redirect/Get), and any
/// 3xx may come after the handler ran. A chunk of events answered with a redirect is
/// reported `Rejected` ("did not act on it") and `safe_to_resend()`, so following the
/// report's advice can duplicate every event of the chunk.
mod redirect_delivery {
    use super::*;

    fn server() -> Hostile {
        Hostile::always(Act::Raw(response(
            303,
            &[("location", "/api/v1/batch/events/1")],
            "",
        )))
    }

    fn check<T>(report: &bento::BatchReport<T>) {
        let chunk = &report.failed_chunks[0];
        assert!(matches!(chunk.error, Error::Api { status: 303, .. }));
        assert_eq!(chunk.delivery, Delivery::MaybeReceived);
        assert!(
            !chunk.safe_to_resend(),
            "events after a 303 may have been stored"
        );
    }

    #[test]
    fn blocking_events_answered_303_are_not_safe_to_resend() {
        let server = server();
        let c = bento::blocking::Client::new(config(&server.base_url()).build().unwrap()).unwrap();
        let events = (0..10).map(|i| Event::tag(format!("u{i}@example.com"), "vip"));
        check(
            &c.track_events_chunked(events, ChunkOptions::default())
                .unwrap(),
        );
    }

    #[tokio::test]
    async fn async_events_answered_303_are_not_safe_to_resend() {
        let server = server();
        let c = bento::Client::new(config(&server.base_url()).build().unwrap()).unwrap();
        let events = (0..10).map(|i| Event::tag(format!("u{i}@example.com"), "vip"));
        check(
            &c.track_events_chunked(events, ChunkOptions::default())
                .await
                .unwrap(),
        );
    }
}
