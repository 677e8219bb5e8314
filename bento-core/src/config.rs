//! Client configuration: keys, site, base URL, timeouts, retries.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use crate::error::Error;
use crate::retry::RetryPolicy;

/// The production API, including the `/api/v1` prefix.
pub const DEFAULT_BASE_URL: &str = "https://app.bentonow.com/api/v1";
/// The default overall timeout of one request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default overall deadline of one call: every attempt and every wait between them.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(120);
/// The default cap on a response body (the API's largest answers are list pages).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// A validated configuration. Build it with [`ConfigBuilder`] or [`Config::from_env`].
///
/// `Debug` never shows the secret key.
#[derive(Clone)]
pub struct Config {
    pub(crate) publishable_key: String,
    /// Kept only to scrub it from error texts (see `Error::without_secrets`).
    pub(crate) secret_key: String,
    pub(crate) site_uuid: String,
    pub(crate) base_url: String,
    pub(crate) user_agent: String,
    pub(crate) authorization: String,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) deadline: Option<Duration>,
    pub(crate) max_response_bytes: usize,
    pub(crate) retry: RetryPolicy,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("publishable_key", &self.publishable_key)
            .field("secret_key", &"<redacted>")
            .field("site_uuid", &self.site_uuid)
            .field("base_url", &self.base_url)
            .field("user_agent", &self.user_agent)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("deadline", &self.deadline)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("retry", &self.retry)
            .finish()
    }
}

impl Config {
    /// Reads `BENTO_PUBLISHABLE_KEY`, `BENTO_SECRET_KEY`, `BENTO_SITE_UUID` and the optional
    /// `BENTO_BASE_URL` from the environment.
    #[allow(clippy::disallowed_methods)] // the one place the crate reads the environment
    pub fn from_env() -> Result<Config, Error> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let required = |name: &str| {
            var(name).ok_or_else(|| Error::invalid(name, "environment variable is not set"))
        };
        let mut builder = ConfigBuilder::new()
            .publishable_key(required("BENTO_PUBLISHABLE_KEY")?)
            .secret_key(required("BENTO_SECRET_KEY")?)
            .site_uuid(required("BENTO_SITE_UUID")?);
        if let Some(url) = var("BENTO_BASE_URL") {
            builder = builder.base_url(url);
        }
        builder.build()
    }

    /// The texts that must never appear in an error: the secret key and the Authorization
    /// header value with its base64 part, each also percent-encoded (a page echoing a form
    /// or query shows `Basic%20cGs6…%3D`), and the base64 without its `=` padding.
    pub(crate) fn secrets(&self) -> Vec<String> {
        let encoded = self.authorization.strip_prefix("Basic ").unwrap_or("");
        let mut all = Vec::with_capacity(8);
        for secret in [
            self.secret_key.as_str(),
            self.authorization.as_str(),
            encoded,
        ] {
            if secret.is_empty() {
                continue;
            }
            let escaped =
                percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
                    .to_string();
            all.push(secret.to_owned());
            if escaped != secret {
                all.push(escaped);
            }
        }
        let unpadded = encoded.trim_end_matches('=');
        if unpadded.len() >= 8 && unpadded != encoded {
            all.push(unpadded.to_owned());
        }
        // Longest first: the Authorization value before the base64 inside it.
        // (Unstable: the order of equal lengths does not matter, and a stable sort links
        // a second sort implementation, ~3 KB in the component.)
        all.sort_unstable_by_key(|s| std::cmp::Reverse(s.len()));
        all
    }

    /// Removes this configuration's secrets (the secret key, the Authorization header) from an
    /// error's texts, in case a server echoed them. [`crate::Exchange`] does this for every
    /// error it returns; a transport that decodes responses itself uses this.
    pub fn scrub(&self, error: Error) -> Error {
        let secrets = self.secrets();
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        error.without_secrets(&secrets)
    }

    /// A text from the server (a header value) with email addresses and the secrets removed,
    /// capped: what the traces may show.
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    pub(crate) fn scrub_text(&self, text: &str) -> String {
        let secrets = self.secrets();
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        crate::error::scrub_text(text, &secrets)
    }

    /// The publishable key (the Basic auth user name).
    pub fn publishable_key(&self) -> &str {
        &self.publishable_key
    }
    /// The site UUID sent with every request.
    pub fn site_uuid(&self) -> &str {
        &self.site_uuid
    }
    /// The base URL, including `/api/v1`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
    /// The `User-Agent` sent with every request.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }
    /// The overall timeout of one attempt.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
    /// The connect timeout.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }
    /// The overall deadline of one call (every attempt and every wait), if any.
    pub fn deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// The same configuration with another overall deadline per call (`None`: no limit
    /// beyond the per-attempt timeout and the retry policy). Zero is refused.
    pub fn with_deadline(mut self, deadline: Option<Duration>) -> Result<Config, Error> {
        if deadline.is_some_and(|d| d.is_zero()) {
            return Err(Error::invalid("deadline", "must be greater than zero"));
        }
        self.deadline = deadline;
        Ok(self)
    }
    /// The cap on a response body; transports fail larger ones.
    pub fn max_response_bytes(&self) -> usize {
        self.max_response_bytes
    }
    /// The retry policy the transports follow.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The same configuration with another retry policy.
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Config {
        self.retry = retry;
        self
    }
}

/// Builds a [`Config`]. Every argument takes `impl Into<String>`.
///
/// ```
/// use bento_core::ConfigBuilder;
/// use std::time::Duration;
///
/// let config = ConfigBuilder::new()
///     .publishable_key("pk_live_123")
///     .secret_key("sk_live_456")
///     .site_uuid("site-789")
///     .timeout(Duration::from_secs(10))
///     .build()?;
/// assert!(!format!("{config:?}").contains("sk_live_456"));
/// # Ok::<(), bento_core::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct ConfigBuilder {
    publishable_key: Option<String>,
    secret_key: Option<String>,
    site_uuid: Option<String>,
    base_url: Option<String>,
    user_agent: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    deadline: Option<Option<Duration>>,
    max_response_bytes: Option<usize>,
    retry: Option<RetryPolicy>,
}

impl fmt::Debug for ConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigBuilder")
            .field("publishable_key", &self.publishable_key)
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "<redacted>"),
            )
            .field("site_uuid", &self.site_uuid)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl ConfigBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }
    /// The publishable key (required).
    pub fn publishable_key(mut self, key: impl Into<String>) -> Self {
        self.publishable_key = Some(key.into());
        self
    }
    /// The secret key (required). Never shown by `Debug` or in errors.
    pub fn secret_key(mut self, key: impl Into<String>) -> Self {
        self.secret_key = Some(key.into());
        self
    }
    /// The site UUID (required).
    pub fn site_uuid(mut self, uuid: impl Into<String>) -> Self {
        self.site_uuid = Some(uuid.into());
        self
    }
    /// The base URL including `/api/v1` (default [`DEFAULT_BASE_URL`]). `http://` is only
    /// accepted for loopback hosts, so credentials never travel in plain text.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }
    /// Overrides the `User-Agent` (default `bento-rust-<site_uuid>`).
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = Some(ua.into());
        self
    }
    /// The overall timeout of one attempt (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
    /// The connect timeout (default 10 s, never more than the overall timeout).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }
    /// The overall deadline of one call, covering every attempt and every wait between
    /// retries (default [`DEFAULT_DEADLINE`], 120 s). A `Retry-After` that would end past it
    /// returns the rate-limit error at once.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(Some(deadline));
        self
    }
    /// No overall deadline: a call may take up to the retries' timeouts and waits.
    pub fn no_deadline(mut self) -> Self {
        self.deadline = Some(None);
        self
    }
    /// The cap on a response body (default 16 MiB).
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = Some(bytes);
        self
    }
    /// The retry policy (default [`RetryPolicy::default`]; [`RetryPolicy::disabled`] turns
    /// retries off).
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Validates and builds the configuration.
    pub fn build(self) -> Result<Config, Error> {
        let publishable_key = header_safe("publishable_key", self.publishable_key)?;
        let secret_key = header_safe("secret_key", self.secret_key)?;
        let site_uuid = header_safe("site_uuid", self.site_uuid)?;
        let base_url = validate_base_url(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))?;
        let user_agent = match self.user_agent {
            Some(ua) => header_safe("user_agent", Some(ua))?,
            None => format!("bento-rust-{site_uuid}"),
        };
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        if timeout.is_zero() {
            return Err(Error::invalid("timeout", "must be greater than zero"));
        }
        let connect_timeout = self
            .connect_timeout
            .unwrap_or(DEFAULT_CONNECT_TIMEOUT)
            .min(timeout);
        if connect_timeout.is_zero() {
            return Err(Error::invalid(
                "connect_timeout",
                "must be greater than zero",
            ));
        }
        let deadline = self.deadline.unwrap_or(Some(DEFAULT_DEADLINE));
        if deadline.is_some_and(|d| d.is_zero()) {
            return Err(Error::invalid("deadline", "must be greater than zero"));
        }
        let max_response_bytes = self
            .max_response_bytes
            .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES);
        if max_response_bytes == 0 {
            return Err(Error::invalid(
                "max_response_bytes",
                "must be greater than zero",
            ));
        }
        let retry = self.retry.unwrap_or_default();
        retry.validate()?;
        use base64::Engine as _;
        let authorization = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD
                .encode(format!("{publishable_key}:{secret_key}"))
        );
        Ok(Config {
            publishable_key,
            secret_key,
            site_uuid,
            base_url,
            user_agent,
            authorization,
            timeout,
            connect_timeout,
            deadline,
            max_response_bytes,
            retry,
        })
    }
}

/// Required, non-blank, and safe to put in a header (visible ASCII, no `:` issues for keys is
/// the API's business, but control characters would make an invalid request).
fn header_safe(field: &str, value: Option<String>) -> Result<String, Error> {
    let value = value.ok_or_else(|| Error::invalid(field, "is required"))?;
    let value = value.trim().to_owned();
    if value.is_empty() {
        return Err(Error::invalid(field, "must not be blank"));
    }
    if !value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(Error::invalid(
            field,
            "must be printable ASCII (it is sent in an HTTP header)",
        ));
    }
    Ok(value)
}

fn validate_base_url(url: &str) -> Result<String, Error> {
    const FIELD: &str = "base_url";
    let url = url.trim().trim_end_matches('/');
    let uri: http::Uri = url
        .parse()
        .map_err(|_| Error::invalid(FIELD, "is not a valid absolute URL"))?;
    let authority = uri
        .authority()
        .ok_or_else(|| Error::invalid(FIELD, "must be an absolute URL with a host"))?;
    if authority.as_str().contains('@') {
        return Err(Error::invalid(
            FIELD,
            "must not contain credentials; set the keys on the builder",
        ));
    }
    if uri.query().is_some() {
        return Err(Error::invalid(FIELD, "must not have a query string"));
    }
    // `http::Uri` keeps a `#fragment` in the path; with one, every request path would land
    // inside the fragment and every call would go to the base path.
    if url.contains('#') {
        return Err(Error::invalid(FIELD, "must not have a #fragment"));
    }
    match uri.scheme_str() {
        Some("https") => {}
        Some("http") if is_loopback(authority.host()) => {}
        Some("http") => {
            return Err(Error::invalid(
                FIELD,
                "http:// is only allowed for loopback hosts (localhost, 127.0.0.1, ::1); use https:// so the keys are not sent in plain text",
            ));
        }
        _ => return Err(Error::invalid(FIELD, "must start with https://")),
    }
    Ok(url.to_owned())
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whole milliseconds of `d` for messages, as a `u64`: formatting `Duration::as_millis`'s
/// `u128` links a formatter of its own (1.3 KB of the WASI component).
pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builder() -> ConfigBuilder {
        ConfigBuilder::new()
            .publishable_key("pk")
            .secret_key("sk_very_secret")
            .site_uuid("site")
    }

    #[test]
    fn defaults_follow_the_contract() {
        let c = builder().build().unwrap();
        assert_eq!(c.base_url(), "https://app.bentonow.com/api/v1");
        assert_eq!(c.user_agent(), "bento-rust-site");
        assert_eq!(c.timeout(), Duration::from_secs(30));
        assert_eq!(c.authorization, "Basic cGs6c2tfdmVyeV9zZWNyZXQ=");
    }

    #[test]
    fn debug_never_shows_the_secret_key() {
        let b = builder();
        assert!(!format!("{b:?}").contains("sk_very_secret"));
        let c = b.build().unwrap();
        let shown = format!("{c:?} {c:#?}");
        assert!(!shown.contains("sk_very_secret"), "{shown}");
        assert!(!shown.contains("c2tfdmVyeV9zZWNyZXQ"), "{shown}");
    }

    #[test]
    fn plain_http_is_refused_unless_loopback() {
        for ok in [
            "http://127.0.0.1:8080/api/v1",
            "http://localhost:1/api/v1/",
            "http://[::1]:9/api/v1",
            "https://bento.example/api/v1",
        ] {
            assert!(builder().base_url(ok).build().is_ok(), "{ok}");
        }
        let err = builder()
            .base_url("http://app.bentonow.com/api/v1")
            .build()
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput { field, reason } if field == "base_url" && reason.contains("loopback")),
            "{err}"
        );
        for bad in [
            "ftp://x/api",
            "not a url",
            "https://pk:sk@app.bentonow.com/api/v1",
            "/api/v1",
            "https://app.bentonow.com/api/v1#frag",
            "http://127.0.0.1:1/api/v1#",
        ] {
            assert!(
                matches!(
                    builder().base_url(bad).build(),
                    Err(Error::InvalidInput { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn missing_or_blank_keys_are_named() {
        let err = ConfigBuilder::new()
            .secret_key("s")
            .site_uuid("u")
            .build()
            .unwrap_err();
        assert_eq!(err, Error::invalid("publishable_key", "is required"));
        let err = builder().secret_key("  ").build().unwrap_err();
        assert_eq!(err, Error::invalid("secret_key", "must not be blank"));
        let err = builder().site_uuid("a\nb").build().unwrap_err();
        assert!(matches!(err, Error::InvalidInput { field, .. } if field == "site_uuid"));
    }
}
