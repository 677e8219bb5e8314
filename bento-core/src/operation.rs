//! The seam between the core and the transports: [`Operation`] and [`Exchange`].
//!
//! An operation turns itself into an `http::Request<Vec<u8>>` and an `http::Response<Vec<u8>>`
//! into its typed output. An [`Exchange`] runs one operation through the retry policy: the
//! transport sends [`Exchange::request`], hands the outcome to [`Exchange::on_response`] together
//! with the time and a jitter value, and either sleeps and sends again or returns the result.
//!
//! ```
//! use bento_core::{ConfigBuilder, Exchange, Step, tags::GetTags};
//! use std::time::SystemTime;
//!
//! let config = ConfigBuilder::new().publishable_key("pk").secret_key("sk").site_uuid("site").build()?;
//! let op = GetTags::new();
//! let mut exchange = Exchange::new(&op, &config)?;
//! assert_eq!(exchange.request().uri(), "https://app.bentonow.com/api/v1/fetch/tags?site_uuid=site");
//!
//! // A transport would send the request; here the "server" answers directly.
//! let response = http::Response::builder()
//!     .status(200)
//!     .body(br#"{"data":[{"id":"1","type":"tags","attributes":{"name":"vip","created_at":"2026-01-01T00:00:00Z"}}]}"#.to_vec())?;
//! match exchange.on_response(Ok(response), SystemTime::UNIX_EPOCH, 0.5) {
//!     Step::Done(result) => assert_eq!(result?[0].attributes.name, "vip"),
//!     Step::Retry(_) => unreachable!("a 200 is final"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::{Duration, SystemTime};

use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::config::Config;
use crate::error::{AUTHOR_NOT_AUTHORIZED, Error, FieldError, TransportError, redact};
use crate::retry::{AttemptOutcome, Idempotency, RetryDecision, parse_retry_after};

/// One API operation: builds its request and parses its response. No I/O.
pub trait Operation {
    /// The typed result.
    type Output;

    /// Whether sending it twice is harmless (decides which failures are retried).
    fn idempotency(&self) -> Idempotency;

    /// Validates the input and builds the request. Invalid input is an
    /// [`Error::InvalidInput`] and nothing is sent.
    fn to_request(&self, config: &Config) -> Result<Request<Vec<u8>>, Error>;

    /// Parses a 2xx body.
    fn decode(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, Error>;

    /// Parses any response: 2xx through [`Operation::decode`], everything else into the
    /// matching [`Error`]. Emails are redacted from error texts; the secret key is not known
    /// here, so a server echoing it is only scrubbed on the [`Exchange`] path.
    fn parse_response(&self, response: &Response<Vec<u8>>) -> Result<Self::Output, Error> {
        let result = if response.status().is_success() {
            self.decode(response.status(), response.body())
                .map_err(|e| e.with_request_id(request_id(response.headers())))
        } else {
            Err(error_from_response(response, None))
        };
        // No secrets are known here; this still caps every text.
        result.map_err(|e| e.without_secrets(&[]))
    }
}

/// What a transport does next.
#[derive(Debug)]
pub enum Step<T> {
    /// Wait this long, then send [`Exchange::request`] again.
    Retry(Duration),
    /// The final result.
    Done(Result<T, Error>),
}

/// One operation on its way through the retry policy: build once, send, feed the outcome back,
/// repeat while it says [`Step::Retry`].
#[derive(Debug)]
pub struct Exchange<'a, O: Operation> {
    op: &'a O,
    attempts: Attempts<'a>,
}

impl<'a, O: Operation> Exchange<'a, O> {
    /// Validates and builds the request once; retries reuse it byte for byte.
    pub fn new(op: &'a O, config: &'a Config) -> Result<Self, Error> {
        let request = op.to_request(config)?;
        Ok(Exchange {
            op,
            attempts: Attempts::new(request, op.idempotency(), config),
        })
    }

    /// The request to send (the same one on every attempt).
    pub fn request(&self) -> &Request<Vec<u8>> {
        self.attempts.request()
    }

    /// How many retries were made so far.
    pub fn retries(&self) -> u32 {
        self.attempts.retries()
    }

    /// Starts the configured deadline at the transport's monotonic time `monotonic` (see
    /// [`Attempts::started`]).
    pub fn started(mut self, monotonic: Duration) -> Self {
        self.attempts = self.attempts.started(monotonic);
        self
    }

    /// The time budget of the next attempt (see [`Attempts::attempt_timeout`]).
    pub fn attempt_timeout(&self, monotonic: Duration) -> Result<Duration, Error> {
        self.attempts.attempt_timeout(monotonic)
    }

    /// Feeds the outcome of one attempt. `now` and `jitter` (in `[0, 1)`) are the transport's;
    /// the core reads neither a clock nor randomness. No deadline is applied: see
    /// [`Exchange::on_outcome`].
    pub fn on_response(
        &mut self,
        outcome: Result<Response<Vec<u8>>, TransportError>,
        now: SystemTime,
        jitter: f64,
    ) -> Step<O::Output> {
        self.on_outcome(outcome, now, None, jitter)
    }

    /// Feeds the outcome of one attempt, with the transport's monotonic time so that no
    /// retry is scheduled past the configured deadline.
    pub fn on_outcome(
        &mut self,
        outcome: Result<Response<Vec<u8>>, TransportError>,
        now: SystemTime,
        monotonic: Option<Duration>,
        jitter: f64,
    ) -> Step<O::Output> {
        let step = match monotonic {
            Some(m) => self.attempts.on_outcome(outcome, now, m, jitter),
            None => self.attempts.on_response(outcome, now, jitter),
        };
        match step {
            Step::Retry(delay) => Step::Retry(delay),
            Step::Done(Ok(response)) => Step::Done(
                self.op
                    .decode(response.status(), response.body())
                    .map_err(|e| {
                        self.attempts
                            .scrub(e.with_request_id(request_id(response.headers())))
                    }),
            ),
            Step::Done(Err(e)) => Step::Done(Err(e)),
        }
    }
}

/// The part of an [`Exchange`] that knows nothing of the operation's types: one built request,
/// its retry budget, and the classification of failures. [`Exchange`] is a thin typed shell
/// around it; a transport that drives dozens of operation types from one binary (the WASI
/// component, where code size is the cost) runs one copy of this loop for all of them and
/// calls [`Operation::decode`] itself on the final 2xx response.
#[derive(Debug)]
pub struct Attempts<'a> {
    config: &'a Config,
    request: Request<Vec<u8>>,
    idempotency: Idempotency,
    retries: u32,
    /// The monotonic time the first attempt started, once the transport said it.
    started: Option<Duration>,
    /// The error of the last attempt that was retried: what the caller gets if the deadline
    /// passes before the next attempt can start.
    last_error: Option<Error>,
    /// Whether an attempt so far may have been received (a timeout or drop after writing, a
    /// 5xx): the final error alone would hide it.
    maybe_received: bool,
}

impl<'a> Attempts<'a> {
    /// Starts the attempts for a request built by [`Operation::to_request`].
    pub fn new(request: Request<Vec<u8>>, idempotency: Idempotency, config: &'a Config) -> Self {
        Attempts {
            config,
            request,
            idempotency,
            retries: 0,
            started: None,
            last_error: None,
            maybe_received: false,
        }
    }

    /// Whether any attempt so far may have been received and acted on.
    pub fn maybe_received(&self) -> bool {
        self.maybe_received
    }

    /// Starts the configured deadline ([`Config::deadline`]) at the transport's monotonic
    /// time `monotonic` (any fixed origin).
    pub fn started(mut self, monotonic: Duration) -> Self {
        self.started = Some(monotonic);
        self
    }

    /// The time budget of the next attempt at the monotonic time `monotonic`: the per-attempt
    /// timeout, cut to what is left of the deadline. An error when the deadline has passed
    /// (nothing more may be sent).
    pub fn attempt_timeout(&self, monotonic: Duration) -> Result<Duration, Error> {
        let per_attempt = self.config.timeout;
        match self.time_left(monotonic) {
            None => Ok(per_attempt),
            // The last attempt's error is the answer (a 429 stays a rate limit, so its chunk
            // stays "rejected", not "may have been received").
            Some(left) if left.is_zero() => {
                Err(self.last_error.clone().unwrap_or_else(|| Error::Transport {
                    kind: crate::error::TransportErrorKind::Deadline,
                    message: format!(
                        "the call's deadline of {} ms passed",
                        crate::config::millis(self.config.deadline.unwrap_or_default())
                    ),
                }))
            }
            Some(left) => Ok(per_attempt.min(left)),
        }
    }

    fn time_left(&self, monotonic: Duration) -> Option<Duration> {
        let (deadline, started) = (self.config.deadline?, self.started?);
        Some(deadline.saturating_sub(monotonic.saturating_sub(started)))
    }

    /// Feeds the outcome of one attempt like [`Attempts::on_response`], and never schedules
    /// a retry that would start past the deadline: a `Retry-After` (or backoff) longer than
    /// what is left returns the error at once.
    pub fn on_outcome(
        &mut self,
        outcome: Result<Response<Vec<u8>>, TransportError>,
        now: SystemTime,
        monotonic: Duration,
        jitter: f64,
    ) -> Step<Response<Vec<u8>>> {
        let left = self.time_left(monotonic);
        self.step(outcome, now, jitter, left)
    }

    /// The request to send (the same one on every attempt).
    pub fn request(&self) -> &Request<Vec<u8>> {
        &self.request
    }

    /// How many retries were made so far.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// Feeds the outcome of one attempt, like [`Exchange::on_response`]. The final step is
    /// `Done(Ok(response))` only for a 2xx response, which the caller decodes (and passes any
    /// decode error through [`Attempts::scrub`]); every other outcome is already a classified
    /// [`Error`] with the secrets scrubbed.
    pub fn on_response(
        &mut self,
        outcome: Result<Response<Vec<u8>>, TransportError>,
        now: SystemTime,
        jitter: f64,
    ) -> Step<Response<Vec<u8>>> {
        self.step(outcome, now, jitter, None)
    }

    fn step(
        &mut self,
        outcome: Result<Response<Vec<u8>>, TransportError>,
        now: SystemTime,
        jitter: f64,
        time_left: Option<Duration>,
    ) -> Step<Response<Vec<u8>>> {
        let attempt = match &outcome {
            Ok(response) => AttemptOutcome::from_parts(response.status(), response.headers()),
            Err(e) => AttemptOutcome::Transport(e.kind),
        };
        let decision =
            self.config
                .retry
                .decide(self.idempotency, self.retries, attempt, now, jitter);
        // A retry that could not start before the deadline is not scheduled: the caller gets
        // this attempt's error now rather than after a pointless wait.
        let decision = match decision {
            RetryDecision::RetryAfter(delay) if time_left.is_some_and(|left| delay >= left) => {
                RetryDecision::Stop
            }
            other => other,
        };
        // This attempt's error (none for a 2xx), classified once: whether it may have been
        // received is what `Delivery::of` says of it, so a 500 "Author not authorized" (the
        // API refused before queueing) is a rejection, while any other 5xx or a drop after
        // writing may have been acted on.
        let error = match &outcome {
            Ok(response) if response.status().is_success() => None,
            Ok(response) => Some(error_from_response(response, Some(now))),
            Err(e) => Some(e.clone().into()),
        };
        self.maybe_received |= error.as_ref().is_some_and(|e| {
            crate::batch::Delivery::of(e) == crate::batch::Delivery::MaybeReceived
        });
        match (decision, error) {
            (RetryDecision::RetryAfter(delay), error) => {
                self.retries += 1;
                self.last_error = error.map(|e| self.scrub(e));
                Step::Retry(delay)
            }
            (RetryDecision::Stop, None) => Step::Done(outcome.map_err(|e| self.scrub(e.into()))),
            (RetryDecision::Stop, Some(error)) => Step::Done(Err(self.scrub(error))),
        }
    }

    /// Removes the configured secrets from an error's texts (see [`Config::scrub`]).
    pub fn scrub(&self, error: Error) -> Error {
        self.config.scrub(error)
    }
}

/// The only response headers the core reads (from [`Exchange::on_response`],
/// [`Attempts::on_response`] and [`error_from_response`]). A transport may pass every header;
/// one that pays for parsing header names (the WASI component, where the parser's tables are
/// code size) passes just these.
pub static RESPONSE_HEADERS: [http::HeaderName; 8] = [
    header::RETRY_AFTER,
    header::LOCATION,
    http::HeaderName::from_static("x-request-id"),
    http::HeaderName::from_static("request-id"),
    http::HeaderName::from_static("x-amzn-requestid"),
    http::HeaderName::from_static("x-amz-request-id"),
    http::HeaderName::from_static("x-correlation-id"),
    http::HeaderName::from_static("cf-ray"),
];

/// Classifies a non-2xx response. `now` turns an HTTP-date `Retry-After` into a duration (when
/// absent, only delay-seconds are understood).
pub fn error_from_response(response: &Response<Vec<u8>>, now: Option<SystemTime>) -> Error {
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, now.unwrap_or(SystemTime::UNIX_EPOCH)))
        // Without a clock an HTTP-date cannot be resolved; don't report a bogus huge wait.
        .filter(|d| now.is_some() || *d < Duration::from_secs(365 * 24 * 3600));
    if response.status().is_redirection() {
        // Never followed (the transports are configured not to): a redirect would re-send
        // the credentials, or turn a POST into a GET whose 200 looks like success.
        let to = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(location_origin)
            .unwrap_or_else(|| "nowhere (no Location header)".to_owned());
        return Error::Api {
            status,
            message: format!("the server redirected to {to}; redirects are not followed"),
            field_errors: Vec::new(),
            retry_after,
            request_id: request_id(response.headers()),
        };
    }
    let request_id = request_id(response.headers());
    let body = ErrorBody::parse(response.body());
    if body.message.as_deref() == Some(AUTHOR_NOT_AUTHORIZED) {
        return Error::AuthorNotAuthorized { request_id };
    }
    match status {
        401 => Error::NotAuthorized {
            message: body.summary().unwrap_or_else(|| "Unauthorized".to_owned()),
            request_id,
        },
        429 => Error::RateLimit {
            retry_after,
            request_id,
        },
        _ => Error::Api {
            status,
            message: body.summary().unwrap_or_else(|| {
                response
                    .status()
                    .canonical_reason()
                    .unwrap_or("unknown status")
                    .to_owned()
            }),
            field_errors: body.field_errors,
            retry_after,
            request_id,
        },
    }
}

/// The response headers that carry a request id, in the order they are tried: `x-request-id`
/// (Rails, Heroku, nginx, the emulator), `request-id` (Stripe-style APIs), `x-amzn-requestid`
/// and `x-amz-request-id` (AWS front ends), `x-correlation-id`, and `cf-ray` (Cloudflare,
/// which Bento sits behind: the id of the edge request, useful when nothing else is sent).
pub const REQUEST_ID_HEADERS: &[&str] = &[
    "x-request-id",
    "request-id",
    "x-amzn-requestid",
    "x-amz-request-id",
    "x-correlation-id",
    "cf-ray",
];

/// The request id of a response (see [`REQUEST_ID_HEADERS`]): visible ASCII only, at most
/// 128 characters, redacted like any server text.
pub fn request_id(headers: &http::HeaderMap) -> Option<String> {
    // Looked up by `HeaderName` (the same names, `RESPONSE_HEADERS` after `retry-after` and
    // `location`): a `&str` lookup parses the name, which links http's table of standard
    // header names (14 KB of the WASI component).
    RESPONSE_HEADERS[2..].iter().find_map(|name| {
        let value = headers.get(name)?.to_str().ok()?.trim();
        let ok =
            !value.is_empty() && value.len() <= 128 && value.bytes().all(|b| b.is_ascii_graphic());
        ok.then(|| redact(value))
    })
}

/// The scheme and host of a `Location` (never its path or query, which may hold an email),
/// or `a relative location` when it has none.
fn location_origin(location: &str) -> String {
    match location.parse::<http::Uri>() {
        Ok(uri) => match (uri.scheme_str(), uri.authority()) {
            (Some(scheme), Some(authority)) => {
                // Drop any `user:password@` part.
                let host = authority.as_str().rsplit('@').next().unwrap_or_default();
                redact(&crate::error::cap(format!("{scheme}://{host}")))
            }
            _ => "a relative location on the same server".to_owned(),
        },
        Err(_) => "an invalid location".to_owned(),
    }
}

/// The parts of an error body the API uses: `{"error": ..}`, `{"errors": [{field, message}]}`,
/// `{"message": ..}`, or a non-JSON body (text, an HTML error page).
struct ErrorBody {
    message: Option<String>,
    field_errors: Vec<FieldError>,
    snippet: Option<String>,
}

/// A parsed value as compact JSON text: what `Value`'s `Display` writes, through the writer that
/// request bodies use. `Display` goes through a `fmt::Write` adapter whose error is a boxed
/// string, which links `str`'s `Debug` and its Unicode tables (~5 KB in the component).
fn json_text(value: &serde_json::Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// `{"field": .., "message": ..}` (either may be missing; `field` may be null), redacted; `None`
/// for any other shape. Read from the parsed value, as `FieldError`'s serde rules would read
/// it from an object: a second `Deserialize` instantiation, for `Value`, was ~2 KB of the
/// component for this one use.
fn field_error(item: &serde_json::Value) -> Option<FieldError> {
    use serde_json::Value;
    let Value::Object(map) = item else {
        return None;
    };
    let field = match map.get("field") {
        None | Some(Value::Null) => None,
        Some(Value::String(f)) => Some(redact(f)),
        Some(_) => return None,
    };
    let message = match map.get("message") {
        None => String::new(),
        Some(Value::String(m)) => redact(m),
        Some(_) => return None,
    };
    Some(FieldError { field, message })
}

impl ErrorBody {
    fn parse(body: &[u8]) -> ErrorBody {
        let mut parsed = ErrorBody {
            message: None,
            field_errors: Vec::new(),
            snippet: None,
        };
        match crate::objects::from_slice::<serde_json::Value>(body) {
            Ok(serde_json::Value::Object(map)) => {
                parsed.message = ["error", "message"].iter().find_map(|k| match map.get(*k) {
                    Some(serde_json::Value::String(s)) => Some(s.clone()),
                    Some(v @ serde_json::Value::Object(_)) => Some(json_text(v)),
                    _ => None,
                });
                if let Some(serde_json::Value::Array(items)) = map.get("errors") {
                    parsed.field_errors = items
                        .iter()
                        .map(|item| match item {
                            serde_json::Value::String(s) => FieldError {
                                field: None,
                                message: redact(s),
                            },
                            other => field_error(other).unwrap_or_else(|| FieldError {
                                field: None,
                                message: redact(&json_text(other)),
                            }),
                        })
                        .collect();
                }
                if parsed.message.is_none() && parsed.field_errors.is_empty() {
                    parsed.snippet = Some(snippet(&json_text(&serde_json::Value::Object(map))));
                }
            }
            Ok(other) => parsed.snippet = Some(snippet(&json_text(&other))),
            Err(_) => {
                let text = String::from_utf8_lossy(body);
                if !text.trim().is_empty() {
                    parsed.snippet = Some(snippet(&strip_tags(&text)));
                }
            }
        }
        parsed
    }

    fn summary(&self) -> Option<String> {
        if let Some(m) = &self.message {
            return Some(redact(m));
        }
        if !self.field_errors.is_empty() {
            return Some(
                self.field_errors
                    .iter()
                    .map(|e| match &e.field {
                        Some(f) => format!("{f} {}", e.message),
                        None => e.message.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            );
        }
        self.snippet.clone()
    }
}

/// A body as error text: whitespace collapsed and emails redacted. Bounded at 4,096
/// characters, far beyond the 300-character cap that [`Error::without_secrets`] applies
/// *after* scrubbing the secrets, so no cut can leave part of a secret behind.
fn snippet(text: &str) -> String {
    redact(&bounded(
        &text.split_whitespace().collect::<Vec<_>>().join(" "),
    ))
}

/// At most 4,096 characters of `text`, cut at a whitespace so no token is split.
fn bounded(text: &str) -> String {
    const MAX: usize = 4096;
    match text.char_indices().nth(MAX) {
        None => text.to_owned(),
        Some((at, _)) => {
            let keep = text[..at].rfind(char::is_whitespace).unwrap_or(0);
            format!("{}…", &text[..keep])
        }
    }
}

/// Drops `<...>` markup so an HTML error page reads as its text.
fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(4096));
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
        if out.len() > 4096 {
            // Drop the token the cut went through: half an address would not be redacted.
            let keep = out.rfind(char::is_whitespace).unwrap_or(0);
            out.truncate(keep);
            break;
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Request building, shared by every API module.

/// A one-member JSON object, `{"name": value}`, for request bodies: serialized straight into
/// the body. `serde_json::json!` builds a `Value` (a map per level) and serializes that, and
/// a struct put in it is serialized twice over, into the `Value` first: a second `Serialize`
/// instantiation per type in the component.
pub(crate) struct Member<'a, T: ?Sized>(pub(crate) &'static str, pub(crate) &'a T);

impl<T: Serialize + ?Sized> Serialize for Member<'_, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry(self.0, self.1)?;
        map.end()
    }
}

/// A request under construction: method, path below the base URL, query, body.
#[derive(Debug)]
pub(crate) struct RequestSpec {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    body: Option<(Vec<u8>, &'static str)>,
}

impl RequestSpec {
    pub(crate) fn new(method: Method, path: impl Into<String>) -> Self {
        RequestSpec {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
        }
    }
    pub(crate) fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }
    pub(crate) fn post(path: impl Into<String>) -> Self {
        Self::new(Method::POST, path)
    }

    pub(crate) fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    pub(crate) fn query_opt(self, key: &'static str, value: Option<impl ToString>) -> Self {
        match value {
            Some(v) => self.query(key, v.to_string()),
            None => self,
        }
    }

    /// `key=value` for a required id or name: blank is invalid input under `key`, anything else
    /// is sent trimmed.
    pub(crate) fn query_required(self, key: &'static str, value: &str) -> Result<Self, Error> {
        crate::validate::not_blank(key, value)?;
        Ok(self.query(key, value.trim()))
    }

    /// `page=` for a 1-based page (nothing for `None`); page 0 is invalid input, so every
    /// paged operation refuses it the same way before a request exists.
    pub(crate) fn page(self, page: Option<u32>) -> Result<Self, Error> {
        if page == Some(0) {
            return Err(Error::invalid("page", "pages start at 1"));
        }
        Ok(self.query_opt("page", page))
    }

    pub(crate) fn json(self, body: &impl Serialize) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::invalid("body", format!("cannot be serialized as JSON: {e}")))?;
        self.json_bytes(bytes)
    }

    /// A JSON body written by the operation itself (one that splices JSON text it checked),
    /// under the same size limit as [`RequestSpec::json`].
    pub(crate) fn json_bytes(mut self, bytes: Vec<u8>) -> Result<Self, Error> {
        if bytes.len() > crate::validate::limits::MAX_REQUEST_BYTES {
            return Err(Error::invalid(
                "body",
                format!(
                    "is {} bytes, over the limit of {} bytes; send fewer or smaller records",
                    bytes.len(),
                    crate::validate::limits::MAX_REQUEST_BYTES
                ),
            ));
        }
        self.body = Some((bytes, "application/json"));
        Ok(self)
    }

    pub(crate) fn form(mut self, pairs: &[(&str, &str)]) -> Self {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            ser.append_pair(k, v);
        }
        self.body = Some((
            ser.finish().into_bytes(),
            "application/x-www-form-urlencoded",
        ));
        self
    }

    /// The final request: base URL + path + `?site_uuid=..&..`, Basic auth, `User-Agent`,
    /// `Accept`, and `Content-Type` when there is a body.
    pub(crate) fn build(self, config: &Config) -> Result<Request<Vec<u8>>, Error> {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("site_uuid", &config.site_uuid);
        for (k, v) in &self.query {
            query.append_pair(k, v);
        }
        let uri = format!("{}{}?{}", config.base_url, self.path, query.finish());
        let mut builder = Request::builder()
            .method(self.method)
            .uri(uri)
            .header(header::AUTHORIZATION, {
                // Sensitive: `Debug` of the request (and of anything holding it) prints
                // `Sensitive` instead of the credentials, and HTTP/2 never indexes it.
                let mut value = header_value(&config.authorization)?;
                value.set_sensitive(true);
                value
            })
            .header(header::USER_AGENT, header_value(&config.user_agent)?)
            .header(header::ACCEPT, "application/json");
        let body = match self.body {
            Some((bytes, content_type)) => {
                builder = builder.header(header::CONTENT_TYPE, content_type);
                bytes
            }
            None => Vec::new(),
        };
        builder
            .body(body)
            .map_err(|e| Error::invalid("request", format!("cannot build the request: {e}")))
    }
}

fn header_value(value: &str) -> Result<HeaderValue, Error> {
    // `Config` already checked these are printable ASCII; this cannot fail for a valid config,
    // and never echoes the value (it may be the Authorization header).
    HeaderValue::from_str(value)
        .map_err(|_| Error::invalid("config", "contains a character not allowed in a header"))
}

/// Percent-encodes one path segment (ids come from users and from list responses).
pub(crate) fn path_segment(field: &str, id: &str) -> Result<String, Error> {
    let id = id.trim();
    if id.is_empty() {
        return Err(Error::invalid(field, "must not be blank"));
    }
    // `.` and `..` are unreserved, so encoding leaves them as they are, and every URL
    // resolver (reqwest's included) would then climb the path: `delete_tag("..")` became
    // `DELETE /fetch/`.
    if id == "." || id == ".." {
        return Err(Error::invalid(field, "must not be `.` or `..`"));
    }
    // Everything but RFC 3986's unreserved characters, so ids such as `sequence_8fk2` stay
    // readable while `/`, `?` or spaces cannot change the route.
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    Ok(percent_encoding::utf8_percent_encode(id, SEGMENT).to_string())
}

// ---------------------------------------------------------------------------------------------
// Response decoding, shared by every API module.

/// Parses a JSON body into `T`.
pub(crate) fn decode_json<T: DeserializeOwned>(
    status: StatusCode,
    body: &[u8],
) -> Result<T, Error> {
    crate::objects::from_slice(body).map_err(|e| Error::Decode {
        status: status.as_u16(),
        request_id: None,
        // serde_json quotes the offending value in full (a 15 MB string would make a 15 MB
        // message): bounded here, capped after the secrets are scrubbed.
        message: redact(&bounded(&format!("unexpected response body: {e}"))),
    })
}

#[derive(serde::Deserialize)]
struct Envelope<T> {
    #[serde(default = "Option::default")]
    data: Option<T>,
}

/// `{"data": T}` → `Some(T)`; `{"data": null}` and `{}` → `None` (the API's "not found").
pub(crate) fn decode_data<T: DeserializeOwned>(
    status: StatusCode,
    body: &[u8],
) -> Result<Option<T>, Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    Ok(decode_json::<Envelope<T>>(status, body)?.data)
}

/// `{"data": [T]}` → the list; `{"data": null}` and `{}` → empty.
pub(crate) fn decode_list<T: DeserializeOwned>(
    status: StatusCode,
    body: &[u8],
) -> Result<Vec<T>, Error> {
    Ok(decode_data::<Vec<T>>(status, body)?.unwrap_or_default())
}

/// `{"data": T}` or `{"data": [T, ..]}` (older API versions) → `T`; missing → a decode error.
pub(crate) fn decode_created<T: DeserializeOwned>(
    status: StatusCode,
    body: &[u8],
) -> Result<T, Error> {
    let missing = || Error::Decode {
        status: status.as_u16(),
        message: "the response has no `data`".to_owned(),
        request_id: None,
    };
    decode_data::<OneOrFirst<T>>(status, body)?
        .and_then(|one| one.0)
        .ok_or_else(missing)
}

/// An object, or the first object of a list (`None` for an empty list).
///
/// A visitor rather than an untagged enum: nothing is buffered, and `T` is read by the same
/// monomorphized code as everywhere else (an untagged enum links a second copy of every `T`'s
/// deserializer, ~3 KB each in the component).
struct OneOrFirst<T>(Option<T>);

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for OneOrFirst<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Visitor<T> {
            type Value = OneOrFirst<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object or a list of objects")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(|t| OneOrFirst(Some(t)))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let first = seq.next_element::<T>()?;
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(OneOrFirst(first))
            }
        }
        d.deserialize_any(Visitor(std::marker::PhantomData))
    }
}

/// Implements [`Operation`] for a type from a compact description. Every API module uses it
/// so that each endpoint reads as: method and path, input checks, output shape.
macro_rules! operation {
    (
        $ty:ty => $out:ty, $idem:ident,
        request($self_:ident, $config:ident) $build:block
        decode($status:ident, $body:ident) $decode:block
    ) => {
        $crate::operation::operation! {
            $ty => $out, $idem,
            request($self_, $config) $build
            decode(self, $status, $body) $decode
        }
    };
    (
        $ty:ty => $out:ty, $idem:ident,
        request($self_:ident, $config:ident) $build:block
        decode($dself:ident, $status:ident, $body:ident) $decode:block
    ) => {
        impl $crate::operation::Operation for $ty {
            type Output = $out;
            fn idempotency(&self) -> $crate::retry::Idempotency {
                $crate::retry::Idempotency::$idem
            }
            fn to_request(
                &$self_,
                $config: &$crate::config::Config,
            ) -> Result<http::Request<Vec<u8>>, $crate::error::Error> $build
            fn decode(
                &$dself,
                $status: http::StatusCode,
                $body: &[u8],
            ) -> Result<$out, $crate::error::Error> $decode
        }
    };
}
pub(crate) use operation;

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response<Vec<u8>> {
        let mut b = Response::builder().status(status);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(body.as_bytes().to_vec()).unwrap()
    }

    /// Whether a final answer may have been received is read from the error it classifies
    /// as: every 5xx may have been acted on, except the API's "Author not authorized" 500,
    /// which refuses the email before it is queued.
    #[test]
    fn an_unknown_author_500_is_a_rejection_not_an_ambiguous_5xx() {
        let config = crate::test_support::config();
        let request = || Request::new(Vec::new());
        let now = SystemTime::UNIX_EPOCH;
        let author = r#"{"error":"Author not authorized to send on this account"}"#;
        let mut attempts = Attempts::new(request(), Idempotency::NotIdempotent, &config);
        let step = attempts.on_response(Ok(response(500, &[], author)), now, 0.5);
        assert!(
            matches!(step, Step::Done(Err(Error::AuthorNotAuthorized { .. }))),
            "{step:?}"
        );
        assert!(!attempts.maybe_received());

        let mut attempts = Attempts::new(request(), Idempotency::NotIdempotent, &config);
        let step = attempts.on_response(Ok(response(500, &[], "{}")), now, 0.5);
        assert!(
            matches!(step, Step::Done(Err(Error::Api { status: 500, .. }))),
            "{step:?}"
        );
        assert!(attempts.maybe_received());

        // A retried 503 before a final 422 keeps the chunk "may have been received".
        let mut attempts = Attempts::new(request(), Idempotency::Idempotent, &config);
        assert!(matches!(
            attempts.on_response(Ok(response(503, &[], "")), now, 0.5),
            Step::Retry(_)
        ));
        let step = attempts.on_response(Ok(response(422, &[], "{}")), now, 0.5);
        assert!(
            matches!(step, Step::Done(Err(Error::Api { status: 422, .. }))),
            "{step:?}"
        );
        assert!(attempts.maybe_received());
    }

    #[test]
    fn request_ids_are_read_from_the_documented_headers_in_order() {
        let names: Vec<&str> = RESPONSE_HEADERS[2..].iter().map(|h| h.as_str()).collect();
        assert_eq!(names, REQUEST_ID_HEADERS);
        let r = response(500, &[("cf-ray", "ray-1"), ("X-Request-Id", "req-1")], "");
        assert_eq!(request_id(r.headers()).as_deref(), Some("req-1"));
        let r = response(500, &[("cf-ray", "ray-1")], "");
        assert_eq!(request_id(r.headers()).as_deref(), Some("ray-1"));
    }

    #[test]
    fn field_errors_are_read_as_serde_would_read_them_from_an_object() {
        // Every shape but an object with a string (or null or missing) `field` and a string
        // (or missing) `message` keeps its whole text; a positional array is not read.
        let parsed = ErrorBody::parse(
            br#"{"errors":[{"field":"email","message":"jane@acme.io is bad"},{"message":"m"},
              {"field":null},{"field":1,"message":"m"},{"message":null},["email","positional"],
              7,"plain jane@acme.io",{"field":"f","message":"m","extra":[1]}]}"#,
        );
        let got: Vec<(Option<&str>, &str)> = parsed
            .field_errors
            .iter()
            .map(|e| (e.field.as_deref(), e.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (Some("email"), "<email> is bad"),
                (None, "m"),
                (None, ""),
                (None, r#"{"field":1,"message":"m"}"#),
                (None, r#"{"message":null}"#),
                (None, r#"["email","positional"]"#),
                (None, "7"),
                (None, "plain <email>"),
                (Some("f"), "m"),
            ]
        );
    }

    #[test]
    fn error_bodies_are_classified_by_status_and_shape() {
        let e = error_from_response(&response(401, &[], r#"{"error":"Unauthorized"}"#), None);
        assert_eq!(
            e,
            Error::NotAuthorized {
                request_id: None,
                message: "Unauthorized".into()
            }
        );
        let e = error_from_response(
            &response(
                500,
                &[],
                r#"{"error":"Author not authorized to send on this account"}"#,
            ),
            None,
        );
        assert_eq!(e, Error::AuthorNotAuthorized { request_id: None });
        let e = error_from_response(&response(429, &[("retry-after", "7")], ""), None);
        assert_eq!(
            e,
            Error::RateLimit {
                request_id: None,
                retry_after: Some(Duration::from_secs(7))
            }
        );
        let e = error_from_response(
            &response(
                422,
                &[],
                r#"{"errors":[{"field":"email","message":"jane@acme.io is invalid"}]}"#,
            ),
            None,
        );
        match e {
            Error::Api {
                status: 422,
                message,
                field_errors,
                ..
            } => {
                assert_eq!(message, "email <email> is invalid");
                assert_eq!(field_errors[0].field.as_deref(), Some("email"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn html_and_text_bodies_become_short_snippets() {
        let html = format!(
            "<html><head><title>502 Bad Gateway</title></head><body><h1>cloudflare</h1>{}</body></html>",
            "x".repeat(5000)
        );
        match error_from_response(
            &response(502, &[("content-type", "text/html")], &html),
            None,
        ) {
            Error::Api {
                status, message, ..
            } => {
                assert_eq!(status, 502);
                assert!(
                    message.starts_with("502 Bad Gateway cloudflare"),
                    "{message}"
                );
                assert!(message.chars().count() <= 4097);
            }
            other => panic!("{other:?}"),
        }
        match error_from_response(&response(404, &[], ""), None) {
            Error::Api { message, .. } => assert_eq!(message, "Not Found"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn not_found_envelopes_decode_to_none() {
        let ok = StatusCode::OK;
        assert_eq!(decode_data::<u32>(ok, br#"{"data":null}"#).unwrap(), None);
        assert_eq!(decode_data::<u32>(ok, b"{}").unwrap(), None);
        assert_eq!(decode_data::<u32>(ok, b"").unwrap(), None);
        assert_eq!(decode_data::<u32>(ok, br#"{"data":5}"#).unwrap(), Some(5));
        assert_eq!(decode_list::<u32>(ok, b"{}").unwrap(), Vec::<u32>::new());
        assert_eq!(decode_created::<u32>(ok, br#"{"data":[3,4]}"#).unwrap(), 3);
        assert!(matches!(
            decode_created::<u32>(ok, b"{}"),
            Err(Error::Decode { .. })
        ));
        assert!(matches!(
            decode_data::<u32>(ok, b"<html>"),
            Err(Error::Decode { status: 200, .. })
        ));
    }

    #[test]
    fn created_resources_read_an_object_or_the_first_of_a_list() {
        #[derive(Debug, PartialEq, serde::Deserialize)]
        struct Created {
            id: String,
        }
        let ok = StatusCode::CREATED;
        let created = |body: &str| decode_created::<Created>(ok, body.as_bytes());
        let one = Created { id: "a".into() };
        assert_eq!(created(r#"{"data":{"id":"a","x":1}}"#).unwrap(), one);
        assert_eq!(
            created(r#"{"data":[{"id":"a"},{"id":"b"},7]}"#).unwrap(),
            one
        );
        for missing in [r#"{"data":[]}"#, r#"{"data":null}"#, "{}"] {
            match created(missing) {
                Err(Error::Decode {
                    status: 201,
                    message,
                    ..
                }) => {
                    assert!(message.contains("no `data`"), "{missing}: {message}")
                }
                other => panic!("{missing}: {other:?}"),
            }
        }
        for bad in [r#"{"data":5}"#, r#"{"data":"a"}"#, r#"{"data":{"x":1}}"#] {
            assert!(
                matches!(created(bad), Err(Error::Decode { status: 201, .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn path_segments_are_encoded_and_blank_ids_rejected() {
        assert_eq!(path_segment("id", " a/b c ").unwrap(), "a%2Fb%20c");
        assert_eq!(
            path_segment("sequence_id", "  ").unwrap_err(),
            Error::invalid("sequence_id", "must not be blank")
        );
        for dots in [".", "..", " .. "] {
            assert_eq!(
                path_segment("id", dots).unwrap_err(),
                Error::invalid("id", "must not be `.` or `..`")
            );
        }
        assert_eq!(path_segment("id", "...").unwrap(), "...");
        assert_eq!(path_segment("id", "a..b").unwrap(), "a..b");
    }
}
