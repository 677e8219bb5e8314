//! Both clients against a real loopback HTTP server: success, retries, faults, and the chunked
//! import's report. The same scenario runs once per client.

// Tests own the clock: they measure how long retries waited.
#![allow(clippy::disallowed_methods)]

#[macro_use]
mod support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use bento::{
    ChunkOptions, Config, ConfigBuilder, EmailBatch, EmailData, Error, ImportSubscriberData,
    RetryPolicy, TransportErrorKind,
};
use support::{Reply, Server};

fn config(base_url: &str) -> ConfigBuilder {
    ConfigBuilder::new()
        .publishable_key("pk_test")
        .secret_key("sk_test_secret")
        .site_uuid("site-1")
        .base_url(base_url)
        .retry_policy(RetryPolicy {
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(100),
            ..RetryPolicy::default()
        })
}

fn email() -> EmailBatch {
    EmailBatch::new(vec![EmailData {
        to: "recipient@example.com".into(),
        from: "sender@example.com".into(),
        subject: "Reset".into(),
        html_body: "<p>hi</p>".into(),
        transactional: true,
        personalizations: None,
    }])
    .unwrap()
}

const TAGS: &str = r#"{"data":[{"id":"1","type":"tags","attributes":{"name":"vip","created_at":"2026-01-01T00:00:00Z","discarded_at":null,"site_id":1}}]}"#;

both_clients! {
    success_sends_auth_user_agent_and_site_uuid => {
        let server = Server::start(vec![Reply::json(200, TAGS)]);
        let c = client!(config(&server.base_url).build().unwrap());
        let tags = call!(c.get_tags()).unwrap();
        assert_eq!(tags[0].attributes.name, "vip");
        let req = &server.requests()[0];
        assert_eq!(req.method, "GET");
        assert_eq!(req.target, "/api/v1/fetch/tags?site_uuid=site-1");
        assert_eq!(req.header("authorization"), Some("Basic cGtfdGVzdDpza190ZXN0X3NlY3JldA=="));
        assert_eq!(req.header("user-agent"), Some("bento-rust-site-1"));
    }

    rate_limit_with_retry_after_is_waited_out_then_succeeds => {
        let server = Server::start(vec![
            Reply::json(429, r#"{"error":"Too Many Requests"}"#).with_header("retry-after", "1"),
            Reply::json(200, r#"{"results":1}"#),
        ]);
        let c = client!(config(&server.base_url).build().unwrap());
        let started = Instant::now();
        // 429 is retried even for a transactional email: the server did not act on it.
        let result = call!(c.send_emails(email())).unwrap();
        assert_eq!(result.results, 1);
        assert_eq!(server.requests().len(), 2);
        assert!(started.elapsed() >= Duration::from_millis(950), "{:?}", started.elapsed());
    }

    service_unavailable_is_retried_for_an_idempotent_call => {
        let server = Server::start(vec![
            Reply::json(503, r#"{"error":"busy"}"#),
            Reply::json(503, r#"{"error":"busy"}"#),
            Reply::json(200, TAGS),
        ]);
        let c = client!(config(&server.base_url).build().unwrap());
        assert_eq!(call!(c.get_tags()).unwrap().len(), 1);
        assert_eq!(server.requests().len(), 3);
    }

    retries_stop_after_max_retries => {
        let server = Server::start(vec![Reply::json(503, r#"{"error":"busy"}"#)]);
        let c = client!(config(&server.base_url).build().unwrap());
        let err = call!(c.get_tags()).unwrap_err();
        assert!(matches!(err, Error::Api { status: 503, .. }), "{err:?}");
        assert_eq!(server.requests().len(), 4);
    }

    a_timed_out_email_is_not_sent_again => {
        let server = Server::start(vec![Reply::json(200, r#"{"results":1}"#).delayed(Duration::from_millis(1500))]);
        let c = client!(config(&server.base_url).timeout(Duration::from_millis(300)).build().unwrap());
        let err = call!(c.send_emails(email())).unwrap_err();
        assert!(matches!(err, Error::Transport { kind: TransportErrorKind::Timeout, .. }), "{err:?}");
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(server.requests().len(), 1, "a transactional email must never be re-sent");
    }

    a_503_on_an_email_is_not_sent_again => {
        let server = Server::start(vec![Reply::json(503, r#"{"error":"busy"}"#), Reply::json(200, r#"{"results":1}"#)]);
        let c = client!(config(&server.base_url).build().unwrap());
        let err = call!(c.send_emails(email())).unwrap_err();
        assert!(matches!(err, Error::Api { status: 503, .. }), "{err:?}");
        assert_eq!(server.requests().len(), 1);
    }

    unauthorized_is_classified => {
        let server = Server::start(vec![Reply::json(401, r#"{"error":"Unauthorized"}"#)]);
        let c = client!(config(&server.base_url).build().unwrap());
        let err = call!(c.get_tags()).unwrap_err();
        assert_eq!(err, Error::NotAuthorized { request_id: None, message: "Unauthorized".into() });
        assert!(!err.to_string().contains("sk_test_secret"));
    }

    a_sender_that_is_not_an_author_is_classified => {
        let server = Server::start(vec![Reply::json(500, r#"{"error":"Author not authorized to send on this account"}"#)]);
        let c = client!(config(&server.base_url).build().unwrap());
        assert_eq!(call!(c.send_emails(email())).unwrap_err(), Error::AuthorNotAuthorized { request_id: None });
        assert_eq!(server.requests().len(), 1);
    }

    malformed_json_is_a_decode_error => {
        let server = Server::start(vec![Reply::json(200, r#"{"data":[{"id":"#)]);
        let c = client!(config(&server.base_url).build().unwrap());
        let err = call!(c.get_tags()).unwrap_err();
        assert!(matches!(err, Error::Decode { status: 200, .. }), "{err:?}");
    }

    an_html_error_page_becomes_a_short_api_error => {
        let page = format!("<html><body><h1>Sorry, you have been blocked</h1>{}</body></html>", "x".repeat(10_000));
        let server = Server::start(vec![Reply::html(403, &page)]);
        let c = client!(config(&server.base_url).build().unwrap());
        match call!(c.get_tags()).unwrap_err() {
            Error::Api { status: 403, message, .. } => {
                assert!(message.starts_with("Sorry, you have been blocked"), "{message}");
                assert!(message.len() < 300);
            }
            other => panic!("{other:?}"),
        }
    }

    connection_refused_is_a_connect_error_after_retries => {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let c = client!(config(&format!("http://127.0.0.1:{port}/api/v1")).build().unwrap());
        let err = call!(c.get_tags()).unwrap_err();
        assert!(matches!(err, Error::Transport { kind: TransportErrorKind::Connect, .. }), "{err:?}");
        assert!(err.never_sent());
    }

    a_dropped_connection_is_retried_for_idempotent_calls => {
        let server = Server::start(vec![Reply::Close, Reply::json(200, TAGS)]);
        let c = client!(config(&server.base_url).build().unwrap());
        assert_eq!(call!(c.get_tags()).unwrap().len(), 1);
        assert_eq!(server.requests().len(), 2);
    }

    an_oversize_body_is_refused => {
        let big = format!(r#"{{"data":[],"pad":"{}"}}"#, "x".repeat(100_000));
        let server = Server::start(vec![Reply::json(200, &big)]);
        let c = client!(config(&server.base_url).max_response_bytes(10_000).build().unwrap());
        let err = call!(c.get_tags()).unwrap_err();
        assert!(matches!(err, Error::Transport { kind: TransportErrorKind::ResponseTooLarge, .. }), "{err:?}");
        assert_eq!(server.requests().len(), 1, "a too-large answer is not worth asking again");
    }

    invalid_input_sends_nothing => {
        let server = Server::start(vec![Reply::json(200, "{}")]);
        let c = client!(config(&server.base_url).build().unwrap());
        let err = call!(c.find_subscriber("not an email")).unwrap_err();
        assert_eq!(err.to_string(), "invalid input: email: is not a valid email address");
        let err = call!(c.geolocate_ip("999.1.1.1")).unwrap_err();
        assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "ip"));
        let err = call!(c.import_subscribers(Vec::new())).unwrap_err();
        assert!(err.to_string().contains("between 1 and 1000"));
        assert!(server.requests().is_empty());
    }

    delete_sends_its_json_body => {
        let server = Server::start(vec![Reply::json(200, r#"{"message":"Tag (vip) deleted successfully"}"#)]);
        let c = client!(config(&server.base_url).build().unwrap());
        let res = call!(c.delete_tag("5510", "vip")).unwrap();
        assert_eq!(res.message, "Tag (vip) deleted successfully");
        let req = &server.requests()[0];
        assert_eq!(req.method, "DELETE");
        assert_eq!(req.path(), "/api/v1/fetch/tags/5510");
        assert_eq!(req.json(), serde_json::json!({"tag": {"name": "vip"}}));
    }

    chunked_import_returns_exactly_the_records_of_the_rejected_chunk => {
        // The 4th request is rejected; every other chunk is accepted.
        let server = Server::with(|_, n| if n == 3 {
            Reply::json(422, r#"{"error":"rejected"}"#)
        } else {
            Reply::json(200, r#"{"results":1000,"failed":0}"#)
        });
        let c = client!(config(&server.base_url).build().unwrap());
        let rows = (0..10_000).map(|i| ImportSubscriberData::new(format!("user{i}@example.com")));
        let report = call!(c.import_subscribers_chunked(rows, ChunkOptions::default())).unwrap();
        assert_eq!((report.records, report.chunks, report.accepted), (10_000, 10, 9_000));
        assert_eq!(report.failed_chunks.len(), 1);
        let failed = &report.failed_chunks[0];
        assert!(matches!(failed.error, Error::Api { status: 422, .. }));
        let rejected = server.requests()[3].json();
        let rejected: Vec<&str> = rejected["subscribers"].as_array().unwrap().iter().map(|s| s["email"].as_str().unwrap()).collect();
        let returned: Vec<&str> = failed.records.iter().map(|r| r.email.as_str()).collect();
        assert_eq!(returned, rejected);
        assert_eq!(failed.offset, failed.index * 1000);
        // Nothing lost, nothing duplicated: every record was sent exactly once.
        let sent: HashSet<String> = server.requests().iter()
            .flat_map(|r| r.json()["subscribers"].as_array().unwrap().iter().map(|s| s["email"].as_str().unwrap().to_owned()).collect::<Vec<_>>())
            .collect();
        assert_eq!(sent.len(), 10_000);
    }

    partial_failures_keep_their_records => {
        let server = Server::start(vec![Reply::json(200, r#"{"results":2,"failed":1}"#)]);
        let c = client!(config(&server.base_url).build().unwrap());
        let rows = (0..3).map(|i| ImportSubscriberData::new(format!("user{i}@example.com")));
        let report = call!(c.import_subscribers_chunked(rows, ChunkOptions::default())).unwrap();
        assert_eq!((report.accepted, report.failed), (2, 1));
        assert_eq!(report.partial_chunks[0].records.len(), 3);
        assert!(!report.is_complete());
    }
}

#[test]
fn clients_are_send_sync_clone_and_never_debug_the_secret() {
    fn assert_traits<T: Send + Sync + Clone + 'static>() {}
    assert_traits::<bento::Client>();
    assert_traits::<bento::blocking::Client>();
    let config: Config = config("http://127.0.0.1:9/api/v1").build().unwrap();
    let blocking = bento::blocking::Client::new(config.clone()).unwrap();
    let shown = format!("{blocking:?}");
    assert!(
        !shown.contains("sk_test_secret") && shown.contains("<redacted>"),
        "{shown}"
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = rt.block_on(async { bento::Client::new(config).unwrap() });
    assert!(!format!("{client:?}").contains("sk_test_secret"));
}
