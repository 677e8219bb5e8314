//! Bad input is an `invalid-input` error, raised before anything is sent, never a trap.

use host_tests::api::{self, ErrorDetails};

use crate::{Setup, call, config_for, event, host, import_row};

fn invalid(e: ErrorDetails) -> api::InvalidInputError {
    match e {
        ErrorDetails::InvalidInput(i) => i,
        other => panic!("expected invalid-input, got {other:?}"),
    }
}

fn invalid_field(e: ErrorDetails) -> String {
    invalid(e).field
}

#[test]
fn bad_json_text_is_invalid_input() {
    let mut t = Setup::start();
    let mut e = event("signup", "json@example.com");
    e.details = Some("{not json".into());
    let err = invalid(call!(t, call_track, &e).unwrap_err());
    assert_eq!(err.field, "event.details");
    assert_eq!(
        err.reason,
        "is not valid JSON text (line 1, column 2: syntax error)"
    );

    let mut e = event("signup", "json@example.com");
    e.fields = Some("[1, 2]".into());
    let err = invalid(call!(t, call_track_events, &[event("a", "a@example.com"), e]).unwrap_err());
    assert_eq!(err.field, "events[1].fields");
    assert_eq!(err.reason, "must be a JSON object, not an array");

    // A broken array is broken text, not "not an object" (fuzz finding F5).
    let mut e = event("signup", "json@example.com");
    e.details = Some("[".into());
    let err = invalid(call!(t, call_track, &e).unwrap_err());
    assert_eq!(err.field, "event.details");
    assert!(
        err.reason.starts_with("is not valid JSON"),
        "{}",
        err.reason
    );

    let mut row = import_row("json@example.com");
    row.custom_fields = Some("\"just a string\"".into());
    let err = invalid(call!(t, call_import_subscribers, &[row]).unwrap_err());
    // Checked by the core, as text (no map is built), under the core's field name.
    assert_eq!(err.field, "subscribers[0].custom_fields");
    assert_eq!(err.reason, "must be a JSON object, not a string");

    let command = api::Command::AddField(api::EmailKeyValue {
        email: "json@example.com".into(),
        key: "plan".into(),
        value: "pro".into(), // not JSON: a JSON string needs quotes
    });
    assert_eq!(
        invalid_field(call!(t, call_subscriber_command, &[command]).unwrap_err()),
        "commands[0].value"
    );

    let email = api::Email {
        to: "a@example.com".into(),
        from: "sender@example.com".into(),
        subject: "s".into(),
        html_body: "b".into(),
        transactional: true,
        personalizations: Some("".into()),
    };
    assert_eq!(
        invalid_field(call!(t, call_send_emails, &[email]).unwrap_err()),
        "emails[0].personalizations"
    );
    assert!(t.emu.requests().is_empty(), "nothing was sent");
}

#[test]
fn core_validation_is_invalid_input() {
    let mut t = Setup::start();
    assert_eq!(
        invalid_field(call!(t, call_track_events, &[event("signup", "not-an-email")]).unwrap_err()),
        "events[0].email"
    );
    assert!(call!(t, call_track_events, &[]).is_err());
    assert!(
        call!(
            t,
            call_import_subscribers_chunked,
            &[import_row("a@example.com")],
            api::ChunkOptions {
                chunk_size: Some(0),
                max_rate_limited_chunks: None,
                deadline_ms: None
            }
        )
        .is_err()
    );
    let both = api::BlacklistInput {
        domain: Some("example.com".into()),
        ip: Some("1.2.3.4".into()),
    };
    assert!(matches!(
        call!(t, call_get_blacklist_status, &both),
        Err(ErrorDetails::InvalidInput(_))
    ));
    assert!(matches!(
        call!(t, call_get_email_template, "  "),
        Err(ErrorDetails::InvalidInput(_))
    ));
    assert!(t.emu.requests().is_empty(), "nothing was sent");
}

#[test]
fn bad_config_is_invalid_input() {
    let emu = bento_emulator::Emulator::start(bento_emulator::EmulatorConfig::default())
        .expect("emulator");
    let mut instance = host().instantiate().expect("instance");
    type Tweak = fn(&mut api::Config);
    let cases: [(&str, Tweak); 4] = [
        ("empty secret", |c| c.secret_key = String::new()),
        ("plain http off loopback", |c| {
            c.base_url = Some("http://example.com/api/v1".into())
        }),
        ("zero timeout", |c| c.timeout_ms = Some(0)),
        ("header injection", |c| c.site_uuid = "a\r\nb".into()),
    ];
    for (what, tweak) in cases {
        let mut config = config_for(&emu);
        tweak(&mut config);
        match instance.client(&config).expect("no trap") {
            Err(ErrorDetails::InvalidInput(_)) => {}
            Err(other) => panic!("{what}: {other:?}"),
            Ok(_) => panic!("{what}: accepted"),
        }
    }
}

#[test]
fn odd_strings_never_trap() {
    let mut t = Setup::start();
    for s in ["", " ", "\u{0}", "ü@ß.de", "%2F..%2F", &"x".repeat(100_000)] {
        let _ = call!(t, call_find_subscriber, s);
        let _ = call!(t, call_get_segment, s);
        let _ = call!(t, call_get_gender, s);
        let _ = call!(t, call_delete_tag, s, s);
    }
}
