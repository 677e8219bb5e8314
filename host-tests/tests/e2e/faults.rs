//! The fault matrix: each failure the API or the network can produce maps onto the right
//! `error-details` case (a `bento-error`'s `details`), and nothing traps.

use bento_emulator::{FaultAction, FaultRule};
use host_tests::api::{self, ErrorDetails};

use crate::{Setup, call, fast_retries, import_row};

/// No retries, so each fault is seen once.
fn no_retries() -> Setup {
    Setup::with(|c| c.retry = Some(fast_retries(0)))
}

fn get_tags_error(t: &mut Setup) -> ErrorDetails {
    call!(t, call_get_tags).expect_err("the fault surfaces")
}

/// An error is a resource: its details can be read more than once and give the same answer,
/// and a handle dropped without being read is no trap. The instance stays usable.
#[test]
fn an_error_is_a_resource_read_any_number_of_times_and_dropped() {
    let mut t = Setup::with(|c| c.secret_key = "wrong".into());
    let client = t.client;
    let answer = t
        .instance
        .call(|api, store| api.call_get_tags(store, client))
        .expect("no trap");
    let error = answer.expect_err("a wrong key is an error");
    let read = |t: &mut Setup| {
        t.instance
            .call_api(|api, store| api.bento_error().call_details(store, error))
            .expect("no trap")
    };
    let (first, second) = (read(&mut t), read(&mut t));
    assert!(matches!(first, ErrorDetails::Unauthorized(_)), "{first:?}");
    assert_eq!(first, second);
    assert_eq!(t.instance.error_details(error).expect("no trap"), first);

    let unread = t
        .instance
        .call(|api, store| api.call_get_tags(store, client))
        .expect("no trap")
        .expect_err("still an error");
    t.instance
        .call_api(|_, store| unread.resource_drop(store))
        .expect("dropping an unread error is no trap");
    assert!(matches!(
        get_tags_error(&mut t),
        ErrorDetails::Unauthorized(_)
    ));
}

#[test]
fn unauthorized_401() {
    let mut t = Setup::with(|c| c.secret_key = "wrong".into());
    match get_tags_error(&mut t) {
        ErrorDetails::Unauthorized(e) => {
            assert!(!e.message.contains("wrong"));
            // The emulator's x-request-id crosses the boundary (issue 13).
            assert!(
                e.request_id
                    .as_deref()
                    .is_some_and(|id| id.starts_with("req_")),
                "{:?}",
                e.request_id
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn forbidden_403_404_and_422_are_api_status() {
    let mut t = no_retries();
    for status in [403, 404] {
        t.emu
            .add_fault(FaultRule::new(FaultAction::status(status)).once());
        match get_tags_error(&mut t) {
            ErrorDetails::ApiStatus(e) => assert_eq!(e.status, status),
            other => panic!("{status}: {other:?}"),
        }
    }
    // The emulator's own 422: deleting the data of an unknown subscriber.
    match call!(t, call_request_data_deletion, "unknown@example.com") {
        Err(ErrorDetails::ApiStatus(e)) => assert_eq!(e.status, 422, "{e:?}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn rate_limit_with_retry_after_is_waited_out() {
    let mut t = Setup::start();
    t.emu.add_fault(
        FaultRule::new(FaultAction::Status {
            status: 429,
            body: None,
            retry_after: Some(1),
            content_type: None,
        })
        .path_prefix("/fetch/tags")
        .once(),
    );
    let started = std::time::Instant::now();
    call!(t, call_get_tags).expect("succeeds after the wait");
    assert!(started.elapsed() >= std::time::Duration::from_millis(900));
    let tags_requests = t
        .emu
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/fetch/tags"))
        .count();
    assert_eq!(tags_requests, 2);
}

#[test]
fn rate_limit_beyond_retries_is_rate_limited() {
    let mut t = no_retries();
    t.emu.add_fault(FaultRule::new(FaultAction::Status {
        status: 429,
        body: None,
        retry_after: Some(7),
        content_type: None,
    }));
    match get_tags_error(&mut t) {
        ErrorDetails::RateLimited(e) => {
            assert_eq!(e.retry_after_ms, Some(7_000));
            assert!(
                e.request_id
                    .as_deref()
                    .is_some_and(|id| id.starts_with("req_"))
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn author_not_authorized_500() {
    let mut t = no_retries();
    let email = api::Email {
        to: "reader@example.com".into(),
        from: "stranger@example.com".into(),
        subject: "Hi".into(),
        html_body: "<p>Hi</p>".into(),
        transactional: true,
        personalizations: None,
    };
    match call!(t, call_send_emails, &[email]) {
        Err(ErrorDetails::AuthorNotAuthorized(id)) => {
            assert!(id.is_some_and(|id| id.starts_with("req_")))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn service_unavailable_503_retried_then_reported() {
    let mut t = Setup::start();
    t.emu.add_fault(
        FaultRule::new(FaultAction::status(503))
            .path_prefix("/fetch/tags")
            .once(),
    );
    call!(t, call_get_tags).expect("the retry succeeds");

    let mut t = no_retries();
    t.emu.add_fault(FaultRule::new(FaultAction::status(503)));
    match get_tags_error(&mut t) {
        ErrorDetails::ApiStatus(e) => assert_eq!(e.status, 503),
        other => panic!("{other:?}"),
    }
}

#[test]
fn dropped_connection_is_transport_io() {
    let mut t = no_retries();
    t.emu.add_fault(FaultRule::new(FaultAction::DropConnection {
        after_handling: false,
    }));
    match get_tags_error(&mut t) {
        ErrorDetails::Transport(e) => assert_eq!(e.kind, api::TransportKind::Io, "{e:?}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn truncated_body_is_transport_io() {
    let mut t = no_retries();
    t.emu.add_fault(FaultRule::new(FaultAction::TruncatedBody {
        status: 200,
        body: None,
    }));
    match get_tags_error(&mut t) {
        ErrorDetails::Transport(e) => assert_eq!(e.kind, api::TransportKind::Io, "{e:?}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn slow_server_is_timeout() {
    let mut t = Setup::with(|c| {
        c.retry = Some(fast_retries(0));
        c.timeout_ms = Some(300);
    });
    t.emu
        .add_fault(FaultRule::new(FaultAction::Latency { ms: 2_000 }).once());
    assert!(matches!(get_tags_error(&mut t), ErrorDetails::Timeout(_)));
}

#[test]
fn refused_connection_is_transport_connect() {
    let mut t = no_retries();
    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let mut config = crate::config_for(&t.emu);
    config.base_url = Some(format!("http://127.0.0.1:{port}/api/v1"));
    config.retry = Some(fast_retries(0));
    let client = t
        .instance
        .client(&config)
        .expect("no trap")
        .expect("valid config");
    t.client = client;
    match get_tags_error(&mut t) {
        ErrorDetails::Transport(e) => assert_eq!(e.kind, api::TransportKind::Connect, "{e:?}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn malformed_json_is_decode() {
    let mut t = no_retries();
    t.emu
        .add_fault(FaultRule::new(FaultAction::MalformedJson { status: 200 }));
    match get_tags_error(&mut t) {
        ErrorDetails::Decode(e) => assert_eq!(e.status, 200),
        other => panic!("{other:?}"),
    }
}

#[test]
fn html_error_page_is_api_status_with_text() {
    let mut t = no_retries();
    t.emu
        .add_fault(FaultRule::new(FaultAction::Html { status: 503 }));
    match get_tags_error(&mut t) {
        ErrorDetails::ApiStatus(e) => {
            assert_eq!(e.status, 503);
            assert!(!e.message.contains('<'), "{}", e.message);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn oversize_body_is_response_too_large() {
    let mut t = Setup::with(|c| {
        c.retry = Some(fast_retries(0));
        c.max_response_bytes = Some(256 * 1024);
    });
    t.emu.add_fault(FaultRule::new(FaultAction::HugeBody {
        status: 200,
        megabytes: 2,
    }));
    match get_tags_error(&mut t) {
        ErrorDetails::Transport(e) => {
            assert_eq!(e.kind, api::TransportKind::ResponseTooLarge, "{e:?}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_failed_chunk_returns_exactly_its_records() {
    let mut t = no_retries();
    t.emu.add_fault(
        FaultRule::new(FaultAction::status(500))
            .method("POST")
            .exact_path("/batch/subscribers")
            .once(),
    );
    // Custom fields as the host wrote them (spaces, member order): given back as written.
    let rows: Vec<_> = (0..25)
        .map(|i| {
            let mut row = import_row(&format!("chunk{i}@example.com"));
            row.custom_fields = Some(format!(" {{ \"z\" : {i}, \"a\":\"x\" }}\n"));
            row
        })
        .collect();
    let report = call!(
        t,
        call_import_subscribers_chunked,
        &rows,
        api::ChunkOptions {
            chunk_size: Some(10),
            max_rate_limited_chunks: None,
            deadline_ms: None
        }
    )
    .expect("a report, not an error");
    assert_eq!(
        (report.records, report.chunks, report.accepted),
        (25, 3, 15)
    );
    assert_eq!(report.failed_chunks.len(), 1);
    let failed = &report.failed_chunks[0];
    assert_eq!((failed.index, failed.offset), (0, 0));
    assert_eq!(failed.records, rows[..10]);
    assert!(matches!(&failed.error, ErrorDetails::ApiStatus(e) if e.status == 500));
    assert_eq!(t.emu.state()["counts"]["subscribers"], 15);
}

#[test]
fn an_invalid_chunk_in_the_middle_returns_its_records() {
    let mut t = no_retries();
    let mut rows: Vec<_> = (0..25)
        .map(|i| import_row(&format!("mid{i}@example.com")))
        .collect();
    rows[14].email = "not-an-email".into();
    let report = call!(
        t,
        call_import_subscribers_chunked,
        &rows,
        api::ChunkOptions {
            chunk_size: Some(10),
            max_rate_limited_chunks: None,
            deadline_ms: None
        }
    )
    .expect("a report");
    assert_eq!(report.accepted, 15);
    assert_eq!(report.failed_chunks.len(), 1);
    let failed = &report.failed_chunks[0];
    assert_eq!((failed.index, failed.offset), (1, 10));
    assert_eq!(failed.records, rows[10..20]);
    assert!(matches!(&failed.error, ErrorDetails::InvalidInput(_)));
}

/// The component logs nothing by default (issue 13): a retried call, a failed call and a
/// refused input write nothing to `wasi:cli/stderr`, its only output (kept for panic messages).
#[test]
fn retries_and_errors_write_nothing_to_stderr() {
    let mut t = Setup::with(|c| c.retry = Some(fast_retries(1)));
    t.emu.add_fault(
        FaultRule::new(FaultAction::status(503))
            .path_prefix("/fetch/tags")
            .once(),
    );
    call!(t, call_get_tags).expect("the retry succeeds");
    t.emu.add_fault(FaultRule::new(FaultAction::status(503)));
    get_tags_error(&mut t);
    let bad = api::Email {
        to: "not an address".into(),
        from: "sender@example.com".into(),
        subject: "Hi".into(),
        html_body: "<p>Hi</p>".into(),
        transactional: true,
        personalizations: None,
    };
    assert!(matches!(
        call!(t, call_send_emails, &[bad]),
        Err(ErrorDetails::InvalidInput(_))
    ));
    assert_eq!(t.instance.stderr(), "", "the component wrote to stderr");
}

#[test]
fn a_server_that_never_reads_the_body_is_a_timeout_not_a_hang() {
    // Accepts the connection and never reads from it: once the socket buffers are full the
    // body cannot go out, and the call must end at its timeout (the guest waits on the
    // stream within its deadline; the host's first-byte timeout may end it first).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        let held = listener.accept();
        std::thread::sleep(std::time::Duration::from_secs(8));
        drop(held);
    });
    let mut t = Setup::with(|c| {
        c.base_url = Some(format!("http://{addr}/api/v1"));
        c.retry = Some(fast_retries(0));
        c.timeout_ms = Some(500);
    });
    // About 8 MB of body: more than loopback buffers take from a server that does not read.
    let blob = "x".repeat(8_000);
    let rows: Vec<_> = (0..1000)
        .map(|i| {
            let mut row = import_row(&format!("big{i}@example.com"));
            row.custom_fields = Some(format!("{{\"blob\":\"{blob}\"}}"));
            row
        })
        .collect();
    let started = std::time::Instant::now();
    let err = call!(t, call_import_subscribers, &rows).unwrap_err();
    assert!(matches!(err, ErrorDetails::Timeout(_)), "{err:?}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
