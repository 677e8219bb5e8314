//! Any response (status 100–999, arbitrary headers, arbitrary or JSON-shaped body) through
//! `parse_response` of every operation and through `Exchange::on_response`: never a panic,
//! never the secret key or an email address in an error, retry decisions within the policy.
#![no_main]

#[path = "common/mod.rs"]
mod common;

use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use arbitrary::Arbitrary;
use bento_core::*;
use common::{Body, Key, SECRET, Str, check_error, config, has_secret};
use http::{HeaderName, HeaderValue, Response, StatusCode};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug, Clone)]
enum RetryAfter {
    Secs(u64),
    Float(f64),
    /// An HTTP-date this many seconds after the epoch (wraps within 1970..9999).
    Date(u64),
    Raw(Str),
}

#[derive(Arbitrary, Debug, Clone)]
struct Resp {
    status: u16,
    retry_after: Option<RetryAfter>,
    content_type: Option<Str>,
    extra: Vec<(Key, Str)>,
    body: Body,
}

#[derive(Arbitrary, Debug)]
enum Outcome {
    Response(Resp),
    Transport(u8, Str),
}

#[derive(Arbitrary, Debug)]
struct Policy {
    max_retries: u8,
    base_ms: u16,
    max_ms: u32,
    max_retry_after_s: u16,
    retry_server_errors: bool,
    retry_transport_errors: bool,
}

#[derive(Arbitrary, Debug)]
struct Input {
    now_s: u32,
    jitter: f64,
    policy: Policy,
    which_exchange: u8,
    outcomes: Vec<Outcome>,
    response: Resp,
}

const EMAIL: &str = "jane@acme.io";

fn build(r: &Resp) -> (Response<Vec<u8>>, bool) {
    let body = r.body.bytes();
    let mut echoed = has_secret(&body);
    let mut resp = Response::new(body);
    *resp.status_mut() = StatusCode::from_u16(100 + r.status % 900).expect("100..=999");
    let mut header = |name: &str, value: String| {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value.as_bytes()),
        ) {
            echoed |= has_secret(value.as_bytes());
            resp.headers_mut().append(n, v);
        }
    };
    if let Some(ra) = &r.retry_after {
        let v = match ra {
            RetryAfter::Secs(s) => s.to_string(),
            RetryAfter::Float(f) => f.to_string(),
            RetryAfter::Date(s) => {
                // 253402300799 = 9999-12-31T23:59:59Z, the last HTTP-date.
                let t = SystemTime::UNIX_EPOCH + Duration::from_secs(s % 253_402_300_800);
                httpdate::fmt_http_date(t)
            }
            RetryAfter::Raw(s) => s.get(),
        };
        header("retry-after", v);
    }
    if let Some(ct) = &r.content_type {
        header("content-type", ct.get());
    }
    for (k, v) in r.extra.iter().take(4) {
        header(&k.get(), v.get());
    }
    (resp, echoed)
}

struct Ops {
    get_tags: GetTags,
    find_subscriber: FindSubscriber,
    track_events: TrackEvents,
    commands: SubscriberCommands,
    create_tag: CreateTag,
    delete_tag: DeleteTag,
    get_fields: GetFields,
    create_field: CreateField,
    get_broadcasts: GetBroadcasts,
    create_broadcasts: CreateBroadcasts,
    send_emails: SendEmails,
    get_sequences: GetSequences,
    create_sequence_email: CreateSequenceEmail,
    get_email_template: GetEmailTemplate,
    update_email_template: UpdateEmailTemplate,
    get_workflows: GetWorkflows,
    get_form_responses: GetFormResponses,
    get_segments: GetSegments,
    get_segment: GetSegment,
    get_authors: GetAuthors,
    get_site_stats: GetSiteStats,
    get_segment_stats: GetSegmentStats,
    get_report_stats: GetReportStats,
    get_ads_stats: GetAdsStats,
    validate_email: ValidateEmail,
    jesses_ruleset: JessesRuleset,
    moderate_content: ModerateContent,
    get_gender: GetGender,
    geolocate_ip: GeolocateIp,
    blacklist: GetBlacklistStatus,
    data_deletion: RequestDataDeletion,
    search: SearchSubscribers,
    import: ImportSubscribers,
    create_subscriber: CreateSubscriber,
}

static OPS: LazyLock<Ops> = LazyLock::new(|| Ops {
    get_tags: GetTags::new(),
    find_subscriber: FindSubscriber::by_email(EMAIL),
    track_events: TrackEvents::new([Event::new("signup", EMAIL)]),
    commands: SubscriberCommands::new([Command::Subscribe {
        email: EMAIL.into(),
    }])
    .expect("valid command"),
    create_tag: CreateTag::new("vip"),
    delete_tag: DeleteTag::new("1", "vip"),
    get_fields: GetFields::new(),
    create_field: CreateField::new("plan"),
    get_broadcasts: GetBroadcasts::new(),
    create_broadcasts: CreateBroadcasts::new([BroadcastData::new("n", "s", "c", EMAIL)]),
    send_emails: SendEmails::new(
        EmailBatch::new(vec![EmailData {
            to: EMAIL.into(),
            from: "team@acme.io".into(),
            subject: "s".into(),
            html_body: "<p>h</p>".into(),
            transactional: true,
            personalizations: None,
        }])
        .expect("valid batch"),
    ),
    get_sequences: GetSequences::new(),
    create_sequence_email: CreateSequenceEmail::new("seq_1", SequenceEmail::new("s", "h")),
    get_email_template: GetEmailTemplate::new("1"),
    update_email_template: UpdateEmailTemplate::new("1").subject("s"),
    get_workflows: GetWorkflows::new(),
    get_form_responses: GetFormResponses::new("form"),
    get_segments: GetSegments::new(),
    get_segment: GetSegment::new("1"),
    get_authors: GetAuthors::new(),
    get_site_stats: GetSiteStats::new(),
    get_segment_stats: GetSegmentStats::new("1"),
    get_report_stats: GetReportStats::new("1"),
    get_ads_stats: GetAdsStats::new(),
    validate_email: ValidateEmail::new(ValidationData {
        email: EMAIL.into(),
        ..Default::default()
    }),
    jesses_ruleset: JessesRuleset::new(EMAIL),
    moderate_content: ModerateContent::new("hello"),
    get_gender: GetGender::new("Jane"),
    geolocate_ip: GeolocateIp::new("208.67.222.222"),
    blacklist: GetBlacklistStatus::new(BlacklistData {
        domain: Some("acme.io".into()),
        ip: None,
    }),
    data_deletion: RequestDataDeletion::new(EMAIL),
    search: SearchSubscribers::new(),
    import: ImportSubscribers::new([ImportSubscriberData::new(EMAIL)]),
    create_subscriber: CreateSubscriber::new(EMAIL),
});

fn parse<O: Operation>(op: &O, resp: &Response<Vec<u8>>, echoed: bool) {
    match op.parse_response(resp) {
        Ok(_) => assert!(resp.status().is_success(), "Ok from a non-2xx"),
        Err(e) => {
            check_error(&e, echoed, false);
            if !resp.status().is_success() {
                assert_eq!(e.status(), Some(resp.status().as_u16()), "{e:?}");
                assert!(!matches!(
                    e,
                    Error::InvalidInput { .. } | Error::Decode { .. }
                ));
            } else {
                assert!(matches!(e, Error::Decode { .. }), "{e:?}");
            }
        }
    }
}

fn parse_all(resp: &Response<Vec<u8>>, echoed: bool) {
    let o = &*OPS;
    parse(&o.get_tags, resp, echoed);
    parse(&o.find_subscriber, resp, echoed);
    parse(&o.track_events, resp, echoed);
    parse(&o.commands, resp, echoed);
    parse(&o.create_tag, resp, echoed);
    parse(&o.delete_tag, resp, echoed);
    parse(&o.get_fields, resp, echoed);
    parse(&o.create_field, resp, echoed);
    parse(&o.get_broadcasts, resp, echoed);
    parse(&o.create_broadcasts, resp, echoed);
    parse(&o.send_emails, resp, echoed);
    parse(&o.get_sequences, resp, echoed);
    parse(&o.create_sequence_email, resp, echoed);
    parse(&o.get_email_template, resp, echoed);
    parse(&o.update_email_template, resp, echoed);
    parse(&o.get_workflows, resp, echoed);
    parse(&o.get_form_responses, resp, echoed);
    parse(&o.get_segments, resp, echoed);
    parse(&o.get_segment, resp, echoed);
    parse(&o.get_authors, resp, echoed);
    parse(&o.get_site_stats, resp, echoed);
    parse(&o.get_segment_stats, resp, echoed);
    parse(&o.get_report_stats, resp, echoed);
    parse(&o.get_ads_stats, resp, echoed);
    parse(&o.validate_email, resp, echoed);
    parse(&o.jesses_ruleset, resp, echoed);
    parse(&o.moderate_content, resp, echoed);
    parse(&o.get_gender, resp, echoed);
    parse(&o.geolocate_ip, resp, echoed);
    parse(&o.blacklist, resp, echoed);
    parse(&o.data_deletion, resp, echoed);
    parse(&o.search, resp, echoed);
    parse(&o.import, resp, echoed);
    parse(&o.create_subscriber, resp, echoed);
    // The free function, with and without a clock.
    for now in [
        None,
        Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_000_000)),
    ] {
        if !resp.status().is_success() {
            check_error(&error_from_response(resp, now), echoed, false);
        }
    }
}

fn drive<O: Operation>(op: &O, input: &Input) {
    let p = &input.policy;
    let base = Duration::from_millis(p.base_ms.into());
    let policy = RetryPolicy {
        max_retries: (p.max_retries % 6).into(),
        base_delay: base,
        max_delay: Duration::from_millis(p.max_ms.into()).max(base),
        max_retry_after: Duration::from_secs(p.max_retry_after_s.into()),
        retry_server_errors: p.retry_server_errors,
        retry_transport_errors: p.retry_transport_errors,
    };
    let cap = policy.max_delay.max(policy.max_retry_after);
    let config = config(policy.clone());
    let mut exchange = Exchange::new(op, &config).expect("valid op");
    let idempotent = op.idempotency() == Idempotency::Idempotent;
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(input.now_s.into());
    for outcome in input.outcomes.iter().take(8) {
        let (outcome, echoed, retryable) = match outcome {
            Outcome::Response(r) => {
                let (resp, echoed) = build(r);
                let code = resp.status().as_u16();
                let retryable = code == 429
                    || (idempotent && policy.retry_server_errors && (502..=504).contains(&code));
                (Ok(resp), echoed, retryable)
            }
            Outcome::Transport(k, msg) => {
                let kind = match k % 5 {
                    0 => TransportErrorKind::Connect,
                    1 => TransportErrorKind::Timeout,
                    2 => TransportErrorKind::Io,
                    3 => TransportErrorKind::ResponseTooLarge,
                    _ => TransportErrorKind::Other,
                };
                let msg = msg.get();
                let echoed = has_secret(msg.as_bytes());
                let retryable = kind == TransportErrorKind::Connect
                    || (idempotent
                        && policy.retry_transport_errors
                        && matches!(kind, TransportErrorKind::Timeout | TransportErrorKind::Io));
                (Err(TransportError::new(kind, msg)), echoed, retryable)
            }
        };
        let before = exchange.retries();
        match exchange.on_response(outcome, now, input.jitter) {
            Step::Retry(d) => {
                assert!(retryable, "retried a final outcome");
                assert!(d <= cap, "delay {d:?} over the policy's cap {cap:?}");
                assert!(before < policy.max_retries);
                assert_eq!(exchange.retries(), before + 1);
            }
            Step::Done(Err(e)) => {
                check_error(&e, echoed, true);
                return;
            }
            Step::Done(Ok(_)) => return,
        }
    }
}

fuzz_target!(|input: Input| {
    let (resp, echoed) = build(&input.response);
    parse_all(&resp, echoed);
    let o = &*OPS;
    match input.which_exchange % 4 {
        0 => drive(&o.get_tags, &input),
        1 => drive(&o.track_events, &input),
        2 => drive(&o.send_emails, &input),
        _ => drive(&o.find_subscriber, &input),
    }
    let _ = SECRET;
});
