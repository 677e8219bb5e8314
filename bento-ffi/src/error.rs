//! `BentoError`: the core's rich [`bento::Error`] mapped once to a small exported enum.
//!
//! Kotlin renames it `BentoException` (every `*Error` becomes `*Exception`); in Python each
//! variant is a subclass of `bento.BentoError` (`except bento.BentoError.RateLimited as e:`).
//! No variant carries the secret key: the core never formats it into an error, and server text
//! reaches us already redacted (email addresses replaced with `<email>`).

use std::any::Any;
use std::time::Duration;

/// Everything that can go wrong when calling Bento, classified by where it happened.
///
/// | variant | where | was anything sent? |
/// |---|---|---|
/// | `InvalidInput` | before any I/O (bad argument, bad JSON text, bad config) | no |
/// | `Transport`, `Timeout` | on the wire, no complete response (or the call's deadline passed) | maybe |
/// | `NotAuthorized`, `AuthorNotAuthorized`, `RateLimited`, `Api` | the API answered an error status | yes |
/// | `Decode` | the API answered 2xx with a body that is not the documented shape | yes |
/// | `Internal` | a bug in this library (caught, never a crash) | maybe |
///
/// Every variant that follows a response carries the response's `request_id` (the server's
/// `x-request-id`, or what a front end sent instead), and its sentence names it: quote it to
/// find the request in the server's logs.
#[derive(Debug, Clone, PartialEq, thiserror::Error, uniffi::Error)]
pub enum BentoError {
    /// The input broke a rule of the API (or was not valid JSON text); nothing was sent.
    #[error("Invalid input in `{field}`: {}. Nothing was sent.", trim(reason))]
    InvalidInput {
        /// The offending field, e.g. `events[3].email` or `events[0].details_json`.
        field: String,
        /// The rule it broke.
        reason: String,
    },
    /// 401: wrong or missing keys, or an unknown site UUID.
    #[error(
        "Bento rejected the credentials (HTTP 401): {}{}.",
        trim(message),
        id_suffix(request_id)
    )]
    NotAuthorized {
        /// The server's message (redacted). Kotlin: `detail` (`message` is Throwable's).
        message: String,
        /// The response's request id, when the server sent one.
        request_id: Option<String>,
    },
    /// The `from` address of an email is not an author of the account (the API answers 500).
    #[error(
        "The sender is not an author of this Bento account (HTTP 500): {}{}.",
        trim(message),
        id_suffix(request_id)
    )]
    AuthorNotAuthorized {
        /// What to do about it (the API sends no text of its own). Kotlin: `detail`.
        message: String,
        /// The response's request id, when the server sent one.
        request_id: Option<String>,
    },
    /// 429 after the client's retries ran out, or with a `Retry-After` longer than the retry
    /// policy waits (or than what is left of the call's deadline).
    #[error(
        "Bento rate-limited the request (HTTP 429){}{}.",
        retry_suffix(*.retry_after_secs),
        id_suffix(request_id)
    )]
    RateLimited {
        /// The server's `Retry-After` in seconds, when it sent one.
        retry_after_secs: Option<f64>,
        /// The response's request id, when the server sent one.
        request_id: Option<String>,
    },
    /// Any other non-2xx status.
    #[error(
        "Bento answered HTTP {status}: {}{}{}{}.",
        trim(message),
        field_suffix(field_errors),
        retry_suffix(*.retry_after_secs),
        id_suffix(request_id)
    )]
    Api {
        /// The HTTP status code.
        status: i32,
        /// `{"error": ..}`, the joined `{"errors": [..]}`, or a snippet of a non-JSON body
        /// (redacted). Kotlin: `detail`.
        message: String,
        /// The `{"errors": [{field, message}]}` entries, when the body had them.
        field_errors: Vec<ApiFieldProblem>,
        /// The server's `Retry-After` in seconds (e.g. on a 503), when it sent one.
        retry_after_secs: Option<f64>,
        /// The response's request id, when the server sent one.
        request_id: Option<String>,
    },
    /// No complete response: connection refused or reset, TLS failure, a response over the
    /// size limit, or the call's deadline passed before another attempt could start. `kind`
    /// says whether the request may have reached the server.
    #[error("{}: {}.", transport_lead(*.kind), trim(message))]
    Transport {
        /// What kind of failure.
        kind: TransportKind,
        /// A short description (no URL, no credentials). Kotlin: `detail`.
        message: String,
    },
    /// No response in time: within `timeout_secs`, or within what was left of the call's
    /// `deadline_secs` (the request may have been received).
    #[error(
        "Bento did not answer in time (timeout_secs, or what was left of deadline_secs): {}; \
         the request may have been received.",
        trim(message)
    )]
    Timeout {
        /// A short description. Kotlin: `detail`.
        message: String,
    },
    /// The API answered 2xx but the body did not have the documented shape.
    #[error(
        "Bento answered HTTP {status} with a body this library could not read: {}{}.",
        trim(message),
        id_suffix(request_id)
    )]
    Decode {
        /// The HTTP status code.
        status: i32,
        /// What failed to parse. Kotlin: `detail`.
        message: String,
        /// The response's request id, when the server sent one.
        request_id: Option<String>,
    },
    /// A bug in this library, caught at the boundary instead of crashing the process.
    #[error("Internal error in bento-ffi (please report it): {}.", trim(message))]
    Internal {
        /// A description of the bug. Kotlin: `detail`.
        message: String,
    },
}

/// One `{"field": .., "message": ..}` entry of an API error body.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ApiFieldProblem {
    /// The field the server complained about.
    pub field: Option<String>,
    /// The complaint (redacted).
    pub message: String,
}

/// What kind of transport failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TransportKind {
    /// The connection was never made: the request certainly did not reach the server.
    Connect,
    /// The connection broke while sending or receiving: the request may have been received.
    Io,
    /// The response was larger than the configured `max_response_bytes`.
    ResponseTooLarge,
    /// The call's overall deadline (`deadline_secs`) passed before the next attempt could
    /// start; the error of the last attempt, if there was one, is what the call returns
    /// instead.
    Deadline,
    /// Anything else the transport reported.
    Other,
}

impl BentoError {
    /// An `InvalidInput` for `field` breaking `reason`.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        BentoError::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The error for a caught panic. The payload is redacted (no email addresses) and cut short.
    pub(crate) fn from_panic(payload: &(dyn Any + Send)) -> Self {
        let text = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        let text: String = bento::redact(&text).chars().take(200).collect();
        BentoError::Internal {
            message: format!("bento-ffi bug (caught panic): {text}"),
        }
    }
}

/// The text of `AuthorNotAuthorized` (the API's 500 carries none worth showing).
pub(crate) const AUTHOR_NOT_AUTHORIZED: &str =
    "use an author's address as `from` (see get_authors)";

fn retry_suffix(secs: Option<f64>) -> String {
    match secs {
        Some(1.0) => "; retry after 1 second".to_owned(),
        Some(s) => format!("; retry after {s} seconds"),
        None => String::new(),
    }
}

/// A message without its closing full stop (the sentence adds one), `"no details"` if blank.
fn trim(message: &str) -> &str {
    let t = message.trim().trim_end_matches('.');
    if t.is_empty() { "no details" } else { t }
}

fn id_suffix(request_id: &Option<String>) -> String {
    match request_id {
        Some(id) => format!(" (request id {id})"),
        None => String::new(),
    }
}

fn field_suffix(problems: &[ApiFieldProblem]) -> String {
    let parts: Vec<String> = problems
        .iter()
        .map(|p| match &p.field {
            Some(f) => format!("`{f}` {}", p.message),
            None => p.message.clone(),
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join("; "))
    }
}

fn transport_lead(kind: TransportKind) -> &'static str {
    match kind {
        TransportKind::Connect => "Could not connect to Bento; the request was not sent",
        TransportKind::Io => "The connection to Bento broke; the request may have been received",
        TransportKind::ResponseTooLarge => "Bento's response was larger than max_response_bytes",
        TransportKind::Deadline => {
            "The call's deadline (deadline_secs) passed before Bento answered"
        }
        TransportKind::Other => "The request to Bento failed",
    }
}

/// `str(error)` in Python, `describeError(e)` in Kotlin: one sentence with the facts (status,
/// the server's message, retry-after in seconds). Never empty.
#[uniffi::export]
pub fn describe_error(error: BentoError) -> String {
    error.to_string()
}

fn secs(d: Option<Duration>) -> Option<f64> {
    d.map(|d| d.as_secs_f64())
}

impl From<bento::Error> for BentoError {
    fn from(e: bento::Error) -> Self {
        bento::FlatError::from(e).into()
    }
}

impl From<bento::FlatError> for BentoError {
    /// One exhaustive match on the core's class: a new class is a compile error here, not a
    /// silent `Internal`.
    fn from(e: bento::FlatError) -> Self {
        use bento::ErrorClass as C;
        let bento::FlatError {
            class,
            field,
            message,
            status,
            retry_after,
            field_errors,
            request_id,
        } = e;
        let status = i32::from(status.unwrap_or(0));
        let transport = |kind| BentoError::Transport {
            kind,
            message: message.clone(),
        };
        match class {
            C::InvalidInput => BentoError::InvalidInput {
                field: field.unwrap_or_default(),
                reason: message,
            },
            C::NotAuthorized => BentoError::NotAuthorized {
                message,
                request_id,
            },
            C::AuthorNotAuthorized => BentoError::AuthorNotAuthorized {
                message: AUTHOR_NOT_AUTHORIZED.to_owned(),
                request_id,
            },
            C::RateLimited => BentoError::RateLimited {
                retry_after_secs: secs(retry_after),
                request_id,
            },
            C::Api => BentoError::Api {
                status,
                message,
                field_errors: field_errors
                    .into_iter()
                    .map(|bento::FieldError { field, message }| ApiFieldProblem { field, message })
                    .collect(),
                retry_after_secs: secs(retry_after),
                request_id,
            },
            C::Decode => BentoError::Decode {
                status,
                message,
                request_id,
            },
            C::Timeout => BentoError::Timeout { message },
            C::Deadline => transport(TransportKind::Deadline),
            C::Connect => transport(TransportKind::Connect),
            C::Io => transport(TransportKind::Io),
            C::ResponseTooLarge => transport(TransportKind::ResponseTooLarge),
            C::Transport => transport(TransportKind::Other),
        }
    }
}
