//! The hostile-server cases of `bento/tests/hostile.rs` that the component's own code decides
//! (its wasi:http transport and the WIT mapping), run through the component in wasmtime against
//! the same raw loopback server (`bento_emulator::hostile`). Each case is bounded in time, must
//! not trap, and its error must not carry the secret.

#![allow(clippy::disallowed_methods)] // the tests measure how long calls took

use std::time::{Duration, Instant};

use bento_emulator::hostile::{self as server, Act, Hostile, head, json};
use host_tests::api::{self, ErrorDetails};

use crate::{Setup, call, event, import_row};

const SECRET: &str = "sk_hostile_component_secret";

fn setup(server: &Hostile, tweak: impl FnOnce(&mut api::Config)) -> Setup {
    let base = server.base_url();
    Setup::with(move |c| {
        c.base_url = Some(base);
        c.secret_key = SECRET.into();
        c.timeout_ms = Some(1_000);
        tweak(c);
    })
}

fn no_secret(e: &ErrorDetails) {
    let shown = format!("{e:?}");
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(!shown.contains("jane.doe"), "{shown}");
}

fn within(started: Instant, bound: Duration) {
    assert!(started.elapsed() < bound, "took {:?}", started.elapsed());
}

#[test]
fn a_redirect_on_a_post_is_an_error_naming_the_origin_and_is_not_followed() {
    let target = Hostile::always(Act::Raw(json(200, r#"{"results":1}"#)));
    let location = format!("{}/elsewhere?email=jane.doe%40example.com", target.origin());
    let server = Hostile::always(Act::Raw(head(
        "307 Temporary Redirect",
        &[("location", &location), ("content-length", "0")],
    )));
    let mut t = setup(&server, |_| {});
    let e = call!(t, call_track, &event("signup", "jane.doe@example.com")).unwrap_err();
    match &e {
        ErrorDetails::ApiStatus(a) => {
            assert_eq!(a.status, 307);
            assert!(a.message.contains(&target.origin()), "{}", a.message);
            assert!(a.message.contains("not followed"), "{}", a.message);
        }
        other => panic!("{other:?}"),
    }
    no_secret(&e);
    assert_eq!(server.requests().len(), 1);
    assert_eq!(target.connections(), 0, "the redirect was followed");
}

#[test]
fn counters_that_do_not_add_up_are_a_decode_error() {
    let server = Hostile::always(Act::Raw(json(200, "{}")));
    let mut t = setup(&server, |_| {});
    let e = call!(t, call_track_events, &[event("a", "a@example.com")]).unwrap_err();
    assert!(
        matches!(&e, ErrorDetails::Decode(d) if d.status == 200),
        "{e:?}"
    );
}

#[test]
fn a_wrong_key_stops_a_chunked_import_after_one_request() {
    let server = Hostile::always(Act::Raw(json(401, r#"{"error":"Unauthorized"}"#)));
    let mut t = setup(&server, |_| {});
    let rows: Vec<_> = (0..3_000)
        .map(|i| import_row(&format!("u{i}@example.com")))
        .collect();
    let options = api::ChunkOptions {
        chunk_size: None,
        max_rate_limited_chunks: None,
        deadline_ms: None,
    };
    let report = call!(t, call_import_subscribers_chunked, &rows, options).unwrap();
    assert_eq!(server.requests().len(), 1);
    assert_eq!(report.failed_chunks.len(), 3);
    assert!(matches!(
        report.stopped,
        Some(ErrorDetails::Unauthorized(_))
    ));
    assert_eq!(report.failed_chunks[0].delivery, api::Delivery::Rejected);
    assert!(
        report.failed_chunks[1..]
            .iter()
            .all(|c| c.delivery == api::Delivery::NotSent && c.safe_to_resend)
    );
    let kept: usize = report.failed_chunks.iter().map(|c| c.records.len()).sum();
    assert_eq!(kept, 3_000);
}

#[test]
fn a_retry_after_past_the_deadline_returns_at_once() {
    let server = Hostile::always(Act::Raw(server::response(
        429,
        &[("retry-after", "30")],
        "",
    )));
    // A `Retry-After` the policy would wait out (30 s < 60 s) but that ends past the call's
    // deadline (5 s): `rate-limited` at once, not after a wait.
    let mut t = setup(&server, |c| {
        c.deadline_ms = Some(5_000);
        c.retry = Some(crate::fast_retries(3));
        if let Some(r) = c.retry.as_mut() {
            r.max_retry_after_ms = 60_000;
        }
    });
    let started = Instant::now();
    let e = call!(t, call_get_tags).unwrap_err();
    within(started, Duration::from_secs(1));
    match e {
        ErrorDetails::RateLimited(r) => assert_eq!(r.retry_after_ms, Some(30_000)),
        other => panic!("{other:?}"),
    }
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn an_endless_body_is_too_large_in_bounded_memory() {
    let server = Hostile::always(Act::Endless {
        head: head("200 OK", &[("content-type", "application/json")]),
        limit: 1 << 30,
        chunked: false,
    });
    let mut t = setup(&server, |c| c.max_response_bytes = Some(64 * 1024));
    let started = Instant::now();
    let e = call!(t, call_get_tags).unwrap_err();
    within(started, Duration::from_secs(10));
    match e {
        ErrorDetails::Transport(e) => assert_eq!(e.kind, api::TransportKind::ResponseTooLarge),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_stalled_server_times_out_within_the_bound() {
    let server = Hostile::always(Act::Stall);
    let mut t = setup(&server, |c| {
        c.retry = Some(crate::fast_retries(0));
    });
    let started = Instant::now();
    let e = call!(t, call_get_tags).unwrap_err();
    within(started, Duration::from_secs(5));
    assert!(matches!(e, ErrorDetails::Timeout(_)), "{e:?}");
}

/// What the call's deadline (`config.deadline-ms`) ends in: the last attempt's timeout, cut
/// to what was left of the deadline, or the deadline error when it ran out between attempts.
fn is_deadline_error(e: &ErrorDetails) -> bool {
    match e {
        ErrorDetails::Timeout(_) => true,
        ErrorDetails::Transport(t) => t.kind == api::TransportKind::Deadline,
        _ => false,
    }
}

#[test]
fn a_deadline_shorter_than_the_timeout_bounds_a_call_against_a_stalled_server() {
    let server = Hostile::always(Act::Stall);
    let mut t = setup(&server, |c| {
        c.timeout_ms = Some(10_000);
        c.deadline_ms = Some(700);
        c.retry = Some(crate::fast_retries(3));
    });
    let started = Instant::now();
    let e = call!(t, call_get_tags).unwrap_err();
    let took = started.elapsed();
    within(started, Duration::from_millis(1_700));
    assert!(
        took >= Duration::from_millis(650),
        "gave up early: {took:?}"
    );
    assert!(is_deadline_error(&e), "{e:?}");
    no_secret(&e);
    assert_eq!(
        server.requests().len(),
        1,
        "the only attempt used the whole budget"
    );
}

#[test]
fn the_deadline_bounds_the_retries_against_a_stalled_server() {
    let server = Hostile::always(Act::Stall);
    let mut t = setup(&server, |c| {
        c.timeout_ms = Some(300);
        c.deadline_ms = Some(1_000);
        c.retry = Some(crate::fast_retries(20));
    });
    let started = Instant::now();
    let e = call!(t, call_get_tags).unwrap_err();
    let took = started.elapsed();
    within(started, Duration::from_millis(2_000));
    assert!(
        took >= Duration::from_millis(900),
        "gave up early: {took:?}"
    );
    assert!(is_deadline_error(&e), "{e:?}");
    let attempts = server.requests().len();
    assert!(
        (2..=6).contains(&attempts),
        "{attempts} attempts of 300 ms in a 1 s deadline"
    );
}

#[test]
fn an_email_dropped_after_it_was_read_is_not_resent() {
    let server = Hostile::always(Act::DropAfterRead);
    let mut t = setup(&server, |_| {});
    let email = api::Email {
        to: "jane.doe@example.com".into(),
        from: "team@example.com".into(),
        subject: "Reset".into(),
        html_body: "<p>hi</p>".into(),
        transactional: true,
        personalizations: None,
    };
    let e = call!(t, call_send_emails, &[email]).unwrap_err();
    no_secret(&e);
    assert!(matches!(e, ErrorDetails::Transport(_)), "{e:?}");
    assert_eq!(
        server.requests().len(),
        1,
        "a possibly received email was re-sent"
    );
}

#[test]
fn garbage_status_lines_and_header_bombs_are_errors_not_traps() {
    for bytes in [
        b"HTTP/1.1 abc Nope\r\n\r\n".to_vec(),
        b"NOT HTTP AT ALL\r\n\r\n".to_vec(),
        {
            let mut b = b"HTTP/1.1 200 OK\r\nx-bomb: ".to_vec();
            b.extend(std::iter::repeat_n(b'a', 1 << 20));
            b.extend(b"\r\n\r\n{}");
            b
        },
    ] {
        let server = Hostile::always(Act::Raw(bytes));
        let mut t = setup(&server, |c| c.retry = Some(crate::fast_retries(0)));
        let started = Instant::now();
        let e = call!(t, call_get_tags).unwrap_err();
        within(started, Duration::from_secs(5));
        no_secret(&e);
    }
}

#[test]
fn an_echoed_secret_never_reaches_the_error() {
    let body = format!(r#"{{"error":"bad key {SECRET} for jane.doe@example.com"}}"#);
    let server = Hostile::always(Act::Raw(json(422, &body)));
    let mut t = setup(&server, |_| {});
    let e = call!(t, call_get_tags).unwrap_err();
    no_secret(&e);
    assert!(matches!(e, ErrorDetails::ApiStatus(_)), "{e:?}");
}

#[test]
fn dot_segments_in_ids_are_invalid_input_and_nothing_is_sent() {
    let server = Hostile::always(Act::Raw(json(200, "{}")));
    let mut t = setup(&server, |_| {});
    for id in [".", ".."] {
        let e = call!(t, call_delete_tag, id, "vip").unwrap_err();
        assert!(matches!(e, ErrorDetails::InvalidInput(_)), "{e:?}");
    }
    assert_eq!(server.connections(), 0);
}

#[test]
fn an_error_answer_over_the_size_cap_keeps_its_status() {
    // A 401 behind a 2 MB proxy page is still a wrong key (fatal for a chunked run), not
    // "response too large".
    let page = "x".repeat(2 << 20);
    let server = Hostile::always(Act::Raw(server::response(401, &[], &page)));
    let mut t = setup(&server, |c| c.max_response_bytes = Some(64 * 1024));
    let e = call!(t, call_get_tags).unwrap_err();
    assert!(matches!(e, ErrorDetails::Unauthorized(_)), "{e:?}");
}
