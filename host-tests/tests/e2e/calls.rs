//! Every exported function, against the emulator, with results checked against its state.

use host_tests::api;

use crate::{Setup, call, event, import_row, state_subscriber};

#[test]
fn events_and_tracking() {
    let mut t = Setup::start();
    let mut purchase = event("$purchase", "buyer@example.com");
    purchase.details =
        Some(r#"{"unique":{"key":"order-1"},"value":{"amount":4200,"currency":"USD"}}"#.to_owned());
    purchase.fields = Some(r#"{"plan":"pro"}"#.to_owned());
    let result = call!(
        t,
        call_track_events,
        &[event("$pageView", "a@example.com"), purchase]
    )
    .expect("tracked");
    assert_eq!(result.results, 2);
    let mut one = event("signup", "b@example.com");
    one.date = Some("2026-01-31T10:00:00Z".to_owned());
    assert_eq!(call!(t, call_track, &one).expect("tracked").results, 1);

    let state = t.emu.state();
    let events = state["events"].as_array().expect("events");
    assert_eq!(events.len(), 3, "{events:#?}");
    let buyer = state_subscriber(&t.emu, "buyer@example.com").expect("buyer exists");
    assert_eq!(buyer["attributes"]["fields"]["plan"], "pro");
}

#[test]
fn subscribers_import_find_create_upsert() {
    let mut t = Setup::start();
    let mut row = import_row("jane@example.com");
    row.first_name = Some("Jane".to_owned());
    row.tags = Some("vip,beta".to_owned());
    row.custom_fields = Some(r#"{"plan":"pro","seats":3}"#.to_owned());
    let result = call!(
        t,
        call_import_subscribers,
        &[row, import_row("joe@example.com")]
    )
    .expect("imported");
    assert_eq!(result.results, 2);

    let jane = call!(t, call_find_subscriber, "jane@example.com")
        .expect("found")
        .expect("jane exists");
    assert_eq!(jane.email, "jane@example.com");
    assert!(jane.is_subscribed);
    let fields: serde_json::Value =
        serde_json::from_str(jane.fields.as_deref().expect("fields")).expect("JSON text");
    assert_eq!(fields["plan"], "pro");
    assert_eq!(fields["seats"], 3);
    let state = state_subscriber(&t.emu, "jane@example.com").expect("in state");
    assert_eq!(state["attributes"]["uuid"], jane.uuid.as_str());
    let mut tags: Vec<String> =
        serde_json::from_value(state["attributes"]["tag_names"].clone()).expect("tag names");
    tags.sort();
    assert_eq!(tags, ["beta", "vip"]);

    let by_uuid = call!(t, call_find_subscriber_by_uuid, &jane.uuid)
        .expect("found")
        .expect("by uuid");
    assert_eq!(by_uuid.id, jane.id);
    assert_eq!(
        call!(t, call_find_subscriber, "nobody@example.com").expect("answered"),
        None
    );

    let created = call!(t, call_create_subscriber, "new@example.com").expect("created");
    assert_eq!(created.email, "new@example.com");
    assert!(state_subscriber(&t.emu, "new@example.com").is_some());

    let mut upsert = import_row("upsert@example.com");
    upsert.last_name = Some("Upsert".to_owned());
    let read_back = call!(t, call_upsert_subscriber, &upsert)
        .expect("upserted")
        .expect("visible at once in the emulator");
    assert_eq!(read_back.email, "upsert@example.com");
}

#[test]
fn commands_change_subscribers() {
    let mut t = Setup::start();
    call!(t, call_import_subscribers, &[import_row("cmd@example.com")]).expect("imported");
    let commands = [
        api::Command::AddTag(api::EmailTag {
            email: "cmd@example.com".into(),
            tag: "customer".into(),
        }),
        api::Command::AddField(api::EmailKeyValue {
            email: "cmd@example.com".into(),
            key: "plan".into(),
            value: r#""enterprise""#.into(),
        }),
        api::Command::Unsubscribe("cmd@example.com".into()),
    ];
    let result = call!(t, call_subscriber_command, &commands).expect("queued");
    assert_eq!(result.results, 3);
    let s = state_subscriber(&t.emu, "cmd@example.com").expect("in state");
    assert_eq!(s["attributes"]["fields"]["plan"], "enterprise");
    assert!(!s["attributes"]["unsubscribed_at"].is_null(), "{s:#}");
    // `is-subscribed` is the core's `is_subscribed()`: no `unsubscribed-at`.
    let read = call!(t, call_find_subscriber, "cmd@example.com")
        .expect("found")
        .expect("exists");
    assert!(read.unsubscribed_at.is_some());
    assert!(!read.is_subscribed);
    assert!(
        s["attributes"]["tag_names"]
            .as_array()
            .expect("tags")
            .iter()
            .any(|t| t == "customer")
    );

    let more = [
        api::Command::Subscribe("cmd@example.com".into()),
        api::Command::RemoveTag(api::EmailTag {
            email: "cmd@example.com".into(),
            tag: "customer".into(),
        }),
        api::Command::AddTagViaEvent(api::EmailTag {
            email: "cmd@example.com".into(),
            tag: "evented".into(),
        }),
        api::Command::RemoveField(api::EmailKey {
            email: "cmd@example.com".into(),
            key: "plan".into(),
        }),
        api::Command::ChangeEmail(api::EmailChange {
            email: "cmd@example.com".into(),
            new_email: "moved@example.com".into(),
        }),
    ];
    assert_eq!(
        call!(t, call_subscriber_command, &more)
            .expect("queued")
            .results,
        5
    );
    let moved = state_subscriber(&t.emu, "moved@example.com").expect("email changed");
    assert!(moved["attributes"]["unsubscribed_at"].is_null());
    let read = call!(t, call_find_subscriber, "moved@example.com")
        .expect("found")
        .expect("exists");
    assert_eq!(read.unsubscribed_at, None);
    assert!(read.is_subscribed);
}

#[test]
fn search_subscribers() {
    let mut t = Setup::start();
    let mut row = import_row("found@example.com");
    row.tags = Some("searchable".into());
    call!(
        t,
        call_import_subscribers,
        &[row, import_row("other@example.com")]
    )
    .expect("imported");
    let query = api::SearchQuery {
        page: Some(1),
        tags: vec!["searchable".into()],
        created_at: Some(api::DateRange {
            gt: Some("2000-01-01T00:00:00Z".into()),
            lt: None,
        }),
        updated_at: None,
        last_event_at: None,
        unsubscribed_at: None,
    };
    let found = call!(t, call_search_subscribers, &query).expect("searched");
    let emails: Vec<&str> = found.data.iter().map(|s| s.email.as_str()).collect();
    assert_eq!(emails, ["found@example.com"]);
}

#[test]
fn tags_and_fields() {
    let mut t = Setup::start();
    let tag = call!(t, call_create_tag, "fresh-tag").expect("created");
    assert_eq!(tag.name, "fresh-tag");
    let tags = call!(t, call_get_tags).expect("listed");
    assert!(tags.iter().any(|x| x.id == tag.id));
    let state_tags = t.emu.state()["tags"].as_array().expect("tags").len();
    assert_eq!(tags.len(), state_tags);
    let message = call!(t, call_delete_tag, &tag.id, "fresh-tag").expect("deleted");
    assert!(!message.is_empty());
    let discarded = t.emu.state()["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .find(|x| x["id"] == tag.id.as_str())
        .cloned()
        .expect("still in state");
    assert!(!discarded["attributes"]["discarded_at"].is_null());

    let field = call!(t, call_create_field, "favourite_colour").expect("created");
    assert_eq!(field.key, "favourite_colour");
    let fields = call!(t, call_get_fields).expect("listed");
    assert!(fields.iter().any(|f| f.key == "favourite_colour"));
    assert_eq!(
        fields.len(),
        t.emu.state()["fields"].as_array().expect("fields").len()
    );
}

#[test]
fn broadcasts_and_emails() {
    let mut t = Setup::start();
    let input = api::BroadcastInput {
        name: "Launch".into(),
        subject: "We launched".into(),
        content: "<p>Hi {{ visitor.first_name }}</p>".into(),
        broadcast_type: "plain".into(),
        from_email: "sender@example.com".into(),
        from_name: Some("Sender".into()),
        inclusive_tags: Some("vip".into()),
        exclusive_tags: None,
        segment_id: None,
        batch_size_per_hour: 500,
        send_at: None,
        approved: Some(false),
    };
    let created = call!(t, call_create_broadcasts, std::slice::from_ref(&input)).expect("created");
    assert_eq!(created.results, 1);
    let state = t.emu.state();
    let broadcasts = state["broadcasts"].as_array().expect("broadcasts");
    let launch = broadcasts
        .iter()
        .find(|b| b["attributes"]["name"] == "Launch")
        .expect("draft stored");
    assert_eq!(launch["attributes"]["status"], "draft");

    let sent = call!(t, call_get_broadcasts).expect("listed");
    assert!(
        sent.iter().all(|b| b.name != "Launch"),
        "first page is sent broadcasts"
    );
    let drafts = call!(
        t,
        call_list_broadcasts,
        api::BroadcastQuery {
            page: Some(1),
            status: Some(api::BroadcastStatus::Draft),
        }
    )
    .expect("listed");
    assert!(drafts.iter().any(|b| b.name == "Launch"));

    let email = api::Email {
        to: "reader@example.com".into(),
        from: "sender@example.com".into(),
        subject: "Your receipt".into(),
        html_body: "<p>Thanks {{ name }}</p>".into(),
        transactional: true,
        personalizations: Some(r#"{"name":"Reader"}"#.into()),
    };
    assert_eq!(
        call!(t, call_send_emails, &[email]).expect("sent").results,
        1
    );
    let outbox = t.emu.state()["outbox"].clone();
    assert_eq!(outbox.as_array().expect("outbox").len(), 1, "{outbox:#}");
}

#[test]
fn sequences_templates_workflows() {
    let mut t = Setup::start();
    let sequences = call!(t, call_get_sequences).expect("listed");
    assert!(
        sequences
            .iter()
            .any(|s| s.id == "321" && s.name == "Onboarding")
    );
    assert_eq!(
        call!(t, call_get_sequences_page, 1).expect("page 1").len(),
        sequences.len()
    );
    assert!(
        call!(t, call_get_sequences_page, 99)
            .expect("empty page")
            .is_empty()
    );

    let email = api::SequenceEmail {
        subject: "Day 3".into(),
        html: "<p>Three days in</p>".into(),
        inbox_snippet: Some("Three".into()),
        delay_interval: Some(api::DelayInterval::Days),
        delay_interval_count: Some(3),
        editor_choice: None,
        cc: None,
        bcc: None,
        to: None,
    };
    let template = call!(
        t,
        call_create_sequence_email,
        "sequence_8fk2onboard",
        &email
    )
    .or_else(|_| call!(t, call_create_sequence_email, "321", &email))
    .expect("appended");
    assert_eq!(template.subject, "Day 3");

    let read = call!(t, call_get_email_template, &template.id)
        .expect("read")
        .expect("exists");
    assert_eq!(read.html, "<p>Three days in</p>");
    // The API answers 404 for an unknown template (`none` is for a `{"data": null}` answer).
    assert!(matches!(
        call!(t, call_get_email_template, "999999"),
        Err(api::ErrorDetails::ApiStatus(api::ApiStatusError {
            status: 404,
            ..
        }))
    ));
    let updated = call!(
        t,
        call_update_email_template,
        &api::TemplateUpdate {
            id: template.id.clone(),
            subject: Some("Day three".into()),
            html: None,
        }
    )
    .expect("updated");
    assert_eq!(updated.subject, "Day three");
    let stored = t.emu.state()["templates"]
        .as_array()
        .expect("templates")
        .iter()
        .find(|x| x["id"] == template.id.as_str())
        .cloned()
        .expect("in state");
    assert_eq!(stored["attributes"]["subject"], "Day three");

    let workflows = call!(t, call_get_workflows).expect("listed");
    assert!(workflows.iter().any(|w| w.id == "401"));
    assert_eq!(
        call!(t, call_get_workflows_page, 1).expect("page").len(),
        workflows.len()
    );
}

#[test]
fn forms_segments_authors() {
    let mut t = Setup::start();
    let responses = call!(t, call_get_form_responses, "form-123").expect("listed");
    let ids: Vec<&str> = responses.iter().map(|r| r.id.as_str()).collect();
    assert!(
        ids.contains(&"resp-1") && ids.contains(&"resp-2"),
        "{ids:?}"
    );

    let segments = call!(t, call_get_segments).expect("listed");
    assert!(segments.iter().any(|s| s.id == "1201"));
    assert!(
        segments.iter().all(|s| s.id != "1204"),
        "discarded is hidden"
    );
    let one = call!(t, call_get_segment, "1202")
        .expect("read")
        .expect("exists");
    assert_eq!(one.name, "Everyone");

    let authors = call!(t, call_get_authors).expect("listed");
    let emails: Vec<&str> = authors.iter().map(|a| a.email.as_str()).collect();
    assert!(emails.contains(&"sender@example.com"), "{emails:?}");
    for a in &authors {
        assert!(serde_json::from_str::<serde_json::Value>(&a.other).is_ok());
    }
}

#[test]
fn stats() {
    let mut t = Setup::start();
    call!(
        t,
        call_import_subscribers,
        &[import_row("s1@example.com"), import_row("s2@example.com")]
    )
    .expect("imported");
    let site = call!(t, call_get_site_stats).expect("stats");
    let counts = t.emu.state()["counts"].clone();
    assert_eq!(
        site.user_count,
        counts["subscribers"].as_u64().expect("count")
    );
    assert_eq!(
        site.subscriber_count,
        counts["subscribed"].as_u64().expect("count")
    );
    let everyone = call!(t, call_get_segment_stats, "1202").expect("segment stats");
    assert_eq!(everyone.user_count, site.user_count);

    let report = call!(t, call_get_report_stats, "501").expect("report");
    let data: serde_json::Value = serde_json::from_str(&report.data).expect("JSON");
    assert_eq!(data, 42, "{report:?}");

    let ads = call!(
        t,
        call_get_ads_stats,
        &api::AdsQuery {
            dimension: Some("source".into()),
            value: None,
            start_date: None,
            end_date: None,
            revenue_mode: None,
        }
    )
    .expect("ads stats");
    for point in &ads.chart_data {
        assert!(serde_json::from_str::<serde_json::Value>(point).is_ok());
    }
}

#[test]
fn experimental() {
    let mut t = Setup::start();
    let valid = call!(
        t,
        call_validate_email,
        &api::ValidationInput {
            email: "jane@gmail.com".into(),
            name: Some("Jane".into()),
            user_agent: None,
            ip: None,
        }
    )
    .expect("validated");
    let disposable = call!(
        t,
        call_validate_email,
        &api::ValidationInput {
            email: "x@mailinator.com".into(),
            name: None,
            user_agent: None,
            ip: None,
        }
    )
    .expect("validated");
    assert!(valid.valid || !disposable.valid);

    let jesse = call!(
        t,
        call_jesses_ruleset,
        &api::JessesRulesetInput {
            email: "admin@example.com".into(),
            block_free_providers: Some(true),
            wiggleroom: Some(false),
        }
    )
    .expect("checked");
    assert!(!jesse.valid || jesse.reasons.is_empty());

    let moderation =
        call!(t, call_moderate_content, "a perfectly nice sentence").expect("moderated");
    assert!(moderation.valid, "{moderation:?}");

    let gender = call!(t, call_get_gender, "John").expect("guessed");
    assert_eq!(gender.gender.as_deref(), Some("male"));

    assert_eq!(
        call!(t, call_geolocate_ip, "203.0.113.7").expect("answered"),
        None
    );

    let blacklist = call!(
        t,
        call_get_blacklist_status,
        &api::BlacklistInput {
            domain: Some("example.com".into()),
            ip: None,
        }
    )
    .expect("checked");
    if let Some(results) = &blacklist.results {
        assert!(
            serde_json::from_str::<serde_json::Value>(results)
                .expect("JSON")
                .is_object()
        );
    }
}

#[test]
fn data_deletion() {
    let mut t = Setup::start();
    call!(
        t,
        call_import_subscribers,
        &[import_row("forget@example.com")]
    )
    .expect("imported");
    let answer = call!(t, call_request_data_deletion, "forget@example.com").expect("requested");
    serde_json::from_str::<serde_json::Value>(&answer).expect("JSON text");
    assert!(state_subscriber(&t.emu, "forget@example.com").is_none());
    let deletions = t.emu.state()["data_deletion_requests"].clone();
    assert_eq!(deletions.as_array().expect("deletions").len(), 1);
}

#[test]
fn chunked_import_and_track() {
    let mut t = Setup::start();
    let rows: Vec<_> = (0..25)
        .map(|i| import_row(&format!("bulk{i}@example.com")))
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
    .expect("imported");
    assert_eq!(
        (report.records, report.chunks, report.accepted),
        (25, 3, 25)
    );
    assert!(report.failed_chunks.is_empty() && report.partial_chunks.is_empty());
    assert_eq!(t.emu.state()["counts"]["subscribers"], 25);

    let events: Vec<_> = (0..7)
        .map(|i| event("$pageView", &format!("bulk{i}@example.com")))
        .collect();
    let report = call!(
        t,
        call_track_events_chunked,
        &events,
        api::ChunkOptions {
            chunk_size: None,
            max_rate_limited_chunks: None,
            deadline_ms: None
        }
    )
    .expect("tracked");
    assert_eq!((report.records, report.chunks, report.accepted), (7, 1, 7));
    assert_eq!(t.emu.state()["counts"]["events"], 7);
}
