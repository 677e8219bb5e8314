//! The FFI layer's JSON-text inputs (`bento-ffi`: `fields_json`, `details_json`,
//! `custom_fields_json`, `value_json`, `personalizations_json`) with any text, through the
//! exported `BentoClient` methods (the client points at a closed loopback port, retries off).
//! Checks: never a panic (the FFI catches panics and reports `BentoError::Internal`, so an
//! `Internal` is a failure here), text that is not JSON is `InvalidInput` naming the field,
//! and no error shows the secret key.
#![no_main]

use std::sync::{Arc, OnceLock};

use bento_ffi::{
    BentoClient, BentoConfig, BentoError, Command, EmailData, Event, ImportSubscriber,
};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "sk_live_FFI_FUZZ_SECRET";

fn client() -> &'static Arc<BentoClient> {
    static CLIENT: OnceLock<Arc<BentoClient>> = OnceLock::new();
    CLIENT.get_or_init(|| {
        BentoClient::new(BentoConfig {
            publishable_key: "pk".into(),
            secret_key: SECRET.into(),
            site_uuid: "site".into(),
            // Port 9 (discard) on loopback: nothing listens, so a valid input fails fast with
            // a connect error instead of reaching a server.
            base_url: Some("http://127.0.0.1:9/api/v1".into()),
            timeout_secs: Some(0.5),
            connect_timeout_secs: Some(0.5),
            max_response_bytes: None,
            user_agent: None,
            retry: Some(bento_ffi::disabled_retry_settings()),
        })
        .expect("a valid config")
    })
}

fn check(result: Result<impl Sized, BentoError>, json: Option<&str>, field: &str) {
    let Err(e) = result else { return };
    let shown = format!("{e}\n{e:?}");
    assert!(
        !matches!(e, BentoError::Internal { .. }),
        "a panic was caught: {shown}"
    );
    assert!(!shown.contains(SECRET), "secret key in an error: {shown}");
    if let Some(text) = json
        && serde_json::from_str::<serde_json::Value>(text).is_err()
        && text.len() <= bento_ffi::MAX_JSON_TEXT
    {
        match &e {
            BentoError::InvalidInput { field: f, .. } => {
                assert!(f.contains(field), "{field}: the error names {f}")
            }
            other => panic!("{field}: text that is not JSON gave {other:?}"),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parts: Vec<&str> = text.splitn(4, '\u{1}').collect();
    let part = |i: usize| parts.get(i).copied();
    let c = client();
    let event = Event {
        event_type: "signup".into(),
        email: "a@example.com".into(),
        fields_json: part(0).map(str::to_owned),
        details_json: part(1).map(str::to_owned),
        fields: None,
        details: None,
        date: None,
    };
    check(c.track(event), part(0), "fields_json");
    let row = ImportSubscriber {
        email: "a@example.com".into(),
        first_name: None,
        last_name: None,
        tags: None,
        remove_tags: None,
        custom_fields_json: part(2).map(str::to_owned),
        custom_fields: None,
    };
    check(
        c.import_subscribers(vec![row]),
        part(2),
        "custom_fields_json",
    );
    if let Some(value) = part(3) {
        let command = Command::AddField {
            email: "a@example.com".into(),
            key: "k".into(),
            value_json: value.into(),
        };
        check(
            c.subscriber_command(vec![command]),
            Some(value),
            "value_json",
        );
    }
    let email = EmailData {
        to: "a@example.com".into(),
        from_email: "b@example.com".into(),
        subject: "s".into(),
        html_body: "h".into(),
        transactional: false,
        personalizations_json: part(0).map(str::to_owned),
        personalizations: None,
    };
    check(c.send_emails(vec![email]), part(0), "personalizations_json");
});
