//! Rust-side tests: conversions, JSON validation, error mapping, secret redaction, no panic on
//! garbage, and a few calls against the in-process emulator (the Python and Kotlin suites run
//! it as a separate process).

use std::sync::Arc;
use std::time::Duration;

use bento_emulator::{Emulator, EmulatorConfig, FaultAction, FaultRule};

use crate::client::guard;
use crate::json::{parse_object, parse_value};
use crate::*;

const SECRET: &str = "sk_live_TOP_SECRET_42";

fn config(base_url: &str, pk: &str, secret: &str, site: &str) -> BentoConfig {
    BentoConfig {
        publishable_key: pk.into(),
        secret_key: secret.into(),
        site_uuid: site.into(),
        base_url: Some(base_url.into()),
        timeout_secs: Some(10.0),
        connect_timeout_secs: None,
        deadline_secs: None,
        max_response_bytes: None,
        user_agent: None,
        retry: Some(disabled_retry_settings()),
    }
}

fn emulator() -> (Emulator, Arc<BentoClient>) {
    let emu = Emulator::start(EmulatorConfig::default()).expect("emulator starts");
    let client = BentoClient::new(config(
        emu.base_url(),
        emu.publishable_key(),
        emu.secret_key(),
        emu.site_uuid(),
    ))
    .expect("client");
    (emu, client)
}

fn event(email: &str) -> Event {
    Event {
        event_type: "signed_up".into(),
        email: email.into(),
        fields_json: None,
        details_json: None,
        date: None,
        fields: None,
        details: None,
    }
}

fn row(email: &str) -> ImportSubscriber {
    ImportSubscriber {
        email: email.into(),
        first_name: None,
        last_name: None,
        tags: None,
        remove_tags: None,
        custom_fields_json: None,
        custom_fields: None,
    }
}

fn field_of(e: &BentoError) -> &str {
    match e {
        BentoError::InvalidInput { field, .. } => field,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

// ---- JSON ------------------------------------------------------------------------------

#[test]
fn json_text_is_validated_and_names_the_field() {
    assert!(parse_object("f", r#"{"a": [1, {"b": null}]}"#).is_ok());
    for bad in [
        "",
        "{",
        "[1]",
        "null",
        "1",
        "\"s\"",
        "{'a': 1}",
        "{\"a\": NaN}",
        "\u{0}",
    ] {
        let err = parse_object("events[2].details_json", bad).unwrap_err();
        assert_eq!(field_of(&err), "events[2].details_json", "{bad:?}");
    }
    assert!(parse_value("v", "42").is_ok());
    assert!(parse_value("v", "\"pro\"").is_ok());
}

#[test]
fn json_errors_say_whether_the_text_is_broken_or_not_an_object() {
    let reason = |text: &str| match parse_object(format_args!("rows[{}].x", 7), text) {
        Err(BentoError::InvalidInput { field, reason }) => {
            assert_eq!(field, "rows[7].x");
            reason
        }
        other => panic!("{text:?}: {other:?}"),
    };
    for (text, kind) in [
        ("[1]", "an array"),
        ("null", "null"),
        ("1.5", "a number"),
        ("\"s\"", "a string"),
        ("true", "a boolean"),
    ] {
        assert_eq!(reason(text), format!("must be a JSON object, not {kind}"));
    }
    for broken in ["{", "[", "[1,", "{\"a\":1} x", "{'a': 1}", ""] {
        assert!(
            reason(broken).starts_with("is not valid JSON text (line 1"),
            "{broken:?}"
        );
    }
    // Duplicate keys: the last one wins, as with any JSON object.
    let map = parse_object("f", r#"{"a":1,"a":2}"#).unwrap();
    assert_eq!(map["a"], 2);
}

#[test]
fn hostile_json_is_an_error_not_a_stack_overflow() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(parse_value("v", &deep).is_err());
    let deep_obj = format!("{}1{}", "{\"a\":".repeat(50_000), "}".repeat(50_000));
    assert!(parse_object("v", &deep_obj).is_err());
    let huge = format!("{{\"k\": \"{}\"}}", "x".repeat(MAX_JSON_TEXT + 1));
    let err = parse_object("big", &huge).unwrap_err();
    assert!(err.to_string().contains("too large"));
}

#[test]
fn json_outputs_round_trip() {
    let map = parse_object("f", r#"{"plan":"pro","seats":3}"#).unwrap();
    let text = json::map_text(map.clone());
    assert_eq!(parse_object("f", &text).unwrap(), map);
}

// ---- conversions -----------------------------------------------------------------------

#[test]
fn event_converts_both_ways() {
    let e = Event {
        fields_json: Some(r#"{"plan":"pro"}"#.into()),
        details_json: Some(r#"{"url":"/"}"#.into()),
        date: Some("2026-01-31".into()),
        ..event("a@example.com")
    };
    let core = e.to_core(&"event").unwrap();
    assert_eq!(core.fields.as_ref().unwrap()["plan"], "pro");
    assert_eq!(core.details.as_ref().unwrap()["url"], "/");
    let back = Event::from_core(core);
    assert_eq!(back.date.as_deref(), Some("2026-01-31"));
    assert_eq!(
        parse_object("x", back.details_json.as_deref().unwrap()).unwrap()["url"],
        "/"
    );
}

#[test]
fn purchase_event_builds_the_documented_details() {
    let e = purchase_event(
        "a@example.com".into(),
        "order-1".into(),
        1999,
        "USD".into(),
        Some(r#"{"items":[]}"#.into()),
        None,
    )
    .unwrap();
    assert_eq!(e.event_type, "$purchase");
    let d = parse_object("d", e.details_json.as_deref().unwrap()).unwrap();
    assert_eq!(d["value"]["amount"], 1999);
    assert_eq!(d["unique"]["key"], "order-1");
    let err = purchase_event(
        "a@example.com".into(),
        "k".into(),
        1,
        "USD".into(),
        Some("{".into()),
        None,
    )
    .unwrap_err();
    assert_eq!(field_of(&err), "cart_json");
    assert_eq!(
        tag_event("a@example.com".into(), "vip".into()).event_type,
        "$tag"
    );
    assert!(subscribe_event("a@example.com".into(), Some("[]".into()), None).is_err());
}

#[test]
fn commands_and_rows_convert() {
    let c = Command::AddField {
        email: "a@example.com".into(),
        key: "plan".into(),
        value_json: r#"{"tier": 2}"#.into(),
    };
    match c.to_core(&"command[0]").unwrap() {
        bento::Command::AddField { value, .. } => assert_eq!(value["tier"], 2),
        other => panic!("{other:?}"),
    }
    let bad = Command::AddField {
        email: "a@example.com".into(),
        key: "plan".into(),
        value_json: "nope".into(),
    };
    assert_eq!(
        field_of(&bad.to_core(&"command[3]").unwrap_err()),
        "command[3].value_json"
    );
    let r = ImportSubscriber {
        custom_fields_json: Some(r#"{"company":"Acme"}"#.into()),
        tags: Some("a,b".into()),
        ..row("a@example.com")
    };
    let core = r.to_core(&"subscribers[0]").unwrap();
    assert_eq!(core.custom_fields["company"], "Acme");
    assert_eq!(core.tags.as_deref(), Some("a,b"));
}

#[test]
fn broadcast_and_sequence_inputs_use_core_defaults() {
    let b = BroadcastData {
        name: "n".into(),
        subject: "s".into(),
        content: "c".into(),
        from_email: "sender@example.com".into(),
        from_name: Some("Team".into()),
        broadcast_type: Some("raw".into()),
        inclusive_tags: None,
        exclusive_tags: None,
        segment_id: None,
        batch_size_per_hour: None,
        send_at: None,
        approved: None,
    };
    let core = b.to_core(&"broadcasts[0]").unwrap();
    assert_eq!(core.batch_size_per_hour, 1000);
    assert_eq!(core.broadcast_type, bento::BroadcastType::Raw);
    assert_eq!(core.from.name.as_deref(), Some("Team"));
    // No type: the core's default (plain); any other string passes through to the wire.
    let typed = |t: Option<&str>| BroadcastData {
        broadcast_type: t.map(str::to_owned),
        ..b.clone()
    };
    assert_eq!(
        typed(None)
            .to_core(&"broadcasts[0]")
            .unwrap()
            .broadcast_type,
        bento::BroadcastType::Plain
    );
    assert_eq!(
        typed(Some("RAW")).to_core(&"b").unwrap().broadcast_type,
        bento::BroadcastType::Raw
    );
    assert_eq!(
        typed(Some("markdown"))
            .to_core(&"b")
            .unwrap()
            .broadcast_type,
        bento::BroadcastType::Other("markdown".into())
    );
    // A blank type passes the conversion as it is; the core's validation refuses it
    // (`broadcasts[i].broadcast_type`) before anything is sent.
    assert_eq!(
        typed(Some(" ")).to_core(&"b").unwrap().broadcast_type,
        bento::BroadcastType::Other(" ".into())
    );
    let s = SequenceEmail {
        subject: "s".into(),
        html: "h".into(),
        inbox_snippet: None,
        delay_interval: Some(DelayInterval::Days),
        delay_interval_count: Some(3),
        editor_choice: None,
        cc: None,
        bcc: None,
        to: None,
    };
    assert_eq!(
        s.to_core().unwrap().delay_interval,
        Some(bento::DelayInterval::Days)
    );
}

#[test]
fn tag_keeps_the_site_id() {
    let tag = |site_id| bento::Tag {
        id: "5510".into(),
        kind: "tags".into(),
        attributes: bento::TagAttributes {
            name: "vip".into(),
            created_at: "2026-01-01T00:00:00Z".into(),
            discarded_at: None,
            site_id,
        },
    };
    let t = Tag::from(tag(Some(serde_json::json!(4242))));
    assert_eq!((t.id.as_str(), t.name.as_str()), ("5510", "vip"));
    assert_eq!(t.site_id.as_ref().map(|v| v.text()), Some("4242"));
    assert_eq!(Tag::from(tag(None)).site_id, None);
}

#[test]
fn reports_map_back_to_the_callers_records_without_panicking() {
    let input: Vec<ImportSubscriber> = (0..5).map(|i| row(&format!("r{i}@example.com"))).collect();
    let report = bento::BatchReport::<bento::ImportSubscriberData> {
        records: 5,
        chunks: 3,
        accepted: 2,
        failed: 1,
        failed_chunks: vec![
            bento::FailedChunk {
                index: 1,
                offset: 2,
                error: bento::Error::invalid("x", "y"),
                delivery: bento::Delivery::NotSent,
                idempotency: bento::Idempotency::Idempotent,
                records: vec![Default::default(), Default::default()],
            },
            // Out of range: must not panic.
            bento::FailedChunk {
                index: 9,
                offset: usize::MAX,
                error: bento::Error::AuthorNotAuthorized { request_id: None },
                delivery: bento::Delivery::Rejected,
                idempotency: bento::Idempotency::Idempotent,
                records: vec![Default::default()],
            },
        ],
        partial_chunks: vec![bento::PartialChunk {
            index: 2,
            offset: 4,
            failed: 1,
            records: vec![Default::default()],
        }],
        stopped: Some(bento::Error::AuthorNotAuthorized { request_id: None }),
    };
    let r = ImportReport::from_core(report, &input);
    assert_eq!(
        (
            r.failed_chunks[0].delivery,
            r.failed_chunks[0].safe_to_resend
        ),
        (Delivery::NotSent, true)
    );
    assert_eq!(r.failed_chunks[1].delivery, Delivery::Rejected);
    assert!(matches!(
        r.stopped,
        Some(BentoError::AuthorNotAuthorized { .. })
    ));
    assert_eq!(r.failed_chunks[0].records, input[2..4].to_vec());
    assert!(r.failed_chunks[1].records.is_empty());
    assert_eq!(r.failed_records, input[2..4].to_vec());
    assert_eq!(r.partial_chunks[0].records, input[4..5].to_vec());
    assert!(!r.is_complete);
}

// ---- errors ----------------------------------------------------------------------------

#[test]
fn every_core_error_class_maps_to_its_variant() {
    use bento::{Error as C, TransportError, TransportErrorKind as K};
    let s = |n| Some(Duration::from_secs(n));
    let id = || Some("req_ab12_7".to_owned());
    assert!(matches!(
        C::invalid("f", "r").into(),
        BentoError::InvalidInput { field, reason } if field == "f" && reason == "r"
    ));
    assert_eq!(
        BentoError::from(C::NotAuthorized {
            request_id: id(),
            message: "m".into()
        }),
        BentoError::NotAuthorized {
            message: "m".into(),
            request_id: id()
        }
    );
    assert_eq!(
        BentoError::from(C::AuthorNotAuthorized { request_id: id() }),
        BentoError::AuthorNotAuthorized {
            message: crate::error::AUTHOR_NOT_AUTHORIZED.into(),
            request_id: id()
        }
    );
    assert_eq!(
        BentoError::from(C::RateLimit {
            request_id: None,
            retry_after: s(2)
        })
        .to_string(),
        "Bento rate-limited the request (HTTP 429); retry after 2 seconds."
    );
    assert_eq!(
        BentoError::from(C::RateLimit {
            request_id: id(),
            retry_after: s(2)
        }),
        BentoError::RateLimited {
            retry_after_secs: Some(2.0),
            request_id: id()
        }
    );
    let api = C::Api {
        request_id: id(),
        status: 422,
        message: "bad".into(),
        field_errors: vec![bento::FieldError {
            field: Some("email".into()),
            message: "is bad".into(),
        }],
        retry_after: s(1),
    };
    assert_eq!(
        BentoError::from(api),
        BentoError::Api {
            status: 422,
            message: "bad".into(),
            field_errors: vec![ApiFieldProblem {
                field: Some("email".into()),
                message: "is bad".into()
            }],
            retry_after_secs: Some(1.0),
            request_id: id()
        }
    );
    let t = |k| BentoError::from(C::from(TransportError::new(k, "boom")));
    assert_eq!(
        t(K::Timeout),
        BentoError::Timeout {
            message: "boom".into()
        }
    );
    for (core, kind) in [
        (K::Connect, TransportKind::Connect),
        (K::Io, TransportKind::Io),
        (K::ResponseTooLarge, TransportKind::ResponseTooLarge),
        (K::Deadline, TransportKind::Deadline),
        (K::Other, TransportKind::Other),
    ] {
        assert_eq!(
            t(core),
            BentoError::Transport {
                kind,
                message: "boom".into()
            }
        );
    }
    assert_eq!(
        BentoError::from(C::Decode {
            request_id: id(),
            status: 200,
            message: "x".into()
        }),
        BentoError::Decode {
            status: 200,
            message: "x".into(),
            request_id: id()
        }
    );
}

#[test]
fn a_panic_becomes_an_internal_error() {
    let r: Result<(), BentoError> = guard(|| panic!("bug with jane@acme.io inside"));
    match r.unwrap_err() {
        BentoError::Internal { message } => {
            assert!(message.contains("bug with <email> inside"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

// ---- secrets ---------------------------------------------------------------------------

#[test]
fn the_secret_key_is_never_shown() {
    let c = config("https://app.bentonow.com/api/v1", "pk", SECRET, "site");
    assert!(!format!("{c:?}").contains(SECRET));
    assert!(!format!("{c}").contains(SECRET));
    assert!(format!("{c:?}").contains("<redacted>"));
    let client = BentoClient::new(c.clone()).unwrap();
    assert!(!format!("{client:?}").contains(SECRET));
    let bad = BentoConfig {
        timeout_secs: Some(f64::NAN),
        ..c.clone()
    };
    let err = BentoClient::new(bad).unwrap_err();
    assert_eq!(field_of(&err), "timeout_secs");
    assert!(!format!("{err} {err:?}").contains(SECRET));
    let bad = BentoConfig {
        secret_key: format!("{SECRET}\u{0}\u{7f} ünïcode"),
        ..c
    };
    let err = BentoClient::new(bad).unwrap_err();
    assert!(!format!("{err} {err:?}").contains(SECRET));
}

#[test]
fn invalid_configs_are_errors() {
    let good = config("https://app.bentonow.com/api/v1", "pk", "sk", "site");
    let cases = [
        BentoConfig {
            publishable_key: "".into(),
            ..good.clone()
        },
        BentoConfig {
            base_url: Some("http://remote.example.com/api/v1".into()),
            ..good.clone()
        },
        BentoConfig {
            timeout_secs: Some(-1.0),
            ..good.clone()
        },
        BentoConfig {
            timeout_secs: Some(f64::INFINITY),
            ..good.clone()
        },
        BentoConfig {
            max_response_bytes: Some(0),
            ..good.clone()
        },
        BentoConfig {
            retry: Some(RetrySettings {
                base_delay_secs: 5.0,
                max_delay_secs: 1.0,
                ..RetrySettings::default()
            }),
            ..good.clone()
        },
    ];
    let cases = cases.into_iter().chain([
        BentoConfig {
            deadline_secs: Some(0.0),
            ..good.clone()
        },
        BentoConfig {
            deadline_secs: Some(f64::NAN),
            ..good.clone()
        },
    ]);
    for c in cases {
        assert!(
            matches!(
                BentoClient::new(c.clone()),
                Err(BentoError::InvalidInput { .. })
            ),
            "{c:?}"
        );
    }
    let deadline = |secs| {
        BentoClient::new(BentoConfig {
            deadline_secs: secs,
            ..good.clone()
        })
        .unwrap()
        .core()
        .config()
        .deadline()
    };
    assert_eq!(deadline(None), Some(Duration::from_secs(120)));
    assert_eq!(deadline(Some(1.5)), Some(Duration::from_millis(1500)));
    assert_eq!(deadline(Some(f64::INFINITY)), None);
    let client = BentoClient::new(good.clone()).unwrap();
    let short = client.with_deadline(Some(2.0)).unwrap();
    assert_eq!(
        short.core().config().deadline(),
        Some(Duration::from_secs(2))
    );
    assert_eq!(
        client
            .with_deadline(None)
            .unwrap()
            .core()
            .config()
            .deadline(),
        None
    );
    assert!(client.with_deadline(Some(-1.0)).is_err());
    assert_eq!(default_retry_settings().max_retries, 3);
    assert_eq!(disabled_retry_settings().max_retries, 0);
}

// ---- garbage into a live client: errors, never a panic, nothing sent -------------------

#[test]
fn garbage_input_is_an_error_and_nothing_is_sent() {
    let (emu, client) = emulator();
    let huge = "x".repeat(5_000_000);
    let results: Vec<Result<(), BentoError>> = vec![
        client.track(event("not-an-email")).map(drop),
        client.track(event(&huge)).map(drop),
        client.track(event("nul\0@example.com")).map(drop),
        client.track_events(vec![]).map(drop),
        client
            .track_events(vec![event("a@example.com"); 1001])
            .map(drop),
        client
            .track(Event {
                details_json: Some("{".into()),
                ..event("a@example.com")
            })
            .map(drop),
        client
            .track(Event {
                date: Some("\u{FFFF}".into()),
                ..event("a@example.com")
            })
            .map(drop),
        client.import_subscribers(vec![]).map(drop),
        client
            .import_subscribers_chunked(vec![row("a@example.com")], Some(0), None)
            .map(drop),
        client.send_emails(vec![]).map(drop),
        client.subscriber_command(vec![]).map(drop),
        client.create_broadcasts(vec![]).map(drop),
        client.find_subscriber(huge.clone()).map(drop),
        client.find_subscriber_by_uuid(" ".into()).map(drop),
        client.create_subscriber("\u{202E}@x".into()).map(drop),
        client.create_tag("".into()).map(drop),
    ];
    for (i, r) in results.into_iter().enumerate() {
        assert!(
            matches!(r, Err(BentoError::InvalidInput { .. })),
            "case {i}: {r:?}"
        );
    }
    assert!(emu.requests().is_empty());
}

// ---- against the emulator ----------------------------------------------------------------

#[test]
fn calls_and_faults_against_the_emulator() {
    let (emu, client) = emulator();
    assert_eq!(client.track(event("a@example.com")).unwrap().results, 1);
    assert!(
        client
            .find_subscriber("nobody@example.com".into())
            .unwrap()
            .is_none()
    );
    assert_eq!(client.get_sequences().unwrap().len(), 2);

    emu.add_fault(FaultRule::new(FaultAction::status(401)).once());
    assert!(matches!(
        client.get_tags(),
        Err(BentoError::NotAuthorized { .. })
    ));
    emu.add_fault(FaultRule::new(FaultAction::MalformedJson { status: 200 }).once());
    assert!(matches!(
        client.get_tags(),
        Err(BentoError::Decode { status: 200, .. })
    ));

    let rows: Vec<ImportSubscriber> = (0..25).map(|i| row(&format!("r{i}@example.com"))).collect();
    emu.add_fault(
        FaultRule::new(FaultAction::status(503))
            .path_prefix("/batch/subscribers")
            .once(),
    );
    let report = client
        .import_subscribers_chunked(rows.clone(), Some(10), None)
        .unwrap();
    assert_eq!((report.chunks, report.accepted), (3, 15));
    assert_eq!(report.failed_records, rows[..10].to_vec());
    assert!(matches!(
        report.failed_chunks[0].error,
        BentoError::Api { status: 503, .. }
    ));
}

#[test]
fn one_client_is_shared_by_eight_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<BentoClient>();
    let (_emu, client) = emulator();
    let handles: Vec<_> = (0..8)
        .map(|n| {
            let client = Arc::clone(&client);
            std::thread::spawn(move || {
                (0..5)
                    .map(|i| {
                        client
                            .track(event(&format!("t{n}-{i}@example.com")))
                            .map(|r| r.results)
                    })
                    .sum::<Result<i64, BentoError>>()
            })
        })
        .collect();
    let total: i64 = handles
        .into_iter()
        .map(|h| h.join().unwrap().unwrap())
        .sum();
    assert_eq!(total, 40);
}

#[test]
fn error_messages_are_sentences_with_the_facts() {
    use bento::Error as C;
    let s = |secs| Some(std::time::Duration::from_secs(secs));
    let id = || Some("req_5f3a_7".to_owned());
    let text = |e: C| crate::error::describe_error(e.into());
    assert_eq!(
        text(C::RateLimit {
            request_id: None,
            retry_after: s(15)
        }),
        "Bento rate-limited the request (HTTP 429); retry after 15 seconds."
    );
    assert_eq!(
        text(C::RateLimit {
            request_id: id(),
            retry_after: s(15)
        }),
        "Bento rate-limited the request (HTTP 429); retry after 15 seconds (request id \
         req_5f3a_7)."
    );
    let api = text(C::Api {
        request_id: id(),
        status: 422,
        message: "Validation failed.".into(),
        field_errors: vec![bento::FieldError {
            field: Some("email".into()),
            message: "is bad".into(),
        }],
        retry_after: s(1),
    });
    assert_eq!(
        api,
        "Bento answered HTTP 422: Validation failed (`email` is bad); retry after 1 second \
         (request id req_5f3a_7)."
    );
    let author = text(C::AuthorNotAuthorized { request_id: id() });
    assert!(
        author.starts_with("The sender is not an author"),
        "{author}"
    );
    assert!(author.contains("get_authors"), "{author}");
    assert!(author.ends_with(" (request id req_5f3a_7)."), "{author}");
    assert_eq!(
        text(C::Decode {
            request_id: id(),
            status: 200,
            message: "expected a map".into()
        }),
        "Bento answered HTTP 200 with a body this library could not read: expected a map \
         (request id req_5f3a_7)."
    );
    assert_eq!(
        text(C::NotAuthorized {
            request_id: id(),
            message: "Unauthorized".into()
        }),
        "Bento rejected the credentials (HTTP 401): Unauthorized (request id req_5f3a_7)."
    );
    let timeout = text(C::Transport {
        kind: bento::TransportErrorKind::Timeout,
        message: "error sending request: operation timed out".into(),
    });
    assert_eq!(
        timeout,
        "Bento did not answer in time (timeout_secs, or what was left of deadline_secs): \
         error sending request: operation timed out; the request may have been received."
    );
    let deadline = text(C::Transport {
        kind: bento::TransportErrorKind::Deadline,
        message: "the call's deadline of 1000 ms passed".into(),
    });
    assert_eq!(
        deadline,
        "The call's deadline (deadline_secs) passed before Bento answered: the call's \
         deadline of 1000 ms passed."
    );
    assert_eq!(
        text(C::invalid(
            "events[0].email",
            "is not a valid email address"
        )),
        "Invalid input in `events[0].email`: is not a valid email address. Nothing was sent."
    );
    // Never empty, whatever the server sent.
    let blank = text(C::NotAuthorized {
        request_id: None,
        message: "  ".into(),
    });
    assert_eq!(
        blank,
        "Bento rejected the credentials (HTTP 401): no details."
    );
}

/// What reqwest says when an attempt times out (the text `BentoError.Timeout` carries), and
/// the request id of a real answer: against the emulator, on a real socket.
#[test]
fn timeouts_and_request_ids_from_a_real_socket() {
    let (emu, _) = emulator();
    let client = BentoClient::new(BentoConfig {
        timeout_secs: Some(0.2),
        ..config(
            emu.base_url(),
            emu.publishable_key(),
            emu.secret_key(),
            emu.site_uuid(),
        )
    })
    .unwrap();
    emu.add_fault(FaultRule::new(FaultAction::Latency { ms: 1500 }).once());
    match client.get_tags() {
        Err(BentoError::Timeout { message }) => {
            assert!(message.contains("timed out"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    emu.add_fault(FaultRule::new(FaultAction::status(401)).once());
    match client.get_tags() {
        Err(e @ BentoError::NotAuthorized { .. }) => {
            let BentoError::NotAuthorized {
                request_id: Some(id),
                ..
            } = &e
            else {
                panic!("no request id: {e:?}")
            };
            assert!(id.starts_with("req_"), "{id}");
            assert!(e.to_string().contains(&format!("(request id {id})")), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn native_json_values_convert_and_name_their_field() {
    use crate::json::{JsonValue, NOT_JSON_MARK};
    let e = Event {
        details: Some(JsonValue(r#"{"url":"/","n":18446744073709551615}"#.into())),
        ..event("a@example.com")
    };
    let core = e.to_core(&"events[0]").unwrap();
    assert_eq!(core.details.as_ref().unwrap()["n"], u64::MAX);
    // Both forms may be set when they agree (records built by purchase_event carry both).
    let both = Event {
        details_json: Some(r#"{"n": 18446744073709551615, "url": "/"}"#.into()),
        ..e.clone()
    };
    assert!(both.to_core(&"events[0]").is_ok());
    let differ = Event {
        details_json: Some(r#"{"url":"/x"}"#.into()),
        ..e
    };
    assert_eq!(
        field_of(&differ.to_core(&"events[0]").unwrap_err()),
        "events[0].details"
    );
    let refused = ImportSubscriber {
        custom_fields: Some(JsonValue(format!(
            "{NOT_JSON_MARK}Object of type set is not JSON serializable"
        ))),
        ..row("a@example.com")
    };
    let err = refused.to_core(&"subscribers[4]").unwrap_err();
    assert_eq!(field_of(&err), "subscribers[4].custom_fields");
    assert!(
        err.to_string().contains("set is not JSON serializable"),
        "{err}"
    );
    let not_object = ImportSubscriber {
        custom_fields: Some(JsonValue("[1]".into())),
        ..row("a@example.com")
    };
    assert_eq!(
        field_of(&not_object.to_core(&"subscribers[0]").unwrap_err()),
        "subscribers[0].custom_fields"
    );
    let cmd = Command::SetField {
        email: "a@example.com".into(),
        key: "seats".into(),
        value: JsonValue("null".into()),
    };
    match cmd.to_core(&"command[0]").unwrap() {
        bento::Command::AddField { value, .. } => assert!(value.is_null()),
        other => panic!("{other:?}"),
    }
    let p = purchase_event(
        "a@example.com".into(),
        "k".into(),
        1,
        "USD".into(),
        None,
        Some(JsonValue(r#"[{"sku":"a"}]"#.into())),
    )
    .unwrap();
    assert_eq!(p.details, p.details_json.clone().map(JsonValue));
    assert!(p.to_core(&"events[0]").is_ok());
}

#[test]
fn negative_numbers_from_foreign_code_are_invalid_input() {
    let (_emu, client) = emulator();
    let err = client
        .import_subscribers_chunked(vec![row("a@example.com")], Some(-1), None)
        .unwrap_err();
    assert_eq!(field_of(&err), "chunk_size");
    assert_eq!(
        field_of(&client.get_sequences_page(-1).unwrap_err()),
        "page"
    );
    assert_eq!(
        field_of(&client.list_broadcasts(Some(-2), None).unwrap_err()),
        "page"
    );
    let retry = RetrySettings {
        max_retries: -1,
        ..RetrySettings::default()
    };
    assert_eq!(field_of(&retry.to_core().unwrap_err()), "retry.max_retries");
    assert_eq!(crate::outputs::long(u64::MAX), i64::MAX);
}

#[test]
fn progress_reaches_a_foreign_listener_signed() {
    use crate::client::{Progress, ProgressListener, progress_to};
    use std::sync::{Arc, Mutex};

    struct Seen(Mutex<Vec<Progress>>);
    impl ProgressListener for Seen {
        fn on_progress(&self, progress: Progress) {
            self.0.lock().unwrap().push(progress);
        }
    }
    let seen = Arc::new(Seen(Mutex::new(Vec::new())));
    let mut callback = progress_to(Some(seen.clone()));
    callback(&bento::Progress {
        chunks_done: 2,
        records_done: 2_000,
        accepted: 1_990,
        failed: 10,
    });
    callback(&bento::Progress {
        chunks_done: 3,
        records_done: 2_500,
        accepted: u64::MAX,
        failed: 10,
    });
    let seen = seen.0.lock().unwrap();
    assert_eq!(
        seen[0],
        Progress {
            chunks_done: 2,
            records_done: 2_000,
            accepted: 1_990,
            failed: 10
        }
    );
    // Kotlin and Java have no unsigned types: a count beyond i64 saturates.
    assert_eq!(seen[1].accepted, i64::MAX);
    // No listener: nothing to call.
    progress_to(None)(&bento::Progress {
        chunks_done: 1,
        records_done: 1,
        accepted: 1,
        failed: 0,
    });
}

// ---- AsyncBentoClient -------------------------------------------------------------------------

/// Runs `future` the way a foreign event loop does: on a thread of its own, outside the shared
/// runtime (a current-thread runtime here, only to poll and for timers).
fn poll_to_end<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("test runtime")
        .block_on(future)
}

fn async_client(emu: &Emulator) -> Arc<AsyncBentoClient> {
    AsyncBentoClient::new(config(
        emu.base_url(),
        emu.publishable_key(),
        emu.secret_key(),
        emu.site_uuid(),
    ))
    .expect("async client")
}

#[test]
fn the_async_client_answers_like_the_blocking_one() {
    let (emu, blocking) = emulator();
    let client = async_client(&emu);
    let tracked = poll_to_end(client.track(event("async@example.com"))).expect("track");
    assert_eq!(tracked.results, 1);
    let report = poll_to_end(client.import_subscribers_chunked(
        (0..5).map(|i| row(&format!("a{i}@example.com"))).collect(),
        Some(2),
        None,
    ))
    .expect("import");
    assert_eq!((report.accepted, report.failed_chunks.len()), (5, 0));
    let tags = poll_to_end(client.get_tags()).expect("tags");
    assert_eq!(tags, blocking.get_tags().expect("tags"));
    assert_eq!(client.site_uuid(), blocking.site_uuid());
    // Bad input: the error names the field and nothing is sent.
    let before = emu.requests().len();
    let err = poll_to_end(client.track(event("not an email"))).unwrap_err();
    assert_eq!(field_of(&err), "events[0].email");
    assert_eq!(emu.requests().len(), before);
}

#[test]
fn async_calls_run_concurrently() {
    let (emu, _) = emulator();
    let client = async_client(&emu);
    emu.add_fault(FaultRule::new(FaultAction::Latency { ms: 500 }));
    // Twenty calls awaited at once take about one call's time, not twenty.
    let started = std::time::Instant::now();
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            async move { client.get_tags().await }
        })
        .collect();
    let results = poll_to_end(async {
        let mut out = Vec::new();
        let handles: Vec<_> = calls.into_iter().map(tokio::spawn).collect();
        for h in handles {
            out.push(h.await.expect("joined"));
        }
        out
    });
    assert!(results.iter().all(Result::is_ok));
    let took = started.elapsed();
    assert!(took < Duration::from_millis(5_000), "{took:?}");
}

#[test]
fn a_dropped_async_call_closes_its_connection() {
    use std::io::Read;
    // A server that reads the request, never answers, and reports when the client hangs up.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (hung_up, seen) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().expect("accept");
        socket
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let started = std::time::Instant::now();
        let mut buf = [0u8; 4096];
        // Reads until end of file: the client closed the connection.
        while let Ok(n) = socket.read(&mut buf) {
            if n == 0 {
                let _ = hung_up.send(started.elapsed());
                return;
            }
        }
    });
    let client = AsyncBentoClient::new(config(&base, "pk", SECRET, "site")).expect("client");
    poll_to_end(async {
        let out = tokio::time::timeout(Duration::from_millis(200), client.get_tags()).await;
        assert!(
            out.is_err(),
            "the call ended before it was given up: {out:?}"
        );
    });
    // Without the abort the request would go on for the config's 10 s timeout.
    let after = seen
        .recv_timeout(Duration::from_secs(5))
        .expect("the connection was not closed after the call was dropped");
    assert!(after < Duration::from_secs(3), "{after:?}");
}
