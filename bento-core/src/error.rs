//! One error type, classified by where a failure happened.
//!
//! | variant | where | was anything sent? |
//! |---|---|---|
//! | [`Error::InvalidInput`] | before any I/O | no |
//! | [`Error::Transport`] | on the wire, no (complete) response | maybe |
//! | [`Error::NotAuthorized`], [`Error::AuthorNotAuthorized`], [`Error::RateLimit`], [`Error::Api`] | the API answered with an error status | yes |
//! | [`Error::Decode`] | the API answered 2xx, but the body was not what the contract says | yes |
//!
//! No message contains the secret key or a subscriber's email address: the core never
//! formats either into an error, and text that comes from the server is passed through
//! [`redact`] first.

use std::fmt;
use std::time::Duration;

/// The exact error message the API uses when `from` is not an author of the account.
pub const AUTHOR_NOT_AUTHORIZED: &str = "Author not authorized to send on this account";

/// Everything that can go wrong when calling Bento.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input broke a rule of the API; nothing was sent.
    #[error("invalid input: {field}: {reason}")]
    InvalidInput {
        /// The offending field, e.g. `events[3].email` or `config.base_url`.
        field: String,
        /// The rule it broke.
        reason: String,
    },

    /// 401: wrong or missing keys, or a missing `site_uuid`.
    #[error("not authorized (401): {message}{}", RequestIdSuffix(request_id.as_deref()))]
    NotAuthorized {
        /// The server's message (redacted).
        message: String,
        /// The response's request id (see [`Error::request_id`]).
        request_id: Option<String>,
    },

    /// The `from` address of a transactional email is not an author of the account
    /// (the API answers 500 with [`AUTHOR_NOT_AUTHORIZED`]).
    #[error("{AUTHOR_NOT_AUTHORIZED}{}", RequestIdSuffix(request_id.as_deref()))]
    AuthorNotAuthorized {
        /// The response's request id (see [`Error::request_id`]).
        request_id: Option<String>,
    },

    /// 429: rate limited. `retry_after` is the server's `Retry-After`, when it sent one.
    ///
    /// The clients already wait and retry (see [`crate::RetryPolicy`]); this error means the
    /// retries ran out, or the server asked for a longer wait than the policy allows.
    #[error("rate limited (429){}{}", RetryAfterSuffix(*retry_after), RequestIdSuffix(request_id.as_deref()))]
    RateLimit {
        /// How long the server asked to wait.
        retry_after: Option<Duration>,
        /// The response's request id (see [`Error::request_id`]).
        request_id: Option<String>,
    },

    /// Any other non-2xx status.
    #[error("API error ({status}): {message}{}", RequestIdSuffix(request_id.as_deref()))]
    Api {
        /// The HTTP status code.
        status: u16,
        /// `{"error": ..}`, the joined `{"errors": [..]}`, or a short snippet of a non-JSON body
        /// (redacted).
        message: String,
        /// The `{"errors": [{field, message}]}` entries, when the body had them.
        field_errors: Vec<FieldError>,
        /// The server's `Retry-After` (e.g. on a 503), when it sent one.
        retry_after: Option<Duration>,
        /// The response's request id (see [`Error::request_id`]).
        request_id: Option<String>,
    },

    /// No complete response: connect failure, timeout, reset, or a response over the size limit.
    #[error("transport error ({kind}): {message}")]
    Transport {
        /// What kind of failure; it decides whether a retry is safe.
        kind: TransportErrorKind,
        /// A short description (no URL, no credentials).
        message: String,
    },

    /// The API answered 2xx but the body did not have the documented shape.
    #[error("could not decode the response ({status}): {message}{}", RequestIdSuffix(request_id.as_deref()))]
    Decode {
        /// The HTTP status code.
        status: u16,
        /// What failed to parse.
        message: String,
        /// The response's request id (see [`Error::request_id`]).
        request_id: Option<String>,
    },
}

/// One entry of an `{"errors": [{"field": .., "message": ..}]}` body.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldError {
    /// The field the server complained about.
    #[serde(default)]
    pub field: Option<String>,
    /// The complaint (redacted).
    #[serde(default)]
    pub message: String,
}

/// What kind of transport failure happened. This decides whether a request may have reached
/// the server, and so whether it is safe to send again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection was never made (DNS, refused, TLS handshake, connect timeout):
    /// the request was certainly not received.
    Connect,
    /// No response in time: the request may have been received.
    Timeout,
    /// The connection broke while sending or receiving: the request may have been received.
    Io,
    /// The response was larger than `Config::max_response_bytes`.
    ResponseTooLarge,
    /// The call's (or the chunked run's) deadline passed before this attempt could start.
    Deadline,
    /// Anything else the transport reported.
    Other,
}

impl TransportErrorKind {
    /// Whether the request certainly did not reach the server.
    pub fn never_sent(self) -> bool {
        matches!(self, TransportErrorKind::Connect)
    }
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportErrorKind::Connect => "connect",
            TransportErrorKind::Timeout => "timeout",
            TransportErrorKind::Io => "io",
            TransportErrorKind::ResponseTooLarge => "response too large",
            TransportErrorKind::Deadline => "deadline",
            TransportErrorKind::Other => "other",
        })
    }
}

/// A transport failure as a transport driver reports it to the core (see
/// [`crate::Exchange::on_response`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    /// What kind of failure.
    pub kind: TransportErrorKind,
    /// A short description. Drivers must not put URLs or credentials here; the core redacts
    /// email addresses anyway.
    pub message: String,
}

impl TransportError {
    /// A transport error of `kind`.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        TransportError {
            kind,
            message: message.into(),
        }
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        Error::Transport {
            kind: e.kind,
            message: redact(&e.message),
        }
    }
}

impl Error {
    /// An [`Error::InvalidInput`] for `field` breaking `reason`.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The server's `Retry-After`, for a rate limit or another status that carried one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimit { retry_after, .. } | Error::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The request id of the response that caused this error, if the server sent one (see
    /// [`crate::REQUEST_ID_HEADERS`]): log it with every failure to find the request in the
    /// server's logs.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::NotAuthorized { request_id, .. }
            | Error::AuthorNotAuthorized { request_id }
            | Error::RateLimit { request_id, .. }
            | Error::Api { request_id, .. }
            | Error::Decode { request_id, .. } => request_id.as_deref(),
            Error::InvalidInput { .. } | Error::Transport { .. } => None,
        }
    }

    /// The same error carrying `id` as its request id (for the variants that follow a
    /// response; others are returned unchanged).
    pub fn with_request_id(mut self, id: Option<String>) -> Error {
        match &mut self {
            Error::NotAuthorized { request_id, .. }
            | Error::AuthorNotAuthorized { request_id }
            | Error::RateLimit { request_id, .. }
            | Error::Api { request_id, .. }
            | Error::Decode { request_id, .. } => *request_id = id,
            Error::InvalidInput { .. } | Error::Transport { .. } => {}
        }
        self
    }

    /// The HTTP status of the response that caused this error, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::NotAuthorized { .. } => Some(401),
            Error::AuthorNotAuthorized { .. } => Some(500),
            Error::RateLimit { .. } => Some(429),
            Error::Api { status, .. } | Error::Decode { status, .. } => Some(*status),
            Error::InvalidInput { .. } | Error::Transport { .. } => None,
        }
    }

    /// The same error with every occurrence of `secrets` in its texts replaced by `<redacted>`
    /// (whole tokens only: a one-letter secret does not mangle `refused`), then every text
    /// capped at [`MAX_MESSAGE_CHARS`] — in that order, so no part of a secret survives a cut.
    /// The exchange applies it with the secret key and the Authorization header, so a server
    /// (or proxy) that echoes credentials cannot put them into an error message.
    pub fn without_secrets(self, secrets: &[&str]) -> Error {
        let scrub = |text: String| cap(replace_tokens(text, secrets));
        self.map_texts(scrub)
    }

    /// The same error with `f` applied to every text it carries.
    fn map_texts(self, f: impl Fn(String) -> String) -> Error {
        match self {
            Error::InvalidInput { field, reason } => Error::InvalidInput {
                field: f(field),
                reason: f(reason),
            },
            Error::NotAuthorized {
                message,
                request_id,
            } => Error::NotAuthorized {
                message: f(message),
                request_id: request_id.map(&f),
            },
            Error::Api {
                status,
                message,
                field_errors,
                retry_after,
                request_id,
            } => Error::Api {
                status,
                message: f(message),
                field_errors: field_errors
                    .into_iter()
                    .take(MAX_FIELD_ERRORS)
                    .map(|fe| FieldError {
                        field: fe.field.map(&f),
                        message: f(fe.message),
                    })
                    .collect(),
                retry_after,
                request_id: request_id.map(&f),
            },
            Error::Transport { kind, message } => Error::Transport {
                kind,
                message: f(message),
            },
            Error::Decode {
                status,
                message,
                request_id,
            } => Error::Decode {
                status,
                message: f(message),
                request_id: request_id.map(&f),
            },
            Error::AuthorNotAuthorized { request_id } => Error::AuthorNotAuthorized {
                request_id: request_id.map(&f),
            },
            Error::RateLimit {
                retry_after,
                request_id,
            } => Error::RateLimit {
                retry_after,
                request_id: request_id.map(&f),
            },
        }
    }

    /// Whether no later request of a batch can succeed after this error: wrong keys (401),
    /// forbidden (403), an author who may not send. A chunked run stops at the first.
    pub fn is_fatal_for_batch(&self) -> bool {
        match self {
            Error::NotAuthorized { .. } | Error::AuthorNotAuthorized { .. } => true,
            Error::Api { status, .. } => *status == 403,
            Error::InvalidInput { field, .. } => field.starts_with("config"),
            _ => false,
        }
    }

    /// Whether the request certainly never left the process (bad input, or no connection).
    pub fn never_sent(&self) -> bool {
        match self {
            Error::InvalidInput { .. } => true,
            Error::Transport { kind, .. } => kind.never_sent(),
            _ => false,
        }
    }
}

/// An [`Error`] as the foreign boundaries carry it (the component's WIT variant, the FFI's
/// exception classes): one [`ErrorClass`] and the facts, with no nested kinds.
///
/// [`Error`] is `#[non_exhaustive]`, so a shell matching on it needs a catch-all arm and a new
/// class would silently fall into it. It is flattened here, once, by an exhaustive match; the
/// shells match on [`ErrorClass`], which is exhaustive, so a new class is a compile error in
/// every shell instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlatError {
    /// Which error this is.
    pub class: ErrorClass,
    /// [`ErrorClass::InvalidInput`]: the offending field. `None` for every other class.
    pub field: Option<String>,
    /// The rule the input broke, the server's message (redacted), or what failed.
    /// Never empty.
    pub message: String,
    /// The HTTP status of the response, when there was one.
    pub status: Option<u16>,
    /// The server's `Retry-After`, when it sent one.
    pub retry_after: Option<Duration>,
    /// The `{"errors": [{field, message}]}` entries of an API error body.
    pub field_errors: Vec<FieldError>,
    /// The response's request id (see [`Error::request_id`]).
    pub request_id: Option<String>,
}

/// The class of a [`FlatError`]: the [`Error`] variant, with the transport kinds spelled out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// [`Error::InvalidInput`]: nothing was sent.
    InvalidInput,
    /// [`Error::NotAuthorized`] (401).
    NotAuthorized,
    /// [`Error::AuthorNotAuthorized`].
    AuthorNotAuthorized,
    /// [`Error::RateLimit`] (429).
    RateLimited,
    /// [`Error::Api`]: any other non-2xx status.
    Api,
    /// [`Error::Decode`]: a 2xx body that is not the documented shape.
    Decode,
    /// [`TransportErrorKind::Timeout`]: no response in time; it may have been received.
    Timeout,
    /// [`TransportErrorKind::Deadline`]: the call's deadline passed.
    Deadline,
    /// [`TransportErrorKind::Connect`]: never connected; certainly not received.
    Connect,
    /// [`TransportErrorKind::Io`]: the connection broke; it may have been received.
    Io,
    /// [`TransportErrorKind::ResponseTooLarge`].
    ResponseTooLarge,
    /// [`TransportErrorKind::Other`].
    Transport,
}

impl ErrorClass {
    /// The class of `e` (what [`FlatError::from`] sets), without taking it apart.
    pub fn of(e: &Error) -> ErrorClass {
        match e {
            Error::InvalidInput { .. } => ErrorClass::InvalidInput,
            Error::NotAuthorized { .. } => ErrorClass::NotAuthorized,
            Error::AuthorNotAuthorized { .. } => ErrorClass::AuthorNotAuthorized,
            Error::RateLimit { .. } => ErrorClass::RateLimited,
            Error::Api { .. } => ErrorClass::Api,
            Error::Transport { kind, .. } => match kind {
                TransportErrorKind::Connect => ErrorClass::Connect,
                TransportErrorKind::Timeout => ErrorClass::Timeout,
                TransportErrorKind::Io => ErrorClass::Io,
                TransportErrorKind::ResponseTooLarge => ErrorClass::ResponseTooLarge,
                TransportErrorKind::Deadline => ErrorClass::Deadline,
                TransportErrorKind::Other => ErrorClass::Transport,
            },
            Error::Decode { .. } => ErrorClass::Decode,
        }
    }
}

impl From<Error> for FlatError {
    fn from(e: Error) -> Self {
        let status = e.status();
        let class = ErrorClass::of(&e);
        let flat = |message: String| FlatError {
            class,
            field: None,
            message,
            status,
            retry_after: None,
            field_errors: Vec::new(),
            request_id: None,
        };
        match e {
            Error::InvalidInput { field, reason } => FlatError {
                field: Some(field),
                ..flat(reason)
            },
            Error::NotAuthorized {
                message,
                request_id,
            } => FlatError {
                request_id,
                ..flat(message)
            },
            Error::AuthorNotAuthorized { request_id } => FlatError {
                request_id,
                ..flat(AUTHOR_NOT_AUTHORIZED.to_owned())
            },
            Error::RateLimit {
                retry_after,
                request_id,
            } => FlatError {
                retry_after,
                request_id,
                ..flat("rate limited".to_owned())
            },
            Error::Api {
                status: _,
                message,
                field_errors,
                retry_after,
                request_id,
            } => FlatError {
                retry_after,
                field_errors,
                request_id,
                ..flat(message)
            },
            Error::Transport { kind: _, message } => flat(message),
            Error::Decode {
                status: _,
                message,
                request_id,
            } => FlatError {
                request_id,
                ..flat(message)
            },
        }
    }
}

/// The longest text an error carries (server messages, decode errors, transport details).
pub const MAX_MESSAGE_CHARS: usize = 300;
/// The most `{"errors": [..]}` entries an error keeps.
const MAX_FIELD_ERRORS: usize = 20;

/// A text from the server as errors and traces carry it: email addresses redacted, the
/// `secrets` replaced, capped at [`MAX_MESSAGE_CHARS`].
pub(crate) fn scrub_text(text: &str, secrets: &[&str]) -> String {
    cap(replace_tokens(redact(text), secrets))
}

/// Cuts `text` to [`MAX_MESSAGE_CHARS`] characters (marking the cut with `…`).
pub(crate) fn cap(text: String) -> String {
    match text.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((at, _)) => {
            let mut cut = text;
            cut.truncate(at);
            cut.push('…');
            cut
        }
        None => text,
    }
}

/// Replaces each occurrence of a secret with `<redacted>`. A secret shorter than 8
/// characters only as a whole token (the characters around it must not be letters, digits,
/// `_` or `-`), so a one-letter secret cannot mangle `refused`; a longer one everywhere.
fn replace_tokens(text: String, secrets: &[&str]) -> String {
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    let mut text = text;
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        if !text.contains(*secret) {
            continue;
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        let mut prev: Option<char> = None;
        while let Some(at) = rest.find(*secret) {
            let before = rest[..at]
                .chars()
                .next_back()
                .or(if at == 0 { prev } else { None });
            let after = rest[at + secret.len()..].chars().next();
            // A secret of 8 or more characters is no word fragment: replaced wherever it is
            // (glued to letters, after `%20`); a shorter one only as a whole token.
            let bounded = secret.chars().count() >= 8
                || (!before.is_some_and(is_word) && !after.is_some_and(is_word));
            out.push_str(&rest[..at]);
            if bounded {
                out.push_str("<redacted>");
            } else {
                out.push_str(secret);
            }
            prev = secret.chars().next_back();
            rest = &rest[at + secret.len()..];
        }
        out.push_str(rest);
        text = out;
    }
    text
}

struct RequestIdSuffix<'a>(Option<&'a str>);

impl fmt::Display for RequestIdSuffix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(id) => write!(f, " (request id {id})"),
            None => Ok(()),
        }
    }
}

struct RetryAfterSuffix(Option<Duration>);

impl fmt::Display for RetryAfterSuffix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(d) => write!(f, "; retry after {}s", d.as_secs_f64()),
            None => Ok(()),
        }
    }
}

/// Replaces anything that looks like an email address with `<email>`.
///
/// Server messages sometimes echo the input (`"jane@acme.io is invalid"`); error messages of
/// this crate must not carry subscriber addresses into logs.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut token_start = 0;
    // Split into tokens at characters no address contains; replace each token that has a
    // local part, an `@` and a dotted domain. Scanning by character keeps non-ASCII addresses
    // (which `is_valid_email` accepts) whole.
    for (i, c) in text.char_indices() {
        if is_email_boundary(c) {
            push_token(&mut out, &text[token_start..i]);
            out.push(c);
            token_start = i + c.len_utf8();
        }
    }
    push_token(&mut out, &text[token_start..]);
    out
}

fn push_token(out: &mut String, token: &str) {
    // Any `@` with something before it and a dot after it: wider than an address, so that no
    // part of a token (say `a@b.c` inside ``a@b.c`x@``) survives.
    // Percent-decoded too (twice, for a URL inside a URL): a server page that echoes the
    // request URL shows `email=jane%40acme.io`.
    let has_address = |t: &str| {
        t.match_indices('@')
            .any(|(i, _)| i > 0 && t[i + 1..].contains('.'))
    };
    let looks_like_email = has_address(token)
        || (token.contains('%') && {
            let once = percent_encoding::percent_decode_str(token).decode_utf8_lossy();
            has_address(&once)
                || (once.contains('%')
                    && has_address(
                        &percent_encoding::percent_decode_str(&once).decode_utf8_lossy(),
                    ))
        });
    out.push_str(if looks_like_email { "<email>" } else { token });
}

fn is_email_boundary(c: char) -> bool {
    c.is_whitespace() || c.is_control() || "<>(),;:\"[]{}".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flat_form_keeps_every_fact_of_every_variant() {
        let id = || Some("req_1".to_owned());
        let secs = Some(Duration::from_secs(7));
        // Every flattening also checks that `ErrorClass::of` names the same class.
        let flat = |e: Error| {
            let class = ErrorClass::of(&e);
            let f = FlatError::from(e);
            assert_eq!(class, f.class);
            f
        };
        let f = flat(Error::invalid("events[0].email", "is not an email address"));
        assert_eq!(f.class, ErrorClass::InvalidInput);
        assert_eq!(f.field.as_deref(), Some("events[0].email"));
        assert_eq!(f.message, "is not an email address");
        assert_eq!((f.status, f.request_id), (None, None));

        let f = flat(Error::NotAuthorized {
            message: "bad key".into(),
            request_id: id(),
        });
        assert_eq!(f.class, ErrorClass::NotAuthorized);
        assert_eq!(
            (f.status, f.request_id, f.message.as_str()),
            (Some(401), id(), "bad key")
        );

        let f = flat(Error::AuthorNotAuthorized { request_id: id() });
        assert_eq!(f.class, ErrorClass::AuthorNotAuthorized);
        assert_eq!((f.status, f.request_id), (Some(500), id()));
        assert_eq!(f.message, AUTHOR_NOT_AUTHORIZED);

        let f = flat(Error::RateLimit {
            retry_after: secs,
            request_id: id(),
        });
        assert_eq!(f.class, ErrorClass::RateLimited);
        assert_eq!(
            (f.status, f.retry_after, f.request_id),
            (Some(429), secs, id())
        );
        assert!(!f.message.is_empty());

        let problem = FieldError {
            field: Some("email".into()),
            message: "is taken".into(),
        };
        let f = flat(Error::Api {
            status: 503,
            message: "down".into(),
            field_errors: vec![problem.clone()],
            retry_after: secs,
            request_id: id(),
        });
        assert_eq!(f.class, ErrorClass::Api);
        assert_eq!(
            (f.status, f.retry_after, f.request_id),
            (Some(503), secs, id())
        );
        assert_eq!(
            (f.message.as_str(), f.field_errors),
            ("down", vec![problem])
        );

        let f = flat(Error::Decode {
            status: 200,
            message: "expected a map".into(),
            request_id: id(),
        });
        assert_eq!(f.class, ErrorClass::Decode);
        assert_eq!((f.status, f.request_id), (Some(200), id()));

        for (kind, class) in [
            (TransportErrorKind::Connect, ErrorClass::Connect),
            (TransportErrorKind::Timeout, ErrorClass::Timeout),
            (TransportErrorKind::Io, ErrorClass::Io),
            (
                TransportErrorKind::ResponseTooLarge,
                ErrorClass::ResponseTooLarge,
            ),
            (TransportErrorKind::Deadline, ErrorClass::Deadline),
            (TransportErrorKind::Other, ErrorClass::Transport),
        ] {
            let f = flat(Error::Transport {
                kind,
                message: "what failed".into(),
            });
            assert_eq!(
                (f.class, f.status, f.message.as_str()),
                (class, None, "what failed")
            );
        }
    }

    #[test]
    fn redact_replaces_email_addresses_and_keeps_the_rest() {
        assert_eq!(redact("jane@acme.io is invalid"), "<email> is invalid");
        assert_eq!(
            redact("from \"a.b+c@x.co.uk\", to <d@e.f>."),
            "from \"<email>\", to <<email>>."
        );
        assert_eq!(redact("no address @ here"), "no address @ here");
        assert_eq!(redact("handle @jane"), "handle @jane");
        assert_eq!(redact(""), "");
        assert_eq!(redact("ünïcode jane@acme.io ✓"), "ünïcode <email> ✓");
        // Found by the `redact` fuzz target: a valid address inside a longer token.
        assert_eq!(redact("f@a.b1can.x9`9.co.uk@\""), "<email>\"");
        // A page echoing the request URL (issue 11, finding 5).
        assert_eq!(
            redact("Not found: /fetch/subscribers?email=jane%40acme.io"),
            "Not found: <email>"
        );
        assert_eq!(redact("email=jane%40acme%2Eio x"), "<email> x");
    }

    #[test]
    fn secrets_are_scrubbed_as_whole_tokens_before_the_cut() {
        let e = Error::Transport {
            kind: TransportErrorKind::Connect,
            message: "Connection refused".into(),
        };
        // A one-letter secret must not mangle words.
        assert_eq!(e.clone().without_secrets(&["s"]), e);
        let e = Error::Api {
            request_id: None,
            status: 500,
            message: format!("{}key=sk_live_1&x \"sk_live_1\"", "x ".repeat(140)),
            field_errors: vec![],
            retry_after: None,
        };
        match e.without_secrets(&["sk_live_1"]) {
            Error::Api { message, .. } => {
                assert!(!message.contains("sk_live"), "{message}");
                assert!(message.chars().count() <= MAX_MESSAGE_CHARS + 1);
            }
            other => panic!("{other:?}"),
        }
        // A secret crossing the cut: scrubbed first, so no prefix of it survives.
        let long = format!("{}sk_live_secret_value", "y ".repeat(145));
        let e = Error::Decode {
            request_id: None,
            status: 200,
            message: long,
        };
        match e.without_secrets(&["sk_live_secret_value"]) {
            Error::Decode { message, .. } => assert!(!message.contains("sk_live"), "{message}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rate_limit_display_mentions_the_wait() {
        let e = Error::RateLimit {
            request_id: None,
            retry_after: Some(Duration::from_secs(2)),
        };
        assert_eq!(e.to_string(), "rate limited (429); retry after 2s");
        assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));
    }

    #[test]
    fn errors_are_send_sync_and_std_errors() {
        fn assert_traits<T: std::error::Error + Send + Sync + 'static>() {}
        assert_traits::<Error>();
    }
}
