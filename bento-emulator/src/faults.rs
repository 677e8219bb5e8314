//! Scriptable, deterministic faults.
//!
//! A [`FaultRule`] matches requests under `/api/v1` (optional method + exact path or path prefix,
//! both written relative to `/api/v1`) and applies a [`FaultAction`] a limited number of times
//! (`remaining: None` = forever), optionally only with a probability per request, drawn from a
//! seeded generator so a run can be replayed ("20 % of requests get 429"). Latency rules stack
//! with every other matching rule; of the remaining (non-latency) rules the first one that
//! matches (and, when probabilistic, fires) wins. Rules are checked before
//! authentication, because in production these failures happen in front of the Rails app
//! (load balancer, Cloudflare, network).

use axum::body::{Body, Bytes};
use hyper::body::{Frame, SizeHint};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// How a rule's `path` is compared with the request path (relative to `/api/v1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathMatch {
    /// The path must start with `path` (segment-wise: `/batch` matches `/batch/events`, not `/batchx`).
    #[default]
    Prefix,
    /// The path must equal `path`.
    Exact,
}

/// What happens to a matching request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultAction {
    /// Answer with this status. `body` defaults to `{"error": "<reason phrase>"}`; a JSON string
    /// body is sent verbatim (content type `text/plain` unless `content_type` says otherwise).
    Status {
        /// HTTP status code.
        status: u16,
        /// Body (JSON value; a string is sent as raw text).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<Value>,
        /// `Retry-After` header, in seconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
        /// Content type override.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content_type: Option<String>,
    },
    /// Wait this long, then carry on (other rules and the real handler still run).
    Latency {
        /// Added delay in milliseconds.
        ms: u64,
    },
    /// Close the TCP connection without sending any HTTP response. With `after_handling` the
    /// request is processed first (state changes!) and only the response is lost.
    DropConnection {
        /// Process the request before dropping the connection.
        #[serde(default)]
        after_handling: bool,
    },
    /// Send the headers with a `Content-Length`, then fewer bytes, then close the connection.
    /// Without `body` the real handler runs and its answer is truncated to half its length.
    TruncatedBody {
        /// Status line to send (default 200; ignored when the real handler's answer is used).
        #[serde(default = "default_ok")]
        status: u16,
        /// A body to truncate instead of the real answer.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<String>,
    },
    /// A `Content-Type: application/json` answer whose body is not valid JSON.
    MalformedJson {
        /// Status (default 200).
        #[serde(default = "default_ok")]
        status: u16,
    },
    /// A Cloudflare-like HTML error page (`text/html`).
    Html {
        /// Status (default 503; 403 mimics a Cloudflare block).
        #[serde(default = "default_html_status")]
        status: u16,
    },
    /// A valid but huge JSON body of about `megabytes` MiB, streamed with a `Content-Length`.
    HugeBody {
        /// Status (default 200).
        #[serde(default = "default_ok")]
        status: u16,
        /// Body size in MiB.
        megabytes: u32,
    },
}

fn default_ok() -> u16 {
    200
}
fn default_html_status() -> u16 {
    503
}

impl FaultAction {
    /// The action's `kind` string, as recorded in the request log.
    pub fn kind(&self) -> &'static str {
        match self {
            FaultAction::Status { .. } => "status",
            FaultAction::Latency { .. } => "latency",
            FaultAction::DropConnection { .. } => "drop_connection",
            FaultAction::TruncatedBody { .. } => "truncated_body",
            FaultAction::MalformedJson { .. } => "malformed_json",
            FaultAction::Html { .. } => "html",
            FaultAction::HugeBody { .. } => "huge_body",
        }
    }

    /// A status fault with the default `{"error": ...}` body.
    pub fn status(status: u16) -> Self {
        FaultAction::Status {
            status,
            body: None,
            retry_after: None,
            content_type: None,
        }
    }
}

/// One fault rule. JSON form (admin API, `--faults` file):
/// `{"method":"POST","path":"/batch/events","match":"exact","action":{"kind":"status","status":503,"retry_after":2},"remaining":1}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    /// Assigned by the emulator when the rule is added (0 before that).
    #[serde(default)]
    pub id: u64,
    /// HTTP method to match (case-insensitive); `None` matches any method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Path relative to `/api/v1` (a leading `/api/v1` is stripped). Empty or `/` with
    /// `Prefix` matches every API request.
    #[serde(default)]
    pub path: String,
    /// Prefix (default) or exact match.
    #[serde(default, rename = "match")]
    pub path_match: PathMatch,
    /// What to do.
    pub action: FaultAction,
    /// How many more requests this rule applies to; `None` = forever.
    #[serde(default)]
    pub remaining: Option<u32>,
    /// Apply to each candidate request with this probability (0.0–1.0) instead of always.
    /// A candidate is a matching request this rule would otherwise apply to (for a non-latency
    /// rule: no earlier rule has already fired). `remaining` counts only the times it fired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// Seed of the rule's generator (SplitMix64) for `probability`: the same seed gives the
    /// same fire/skip sequence over the same candidate requests.
    #[serde(default)]
    pub seed: u64,
    /// Candidate requests seen since the rule was added (maintained by the emulator).
    #[serde(default)]
    pub candidates: u64,
    /// Times the rule fired since it was added (maintained by the emulator).
    #[serde(default)]
    pub fired: u64,
}

impl FaultRule {
    /// A rule matching every API request, forever.
    pub fn new(action: FaultAction) -> Self {
        FaultRule {
            id: 0,
            method: None,
            path: String::new(),
            path_match: PathMatch::Prefix,
            action,
            remaining: None,
            probability: None,
            seed: 0,
            candidates: 0,
            fired: 0,
        }
    }
    /// Fire on each candidate request with probability `p` (clamped to 0.0–1.0; NaN = 0),
    /// drawn from a generator seeded with `seed`: e.g. `FaultRule::new(FaultAction::status(429))
    /// .with_probability(0.2, 7)` answers about 20 % of requests with 429, the same ones on
    /// every run.
    pub fn with_probability(mut self, p: f64, seed: u64) -> Self {
        self.probability = Some(if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) });
        self.seed = seed;
        self
    }

    /// Counts a candidate request and decides whether the rule fires on it: always without a
    /// probability, else the next SplitMix64 output of the seed, as a fraction of 2^64, is
    /// below `p`.
    fn draw(&mut self) -> bool {
        let n = self.candidates;
        self.candidates += 1;
        match self.probability {
            None => true,
            Some(p) => {
                // `mix(x)` is SplitMix64's step (add the golden gamma, then mix), so output n
                // of the stream seeded with `seed` is mix(seed + n * gamma).
                let x = crate::util::mix(self.seed.wrapping_add(n.wrapping_mul(GAMMA)));
                ((x >> 11) as f64) * (1.0 / (1u64 << 53) as f64) < p
            }
        }
    }

    /// Why a rule read from JSON cannot be used, if it cannot.
    pub(crate) fn check(&self) -> Result<(), String> {
        match self.probability {
            Some(p) if !(0.0..=1.0).contains(&p) => {
                Err(format!("probability must be between 0 and 1, got {p}"))
            }
            _ => Ok(()),
        }
    }
    /// Only this method.
    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_ascii_uppercase());
        self
    }
    /// Only paths starting with `prefix` (relative to `/api/v1`).
    pub fn path_prefix(mut self, prefix: &str) -> Self {
        self.path = prefix.to_string();
        self.path_match = PathMatch::Prefix;
        self
    }
    /// Only exactly this path (relative to `/api/v1`).
    pub fn exact_path(mut self, path: &str) -> Self {
        self.path = path.to_string();
        self.path_match = PathMatch::Exact;
        self
    }
    /// Apply to the next `n` matching requests only ("fail the next N").
    pub fn times(mut self, n: u32) -> Self {
        self.remaining = Some(n);
        self
    }
    /// Apply to the next matching request only.
    pub fn once(self) -> Self {
        self.times(1)
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        if self.remaining == Some(0) {
            return false;
        }
        if let Some(m) = &self.method
            && !m.eq_ignore_ascii_case(method)
        {
            return false;
        }
        let want = normalize_path(&self.path);
        match self.path_match {
            PathMatch::Exact => want == path,
            PathMatch::Prefix => {
                want == "/"
                    || path == want
                    || (path.starts_with(&want)
                        && (want.ends_with('/') || path[want.len()..].starts_with(['/', '.'])))
            }
        }
    }
}

/// SplitMix64's increment.
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// Strips a leading `/api/v1`, ensures a leading `/`, drops a trailing `/`.
pub fn normalize_path(p: &str) -> String {
    let p = p.trim();
    let p = p.strip_prefix("/api/v1").unwrap_or(p);
    let mut s = if p.starts_with('/') {
        p.to_string()
    } else {
        format!("/{p}")
    };
    while s.len() > 1 && s.ends_with('/') {
        s.pop();
    }
    s
}

/// The active rules. Lives behind the emulator's mutex.
#[derive(Debug, Default)]
pub struct FaultStore {
    rules: Vec<FaultRule>,
    next_id: u64,
}

/// What the matching rules decided for one request.
#[derive(Debug, Default)]
pub struct Decision {
    /// Total added latency.
    pub latency_ms: u64,
    /// The first matching non-latency action.
    pub action: Option<FaultAction>,
    /// Kinds applied (for the request log).
    pub applied: Vec<&'static str>,
}

impl FaultStore {
    /// Adds a rule, assigning its id; returns the id.
    pub fn add(&mut self, mut rule: FaultRule) -> u64 {
        self.next_id += 1;
        rule.id = self.next_id;
        // A rule starts its sequence afresh wherever it comes from (a listed rule re-added).
        rule.candidates = 0;
        rule.fired = 0;
        if let Some(m) = &mut rule.method {
            *m = m.to_ascii_uppercase();
        }
        self.rules.push(rule);
        self.next_id
    }
    /// Removes every rule.
    pub fn clear(&mut self) {
        self.rules.clear();
    }
    /// Current rules (exhausted ones are dropped as they run out).
    pub fn list(&self) -> Vec<FaultRule> {
        self.rules.clone()
    }
    /// Picks the faults for a request and consumes one use of each applied rule.
    pub fn decide(&mut self, method: &str, path: &str) -> Decision {
        let mut d = Decision::default();
        for rule in &mut self.rules {
            if !rule.matches(method, path) {
                continue;
            }
            let latency = matches!(rule.action, FaultAction::Latency { .. });
            if !latency && d.action.is_some() {
                // An earlier rule already decided; this one is not a candidate.
                continue;
            }
            if !rule.draw() {
                continue;
            }
            match &rule.action {
                FaultAction::Latency { ms } => d.latency_ms = d.latency_ms.saturating_add(*ms),
                other => d.action = Some(other.clone()),
            }
            rule.fired += 1;
            d.applied.push(rule.action.kind());
            if let Some(n) = &mut rule.remaining {
                *n = n.saturating_sub(1);
            }
        }
        self.rules.retain(|r| r.remaining != Some(0));
        d
    }
}

/// A Cloudflare-like HTML error page.
pub fn html_page(status: u16) -> String {
    let title = match status {
        403 => "Attention Required! | Cloudflare",
        502 => "502 Bad gateway",
        504 => "504 Gateway time-out",
        _ => "Service temporarily unavailable",
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en-US\">\n<head><meta charset=\"UTF-8\"><title>{title}</title></head>\n\
         <body><div id=\"cf-wrapper\"><div id=\"cf-error-details\">\n<h1>Error {status}</h1>\n\
         <p>Ray ID: 8a1b2c3d4e5f6a7b &bull; Performance &amp; security by Cloudflare</p>\n\
         <p>app.bentonow.com is currently unable to handle this request.</p>\n</div></div></body>\n</html>\n"
    )
}

/// A body that yields `data` and then fails, so hyper aborts the connection before the declared
/// `Content-Length` is reached. It pauses between the two so hyper flushes the headers and the
/// partial bytes to the socket first (otherwise the error would discard them unsent).
pub struct TruncatedBody {
    data: Option<Bytes>,
    pause: Pin<Box<tokio::time::Sleep>>,
}

impl TruncatedBody {
    /// Wraps the bytes to send before the connection is cut.
    pub fn new(data: Bytes) -> Self {
        TruncatedBody {
            data: Some(data),
            pause: Box::pin(tokio::time::sleep(std::time::Duration::from_millis(50))),
        }
    }
}

impl hyper::body::Body for TruncatedBody {
    type Data = Bytes;
    type Error = std::io::Error;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Some(d) = self.data.take()
            && !d.is_empty()
        {
            return Poll::Ready(Some(Ok(Frame::data(d))));
        }
        match self.pause.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => Poll::Ready(Some(Err(std::io::Error::other(
                "emulator fault: truncated body",
            )))),
        }
    }
}

/// A streamed, valid JSON body of an exact size: `{"data":[],"padding":"xxxx…"}`.
pub struct HugeBody {
    remaining_padding: u64,
    stage: u8,
    total: u64,
}

const HUGE_HEAD: &[u8] = b"{\"data\":[],\"padding\":\"";
const HUGE_TAIL: &[u8] = b"\"}";
const CHUNK: usize = 64 * 1024;

impl HugeBody {
    /// A body of (at least the JSON frame and) `bytes` bytes in total.
    pub fn new(bytes: u64) -> Self {
        let frame = (HUGE_HEAD.len() + HUGE_TAIL.len()) as u64;
        let padding = bytes.saturating_sub(frame);
        HugeBody {
            remaining_padding: padding,
            stage: 0,
            total: padding + frame,
        }
    }
    /// Exact length, for the `Content-Length` header.
    pub fn len(&self) -> u64 {
        self.total
    }
    /// Boxed into an axum body.
    pub fn into_body(self) -> Body {
        Body::new(self)
    }
}

impl hyper::body::Body for HugeBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match self.stage {
            0 => {
                self.stage = 1;
                Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(HUGE_HEAD)))))
            }
            1 if self.remaining_padding > 0 => {
                let n = self.remaining_padding.min(CHUNK as u64) as usize;
                self.remaining_padding -= n as u64;
                static PAD: [u8; CHUNK] = [b'x'; CHUNK];
                Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(&PAD[..n])))))
            }
            1 => {
                self.stage = 2;
                Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(HUGE_TAIL)))))
            }
            _ => Poll::Ready(None),
        }
    }
    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_matching_is_segment_wise_and_counts_down() {
        let mut s = FaultStore::default();
        s.add(
            FaultRule::new(FaultAction::status(503))
                .path_prefix("/api/v1/batch")
                .times(2),
        );
        assert!(s.decide("GET", "/batchx").action.is_none());
        assert!(s.decide("POST", "/batch/events").action.is_some());
        assert!(s.decide("POST", "/batch").action.is_some());
        assert!(s.decide("POST", "/batch/events").action.is_none());
        assert!(s.list().is_empty());
    }

    #[test]
    fn latency_stacks_with_the_first_other_action() {
        let mut s = FaultStore::default();
        s.add(FaultRule::new(FaultAction::Latency { ms: 5 }));
        s.add(FaultRule::new(FaultAction::status(500)).method("get"));
        s.add(FaultRule::new(FaultAction::status(502)));
        let d = s.decide("GET", "/fetch/tags");
        assert_eq!(d.latency_ms, 5);
        assert_eq!(d.action, Some(FaultAction::status(500)));
        let d = s.decide("POST", "/fetch/tags");
        assert_eq!(d.action, Some(FaultAction::status(502)));
    }

    /// The fire/skip sequence of one rule over `n` candidate requests.
    fn sequence(p: f64, seed: u64, n: usize) -> Vec<bool> {
        let mut s = FaultStore::default();
        s.add(FaultRule::new(FaultAction::status(429)).with_probability(p, seed));
        (0..n)
            .map(|_| s.decide("GET", "/fetch/tags").action.is_some())
            .collect()
    }

    #[test]
    fn probabilistic_rules_fire_at_their_rate_and_replay_by_seed() {
        let a = sequence(0.2, 42, 1000);
        let fired = a.iter().filter(|f| **f).count();
        // Binomial(1000, 0.2): mean 200, sd 12.6.
        assert!((170..=230).contains(&fired), "{fired}");
        assert_eq!(a, sequence(0.2, 42, 1000), "same seed, same sequence");
        assert_ne!(a, sequence(0.2, 43, 1000), "another seed, another sequence");
        // Every seed of many stays near the rate (the generator is not biased).
        for seed in 0..200 {
            let n = sequence(0.2, seed, 1000).iter().filter(|f| **f).count();
            assert!((150..=250).contains(&n), "seed {seed}: {n}");
        }
        assert!(sequence(0.0, 1, 200).iter().all(|f| !f));
        assert!(sequence(1.0, 1, 200).iter().all(|f| *f));
        assert!(sequence(f64::NAN, 1, 200).iter().all(|f| !f));
    }

    #[test]
    fn a_probabilistic_rule_that_skips_lets_the_next_rule_decide_and_counts_only_fires() {
        let mut s = FaultStore::default();
        s.add(
            FaultRule::new(FaultAction::status(429))
                .with_probability(0.5, 9)
                .times(10),
        );
        s.add(FaultRule::new(FaultAction::status(503)));
        let mut got = (0, 0);
        for _ in 0..100 {
            match s.decide("GET", "/x").action {
                Some(FaultAction::Status { status: 429, .. }) => got.0 += 1,
                Some(FaultAction::Status { status: 503, .. }) => got.1 += 1,
                other => panic!("{other:?}"),
            }
        }
        // `times(10)` counts fires: exactly ten 429s, the rest fall through to the 503 rule.
        assert_eq!(got, (10, 90));
        let rest = s.list();
        assert_eq!(rest.len(), 1);
        assert_eq!((rest[0].candidates, rest[0].fired), (90, 90));
    }

    #[test]
    fn rules_parse_from_json() {
        let r: FaultRule = serde_json::from_str(
            r#"{"method":"POST","path":"/batch/events","match":"exact","action":{"kind":"huge_body","megabytes":2},"remaining":1}"#,
        )
        .unwrap();
        assert_eq!(r.path_match, PathMatch::Exact);
        assert_eq!(
            r.action,
            FaultAction::HugeBody {
                status: 200,
                megabytes: 2
            }
        );
    }
}
