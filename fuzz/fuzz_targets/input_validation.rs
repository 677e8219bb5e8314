//! Arbitrary inputs for every operation that takes user input: `to_request` (and
//! `Exchange::new`) must return `Ok` or `Err(InvalidInput)`, never panic. When `Ok`, the body
//! parses (JSON, or the form of a data-deletion request), path ids stay one percent-encoded
//! segment, and no error message repeats the input email.
#![no_main]

#[path = "common/mod.rs"]
mod common;

use arbitrary::Arbitrary;
use bento_core::*;
use common::{J, Key, Str, config};
use http::Request;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// An email candidate: a known-valid one, a built one, or anything.
#[derive(Arbitrary, Debug, Clone)]
enum Email {
    Valid(u8),
    Parts(String, String),
    Any(Str),
}

const VALID: &[&str] = &[
    "jane@acme.io",
    "o'brien+tag@sub.acme.co.uk",
    "ünï@exämple.de",
    "a@b.co",
    " jane@acme.io",
];

impl Email {
    fn get(&self) -> String {
        match self {
            Email::Valid(i) => VALID[*i as usize % VALID.len()].to_owned(),
            Email::Parts(l, d) => format!("{l}@{d}"),
            Email::Any(s) => s.get(),
        }
    }
}

fn map(pairs: &Option<Vec<(Key, J)>>) -> Option<JsonMap> {
    pairs
        .as_ref()
        .map(|p| p.iter().map(|(k, v)| (k.get(), v.value())).collect())
}

#[derive(Arbitrary, Debug)]
struct EventIn {
    kind: Str,
    email: Email,
    fields: Option<Vec<(Key, J)>>,
    details: Option<Vec<(Key, J)>>,
    date: Option<Str>,
    purchase: Option<(Str, i64, Str, Option<J>)>,
}

#[derive(Arbitrary, Debug)]
struct ImportIn {
    email: Email,
    first_name: Option<Str>,
    tags: Option<Str>,
    remove_tags: Option<Str>,
    custom: Vec<(Key, J)>,
}

#[derive(Arbitrary, Debug)]
enum CommandIn {
    Typed(u8, Email, Str, J),
    Data(u8, Email, Str),
    AddFieldJson(Email, Key, J),
}

#[derive(Arbitrary, Debug)]
struct EmailIn {
    to: Email,
    from: Email,
    subject: Str,
    html: Str,
    transactional: bool,
    personalizations: Option<Vec<(Key, J)>>,
}

/// How many copies of the generated list to send: as is, none, at the limit, over it.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Count {
    AsIs,
    Empty,
    Limit,
    Over,
}

fn sized<T: Clone>(mut items: Vec<T>, count: Count, limit: usize) -> Vec<T> {
    match count {
        Count::AsIs => items,
        Count::Empty => Vec::new(),
        Count::Limit | Count::Over if items.is_empty() => items,
        Count::Limit | Count::Over => {
            let n = if matches!(count, Count::Limit) {
                limit
            } else {
                limit + 1
            };
            let first = items[0].clone();
            items.resize(n, first);
            items
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Case {
    Events(Vec<EventIn>, Count),
    Import(Vec<ImportIn>, Count),
    Commands(Vec<CommandIn>, Count),
    Emails(Vec<EmailIn>, Count),
    Blacklist(Option<Str>, Option<Str>),
    Validation(Email, Option<Str>, Option<Str>, Option<Str>),
    Jesses(Email),
    Geolocate(Str),
    DeleteTag(Str, Str),
    GetSegment(Str),
    GetEmailTemplate(Str),
    UpdateTemplate(Str, Option<Str>, Option<Str>),
    SequenceEmail(Str, Str, Str),
    FindByEmail(Email),
    FindByUuid(Str),
    CreateSubscriber(Email),
    DataDeletion(Email),
    CreateTag(Str),
    CreateField(Str),
    FormResponses(Str),
    SegmentStats(Str),
    Search(Option<u32>, Vec<Str>, Option<(Option<Str>, Option<Str>)>),
    Broadcast(Str, Str, Str, Email, u32, Option<Str>),
    Moderate(Str),
    Gender(Str),
}

/// Builds the request and checks the outcome; returns the request when it exists.
fn check<O: Operation>(op: &O, emails: &[String]) -> Option<Request<Vec<u8>>> {
    let config = config(RetryPolicy::default());
    let built = op.to_request(&config);
    assert_eq!(
        built.as_ref().err(),
        Exchange::new(op, &config).err().as_ref(),
        "Exchange::new and to_request disagree"
    );
    match built {
        Ok(req) => {
            let ct = req
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned());
            match ct.as_deref() {
                Some("application/json") => {
                    let _: Value = serde_json::from_slice(req.body()).expect("the body is JSON");
                }
                Some("application/x-www-form-urlencoded") => {
                    let pairs: Vec<(String, String)> =
                        form_urlencoded::parse(req.body()).into_owned().collect();
                    assert_eq!(pairs.len(), 2, "{pairs:?}");
                }
                None => assert!(req.body().is_empty()),
                Some(other) => panic!("unexpected content-type {other}"),
            }
            assert!(
                req.uri()
                    .query()
                    .is_some_and(|q| q.starts_with("site_uuid=site-fuzz"))
            );
            Some(req)
        }
        Err(e) => {
            assert!(
                matches!(e, Error::InvalidInput { .. }),
                "not an input error: {e:?}"
            );
            let shown = format!("{e} {e:?}");
            for email in emails {
                let email = email.trim();
                if email.contains('@') && email.len() >= 3 {
                    assert!(
                        !shown.contains(email),
                        "the error repeats the email: {shown}"
                    );
                }
            }
            None
        }
    }
}

/// The id is the last path segment, percent-encoded: one segment, decoding to `id.trim()`.
fn check_id_segment(req: &Request<Vec<u8>>, index_from_end: usize, id: &str) {
    let segments: Vec<&str> = req.uri().path().split('/').collect();
    let seg = segments[segments.len() - 1 - index_from_end];
    let decoded = percent_encoding::percent_decode_str(seg)
        .decode_utf8()
        .expect("utf-8");
    assert_eq!(decoded, id.trim(), "path {}", req.uri().path());
}

fn command(kind: u8) -> CommandType {
    match kind % 8 {
        0 => CommandType::AddTag,
        1 => CommandType::AddTagViaEvent,
        2 => CommandType::RemoveTag,
        3 => CommandType::AddField,
        4 => CommandType::RemoveField,
        5 => CommandType::Subscribe,
        6 => CommandType::Unsubscribe,
        _ => CommandType::ChangeEmail,
    }
}

fuzz_target!(|case: Case| {
    match case {
        Case::Events(events, count) => {
            let mut emails = Vec::new();
            let events: Vec<Event> = events
                .iter()
                .take(8)
                .map(|e| {
                    emails.push(e.email.get());
                    let mut ev = match &e.purchase {
                        Some((key, cents, cur, cart)) => {
                            let mut p = Purchase::new(key.get(), *cents, cur.get());
                            if let Some(c) = cart {
                                p = p.with_cart(c.value());
                            }
                            Event::purchase(e.email.get(), p)
                        }
                        None => Event::new(e.kind.get(), e.email.get()),
                    };
                    if let Some(f) = map(&e.fields) {
                        ev = ev.with_fields(f);
                    }
                    if let Some(d) = map(&e.details) {
                        ev.details = Some(d);
                    }
                    if let Some(d) = &e.date {
                        ev = ev.with_date(d.get());
                    }
                    ev
                })
                .collect();
            let events = sized(events, count, limits::EVENTS);
            let n = events.len();
            if let Some(req) = check(&TrackEvents::new(events), &emails) {
                let body: Value = serde_json::from_slice(req.body()).unwrap();
                assert_eq!(body["events"].as_array().map(Vec::len), Some(n));
            }
        }
        Case::Import(rows, count) => {
            let mut emails = Vec::new();
            let rows: Vec<ImportSubscriberData> = rows
                .iter()
                .take(8)
                .map(|r| {
                    emails.push(r.email.get());
                    ImportSubscriberData {
                        email: r.email.get(),
                        first_name: r.first_name.as_ref().map(Str::get),
                        last_name: None,
                        tags: r.tags.as_ref().map(Str::get),
                        remove_tags: r.remove_tags.as_ref().map(Str::get),
                        custom_fields: r.custom.iter().map(|(k, v)| (k.get(), v.value())).collect(),
                    }
                })
                .collect();
            let rows = sized(rows, count, limits::SUBSCRIBERS);
            if let Some(req) = check(&ImportSubscribers::new(rows.clone()), &emails) {
                let body: Value = serde_json::from_slice(req.body()).unwrap();
                let sent = body["subscribers"].as_array().unwrap();
                assert_eq!(sent.len(), rows.len());
                for (row, json) in rows.iter().zip(sent) {
                    assert_eq!(json["email"], row.email.as_str());
                    for (k, v) in &row.custom_fields {
                        // Through the same (not exactly round-tripping) float parser.
                        let v: Value = serde_json::from_str(&v.to_string()).unwrap();
                        assert_eq!(json[k], v, "custom field {k:?} is a flat key");
                    }
                }
            }
        }
        Case::Commands(cmds, count) => {
            let mut emails = Vec::new();
            let mut built = Vec::new();
            for c in cmds.iter().take(8) {
                let item = match c {
                    CommandIn::Typed(kind, email, arg, value) => {
                        let (email, arg) = (email.get(), arg.get());
                        emails.push(email.clone());
                        Ok(match kind % 8 {
                            0 => Command::AddTag { email, tag: arg },
                            1 => Command::AddTagViaEvent { email, tag: arg },
                            2 => Command::RemoveTag { email, tag: arg },
                            3 => Command::AddField {
                                email,
                                key: arg,
                                value: value.value(),
                            },
                            4 => Command::RemoveField { email, key: arg },
                            5 => Command::Subscribe { email },
                            6 => Command::Unsubscribe { email },
                            _ => Command::ChangeEmail {
                                email,
                                new_email: arg,
                            },
                        })
                    }
                    CommandIn::Data(kind, email, query) => {
                        emails.push(email.get());
                        CommandData {
                            command: command(*kind),
                            email: email.get(),
                            query: query.get(),
                        }
                        .into_command()
                    }
                    CommandIn::AddFieldJson(email, key, value) => {
                        emails.push(email.get());
                        let query = serde_json::json!({ "key": key.get(), "value": value.value() });
                        CommandData {
                            command: CommandType::AddField,
                            email: email.get(),
                            query: query.to_string(),
                        }
                        .into_command()
                    }
                };
                match item {
                    Ok(c) => built.push(c),
                    Err(e) => assert!(matches!(e, Error::InvalidInput { .. }), "{e:?}"),
                }
            }
            let built = sized(built, count, limits::COMMANDS);
            check(&SubscriberCommands { commands: built }, &emails);
        }
        Case::Emails(list, count) => {
            let mut emails = Vec::new();
            let data: Vec<EmailData> = list
                .iter()
                .take(4)
                .map(|e| {
                    emails.push(e.to.get());
                    emails.push(e.from.get());
                    EmailData {
                        to: e.to.get(),
                        from: e.from.get(),
                        subject: e.subject.get(),
                        html_body: e.html.get(),
                        transactional: e.transactional,
                        personalizations: map(&e.personalizations),
                    }
                })
                .collect();
            let data = sized(data, count, limits::EMAILS);
            let batch = EmailBatch::new(data.clone());
            let direct = check(&SendEmails { emails: data }, &emails);
            // EmailBatch::new runs the same checks as the request.
            assert_eq!(batch.is_ok(), direct.is_some());
            if let Ok(b) = batch {
                check(&SendEmails::new(b), &emails);
            }
        }
        Case::Blacklist(domain, ip) => {
            let data = BlacklistData {
                domain: domain.map(|s| s.get()),
                ip: ip.map(|s| s.get()),
            };
            check(&GetBlacklistStatus::new(data), &[]);
        }
        Case::Validation(email, name, ua, ip) => {
            let data = ValidationData {
                email: email.get(),
                name: name.map(|s| s.get()),
                user_agent: ua.map(|s| s.get()),
                ip: ip.map(|s| s.get()),
            };
            check(&ValidateEmail::new(data), &[]);
        }
        Case::Jesses(email) => {
            check(&JessesRuleset::new(email.get()), &[]);
        }
        Case::Geolocate(ip) => {
            check(&GeolocateIp::new(ip.get()), &[]);
        }
        Case::DeleteTag(id, name) => {
            let id = id.get();
            if let Some(req) = check(&DeleteTag::new(id.clone(), name.get()), &[]) {
                check_id_segment(&req, 0, &id);
            }
        }
        Case::GetSegment(id) => {
            let id = id.get();
            if let Some(req) = check(&GetSegment::new(id.clone()), &[]) {
                check_id_segment(&req, 0, &id);
            }
        }
        Case::GetEmailTemplate(id) => {
            let id = id.get();
            if let Some(req) = check(&GetEmailTemplate::new(id.clone()), &[]) {
                check_id_segment(&req, 0, &id);
            }
        }
        Case::UpdateTemplate(id, subject, html) => {
            let id = id.get();
            let op = UpdateEmailTemplate {
                id: id.clone(),
                subject: subject.map(|s| s.get()),
                html: html.map(|s| s.get()),
            };
            if let Some(req) = check(&op, &[]) {
                check_id_segment(&req, 0, &id);
            }
        }
        Case::SequenceEmail(id, subject, html) => {
            let id = id.get();
            let op =
                CreateSequenceEmail::new(id.clone(), SequenceEmail::new(subject.get(), html.get()));
            if let Some(req) = check(&op, &[]) {
                check_id_segment(&req, 2, &id);
            }
        }
        Case::FindByEmail(email) => {
            let email = email.get();
            check(&FindSubscriber::by_email(email.clone()), &[email]);
        }
        Case::FindByUuid(uuid) => {
            check(&FindSubscriber::by_uuid(uuid.get()), &[]);
        }
        Case::CreateSubscriber(email) => {
            let email = email.get();
            check(&CreateSubscriber::new(email.clone()), &[email]);
        }
        Case::DataDeletion(email) => {
            let email = email.get();
            if let Some(req) = check(&RequestDataDeletion::new(email.clone()), &[email.clone()]) {
                let pairs: Vec<(String, String)> =
                    form_urlencoded::parse(req.body()).into_owned().collect();
                assert_eq!(
                    pairs[1],
                    (
                        "data_deletion_request[email]".to_owned(),
                        email.trim().to_owned()
                    )
                );
            }
        }
        Case::CreateTag(name) => {
            check(&CreateTag::new(name.get()), &[]);
        }
        Case::CreateField(key) => {
            check(&CreateField::new(key.get()), &[]);
        }
        Case::FormResponses(id) => {
            check(&GetFormResponses::new(id.get()), &[]);
        }
        Case::SegmentStats(id) => {
            check(&GetSegmentStats::new(id.get()), &[]);
            check(&GetReportStats::new(id.get()), &[]);
        }
        Case::Search(page, tags, range) => {
            let range = range.map(|(gt, lt)| DateRange {
                gt: gt.map(|s| s.get()),
                lt: lt.map(|s| s.get()),
            });
            let op = SearchSubscribers {
                page,
                tags: tags.iter().take(4).map(Str::get).collect(),
                created_at: range.clone(),
                last_event_at: range,
                ..SearchSubscribers::new()
            };
            check(&op, &[]);
        }
        Case::Broadcast(name, subject, content, from, per_hour, send_at) => {
            let from_email = from.get();
            let mut b =
                BroadcastData::new(name.get(), subject.get(), content.get(), from_email.clone());
            b.batch_size_per_hour = per_hour;
            b.send_at = send_at.map(|s| s.get());
            check(&CreateBroadcasts::new([b]), &[from_email]);
        }
        Case::Moderate(content) => {
            check(&ModerateContent::new(content.get()), &[]);
        }
        Case::Gender(name) => {
            check(&GetGender::new(name.get()), &[]);
        }
    }
});
