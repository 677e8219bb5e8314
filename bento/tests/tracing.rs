//! The `tracing` feature (issue 13, item 2): one span per operation, one event per attempt
//! (status, latency, request id, the retry decision and its delay, the `Retry-After` seen),
//! one event per chunk — and nothing secret. A subscriber captures everything at TRACE,
//! dependencies' `tracing` and `log` records included, while both clients ride a 429 with
//! `Retry-After`, a 503, a 401 and a chunked import through the emulator; the capture is
//! then searched for the secret key, the `Authorization` value and every email used.
//!
//! (This binary enables the feature through the dev-dependency on `bento-core`.)

use std::io::Write;
use std::sync::{Arc, Mutex};

use bento::{ChunkOptions, ConfigBuilder, Error, Event, ImportSubscriberData, RetryPolicy};
use bento_emulator::{Emulator, EmulatorConfig, FaultAction, FaultRule};
use tracing_subscriber::util::SubscriberInitExt;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

fn emails(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("trace.person{i}@example.com"))
        .collect()
}

#[test]
fn spans_and_events_show_every_attempt_and_chunk_and_no_secret() {
    let capture = Capture::default();
    // Everything, from every crate: the SDK's spans and events, reqwest/hyper/h2/rustls
    // records (through the `log` bridge).
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish()
        // The global default, for every thread (the blocking client's I/O thread, reqwest's),
        // and the `log` bridge.
        .try_init()
        .expect("one subscriber per test binary");

    let emu = Emulator::start(EmulatorConfig::default()).unwrap();
    let config = ConfigBuilder::new()
        .publishable_key(emu.publishable_key())
        .secret_key(emu.secret_key())
        .site_uuid(emu.site_uuid())
        .base_url(emu.base_url())
        .retry_policy(RetryPolicy {
            base_delay: std::time::Duration::from_millis(5),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    let basic = {
        use base64::Engine;
        let pair = format!("{}:{}", emu.publishable_key(), emu.secret_key());
        base64::engine::general_purpose::STANDARD.encode(pair)
    };
    let used = emails(8);

    // A 429 with Retry-After on an event (retried: it was refused, so nothing happened),
    // a 503 on a lookup (retried: a GET is idempotent).
    emu.add_fault(
        FaultRule::new(FaultAction::Status {
            status: 429,
            body: None,
            retry_after: Some(0),
            content_type: None,
        })
        .exact_path("/api/v1/batch/events")
        .once(),
    );
    emu.add_fault(
        FaultRule::new(FaultAction::status(503))
            .exact_path("/api/v1/fetch/subscribers")
            .once(),
    );
    let blocking = bento::blocking::Client::new(config.clone()).unwrap();
    blocking
        .track(Event::tag(&used[0], "traced"))
        .expect("retried to success");
    blocking.find_subscriber(&used[0]).unwrap();
    let rows = used[1..7].iter().map(ImportSubscriberData::new);
    let report = blocking
        .import_subscribers_chunked(rows, ChunkOptions::default().chunk_size(2))
        .unwrap();
    assert!(report.is_complete(), "{report:?}");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = bento::Client::new(config.clone()).unwrap();
        emu.add_fault(
            FaultRule::new(FaultAction::Status {
                status: 429,
                body: None,
                retry_after: Some(0),
                content_type: None,
            })
            .exact_path("/api/v1/batch/events")
            .once(),
        );
        client.track(Event::tag(&used[7], "traced")).await.unwrap();
        let wrong = bento::Client::new(
            ConfigBuilder::new()
                .publishable_key(emu.publishable_key())
                .secret_key("sk_wrong_0123456789")
                .site_uuid(emu.site_uuid())
                .base_url(emu.base_url())
                .build()
                .unwrap(),
        )
        .unwrap();
        let e = wrong.find_subscriber(&used[7]).await.unwrap_err();
        assert!(matches!(e, Error::NotAuthorized { .. }), "{e}");
    });

    let text = String::from_utf8_lossy(&capture.0.lock().unwrap()).into_owned();
    // The operation spans, with name, method and path template.
    assert!(text.contains("bento.operation"), "{text}");
    assert!(text.contains("operation=\"TrackEvents\""), "{text}");
    assert!(text.contains("method=POST"), "{text}");
    assert!(text.contains("path=/api/v1/batch/events"), "{text}");
    // Every attempt: the 429 with its Retry-After and the wait, the 503, the success.
    assert!(
        text.contains("retrying")
            && text.contains("status=429")
            && text.contains("retry_after=\"0\""),
        "{text}"
    );
    assert!(
        text.contains("status=503") && text.contains("retry_in_ms="),
        "{text}"
    );
    assert!(text.contains("attempt=2"), "{text}");
    assert!(text.contains("latency_ms="), "{text}");
    assert!(text.contains("request_id=\"req_"), "{text}");
    assert!(
        text.contains("status=401") && text.contains("done=\"error\""),
        "{text}"
    );
    // One event per chunk, with the run's counts so far.
    let chunks = text.matches("bento.chunk").count();
    assert_eq!(chunks, 3, "{text}");
    assert!(
        text.contains("records=2") && text.contains("accepted=6"),
        "{text}"
    );

    // Nothing secret, no subscriber.
    for secret in [emu.secret_key(), "sk_wrong_0123456789", basic.as_str()] {
        assert!(!text.contains(secret), "a secret in the trace");
    }
    assert!(
        !text.contains(basic.trim_end_matches('=')),
        "the Authorization value in the trace"
    );
    for email in &used {
        let encoded = email.replace('@', "%40");
        assert!(
            !text.contains(email.as_str()) && !text.contains(&encoded),
            "{email} in the trace"
        );
    }
}
