//! Property tests of the sans-IO core: every valid input serializes to JSON that reads back as
//! the same values, and every invalid input is refused with `InvalidInput` before a request
//! exists. No clock, no network; fixed case counts (see `CASES`) so the file runs in seconds.
//! Then the deterministic promises over every operation at once (never panic on any response,
//! never leak a secret or an email, the same input gives the same bytes).
//!
//! The `finding_*` tests at the end reproduce open findings of the fuzzers (FUZZING.md); they
//! are `#[ignore]`d until fixed: `cargo test -p bento-core --test properties -- --ignored`.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use bento_core::*;
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use serde_json::{Value, json};

/// Cases per property: enough to cover the shapes, small enough for `cargo test`.
const CASES: u32 = 64;

fn cfg() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        // No `proptest-regressions/` files in the tree; failures print their minimal input.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn config() -> Config {
    ConfigBuilder::new()
        .publishable_key("pk")
        .secret_key("sk_prop_secret_42")
        .site_uuid("site-1")
        .build()
        .unwrap()
}

fn body(req: &http::Request<Vec<u8>>) -> Value {
    assert_eq!(req.headers()["content-type"], "application/json");
    serde_json::from_slice(req.body()).unwrap()
}

fn assert_invalid<O: Operation>(op: &O, emails: &[&str]) -> Error {
    let err = op.to_request(&config()).unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    let exchange_err = Exchange::new(op, &config()).err();
    assert_eq!(Some(&err), exchange_err.as_ref());
    let shown = format!("{err} {err:?}");
    for e in emails {
        if e.contains('@') {
            assert!(!shown.contains(e.trim()), "{shown} repeats {e}");
        }
    }
    err
}

// ---------------------------------------------------------------------------------------------
// Strategies.

fn email() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,10}(\\.[a-z0-9]{1,5})?(\\+[a-z]{1,5})?@[a-z0-9]{1,10}(-[a-z0-9]{1,4})?\\.[a-z]{2,6}"
}

fn bad_email() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{1,10}",                                // no @
        "[a-z]{1,5} [a-z]{1,5}@[a-z]{2,8}\\.io",      // whitespace
        "@[a-z]{2,8}\\.io",                           // empty local part
        "[a-z]{1,8}@[a-z]{2,8}",                      // no dot in the domain
        "[a-z]{1,8}@@[a-z]{2,8}\\.io",                // two @
        "[a-z]{1,4}\\.\\.[a-z]{1,4}@[a-z]{2,8}\\.io", // double dot
        "[a-z]{1,8}@-[a-z]{2,8}\\.io",                // label starts with '-'
        "[a-z]{1,8}@[a-z]{2,8}\\.[0-9]{2,3}",         // numeric TLD
        "<[a-z]{1,8}@[a-z]{2,8}\\.io>",               // angle brackets
        "[a-z]{65}@[a-z]{2,8}\\.io",                  // local part over 64
        Just(String::new()),
        Just("   ".to_owned()),
    ]
}

fn bad_ip() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}",
        "(25[6-9]|2[6-9][0-9]|[3-9][0-9]{2})\\.[0-9]\\.[0-9]\\.[0-9]",
        "[a-z]{1,10}",
        "[0-9a-f]{1,4}(:[0-9a-f]{1,4}){8,9}",
        "[0-9]\\.[0-9]\\.[0-9]\\.[0-9]/[0-9]{1,2}",
    ]
}

fn bad_currency() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{3}",
        "[A-Z]{1,2}",
        "[A-Z]{4,6}",
        "[A-Z][a-z0-9][A-Z]",
        Just(String::new()),
    ]
}

fn bad_amount() -> impl Strategy<Value = Value> {
    prop_oneof![Just(json!(1.5)), Just(json!("100")), Just(Value::Null)]
}

fn bad_date() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}",
        "[a-z ]{0,12}",
        "20[0-9]{2}-[0-9]{2}-[0-9]{2}[xyz:]",
    ]
}

fn key() -> impl Strategy<Value = String> {
    "[a-zA-Z_][a-zA-Z0-9_]{0,12}"
}

/// JSON values that read back exactly (floats are dyadic fractions, so no rounding).
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<i32>().prop_map(|i| json!(f64::from(i) / 8.0)),
        "\\PC{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn json_map() -> impl Strategy<Value = JsonMap> {
    prop::collection::hash_map(key(), json_value(), 0..5)
}

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9][a-zA-Z0-9 _$-]{0,15}"
}

fn blank() -> impl Strategy<Value = String> {
    "[ \t\n]{0,4}"
}

#[derive(Debug, Clone)]
struct EventIn {
    event_type: String,
    email: String,
    fields: Option<JsonMap>,
    details: Option<JsonMap>,
    date: Option<String>,
}

fn event() -> impl Strategy<Value = EventIn> {
    (
        text(),
        email(),
        prop::option::of(json_map()),
        prop::option::of(json_map()),
        prop::option::of("20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z)?"),
    )
        .prop_map(|(event_type, email, fields, details, date)| EventIn {
            event_type,
            email,
            fields,
            details,
            date,
        })
}

fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        (email(), text()).prop_map(|(email, tag)| Command::AddTag { email, tag }),
        (email(), text()).prop_map(|(email, tag)| Command::AddTagViaEvent { email, tag }),
        (email(), text()).prop_map(|(email, tag)| Command::RemoveTag { email, tag }),
        (email(), key(), json_value()).prop_map(|(email, key, value)| Command::AddField {
            email,
            key,
            value
        }),
        (email(), key()).prop_map(|(email, key)| Command::RemoveField { email, key }),
        email().prop_map(|email| Command::Subscribe { email }),
        email().prop_map(|email| Command::Unsubscribe { email }),
        (email(), email()).prop_map(|(email, new_email)| Command::ChangeEmail { email, new_email }),
    ]
}

fn email_data() -> impl Strategy<Value = EmailData> {
    (
        email(),
        email(),
        text(),
        text(),
        any::<bool>(),
        prop::option::of(json_map()),
    )
        .prop_map(
            |(to, from, subject, html_body, transactional, personalizations)| EmailData {
                to,
                from,
                subject,
                html_body,
                transactional,
                personalizations,
            },
        )
}

const RESERVED: [&str; 5] = ["email", "first_name", "last_name", "tags", "remove_tags"];

fn import_row() -> impl Strategy<Value = ImportSubscriberData> {
    (
        email(),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of("[a-z]{1,6}(,[a-z]{1,6}){0,3}"),
        prop::collection::hash_map(
            key().prop_filter("not reserved", |k| !RESERVED.contains(&k.as_str())),
            json_value(),
            0..5,
        ),
    )
        .prop_map(
            |(email, first_name, last_name, tags, custom_fields)| ImportSubscriberData {
                email,
                first_name,
                last_name,
                tags,
                remove_tags: None,
                custom_fields,
            },
        )
}

fn map_value(m: &Option<JsonMap>) -> Option<Value> {
    m.as_ref()
        .map(|m| Value::Object(m.clone().into_iter().collect()))
}

// ---------------------------------------------------------------------------------------------
// Valid inputs round-trip.

proptest! {
    #![proptest_config(cfg())]

    #[test]
    fn events_serialize_to_json_with_the_same_values(events in prop::collection::vec(event(), 1..6)) {
        let op = TrackEvents::new(events.iter().map(|e| Event {
            event_type: e.event_type.clone(),
            email: e.email.clone(),
            fields: e.fields.clone(),
            details: e.details.clone(),
            date: e.date.clone(),
        }));
        let req = op.to_request(&config()).unwrap();
        prop_assert_eq!(req.method(), "POST");
        let body = body(&req);
        let sent = body["events"].as_array().unwrap();
        prop_assert_eq!(sent.len(), events.len());
        for (e, j) in events.iter().zip(sent) {
            prop_assert_eq!(&j["type"], &json!(e.event_type));
            prop_assert_eq!(&j["email"], &json!(e.email));
            prop_assert_eq!(j.get("fields").cloned(), map_value(&e.fields));
            prop_assert_eq!(j.get("details").cloned(), map_value(&e.details));
            prop_assert_eq!(j.get("date").cloned(), e.date.clone().map(Value::String));
        }
    }

    #[test]
    fn purchases_out_of_range_are_refused(email in email(), cents in prop_oneof![i64::MIN..-limits::MAX_AMOUNT_CENTS, (limits::MAX_AMOUNT_CENTS + 1)..=i64::MAX]) {
        let op = TrackEvents::new([Event::purchase(email, Purchase::new("k", cents, "USD"))]);
        let err = op.to_request(&config()).unwrap_err();
        prop_assert!(matches!(&err, Error::InvalidInput { field, .. } if field == "events[0].details.value.amount"), "{err}");
    }

    #[test]
    fn purchases_keep_amount_and_currency(email in email(), key in text(), cents in -limits::MAX_AMOUNT_CENTS..=limits::MAX_AMOUNT_CENTS, currency in "[A-Z]{3}") {
        let op = TrackEvents::new([Event::purchase(email, Purchase::new(key.clone(), cents, currency.clone()))]);
        let body = body(&op.to_request(&config()).unwrap());
        let details = &body["events"][0]["details"];
        prop_assert_eq!(&details["value"], &json!({ "amount": cents, "currency": currency }));
        prop_assert_eq!(&details["unique"]["key"], &json!(key));
    }

    #[test]
    fn import_rows_send_custom_fields_as_flat_keys(rows in prop::collection::vec(import_row(), 1..6)) {
        let req = ImportSubscribers::new(rows.clone()).to_request(&config()).unwrap();
        let body = body(&req);
        let sent = body["subscribers"].as_array().unwrap();
        prop_assert_eq!(sent.len(), rows.len());
        for (row, j) in rows.iter().zip(sent) {
            let obj = j.as_object().unwrap();
            prop_assert_eq!(&obj["email"], &json!(row.email));
            prop_assert_eq!(obj.get("first_name").cloned(), row.first_name.clone().map(Value::String));
            prop_assert_eq!(obj.get("last_name").cloned(), row.last_name.clone().map(Value::String));
            prop_assert_eq!(obj.get("tags").cloned(), row.tags.clone().map(Value::String));
            prop_assert!(!obj.contains_key("custom_fields"));
            for (k, v) in &row.custom_fields {
                prop_assert_eq!(obj.get(k), Some(v), "custom field {} is a flat key", k);
            }
            let expected = 1 + row.custom_fields.len()
                + usize::from(row.first_name.is_some())
                + usize::from(row.last_name.is_some())
                + usize::from(row.tags.is_some());
            prop_assert_eq!(obj.len(), expected);
        }
    }

    #[test]
    fn import_rows_refuse_reserved_custom_field_keys(row in import_row(), i in 0..RESERVED.len(), v in json_value()) {
        let mut row = row;
        row.custom_fields.insert(RESERVED[i].to_owned(), v);
        let email = row.email.clone();
        let err = assert_invalid(&ImportSubscribers::new([row]), &[&email]);
        prop_assert_eq!(
            err,
            Error::invalid(format!("subscribers[0].custom_fields.{}", RESERVED[i]), "is a reserved key; set the struct field instead")
        );
    }

    #[test]
    fn commands_serialize_with_their_queries(commands in prop::collection::vec(command(), 1..6)) {
        let op = SubscriberCommands::new(commands.clone()).unwrap();
        let body = body(&op.to_request(&config()).unwrap());
        let sent = body["command"].as_array().unwrap();
        prop_assert_eq!(sent.len(), commands.len());
        for (c, j) in commands.iter().zip(sent) {
            prop_assert_eq!(&j["email"], &json!(c.email()));
            let expected = match c {
                Command::AddTag { tag, .. } | Command::AddTagViaEvent { tag, .. } | Command::RemoveTag { tag, .. } => Some(json!(tag.trim())),
                Command::AddField { key, value, .. } => Some(json!({ "key": key, "value": value })),
                Command::RemoveField { key, .. } => Some(json!(key)),
                Command::ChangeEmail { new_email, .. } => Some(json!(new_email)),
                _ => None,
            };
            prop_assert_eq!(j.get("query").cloned(), expected);
            prop_assert_eq!(&j["command"], &serde_json::to_value(c.command_type()).unwrap());
        }
    }

    #[test]
    fn add_field_command_data_parses_its_json_query(email in email(), key in key(), value in json_value()) {
        let query = json!({ "key": key, "value": value }).to_string();
        let data = CommandData { command: CommandType::AddField, email: email.clone(), query };
        let op = SubscriberCommands::new([data]).unwrap();
        prop_assert_eq!(&op.commands[0], &Command::AddField { email, key: key.clone(), value: value.clone() });
        let body = body(&op.to_request(&config()).unwrap());
        prop_assert_eq!(&body["command"][0]["query"], &json!({ "key": key, "value": value }));
    }

    #[test]
    fn emails_serialize_with_the_same_values(emails in prop::collection::vec(email_data(), 1..5)) {
        let op = SendEmails::new(EmailBatch::new(emails.clone()).unwrap());
        let body = body(&op.to_request(&config()).unwrap());
        let sent = body["emails"].as_array().unwrap();
        prop_assert_eq!(sent.len(), emails.len());
        for (e, j) in emails.iter().zip(sent) {
            prop_assert_eq!(&j["to"], &json!(e.to));
            prop_assert_eq!(&j["from"], &json!(e.from));
            prop_assert_eq!(&j["subject"], &json!(e.subject));
            prop_assert_eq!(&j["html_body"], &json!(e.html_body));
            prop_assert_eq!(&j["transactional"], &json!(e.transactional));
            prop_assert_eq!(j.get("personalizations").cloned(), map_value(&e.personalizations));
        }
    }

    #[test]
    fn valid_emails_are_accepted_by_every_email_input(email in email()) {
        prop_assert!(is_valid_email(&email));
        let c = config();
        prop_assert!(FindSubscriber::by_email(email.clone()).to_request(&c).is_ok());
        prop_assert!(CreateSubscriber::new(email.clone()).to_request(&c).is_ok());
        let req = RequestDataDeletion::new(email.clone()).to_request(&c).unwrap();
        let form: Vec<(String, String)> = form_urlencoded::parse(req.body()).into_owned().collect();
        prop_assert_eq!(&form[1], &("data_deletion_request[email]".to_owned(), email));
    }

    #[test]
    fn ids_become_one_percent_encoded_path_segment(
        // Blank ids and the dot segments `.` and `..` are refused (tested in operation.rs).
        id in "\\PC{1,20}".prop_filter("a usable id", |s| !matches!(s.trim(), "" | "." | ".."))
    ) {
        let req = GetSegment::new(id.clone()).to_request(&config()).unwrap();
        let path = req.uri().path().to_owned();
        let last = path.rsplit('/').next().unwrap();
        prop_assert_eq!(path.matches('/').count(), 5, "{}", path);
        let decoded = percent_encoding::percent_decode_str(last).decode_utf8().unwrap();
        prop_assert_eq!(decoded, id.trim());
    }
}

// ---------------------------------------------------------------------------------------------
// Invalid inputs never become a request.

proptest! {
    #![proptest_config(cfg())]

    #[test]
    fn bad_emails_are_refused_everywhere(bad in bad_email(), good in email()) {
        assert_invalid(&TrackEvents::new([Event::new("signup", bad.clone())]), &[&bad]);
        assert_invalid(&ImportSubscribers::new([ImportSubscriberData::new(bad.clone())]), &[&bad]);
        assert_invalid(&SubscriberCommands::new([Command::Subscribe { email: bad.clone() }]).unwrap(), &[&bad]);
        assert_invalid(
            &SubscriberCommands::new([Command::ChangeEmail { email: good.clone(), new_email: bad.clone() }]).unwrap(),
            &[&bad],
        );
        assert_invalid(&FindSubscriber::by_email(bad.clone()), &[&bad]);
        assert_invalid(&CreateSubscriber::new(bad.clone()), &[&bad]);
        assert_invalid(&RequestDataDeletion::new(bad.clone()), &[&bad]);
        assert_invalid(&CreateBroadcasts::new([BroadcastData::new("n", "s", "c", bad.clone())]), &[&bad]);
        for (to, from) in [(bad.clone(), good.clone()), (good.clone(), bad.clone())] {
            let data = EmailData { to, from, subject: "s".into(), html_body: "h".into(), transactional: false, personalizations: None };
            let err = EmailBatch::new(vec![data.clone()]).unwrap_err();
            prop_assert!(matches!(err, Error::InvalidInput { .. }), "{:?}", err);
            assert_invalid(&SendEmails { emails: vec![data] }, &[&bad]);
        }
    }

    #[test]
    fn empty_and_oversize_batches_are_refused(email in email()) {
        let event = Event::new("signup", email.clone());
        let row = ImportSubscriberData::new(email.clone());
        let command = Command::Subscribe { email: email.clone() };
        let mail = EmailData { to: email.clone(), from: email.clone(), subject: "s".into(), html_body: "h".into(), transactional: true, personalizations: None };
        let broadcast = BroadcastData::new("n", "s", "c", email.clone());
        for n in [0, limits::EVENTS + 1] {
            assert_invalid(&TrackEvents::new(vec![event.clone(); n]), &[&email]);
        }
        for n in [0, limits::SUBSCRIBERS + 1] {
            assert_invalid(&ImportSubscribers::new(vec![row.clone(); n]), &[&email]);
        }
        for n in [0, limits::COMMANDS + 1] {
            assert_invalid(&SubscriberCommands { commands: vec![command.clone(); n] }, &[&email]);
        }
        for n in [0, limits::EMAILS + 1] {
            prop_assert!(EmailBatch::new(vec![mail.clone(); n]).is_err());
            assert_invalid(&SendEmails { emails: vec![mail.clone(); n] }, &[&email]);
        }
        for n in [0, limits::BROADCASTS + 1] {
            assert_invalid(&CreateBroadcasts::new(vec![broadcast.clone(); n]), &[&email]);
        }
        // The limits themselves are fine.
        let at_limit = TrackEvents::new(vec![event; limits::EVENTS]).to_request(&config());
        prop_assert!(at_limit.is_ok(), "{:?}", at_limit.err());
        let at_limit = SendEmails { emails: vec![mail; limits::EMAILS] }.to_request(&config());
        prop_assert!(at_limit.is_ok(), "{:?}", at_limit.err());
    }

    #[test]
    fn blank_ids_and_names_are_refused(blank in blank()) {
        assert_invalid(&DeleteTag::new(blank.clone(), "vip"), &[]);
        assert_invalid(&DeleteTag::new("1", blank.clone()), &[]);
        assert_invalid(&GetSegment::new(blank.clone()), &[]);
        assert_invalid(&GetEmailTemplate::new(blank.clone()), &[]);
        assert_invalid(&UpdateEmailTemplate::new(blank.clone()).subject("s"), &[]);
        assert_invalid(&UpdateEmailTemplate::new("1").subject(blank.clone()).html(blank.clone()), &[]);
        assert_invalid(&CreateSequenceEmail::new(blank.clone(), SequenceEmail::new("s", "h")), &[]);
        assert_invalid(&CreateSequenceEmail::new("seq", SequenceEmail::new(blank.clone(), "h")), &[]);
        assert_invalid(&FindSubscriber::by_uuid(blank.clone()), &[]);
        assert_invalid(&CreateTag::new(blank.clone()), &[]);
        assert_invalid(&CreateField::new(blank.clone()), &[]);
        assert_invalid(&GetFormResponses::new(blank.clone()), &[]);
        assert_invalid(&GetSegmentStats::new(blank.clone()), &[]);
        assert_invalid(&GetReportStats::new(blank.clone()), &[]);
        assert_invalid(&ModerateContent::new(blank.clone()), &[]);
        assert_invalid(&GetGender::new(blank.clone()), &[]);
        assert_invalid(&TrackEvents::new([Event::new(blank.clone(), "a@b.co")]), &[]);
        assert_invalid(&SubscriberCommands::new([Command::AddTag { email: "a@b.co".into(), tag: blank.clone() }]).unwrap(), &[]);
    }

    #[test]
    fn bad_ips_are_refused(ip in bad_ip()) {
        assert_invalid(&GeolocateIp::new(ip.clone()), &[]);
        assert_invalid(&GetBlacklistStatus::new(BlacklistData { domain: None, ip: Some(ip.clone()) }), &[]);
        assert_invalid(&ValidateEmail::new(ValidationData { email: "a@b.co".into(), ip: Some(ip), ..Default::default() }), &[]);
    }

    #[test]
    fn bad_currencies_and_amounts_are_refused(email in email(), currency in bad_currency(), amount in bad_amount()) {
        let op = TrackEvents::new([Event::purchase(email.clone(), Purchase::new("order-1", 100, currency))]);
        let err = assert_invalid(&op, &[&email]);
        let is_currency_error = matches!(&err, Error::InvalidInput { field, .. } if field == "events[0].details.value.currency");
        prop_assert!(is_currency_error, "{}", err);
        let mut details = JsonMap::new();
        details.insert("value".into(), json!({ "amount": amount, "currency": "USD" }));
        let op = TrackEvents::new([Event::new("$purchase", email.clone()).with_details(details)]);
        assert_invalid(&op, &[&email]);
    }

    #[test]
    fn bad_dates_and_pages_are_refused(date in bad_date()) {
        assert_invalid(&TrackEvents::new([Event::new("e", "a@b.co").with_date(date.clone())]), &[]);
        let range = DateRange { gt: Some(date), lt: None };
        assert_invalid(&SearchSubscribers { created_at: Some(range), ..SearchSubscribers::new() }, &[]);
        assert_invalid(&GetSequences::page(0), &[]);
        assert_invalid(&GetWorkflows::page(0), &[]);
        assert_invalid(&GetBroadcasts::new().page(0), &[]);
    }
}

// ---------------------------------------------------------------------------------------------
// Promises over every operation at once. Each area's own request/parse tests sit beside the area
// (`src/<area>.rs`, helpers in `src/test_support.rs`); these stay here, over the public API only,
// because they are about no one area: they sweep several operations through `Exchange` and
// `Operation` as a transport would, and keep the crate at one integration-test binary.

#[test]
fn error_statuses_map_for_every_operation_and_never_leak_secrets_or_emails() {
    let cfg = ConfigBuilder::new()
        .publishable_key("pk")
        .secret_key("sk_super_secret")
        .site_uuid("s")
        .build()
        .unwrap();
    let op = FindSubscriber::by_email("jane@acme.io");
    let mut ex = Exchange::new(&op, &cfg).unwrap();
    let resp = http::Response::builder()
        .status(422)
        .body(br#"{"error":"jane@acme.io is not allowed"}"#.to_vec())
        .unwrap();
    let Step::Done(Err(err)) = ex.on_response(Ok(resp), SystemTime::UNIX_EPOCH, 0.0) else {
        panic!()
    };
    let text = format!("{err} {err:?}");
    assert!(
        !text.contains("jane@acme.io") && !text.contains("sk_super_secret"),
        "{text}"
    );
    assert_eq!(err.status(), Some(422));
}

#[test]
fn any_bytes_as_a_response_never_panic() {
    // A cheap deterministic sweep; the fuzz targets go further.
    let bodies: [&[u8]; 8] = [
        b"",
        b"null",
        b"[]",
        b"{\"data\":",
        b"\xff\xfe",
        b"{\"data\":[1,2]}",
        b"{\"results\":-1}",
        b"<html>",
    ];
    for status in [
        200u16, 201, 202, 204, 301, 400, 401, 403, 404, 422, 429, 500, 502, 503,
    ] {
        for body in bodies {
            let resp = http::Response::builder()
                .status(status)
                .header("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")
                .body(body.to_vec())
                .unwrap();
            let _ = GetTags::new().parse_response(&resp);
            let _ = FindSubscriber::by_email("a@b.io").parse_response(&resp);
            let _ = GetReportStats::new("1").parse_response(&resp);
            let _ = GetBlacklistStatus::new(BlacklistData::default()).parse_response(&resp);
            let _ = TrackEvents::new(Vec::<Event>::new()).parse_response(&resp);
        }
    }
}

#[test]
fn the_same_input_always_gives_the_same_bytes() {
    // Issue 15, item 5: a HashMap iterates in a per-process random order; bodies must not.
    let row = || {
        let mut r = ImportSubscriberData::new("jane@example.com");
        for k in [
            "zeta", "alpha", "mid", "beta", "omega", "kappa", "delta", "gamma",
        ] {
            r.custom_fields.insert(k.to_owned(), json!(k));
        }
        r
    };
    let bodies: HashSet<Vec<u8>> = (0..20)
        .map(|_| {
            ImportSubscribers::new([row()])
                .to_request(&config())
                .unwrap()
                .into_body()
        })
        .collect();
    assert_eq!(bodies.len(), 1);
    let body = String::from_utf8(bodies.into_iter().next().unwrap()).unwrap();
    let alpha = body.find("alpha").unwrap();
    let zeta = body.find("zeta").unwrap();
    assert!(alpha < zeta, "{body}");
}

// ---------------------------------------------------------------------------------------------
// Open findings of the fuzzers (FUZZING.md). Each is a minimal failing test; remove the
// `#[ignore]` with the fix.

const NOW: SystemTime = SystemTime::UNIX_EPOCH;

/// F1: `RetryPolicy::backoff` (and so `decide` and `Exchange::on_response`) panics when
/// `max_delay` is near `Duration::MAX` and the jitter is 1.0 (or clamped to it): `mul_f64`
/// overflows. `Config::with_retry_policy` and the public fields let such a policy in.
#[test]
fn finding_f1_backoff_with_an_unbounded_max_delay_does_not_panic() {
    let policy = RetryPolicy {
        base_delay: Duration::MAX,
        max_delay: Duration::MAX,
        ..RetryPolicy::default()
    };
    let d = policy.backoff(0, 1.0);
    assert!(d <= policy.max_delay);
    let outcome = AttemptOutcome::Transport(TransportErrorKind::Connect);
    let _ = policy.decide(Idempotency::Idempotent, 0, outcome, NOW, 7.0);
}

/// F2: server text is copied into errors without scrubbing the configured secret key; a
/// proxy or API error page that echoes the credentials puts them in the error message.
#[test]
fn finding_f2_a_server_echo_of_the_secret_key_is_not_shown_in_errors() {
    let config = config();
    let op = GetTags::new();
    let mut exchange = Exchange::new(&op, &config).unwrap();
    let response = http::Response::builder()
        .status(401)
        .body(br#"{"error":"invalid key sk_prop_secret_42"}"#.to_vec())
        .unwrap();
    let Step::Done(Err(e)) = exchange.on_response(Ok(response), NOW, 0.5) else {
        panic!("a 401 is final")
    };
    assert!(!format!("{e} {e:?}").contains("sk_prop_secret_42"), "{e}");
}

/// F3: `redact` only widens over ASCII `[A-Za-z0-9._%+'-]`, while `is_valid_email` (and the
/// API) accept non-ASCII addresses and RFC 5322 specials in the local part.
#[test]
fn finding_f3_redact_hides_every_address_is_valid_email_accepts() {
    for address in [
        "ünï@exämple.de",
        "jane@exämple.de",
        "#@acme.io",
        "jane&co@acme.io",
        "j/s@acme.io",
    ] {
        assert!(is_valid_email(address), "{address}");
        let out = redact(&format!("{address} is invalid"));
        assert_eq!(out, "<email> is invalid", "{address}");
    }
}

/// F4: the `field` of `{"errors": [{"field": .., "message": ..}]}` is not redacted, and the
/// summary message is built from it.
#[test]
fn finding_f4_error_field_names_are_redacted() {
    let response = http::Response::builder()
        .status(422)
        .body(br#"{"errors":[{"field":"jane@acme.io","message":"is taken"}]}"#.to_vec())
        .unwrap();
    let e = GetTags::new().parse_response(&response).unwrap_err();
    assert!(!format!("{e} {e:?}").contains("jane@acme.io"), "{e:?}");
}
