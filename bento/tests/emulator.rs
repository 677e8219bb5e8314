//! Both clients against bento-emulator: the fault matrix, state checks and concurrency.

// Tests own the clock: they measure how long retries waited.
#![allow(clippy::disallowed_methods)]

#[macro_use]
mod support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use bento::{
    Command, ConfigBuilder, EmailBatch, EmailData, Error, Event, ImportSubscriberData, RetryPolicy,
    TransportErrorKind,
};
use bento_emulator::{Emulator, EmulatorConfig, FaultAction, FaultRule};
use serde_json::json;

/// One emulator per test: faults are global to an emulator and tests run in parallel.
fn emulator() -> Emulator {
    Emulator::start(EmulatorConfig::default()).unwrap()
}

fn config(emu: &Emulator) -> ConfigBuilder {
    ConfigBuilder::new()
        .publishable_key(emu.publishable_key())
        .secret_key(emu.secret_key())
        .site_uuid(emu.site_uuid())
        .base_url(emu.base_url())
        .timeout(Duration::from_secs(5))
        .retry_policy(RetryPolicy {
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            ..RetryPolicy::default()
        })
}

fn status(code: u16, body: serde_json::Value) -> FaultAction {
    FaultAction::Status {
        status: code,
        body: Some(body),
        retry_after: None,
        content_type: None,
    }
}

fn email(from: &str) -> EmailBatch {
    EmailBatch::new(vec![EmailData {
        to: "r@example.com".into(),
        from: from.into(),
        subject: "Hi".into(),
        html_body: "<p>Hi</p>".into(),
        transactional: true,
        personalizations: None,
    }])
    .unwrap()
}

fn count(emu: &Emulator, path: &str) -> usize {
    emu.requests()
        .iter()
        .filter(|r| r.path.ends_with(path))
        .count()
}

both_clients! {
    errors_carry_the_response_request_id_and_the_emulator_logged_it => {
        // Issue 13, item 1: the request id of the failing response, in the error and its
        // Display, and findable in the emulator's request log.
        let emu = emulator();
        let c = client!(config(&emu).secret_key("wrong").build().unwrap());
        let err = call!(c.get_tags()).unwrap_err();
        let id = err.request_id().expect("a request id").to_owned();
        assert!(id.starts_with("req_"), "{id}");
        assert!(err.to_string().ends_with(&format!("(request id {id})")), "{err}");
        assert!(emu.requests().iter().any(|r| r.request_id == id));
        // A decode error (2xx with a body the contract does not allow) carries it too.
        emu.add_fault(FaultRule::new(status(200, json!({}))).exact_path("/batch/events"));
        let c = client!(config(&emu).build().unwrap());
        let err = call!(c.track(Event::new("signup", "jane@example.com"))).unwrap_err();
        assert!(matches!(&err, Error::Decode { status: 200, .. }), "{err}");
        assert!(err.request_id().is_some_and(|id| id.starts_with("req_")), "{err}");
    }

    a_wrong_key_stops_a_chunked_run_after_one_request => {
        // Issue 15, item 6: no later chunk can survive a 401; the rest is reported not sent.
        let emu = emulator();
        let c = client!(config(&emu).secret_key("wrong").build().unwrap());
        let rows = (0..5_000).map(|i| ImportSubscriberData::new(format!("u{i}@example.com")));
        let report = call!(c.import_subscribers_chunked(rows, bento::ChunkOptions::default().concurrency(4))).unwrap();
        assert_eq!(count(&emu, "/batch/subscribers"), 1);
        assert_eq!(report.records, 5_000);
        assert_eq!(report.failed_chunks.len(), 5);
        assert!(matches!(report.stopped, Some(Error::NotAuthorized { .. })));
        assert_eq!(report.failed_chunks[0].delivery, bento::Delivery::Rejected);
        assert!(report.failed_chunks[1..].iter().all(|c| c.delivery == bento::Delivery::NotSent));
        assert_eq!(report.accounted(), report.records);
    }

    wrong_keys_are_not_authorized => {
        let emu = emulator();
        let c = client!(config(&emu).secret_key("wrong").build().unwrap());
        assert!(matches!(call!(c.get_tags()), Err(Error::NotAuthorized { .. })));
    }

    a_403_from_the_edge_is_an_api_error => {
        let emu = emulator();
        emu.add_fault(FaultRule::new(FaultAction::Html { status: 403 }).exact_path("/fetch/tags"));
        let c = client!(config(&emu).build().unwrap());
        assert!(matches!(call!(c.get_tags()), Err(Error::Api { status: 403, .. })));
    }

    an_unknown_report_is_a_404 => {
        let emu = emulator();
        let c = client!(config(&emu).build().unwrap());
        let err = call!(c.get_report_stats("999999")).unwrap_err();
        assert!(matches!(err, Error::Api { status: 404, .. }), "{err:?}");
    }

    a_422_carries_the_servers_message => {
        let emu = emulator();
        emu.add_fault(FaultRule::new(status(422, json!({"errors": [{"field": "email", "message": "is invalid"}]}))).exact_path("/batch/subscribers"));
        let c = client!(config(&emu).build().unwrap());
        match call!(c.import_subscribers([ImportSubscriberData::new("a@example.com")])).unwrap_err() {
            Error::Api { status: 422, field_errors, message, .. } => {
                assert_eq!(field_errors[0].field.as_deref(), Some("email"));
                assert_eq!(message, "email is invalid");
            }
            other => panic!("{other:?}"),
        }
    }

    a_429_with_retry_after_is_ridden_through => {
        let emu = emulator();
        emu.add_fault(FaultRule::new(FaultAction::Status { status: 429, body: None, retry_after: Some(1), content_type: None }).exact_path("/batch/events").once());
        let c = client!(config(&emu).build().unwrap());
        let started = Instant::now();
        call!(c.track(Event::new("$login", "u@example.com"))).unwrap();
        assert!(started.elapsed() >= Duration::from_millis(950));
        assert_eq!(count(&emu, "/batch/events"), 2);
        assert_eq!(emu.state()["events"].as_array().unwrap().len(), 1, "the rate-limited attempt was not applied");
    }

    rate_limit_exhaustion_reports_the_wait => {
        let emu = emulator();
        emu.add_fault(FaultRule::new(FaultAction::Status { status: 429, body: None, retry_after: Some(120), content_type: None }).exact_path("/fetch/tags"));
        let c = client!(config(&emu).build().unwrap());
        let err = call!(c.get_tags()).unwrap_err();
        assert!(matches!(&err, Error::RateLimit { retry_after: Some(d), request_id: Some(_) } if *d == Duration::from_secs(120)), "{err:?}");
        assert_eq!(count(&emu, "/fetch/tags"), 1, "a wait over the cap is handed back, not slept");
    }

    a_sender_that_is_not_an_author_is_refused => {
        let emu = emulator();
        let c = client!(config(&emu).build().unwrap());
        assert!(matches!(call!(c.send_emails(email("stranger@example.com"))).unwrap_err(), Error::AuthorNotAuthorized { request_id: Some(_) }));
        assert_eq!(call!(c.send_emails(email("sender@example.com"))).unwrap().results, 1);
    }

    bad_gateway_and_unavailable_are_retried_for_reads => {
        let emu = emulator();
        emu.add_fault(FaultRule::new(status(502, json!({"error": "bad gateway"}))).exact_path("/fetch/tags").once());
        emu.add_fault(FaultRule::new(status(503, json!({"error": "unavailable"}))).exact_path("/fetch/tags").once());
        let c = client!(config(&emu).build().unwrap());
        call!(c.get_tags()).unwrap();
        assert_eq!(count(&emu, "/fetch/tags"), 3);
    }

    a_reset_after_the_email_was_handled_is_not_resent => {
        let emu = emulator();
        emu.add_fault(FaultRule::new(FaultAction::DropConnection { after_handling: true }).exact_path("/batch/emails").once());
        let c = client!(config(&emu).build().unwrap());
        let err = call!(c.send_emails(email("sender@example.com"))).unwrap_err();
        assert!(matches!(err, Error::Transport { kind: TransportErrorKind::Io | TransportErrorKind::Other, .. }), "{err:?}");
        assert_eq!(count(&emu, "/batch/emails"), 1);
        assert_eq!(emu.state()["outbox"].as_array().unwrap().len(), 1, "exactly one email went out");
    }

    a_reset_on_a_read_is_retried => {
        let emu = emulator();
        emu.add_fault(FaultRule::new(FaultAction::DropConnection { after_handling: false }).exact_path("/fetch/fields").once());
        let c = client!(config(&emu).build().unwrap());
        call!(c.get_fields()).unwrap();
        assert_eq!(count(&emu, "/fetch/fields"), 2);
    }

    a_slow_answer_times_out => {
        let emu = emulator();
        emu.add_fault(FaultRule::new(FaultAction::Latency { ms: 1500 }).exact_path("/batch/events"));
        let c = client!(config(&emu).timeout(Duration::from_millis(300)).build().unwrap());
        let err = call!(c.track(Event::new("$login", "u@example.com"))).unwrap_err();
        assert!(matches!(err, Error::Transport { kind: TransportErrorKind::Timeout, .. }), "{err:?}");
        assert_eq!(count(&emu, "/batch/events"), 1, "events are not re-sent after a timeout");
    }

    malformed_json_html_truncated_and_huge_bodies => {
        let emu = emulator();
        let c = client!(config(&emu).max_response_bytes(1024 * 1024).build().unwrap());
        emu.add_fault(FaultRule::new(FaultAction::MalformedJson { status: 200 }).exact_path("/fetch/tags").once());
        assert!(matches!(call!(c.get_tags()), Err(Error::Decode { status: 200, .. })));
        emu.add_fault(FaultRule::new(FaultAction::Html { status: 500 }).exact_path("/fetch/tags").once());
        assert!(matches!(call!(c.get_tags()), Err(Error::Api { status: 500, .. })));
        emu.add_fault(FaultRule::new(FaultAction::HugeBody { status: 200, megabytes: 4 }).exact_path("/fetch/tags").once());
        assert!(matches!(call!(c.get_tags()), Err(Error::Transport { kind: TransportErrorKind::ResponseTooLarge, .. })));
        emu.add_fault(FaultRule::new(FaultAction::TruncatedBody { status: 200, body: None }).exact_path("/stats/site"));
        assert!(call!(c.get_site_stats()).is_err());
    }

    import_find_command_and_stats_agree => {
        let emu = emulator();
        let c = client!(config(&emu).build().unwrap());
        let mut row = ImportSubscriberData::new("state@example.com");
        row.tags = Some("alpha,beta".into());
        row.custom_fields.insert("plan".into(), json!("pro"));
        let found = call!(c.upsert_subscriber(row)).unwrap().unwrap();
        assert_eq!(found.attributes.fields.as_ref().unwrap()["plan"], json!("pro"));
        assert_eq!(found.attributes.cached_tag_ids.len(), 2);
        call!(c.subscriber_command([
            Command::Unsubscribe { email: "state@example.com".into() },
            Command::AddField { email: "state@example.com".into(), key: "score".into(), value: json!(7) },
        ])).unwrap();
        let found = call!(c.find_subscriber("state@example.com")).unwrap().unwrap();
        assert!(!found.attributes.is_subscribed());
        assert_eq!(found.attributes.fields.as_ref().unwrap()["score"], json!(7));
        let stats = call!(c.get_site_stats()).unwrap();
        assert_eq!((stats.user_count, stats.unsubscriber_count), (1, 1));
        let tags: HashSet<String> = call!(c.get_tags()).unwrap().into_iter().map(|t| t.attributes.name).collect();
        assert!(tags.contains("alpha") && tags.contains("beta"));
    }

    every_method_reaches_the_emulator => {
        let emu = emulator();
        let c = client!(config(&emu).build().unwrap());
        call!(c.create_subscriber("every@example.com")).unwrap();
        assert!(call!(c.find_subscriber_by_uuid("no-such-uuid")).unwrap().is_none());
        let tag = call!(c.create_tag("temp")).unwrap();
        assert!(call!(c.delete_tag(tag.id.clone(), "temp")).unwrap().message.contains("temp"));
        call!(c.create_field("favouriteColour")).unwrap();
        assert!(call!(c.get_fields()).unwrap().iter().any(|f| f.attributes.key == "favouriteColour"));
        let created = call!(c.create_broadcasts([bento::BroadcastData::new("Launch", "Hi", "<p>Hi</p>", "team@example.com")])).unwrap();
        assert_eq!(created.results, 1);
        let drafts = call!(c.all_broadcasts(Some(bento::BroadcastStatus::Draft))).unwrap();
        assert!(drafts.iter().any(|b| b.attributes.name == "Launch"));
        call!(c.list_broadcasts(bento::GetBroadcasts::new().page(1))).unwrap();
        call!(c.get_broadcasts()).unwrap();
        let seqs = call!(c.all_sequences()).unwrap();
        assert!(!seqs.is_empty());
        call!(c.get_sequences()).unwrap();
        call!(c.get_sequences_page(1)).unwrap();
        let step = call!(c.create_sequence_email(seqs[0].id.clone(), bento::SequenceEmail::new("Day 9", "<p>9</p>"))).unwrap();
        let got = call!(c.get_email_template(step.id.clone())).unwrap().unwrap();
        assert_eq!(got.attributes.subject, "Day 9");
        let updated = call!(c.update_email_template(bento::UpdateEmailTemplate::new(step.id.clone()).subject("Day 10"))).unwrap();
        assert_eq!(updated.attributes.subject, "Day 10");
        assert!(!call!(c.all_workflows()).unwrap().is_empty());
        call!(c.get_workflows()).unwrap();
        call!(c.get_workflows_page(1)).unwrap();
        assert!(!call!(c.get_form_responses("form-123")).unwrap().is_empty());
        let segments = call!(c.get_segments()).unwrap();
        assert!(call!(c.get_segment(segments[0].id.clone())).unwrap().is_some());
        call!(c.get_segment_stats(segments[0].id.clone())).unwrap();
        assert!(call!(c.get_authors()).unwrap().iter().any(|a| a.attributes.email == "sender@example.com"));
        assert_eq!(call!(c.get_report_stats("501")).unwrap().data, json!(42));
        call!(c.get_ads_stats(bento::GetAdsStats::new())).unwrap();
        call!(c.jesses_ruleset(bento::JessesRuleset::new("a@gmail.com"))).unwrap();
        call!(c.moderate_content("hello there")).unwrap();
        call!(c.search_subscribers(bento::SearchSubscribers::new())).unwrap();
        call!(c.track_events_chunked((0..5).map(|i| Event::new("x", format!("c{i}@example.com"))), bento::ChunkOptions::default())).unwrap();
        call!(c.subscriber_commands_chunked([Command::Subscribe { email: "c0@example.com".into() }], bento::ChunkOptions::default())).unwrap();
        call!(c.send_emails_chunked(email("sender@example.com").into_emails(), bento::ChunkOptions::default())).unwrap();
        call!(c.request_data_deletion("every@example.com")).unwrap();
        assert!(call!(c.find_subscriber("every@example.com")).unwrap().is_none());
    }

    a_chunk_failed_by_the_server_comes_back_with_its_records => {
        let emu = emulator();
        // The first import request fails (with a status that is not retried); the rest pass.
        emu.add_fault(FaultRule::new(status(422, json!({"error": "nope"}))).exact_path("/batch/subscribers").times(1));
        let c = client!(config(&emu).build().unwrap());
        let rows = (0..2500).map(|i| ImportSubscriberData::new(format!("bulk{i}@example.com")));
        let report = call!(c.import_subscribers_chunked(rows, bento::ChunkOptions::default().chunk_size(500).concurrency(1))).unwrap();
        assert_eq!(report.failed_chunks.len(), 1);
        assert_eq!(report.failed_chunks[0].records.len(), 500);
        assert_eq!(report.accepted, 2000);
        let stored: HashSet<String> = emu.state()["subscribers"].as_array().unwrap().iter().map(|s| s["attributes"]["email"].as_str().unwrap().to_owned()).collect();
        for r in &report.failed_chunks[0].records {
            assert!(!stored.contains(&r.email), "a returned record was in fact stored");
        }
        assert_eq!(stored.len() + 500, 2500);
    }
}

#[test]
fn eight_clients_times_a_thousand_requests_lose_and_duplicate_nothing() {
    let emu = emulator();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let c = bento::blocking::Client::new(config(&emu).build().unwrap()).unwrap();
            std::thread::spawn(move || {
                for i in 0..1000 {
                    let row = ImportSubscriberData::new(format!("t{t}-{i}@example.com"));
                    assert_eq!(c.import_subscribers([row]).unwrap().results, 1);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let state = emu.state();
    let subs = state["subscribers"].as_array().unwrap();
    let emails: HashSet<&str> = subs
        .iter()
        .map(|s| s["attributes"]["email"].as_str().unwrap())
        .collect();
    assert_eq!((subs.len(), emails.len()), (8000, 8000));
}
