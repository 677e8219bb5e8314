//! The shared hostile list (`bento_emulator::hostile::cases`, the same cases both Rust clients
//! and the Python package run) through the component in wasmtime: every case the list does not
//! skip for the component (none today; those also covered by a hand-written test of
//! `e2e/hostile.rs` run here too), a few at a time, each in a fresh instance against the
//! case's own loopback server (the cases that bound the process's RSS growth one at a time).
//! Each asserts the outcome class (the WIT's `bento-error` case and
//! its fields), the time bound, the server-side counts (judged by the list itself), no trap,
//! and that no error text carries a secret or the subscriber's email. A failure names every
//! case that failed.

#![allow(clippy::disallowed_methods)] // the tests measure how long calls took

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bento_emulator::hostile::cases::{
    self, Call, Case, Check, EMAIL, Expect, Kind, RetryAfter, Started, Surface,
};
use bento_emulator::hostile::rss_bytes;
use host_tests::api::{self, ErrorDetails};

/// Cases run at once (each holds a server and an instance; some stall for a second).
const AT_ONCE: usize = 4;

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).expect("case durations fit in u64 ms")
}

fn config(case: &Case, started: &Started) -> api::Config {
    let s = &case.setup;
    api::Config {
        publishable_key: cases::PK.to_owned(),
        secret_key: cases::SECRET.to_owned(),
        site_uuid: cases::SITE_UUID.to_owned(),
        base_url: Some(started.base_url(case)),
        user_agent: None,
        timeout_ms: Some(ms(s.timeout)),
        connect_timeout_ms: Some(ms(s.connect_timeout)),
        max_response_bytes: Some(s.max_response_bytes),
        deadline_ms: Some(ms(s.deadline)),
        retry: Some(api::RetrySettings {
            max_retries: s.max_retries,
            base_delay_ms: ms(s.base_delay),
            max_delay_ms: ms(s.max_delay),
            max_retry_after_ms: ms(s.max_retry_after),
            retry_server_errors: true,
            retry_transport_errors: true,
        }),
    }
}

fn tag(email: &str) -> api::EmailTag {
    api::EmailTag {
        email: email.to_owned(),
        tag: "vip".to_owned(),
    }
}

fn rows(n: usize, first_name: Option<&str>) -> Vec<api::ImportSubscriber> {
    (0..n)
        .map(|i| api::ImportSubscriber {
            first_name: first_name.map(str::to_owned),
            ..crate::import_row(&format!("user{i}@example.com"))
        })
        .collect()
}

/// The case's call through the component. `Ok` holds the ids of a returned list; the outer
/// error is a trap.
fn make_call(
    instance: &mut host_tests::Instance,
    client: wasmtime::component::ResourceAny,
    call: &Call,
) -> wasmtime::Result<Result<Option<Vec<String>>, ErrorDetails>> {
    fn none<T, E>(r: Result<T, E>) -> Result<Option<Vec<String>>, E> {
        r.map(|_| None)
    }
    let answer = instance.call(|api, store| {
        Ok(match call {
            Call::Track => {
                let event = api::Event {
                    details: Some(r#"{"tag":"vip"}"#.to_owned()),
                    ..crate::event("$tag", EMAIL)
                };
                none(api.call_track(store, client, &event)?)
            }
            Call::GetTags => none(api.call_get_tags(store, client)?),
            Call::SendEmail => {
                let email = api::Email {
                    to: EMAIL.to_owned(),
                    from: "sender@example.com".to_owned(),
                    subject: "Reset".to_owned(),
                    html_body: "<p>hi</p>".to_owned(),
                    transactional: true,
                    personalizations: None,
                };
                none(api.call_send_emails(store, client, &[email])?)
            }
            Call::FindSubscriber => none(api.call_find_subscriber(store, client, EMAIL)?),
            Call::ImportSubscribers(n) => {
                none(api.call_import_subscribers(store, client, &rows(*n, None))?)
            }
            Call::ImportBigRows => {
                let name = "n".repeat(900);
                none(api.call_import_subscribers(store, client, &rows(1000, Some(&name)))?)
            }
            Call::Commands { via_event } => {
                let mut commands = vec![api::Command::AddTag(tag(EMAIL))];
                if *via_event {
                    commands.push(api::Command::AddTagViaEvent(tag(EMAIL)));
                }
                none(api.call_subscriber_command(store, client, &commands)?)
            }
            Call::AllSequences => api
                .call_all_sequences(store, client)?
                .map(|all| Some(all.into_iter().map(|s| s.id).collect())),
            Call::UpsertSubscriber => {
                none(api.call_upsert_subscriber(store, client, &crate::import_row(EMAIL))?)
            }
            Call::DeleteTag(id) => none(api.call_delete_tag(store, client, id, "vip")?),
            Call::GetSegment(id) => none(api.call_get_segment(store, client, id)?),
            Call::GetEmailTemplate(id) => none(api.call_get_email_template(store, client, id)?),
            Call::CreateSequenceEmail(id) => {
                let email = api::SequenceEmail {
                    subject: "s".to_owned(),
                    html: "<p>h</p>".to_owned(),
                    inbox_snippet: None,
                    delay_interval: None,
                    delay_interval_count: None,
                    editor_choice: None,
                    cc: None,
                    bcc: None,
                    to: None,
                };
                none(api.call_create_sequence_email(store, client, id, &email)?)
            }
            Call::UpdateEmailTemplate(id) => {
                let update = api::TemplateUpdate {
                    id: (*id).to_owned(),
                    subject: Some("s".to_owned()),
                    html: None,
                };
                none(api.call_update_email_template(store, client, &update)?)
            }
        })
    })?;
    Ok(match answer {
        Ok(ids) => Ok(ids),
        Err(error) => Err(instance.error_details(error)?),
    })
}

fn kind_of(kind: Kind) -> Option<api::TransportKind> {
    match kind {
        // The WIT gives timeouts their own error case.
        Kind::Timeout => None,
        Kind::Deadline => Some(api::TransportKind::Deadline),
        Kind::Io => Some(api::TransportKind::Io),
        Kind::Connect => Some(api::TransportKind::Connect),
        Kind::ResponseTooLarge => Some(api::TransportKind::ResponseTooLarge),
    }
}

/// Whether the WIT's `retry-after-ms` satisfies `want`. The WIT carries milliseconds in a
/// u64, so a `Retry-After` beyond u64::MAX ms (the `18446744073709551615` seconds case)
/// arrives saturated at u64::MAX.
fn retry_accepts(want: RetryAfter, got_ms: Option<u64>) -> bool {
    match (want, got_ms) {
        (RetryAfter::Exactly(d) | RetryAfter::AtLeast(d), Some(u64::MAX))
            if d.as_millis() > u128::from(u64::MAX) =>
        {
            true
        }
        _ => want.accepts(got_ms.map(Duration::from_millis)),
    }
}

/// Whether `got` is the outcome `case` expects; else why not.
fn outcome(
    case: &Case,
    started: &Started,
    got: &Result<Option<Vec<String>>, ErrorDetails>,
) -> Result<(), String> {
    let wrong = || Err(format!("expected {}, got {got:?}", case.expect.describe()));
    let Err(err) = got else {
        let ids = got.as_ref().ok().and_then(|ids| ids.as_deref());
        return case.expect.ok_problem(ids).map_or(Ok(()), Err);
    };
    let holds = match (&case.expect, err) {
        (Expect::Ok { .. }, _) => false,
        (Expect::InvalidInput, ErrorDetails::InvalidInput(_)) => true,
        (Expect::NotAuthorized, ErrorDetails::Unauthorized(_)) => true,
        (Expect::RateLimit { retry_after }, ErrorDetails::RateLimited(r)) => {
            retry_accepts(*retry_after, r.retry_after_ms)
        }
        (
            Expect::Api {
                status,
                retry_after,
                message,
            },
            ErrorDetails::ApiStatus(a),
        ) => {
            *status == a.status
                && retry_accepts(*retry_after, a.retry_after_ms)
                && message.is_none_or(|want| a.message.contains(&started.resolve(want)))
        }
        (Expect::Decode { status }, ErrorDetails::Decode(d)) => *status == d.status,
        (Expect::Transport(kinds), ErrorDetails::Timeout(_)) => kinds.contains(&Kind::Timeout),
        (Expect::Transport(kinds), ErrorDetails::Transport(t)) => {
            kinds.iter().any(|k| kind_of(*k) == Some(t.kind))
        }
        (Expect::AnyError, _) => true,
        _ => false,
    };
    if holds { Ok(()) } else { wrong() }
}

/// Every problem of one finished case (empty when it passed).
fn judge(
    case: &Case,
    started: &Started,
    got: Result<Option<Vec<String>>, ErrorDetails>,
    took: Duration,
    grew: u64,
) -> Vec<String> {
    let mut problems = Vec::new();
    if let Err(why) = outcome(case, started, &got) {
        problems.push(why);
    }
    // `never_sent` is not part of the WIT's error (the Rust clients check it).
    let shown = got
        .as_ref()
        .err()
        .map(|e| (format!("{e:?}"), message(e).chars().count()));
    let error = shown.as_ref().map(|(all, chars)| (all.as_str(), *chars));
    problems.extend(case.call_problems(took, grew, error));
    problems.extend(case.server_problems(&started.stats()));
    problems
}

/// The error's message, as the WIT carries it.
fn message(e: &ErrorDetails) -> String {
    match e {
        ErrorDetails::InvalidInput(i) => format!("{}: {}", i.field, i.reason),
        ErrorDetails::Unauthorized(u) => u.message.clone(),
        ErrorDetails::AuthorNotAuthorized(_) => String::new(),
        ErrorDetails::RateLimited(_) => String::new(),
        ErrorDetails::ApiStatus(a) => a.message.clone(),
        ErrorDetails::Transport(t) => t.message.clone(),
        ErrorDetails::Timeout(m) => m.clone(),
        ErrorDetails::Decode(d) => d.message.clone(),
    }
}

/// Runs one case in a fresh instance; its problems, or `None` when it passed.
fn run(case: &Case) -> Option<String> {
    let started = case.start().expect("the case's server starts");
    let mut instance = crate::host().instantiate().expect("instantiates");
    let problems = match instance.client(&config(case, &started)) {
        Err(trap) => vec![format!("the constructor trapped: {trap:?}")],
        Ok(Err(e)) => vec![format!("the config was refused: {e:?}")],
        Ok(Ok(client)) => {
            let before = rss_bytes();
            let at = Instant::now();
            let got = make_call(&mut instance, client, &case.call);
            let took = at.elapsed();
            let grew = rss_bytes().saturating_sub(before);
            match got {
                Err(trap) => vec![format!(
                    "trapped: {trap:?}\nguest stderr:\n{}",
                    instance.stderr()
                )],
                Ok(got) => judge(case, &started, got, took, grew),
            }
        }
    };
    (!problems.is_empty()).then(|| format!("{}: {}", case.name, problems.join("; ")))
}

#[test]
fn the_component_on_every_shared_case() {
    let all: Vec<Case> = cases::cases()
        .into_iter()
        .filter(|c| !matches!(c.component, Surface::Skip(_)))
        .collect();
    // RSS is the whole process's: a case that bounds its growth runs alone, after the rest
    // (run 4 at a time), or a neighbour's allocations would count against it.
    let (alone, together): (Vec<&Case>, Vec<&Case>) = all
        .iter()
        .partition(|c| c.checks.iter().any(|k| matches!(k, Check::MaxRssGrowth(_))));
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..AT_ONCE {
            s.spawn(|| {
                while let Some(case) = together.get(next.fetch_add(1, Ordering::SeqCst)) {
                    if let Some(failure) = run(case) {
                        failures.lock().unwrap().push(failure);
                    }
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap();
    // Other tests of this binary may run beside this one (RSS is still the process's): a case
    // that failed on nothing but its RSS bound gets a second run, a real leak fails both.
    failures.extend(alone.iter().filter_map(|case| {
        let failure = run(case)?;
        let only_rss = failure
            .split_once(": ")
            .is_some_and(|(_, why)| why.split("; ").all(|p| p.starts_with("RSS grew by")));
        if only_rss {
            run(case).map(|again| format!("{again} (twice)"))
        } else {
            Some(failure)
        }
    }));
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
    assert!(all.len() > 90, "only {} cases run", all.len());
}
