//! Emulator configuration: a plain struct with public fields and sensible defaults.

use crate::faults::FaultRule;
use crate::fixture::Fixture;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

/// Default publishable key (HTTP Basic user name).
pub const DEFAULT_PUBLISHABLE_KEY: &str = "pk_emulator_publishable";
/// Default secret key (HTTP Basic password).
pub const DEFAULT_SECRET_KEY: &str = "sk_emulator_secret";
/// Default site uuid.
pub const DEFAULT_SITE_UUID: &str = "emulator-site-0000";

/// Which request-rate profile to enforce (§1.8). Off by default, like a local dev server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RateLimit {
    /// No limiting.
    #[default]
    Off,
    /// The stricter published numbers (SKILL guardrails): 60 req/min for `/fetch/*` + `/batch/*`
    /// together, 30 req/hour for `/stats/*`, counted per publishable key.
    Strict,
    /// Custom limits with the same buckets as `Strict`.
    Custom {
        /// Requests per minute shared by `/fetch/*` and `/batch/*`.
        fetch_batch_per_minute: u32,
        /// Requests per hour for `/stats/*`.
        stats_per_hour: u32,
    },
}

impl RateLimit {
    /// (fetch+batch per minute, stats per hour), or None when off.
    pub fn limits(self) -> Option<(u32, u32)> {
        match self {
            RateLimit::Off => None,
            RateLimit::Strict => Some((60, 30)),
            RateLimit::Custom {
                fetch_batch_per_minute,
                stats_per_hour,
            } => Some((fetch_batch_per_minute, stats_per_hour)),
        }
    }
}

/// Everything the emulator can be told at start. Build it with `..Default::default()`.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Interface to bind (default 127.0.0.1: never expose the emulator by accident).
    pub host: IpAddr,
    /// Port to bind; 0 picks a free one.
    pub port: u16,
    /// Accepted publishable key.
    pub publishable_key: String,
    /// Accepted secret key.
    pub secret_key: String,
    /// Accepted `site_uuid`.
    pub site_uuid: String,
    /// Answer 403 when the `User-Agent` header is missing or empty (Cloudflare behaviour, §1.4).
    pub strict_user_agent: bool,
    /// Rate-limit profile (§1.8).
    pub rate_limit: RateLimit,
    /// Seed data; `None` uses the built-in fixture (see [`Fixture::builtin`]).
    pub fixture: Option<Fixture>,
    /// Subscribers created by `/batch/subscribers` become visible to reads only after this delay
    /// (the live import queue takes seconds to minutes, §1.9). Zero = immediately.
    pub import_delay: Duration,
    /// Author emails allowed as `from` in `/batch/emails` and broadcasts.
    pub authors: Vec<String>,
    /// Domains the blacklist endpoint reports as listed.
    pub blacklisted_domains: Vec<String>,
    /// IPs the blacklist endpoint reports as listed.
    pub blacklisted_ips: Vec<String>,
    /// Largest accepted request body in bytes; larger bodies get 413.
    pub max_body_bytes: usize,
    /// Deepest accepted parameter nesting: segments of a bracketed query/form key (`a[b][c]` is
    /// 3) and levels of a JSON body (`{"a":{"b":1}}` is 2). Deeper input gets 400.
    pub max_param_depth: usize,
    /// Most `key=value` pairs accepted in a query string (else 414) or a form body (else 413).
    pub max_params: usize,
    /// Most values accepted in a JSON body (counted roughly as containers + commas + 1); more
    /// get 413. Bounds the memory a parsed body takes (a value is 32+ bytes, `1,` is 2).
    pub max_json_values: usize,
    /// The request log (`GET /__emulator/requests`, [`crate::Emulator::requests`]) keeps at most
    /// this many entries; the oldest are dropped first.
    pub max_log_entries: usize,
    /// …and at most about this many bytes (each entry counts its JSON size), so the log and the
    /// answer to `GET /__emulator/requests` stay bounded whatever clients send.
    pub max_log_bytes: usize,
    /// Each logged body keeps at most its first this-many bytes (`body_truncated` and
    /// `body_len` say when it was longer).
    pub max_logged_body_bytes: usize,
    /// A connection must send a complete request head within this long of opening, or of the
    /// first byte of a later request head arriving, else it is closed. `Duration::ZERO`
    /// disables it.
    pub header_read_timeout: Duration,
    /// A connection with no request in flight and no bytes read or written for this long is
    /// closed (idle keep-alive connections, silent sockets); a request body that stalls this
    /// long gets 408. `Duration::ZERO` disables it.
    pub idle_timeout: Duration,
    /// Print one line per request to stderr: request id, method, path, status (or that the
    /// connection was dropped), time taken, faults applied. Never the query or the body. The
    /// `BENTO_EMULATOR_LOG` environment variable (set, and not `0`/`false`) turns it on too.
    pub log_requests: bool,
    /// Fault rules active from the start.
    pub faults: Vec<FaultRule>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            publishable_key: DEFAULT_PUBLISHABLE_KEY.to_string(),
            secret_key: DEFAULT_SECRET_KEY.to_string(),
            site_uuid: DEFAULT_SITE_UUID.to_string(),
            strict_user_agent: true,
            rate_limit: RateLimit::Off,
            fixture: None,
            import_delay: Duration::ZERO,
            authors: vec![
                "sender@example.com".to_string(),
                "team@example.com".to_string(),
            ],
            blacklisted_domains: vec!["spammy.example".to_string(), "blacklisted.test".to_string()],
            blacklisted_ips: vec!["192.0.2.66".to_string(), "198.51.100.13".to_string()],
            max_body_bytes: 16 * 1024 * 1024,
            max_param_depth: 32,
            max_params: 10_000,
            max_json_values: 500_000,
            max_log_entries: 20_000,
            max_log_bytes: 16 * 1024 * 1024,
            max_logged_body_bytes: 64 * 1024,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            log_requests: false,
            faults: Vec::new(),
        }
    }
}
