//! The component's JSON-text inputs (`bento-component`: `event.fields`, `event.details`,
//! `import-subscriber.custom-fields` (checked by the core), the `add-field` command's `value`,
//! `email.personalizations`) with any text.
//!
//! The component itself only builds for wasm32, where libFuzzer has no coverage; this target
//! compiles the component's own `bindings.rs` and `convert.rs` natively (`#[path]`, the same
//! source files) and runs each input the way an export does: WIT record → core input
//! (`convert`), then the core builds the request (`Operation::to_request`). Nothing is sent.
//! Checks: never a panic (in the component a panic is a trap in the host); text that is not
//! JSON is `invalid-input` naming exactly the field and saying so; JSON that is not an object
//! where an object is required is `invalid-input` "must be a JSON object"; an accepted object
//! reaches the request body with the same keys; no error shows the secret key.
#![no_main]
// The bindings' export side (the `Guest` traits) is not used here.
#![allow(dead_code, unused_imports, unreachable_pub)]

#[path = "../../bento-component/src/bindings.rs"]
mod bindings;
#[path = "../../bento-component/src/convert.rs"]
mod convert;

use std::sync::OnceLock;

use bento_core::{Error, Operation};
use bindings::exports::bentonow::bento::api as wit;
use convert::ToWit;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const SECRET: &str = "sk_live_COMPONENT_FUZZ_SECRET";

fn config() -> &'static bento_core::Config {
    static CONFIG: OnceLock<bento_core::Config> = OnceLock::new();
    CONFIG.get_or_init(|| {
        convert::config(wit::Config {
            publishable_key: "pk".into(),
            secret_key: SECRET.into(),
            site_uuid: "site".into(),
            base_url: Some("http://127.0.0.1:9/api/v1".into()),
            user_agent: None,
            timeout_ms: None,
            connect_timeout_ms: None,
            max_response_bytes: None,
            deadline_ms: None,
            retry: None,
        })
        .expect("a valid config")
    })
}

/// What the text is, decided independently of the code under test.
enum Kind {
    NotJson,
    Object(serde_json::Map<String, Value>),
    OtherJson,
}

fn kind(text: &str) -> Kind {
    match serde_json::from_str::<Value>(text) {
        Err(_) => Kind::NotJson,
        Ok(Value::Object(map)) => Kind::Object(map),
        Ok(_) => Kind::OtherJson,
    }
}

/// Converts `record` as the list exports do (`name[0]`), builds the request, and checks the
/// outcome for the JSON field `leaf`. Returns the request body when everything was accepted.
fn run<W, T, O>(
    name: &str,
    record: W,
    make: impl FnOnce(Vec<T>) -> Result<O, Error>,
    leaf: &str,
    text: &str,
    object_required: bool,
) -> Option<Value>
where
    W: convert::ToCore<T>,
    O: Operation,
{
    let field = format!("{name}[0].{leaf}");
    let result = convert::list(vec![record], name)
        .and_then(make)
        .and_then(|op| op.to_request(config()));
    let text_kind = kind(text);
    match result {
        Ok(request) => {
            match &text_kind {
                Kind::NotJson => panic!("{field}: text that is not JSON was accepted"),
                Kind::OtherJson if object_required => {
                    panic!("{field}: JSON that is not an object was accepted")
                }
                _ => {}
            }
            Some(serde_json::from_slice(request.body()).expect("the core sends JSON"))
        }
        Err(e) => {
            let shown = format!("{e}\n{e:?}\n{:?}", e.clone().to_wit());
            assert!(!shown.contains(SECRET), "secret key in an error: {shown}");
            let wit::BentoError::InvalidInput(invalid) = e.to_wit() else {
                panic!("{field}: bad input gave a non-input error: {shown}");
            };
            match text_kind {
                Kind::NotJson => {
                    assert_eq!(invalid.field, field, "{shown}");
                    assert!(
                        invalid.reason.starts_with("is not valid JSON"),
                        "{field}: {}",
                        invalid.reason
                    );
                }
                Kind::OtherJson if object_required => {
                    assert_eq!(invalid.field, field, "{shown}");
                    assert!(
                        invalid.reason.starts_with("must be a JSON object"),
                        "{field}: {}",
                        invalid.reason
                    );
                }
                // Well-formed input the core turned down (e.g. a blank key): its own rule,
                // but never blamed on the JSON syntax.
                _ => assert!(
                    !invalid.reason.starts_with("is not valid JSON"),
                    "{field}: valid JSON reported as invalid: {}",
                    invalid.reason
                ),
            }
            None
        }
    }
}

/// The same JSON, floats within a few units in the last place: the map path re-formats a
/// float that serde_json read (its default parser is not correctly rounded, so re-reading its
/// output can land one unit away), the text path sends the caller's digits as written.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => {
                    x == y || (x - y).abs() <= 4.0 * f64::EPSILON * x.abs().max(y.abs())
                }
                _ => false,
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    k.sort_unstable();
    k
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let event = |fields: Option<String>, details: Option<String>| wit::Event {
        event_type: "signup".into(),
        email: "fuzz@example.com".into(),
        fields,
        details,
        date: None,
    };
    let track = |events: Vec<bento_core::Event>| Ok(bento_core::TrackEvents::new(events));

    // event.fields and event.details: an accepted object arrives with the same keys.
    for (leaf, e) in [
        ("fields", event(Some(text.into()), None)),
        ("details", event(None, Some(text.into()))),
    ] {
        if let Some(body) = run("events", e, track, leaf, text, true) {
            let sent = &body["events"][0][leaf];
            let Kind::Object(map) = kind(text) else {
                unreachable!("accepted, so an object")
            };
            let mut expected: Vec<&str> = map.keys().map(String::as_str).collect();
            expected.sort_unstable();
            assert_eq!(keys(sent), expected, "{leaf}");
        }
    }

    // import-subscriber.custom-fields (flattened into the row by the core, which checks the
    // text itself and names it by its own field name).
    let row = wit::ImportSubscriber {
        email: "fuzz@example.com".into(),
        first_name: None,
        last_name: None,
        tags: None,
        remove_tags: None,
        custom_fields: Some(text.into()),
    };
    let as_text = run(
        "subscribers",
        row,
        |rows| Ok(bento_core::ImportSubscribersText::new(rows)),
        "custom_fields",
        text,
        true,
    );
    // Differential: the text row answers exactly as the parsed map row does (the FFI's and the
    // Rust clients' path): the same refusal, or a body with the same JSON value.
    let as_map = bento_core::json_text::object(&"subscribers[0].custom_fields", text).and_then(
        |custom_fields| {
            let mut data = bento_core::ImportSubscriberData::new("fuzz@example.com");
            data.custom_fields = custom_fields;
            bento_core::ImportSubscribers::new([data]).to_request(config())
        },
    );
    let as_text_again =
        bento_core::ImportSubscribersText::new([bento_core::ImportSubscriberText {
            email: "fuzz@example.com".into(),
            custom_fields: Some(text.into()),
            ..Default::default()
        }])
        .to_request(config());
    match (&as_map, &as_text_again) {
        (Ok(map), Ok(_)) => {
            let map: Value = serde_json::from_slice(map.body()).expect("the core sends JSON");
            let text = as_text.expect("accepted by both");
            assert!(
                same(&map, &text),
                "the two paths sent different rows: {map} / {text}"
            );
        }
        (Err(a), Err(b)) => assert_eq!(a, b, "the two paths refused differently"),
        (a, b) => panic!("one path accepted and the other refused: {a:?} / {b:?}"),
    }

    // The add-field command's value: any JSON value.
    let command = wit::Command::AddField(wit::EmailKeyValue {
        email: "fuzz@example.com".into(),
        key: "plan".into(),
        value: text.into(),
    });
    run(
        "commands",
        command,
        |commands: Vec<bento_core::Command>| bento_core::SubscriberCommands::new(commands),
        "value",
        text,
        false,
    );

    // email.personalizations.
    let email = wit::Email {
        to: "to@example.com".into(),
        from: "from@example.com".into(),
        subject: "s".into(),
        html_body: "<p>b</p>".into(),
        transactional: true,
        personalizations: Some(text.into()),
    };
    run(
        "emails",
        email,
        |emails| bento_core::EmailBatch::new(emails).map(bento_core::SendEmails::new),
        "personalizations",
        text,
        true,
    );
});
