//! The retry policy: a pure decision the transports act on.
//!
//! [`RetryPolicy::decide`] takes the operation's [`Idempotency`], how many retries were already
//! made, what the last attempt produced (a status with its `Retry-After`, or a transport failure
//! kind), the current wall-clock time (only to read an HTTP-date `Retry-After`) and a jitter value
//! in `[0, 1)`, and answers [`RetryDecision::RetryAfter`] or [`RetryDecision::Stop`]. It reads
//! no clock and no randomness itself, so every case is a plain unit test.
//!
//! The rules:
//! - **429** is always retryable: the server did not act on the request.
//! - A **connect failure** is always retryable: the request never left.
//! - **502/503/504, timeouts and broken connections** are retried only for idempotent
//!   operations. A transactional email or a broadcast create that may have been received is
//!   never re-sent automatically (a duplicate would reach a real inbox).
//! - The delay is `Retry-After` when the server sent one (seconds or an HTTP-date), else a
//!   capped exponential backoff with jitter. A `Retry-After` longer than
//!   [`RetryPolicy::max_retry_after`] is not waited out: the error goes back to the caller, with
//!   the server's value in it.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, StatusCode};

use crate::error::{Error, TransportErrorKind};

/// Whether sending an operation twice is harmless.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Idempotency {
    /// Reads, upserts, commands, updates: safe to repeat.
    Idempotent,
    /// Events, transactional emails, broadcast and sequence-email creation: a repeat would
    /// trigger automations or send mail twice.
    NotIdempotent,
}

/// What one attempt produced, as far as the retry decision cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome<'a> {
    /// The server answered with this status (and maybe a `Retry-After` header value).
    Response {
        /// The status.
        status: StatusCode,
        /// The raw `Retry-After` header, if any.
        retry_after: Option<&'a str>,
    },
    /// No response.
    Transport(TransportErrorKind),
}

impl<'a> AttemptOutcome<'a> {
    /// The outcome of a response with `status` and `headers`.
    pub fn from_parts(status: StatusCode, headers: &'a HeaderMap) -> Self {
        AttemptOutcome::Response {
            status,
            retry_after: headers
                .get(http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
        }
    }
}

/// The answer of [`RetryPolicy::decide`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Send the same request again after this delay.
    RetryAfter(Duration),
    /// Stop: the last outcome is the result.
    Stop,
}

/// When and how long to wait before sending a request again. All fields are public and
/// [`RetryPolicy::disabled`] turns retries off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 3; 0 disables retries).
    pub max_retries: u32,
    /// The first backoff delay (default 500 ms); it doubles with every retry.
    pub base_delay: Duration,
    /// The cap on a backoff delay (default 30 s).
    pub max_delay: Duration,
    /// The longest `Retry-After` the client waits out (default 60 s); a longer one is returned
    /// to the caller in the error.
    pub max_retry_after: Duration,
    /// Whether to retry 502/503/504 statuses for idempotent operations (default true).
    pub retry_server_errors: bool,
    /// Whether to retry timeouts and broken connections for idempotent operations
    /// (default true).
    pub retry_transport_errors: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(60),
            retry_server_errors: true,
            retry_transport_errors: true,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn disabled() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        if self.base_delay > self.max_delay {
            return Err(Error::invalid(
                "retry_policy.base_delay",
                "must not exceed max_delay",
            ));
        }
        Ok(())
    }

    /// Decides whether to send again after `retries_done` retries.
    ///
    /// `now` is only used to turn an HTTP-date `Retry-After` into a delay; `jitter` must be in
    /// `[0, 1)` (it is clamped) and spreads backoff delays between half and all of the
    /// exponential value, so that many clients do not retry in lockstep.
    pub fn decide(
        &self,
        idempotency: Idempotency,
        retries_done: u32,
        outcome: AttemptOutcome<'_>,
        now: SystemTime,
        jitter: f64,
    ) -> RetryDecision {
        if retries_done >= self.max_retries {
            return RetryDecision::Stop;
        }
        let idempotent = idempotency == Idempotency::Idempotent;
        let (retryable, retry_after) = match outcome {
            AttemptOutcome::Response {
                status,
                retry_after,
            } => {
                let retry_after = retry_after.and_then(|v| parse_retry_after(v, now));
                let retryable = match status.as_u16() {
                    429 => true,
                    502..=504 => idempotent && self.retry_server_errors,
                    _ => false,
                };
                (retryable, retry_after)
            }
            AttemptOutcome::Transport(kind) => {
                let retryable = match kind {
                    TransportErrorKind::Connect => true,
                    TransportErrorKind::Timeout | TransportErrorKind::Io => {
                        idempotent && self.retry_transport_errors
                    }
                    TransportErrorKind::ResponseTooLarge
                    | TransportErrorKind::Deadline
                    | TransportErrorKind::Other => false,
                };
                (retryable, None)
            }
        };
        if !retryable {
            return RetryDecision::Stop;
        }
        match retry_after {
            Some(wait) if wait > self.max_retry_after => RetryDecision::Stop,
            Some(wait) => RetryDecision::RetryAfter(wait),
            None => RetryDecision::RetryAfter(self.backoff(retries_done, jitter)),
        }
    }

    /// The backoff before retry number `retries_done + 1`: `base · 2^retries_done`, capped at
    /// `max_delay`, scaled into `[½, 1]` of itself by `jitter`.
    pub fn backoff(&self, retries_done: u32, jitter: f64) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retries_done.min(31)));
        let capped = exp.min(self.max_delay);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        // `mul_f64` panics when the product overflows a Duration (a policy with a huge
        // max_delay); fall back to the cap, and never exceed it through rounding.
        Duration::try_from_secs_f64(capped.as_secs_f64() * (0.5 + jitter / 2.0))
            .unwrap_or(capped)
            .min(capped)
    }
}

/// Parses a `Retry-After` value: delay-seconds or an HTTP-date (relative to `now`; a date in the
/// past means "now"). Anything else is ignored.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    // Some servers send fractional seconds; accept them (a JSON number: `1.5`, `2e1`), but
    // never negative, NaN or infinite. Read by serde_json's number parser, which decoding
    // links anyway: core's `f64::from_str` is a second float parser with its own tables
    // (~9 KB in the component).
    if let Ok(secs) = crate::objects::from_slice::<f64>(value.as_bytes()) {
        return Duration::try_from_secs_f64(secs).ok();
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Idempotency::*;

    const NOW: SystemTime = SystemTime::UNIX_EPOCH;

    fn status(code: u16, retry_after: Option<&str>) -> AttemptOutcome<'_> {
        AttemptOutcome::Response {
            status: StatusCode::from_u16(code).unwrap(),
            retry_after,
        }
    }

    fn decide(idem: Idempotency, retries: u32, outcome: AttemptOutcome<'_>) -> RetryDecision {
        RetryPolicy::default().decide(idem, retries, outcome, NOW, 0.0)
    }

    #[test]
    fn rate_limit_is_retried_even_for_emails_and_honours_retry_after() {
        assert_eq!(
            decide(NotIdempotent, 0, status(429, Some("2"))),
            RetryDecision::RetryAfter(Duration::from_secs(2))
        );
        assert_eq!(
            decide(NotIdempotent, 0, status(429, None)),
            RetryDecision::RetryAfter(Duration::from_millis(250))
        );
    }

    #[test]
    fn retry_after_as_http_date_is_relative_to_now() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        let d = RetryPolicy::default().decide(
            Idempotent,
            0,
            status(429, Some("Sun, 06 Nov 1994 08:49:40 GMT")),
            now,
            0.5,
        );
        assert_eq!(d, RetryDecision::RetryAfter(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after(
                "Sun, 06 Nov 1994 08:49:37 GMT",
                now + Duration::from_secs(10)
            ),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
        assert_eq!(
            parse_retry_after("1.5", now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_retry_after(" 2.5e1 ", now),
            Some(Duration::from_secs(25))
        );
        for refused in [
            "-1.5", "NaN", "inf", "1e400", "1.5x", "\"1\"", "[1]", "null",
        ] {
            assert_eq!(parse_retry_after(refused, now), None, "{refused}");
        }
    }

    #[test]
    fn a_retry_after_beyond_the_cap_is_returned_not_waited() {
        assert_eq!(
            decide(Idempotent, 0, status(429, Some("3600"))),
            RetryDecision::Stop
        );
    }

    #[test]
    fn server_errors_and_ambiguous_transport_failures_only_for_idempotent_operations() {
        for code in [502, 503, 504] {
            assert!(matches!(
                decide(Idempotent, 0, status(code, None)),
                RetryDecision::RetryAfter(_)
            ));
            assert_eq!(
                decide(NotIdempotent, 0, status(code, None)),
                RetryDecision::Stop
            );
        }
        for kind in [TransportErrorKind::Timeout, TransportErrorKind::Io] {
            assert!(matches!(
                decide(Idempotent, 0, AttemptOutcome::Transport(kind)),
                RetryDecision::RetryAfter(_)
            ));
            assert_eq!(
                decide(NotIdempotent, 0, AttemptOutcome::Transport(kind)),
                RetryDecision::Stop
            );
        }
    }

    #[test]
    fn a_connect_failure_is_retried_for_any_operation_because_nothing_was_sent() {
        assert!(matches!(
            decide(
                NotIdempotent,
                1,
                AttemptOutcome::Transport(TransportErrorKind::Connect)
            ),
            RetryDecision::RetryAfter(_)
        ));
    }

    #[test]
    fn client_errors_success_and_500_are_final() {
        for code in [200, 201, 400, 401, 403, 404, 422, 500] {
            assert_eq!(
                decide(Idempotent, 0, status(code, None)),
                RetryDecision::Stop
            );
        }
        assert_eq!(
            decide(
                Idempotent,
                0,
                AttemptOutcome::Transport(TransportErrorKind::ResponseTooLarge)
            ),
            RetryDecision::Stop
        );
    }

    #[test]
    fn at_most_max_retries_and_disabled_means_never() {
        assert_eq!(
            decide(Idempotent, 3, status(429, None)),
            RetryDecision::Stop
        );
        assert_eq!(
            RetryPolicy::disabled().decide(Idempotent, 0, status(429, Some("1")), NOW, 0.0),
            RetryDecision::Stop
        );
    }

    #[test]
    fn backoff_doubles_is_capped_and_jitter_stays_within_half_to_full() {
        let p = RetryPolicy {
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(5),
            ..RetryPolicy::default()
        };
        assert_eq!(p.backoff(0, 1.0), Duration::from_secs(1));
        assert_eq!(p.backoff(1, 1.0), Duration::from_secs(2));
        assert_eq!(p.backoff(2, 1.0), Duration::from_secs(4));
        assert_eq!(p.backoff(3, 1.0), Duration::from_secs(5));
        assert_eq!(p.backoff(40, 1.0), Duration::from_secs(5));
        assert_eq!(p.backoff(1, 0.0), Duration::from_secs(1));
        assert_eq!(p.backoff(1, f64::NAN), Duration::from_secs(1));
        assert_eq!(p.backoff(1, 7.0), Duration::from_secs(2));
    }

    #[test]
    fn server_and_transport_retries_can_be_switched_off() {
        let p = RetryPolicy {
            retry_server_errors: false,
            retry_transport_errors: false,
            ..RetryPolicy::default()
        };
        assert_eq!(
            p.decide(Idempotent, 0, status(503, None), NOW, 0.0),
            RetryDecision::Stop
        );
        assert_eq!(
            p.decide(
                Idempotent,
                0,
                AttemptOutcome::Transport(TransportErrorKind::Timeout),
                NOW,
                0.0
            ),
            RetryDecision::Stop
        );
        assert!(matches!(
            p.decide(Idempotent, 0, status(429, None), NOW, 0.0),
            RetryDecision::RetryAfter(_)
        ));
    }
}
