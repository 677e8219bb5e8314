//! `BentoConfig` and `RetrySettings`: plain records the foreign code fills in; validated by the
//! core when a `BentoClient` is built.

use std::fmt;
use std::time::Duration;

use crate::error::BentoError;

/// How to reach Bento. Only the three keys are required; `None` means the core's default.
///
/// `repr()`/`str()` (Python), `toString()` (Kotlin) and `description` (Swift) never show the
/// secret key.
#[derive(Clone, PartialEq, uniffi::Record)]
#[uniffi::export(Debug, Display)]
pub struct BentoConfig {
    /// The publishable key (the Basic auth user name).
    pub publishable_key: String,
    /// The secret key. Never shown in any `repr`, `toString` or error.
    pub secret_key: String,
    /// The site UUID sent with every request.
    pub site_uuid: String,
    /// The base URL including `/api/v1` (default `https://app.bentonow.com/api/v1`). `http://`
    /// is only accepted for loopback hosts.
    #[uniffi(default)]
    pub base_url: Option<String>,
    /// The overall timeout of one attempt, in seconds (default 30).
    #[uniffi(default)]
    pub timeout_secs: Option<f64>,
    /// The connect timeout, in seconds (default 10, never more than the overall timeout).
    #[uniffi(default)]
    pub connect_timeout_secs: Option<f64>,
    /// The overall deadline of one call, in seconds: every attempt and every wait between
    /// retries (default 120). Each attempt's timeout is cut to what is left, and a
    /// `Retry-After` that would end past it returns `RateLimited` at once. `math.inf`
    /// (Kotlin `Double.POSITIVE_INFINITY`) removes it.
    #[uniffi(default)]
    pub deadline_secs: Option<f64>,
    /// The cap on a response body, in bytes (default 16 MiB).
    #[uniffi(default)]
    pub max_response_bytes: Option<i64>,
    /// The `User-Agent` (default `bento-rust-<site_uuid>`).
    #[uniffi(default)]
    pub user_agent: Option<String>,
    /// Retries (default: 3 retries with exponential backoff; see `RetrySettings`).
    #[uniffi(default)]
    pub retry: Option<RetrySettings>,
}

/// When and how long the client waits before sending a request again. Non-idempotent requests
/// (tracking events, sending emails, creating broadcasts) are never re-sent after an ambiguous
/// failure, whatever these say.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct RetrySettings {
    /// Retries after the first attempt (0 disables retries).
    #[uniffi(default = 3)]
    pub max_retries: i32,
    /// The first backoff delay in seconds; it doubles with every retry.
    #[uniffi(default = 0.5)]
    pub base_delay_secs: f64,
    /// The cap on one backoff delay, in seconds.
    #[uniffi(default = 30.0)]
    pub max_delay_secs: f64,
    /// The longest `Retry-After` the client waits out, in seconds; a longer one is returned in
    /// `BentoError.RateLimited`.
    #[uniffi(default = 60.0)]
    pub max_retry_after_secs: f64,
    /// Whether to retry 502/503/504 for idempotent operations.
    #[uniffi(default = true)]
    pub retry_server_errors: bool,
    /// Whether to retry timeouts and broken connections for idempotent operations.
    #[uniffi(default = true)]
    pub retry_transport_errors: bool,
}

impl Default for RetrySettings {
    fn default() -> Self {
        bento::RetryPolicy::default().into()
    }
}

impl From<bento::RetryPolicy> for RetrySettings {
    fn from(p: bento::RetryPolicy) -> Self {
        RetrySettings {
            max_retries: i32::try_from(p.max_retries).unwrap_or(i32::MAX),
            base_delay_secs: p.base_delay.as_secs_f64(),
            max_delay_secs: p.max_delay.as_secs_f64(),
            max_retry_after_secs: p.max_retry_after.as_secs_f64(),
            retry_server_errors: p.retry_server_errors,
            retry_transport_errors: p.retry_transport_errors,
        }
    }
}

/// Seconds (finite, not negative) as a `Duration`.
pub(crate) fn seconds(field: &str, secs: f64) -> Result<Duration, BentoError> {
    Duration::try_from_secs_f64(secs)
        .map_err(|_| BentoError::invalid(field, "must be a finite, non-negative number of seconds"))
}

impl RetrySettings {
    pub(crate) fn to_core(&self) -> Result<bento::RetryPolicy, BentoError> {
        Ok(bento::RetryPolicy {
            max_retries: u32::try_from(self.max_retries)
                .map_err(|_| BentoError::invalid("retry.max_retries", "must not be negative"))?,
            base_delay: seconds("retry.base_delay_secs", self.base_delay_secs)?,
            max_delay: seconds("retry.max_delay_secs", self.max_delay_secs)?,
            max_retry_after: seconds("retry.max_retry_after_secs", self.max_retry_after_secs)?,
            retry_server_errors: self.retry_server_errors,
            retry_transport_errors: self.retry_transport_errors,
        })
    }
}

impl BentoConfig {
    /// Validates and converts to the core's configuration.
    pub(crate) fn to_core(&self) -> Result<bento::Config, BentoError> {
        let mut b = bento::ConfigBuilder::new()
            .publishable_key(self.publishable_key.as_str())
            .secret_key(self.secret_key.as_str())
            .site_uuid(self.site_uuid.as_str());
        if let Some(url) = &self.base_url {
            b = b.base_url(url.as_str());
        }
        if let Some(t) = self.timeout_secs {
            b = b.timeout(seconds("timeout_secs", t)?);
        }
        if let Some(t) = self.connect_timeout_secs {
            b = b.connect_timeout(seconds("connect_timeout_secs", t)?);
        }
        if let Some(t) = self.deadline_secs {
            b = match t {
                f64::INFINITY => b.no_deadline(),
                t => b.deadline(seconds("deadline_secs", t)?),
            };
        }
        if let Some(n) = self.max_response_bytes {
            let n = usize::try_from(n)
                .map_err(|_| BentoError::invalid("max_response_bytes", "must not be negative"))?;
            b = b.max_response_bytes(n);
        }
        if let Some(ua) = &self.user_agent {
            b = b.user_agent(ua.as_str());
        }
        if let Some(r) = &self.retry {
            b = b.retry_policy(r.to_core()?);
        }
        Ok(b.build()?)
    }
}

impl fmt::Debug for BentoConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BentoConfig")
            .field("publishable_key", &self.publishable_key)
            .field("secret_key", &"<redacted>")
            .field("site_uuid", &self.site_uuid)
            .field("base_url", &self.base_url)
            .field("timeout_secs", &self.timeout_secs)
            .field("connect_timeout_secs", &self.connect_timeout_secs)
            .field("deadline_secs", &self.deadline_secs)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("user_agent", &self.user_agent)
            .field("retry", &self.retry)
            .finish()
    }
}

impl fmt::Display for BentoConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}
