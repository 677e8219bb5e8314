//! Shared emulator state: the database, the fault rules, the request log and rate counters.

use crate::config::EmulatorConfig;
use crate::faults::FaultStore;
use crate::fixture::Fixture;
use crate::state::Db;
use crate::util::now_ms;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// One request as the emulator received it (`GET /__emulator/requests`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// Sequence number (1-based, increasing).
    pub id: u64,
    /// The `x-request-id` the answer carried (also when no answer was sent): `req_…`.
    #[serde(default)]
    pub request_id: String,
    /// HTTP method.
    pub method: String,
    /// Full path, including `/api/v1`.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// Headers, lower-cased names; repeated headers are joined with `, `.
    pub headers: BTreeMap<String, String>,
    /// Body as (lossy UTF-8) text: at most the first `max_logged_body_bytes` bytes of it.
    pub body: String,
    /// Length of the body as received, in bytes (before any truncation).
    #[serde(default)]
    pub body_len: u64,
    /// `body` holds only the first `max_logged_body_bytes` bytes (or none, for a body refused
    /// with 413).
    #[serde(default)]
    pub body_truncated: bool,
    /// Status sent, or `None` when no response was sent (dropped connection, in flight).
    pub status: Option<u16>,
    /// Fault kinds applied to this request.
    pub faults: Vec<String>,
    /// Receive time (ISO-8601).
    pub received_at: String,
}

/// The body text to record: the first `max` bytes as lossy UTF-8, and whether that is all of it.
pub fn logged_body(bytes: &[u8], max: usize) -> (String, bool) {
    let truncated = bytes.len() > max;
    let kept = &bytes[..bytes.len().min(max)];
    (String::from_utf8_lossy(kept).into_owned(), truncated)
}

/// What an entry costs against `max_log_bytes`: its JSON size in `GET /__emulator/requests`
/// (so the cap bounds that answer too) plus a fixed allowance for its allocations.
fn cost(r: &RecordedRequest) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut c = Count(256);
    let _ = serde_json::to_writer(&mut c, r);
    c.0
}

/// The request log: oldest entries are dropped beyond `max_entries` entries or `max_bytes`
/// bytes (see [`cost`]), so a long-running emulator stays bounded. The newest entry is always
/// kept, whatever its size.
#[derive(Debug)]
pub struct RequestLog {
    entries: VecDeque<(RecordedRequest, usize)>,
    bytes: usize,
    next_id: u64,
    max_entries: usize,
    max_bytes: usize,
}

impl RequestLog {
    /// An empty log with these caps.
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        RequestLog {
            entries: VecDeque::new(),
            bytes: 0,
            next_id: 0,
            max_entries: max_entries.max(1),
            max_bytes,
        }
    }
    /// Appends an entry and returns its id.
    pub fn push(&mut self, mut r: RecordedRequest) -> u64 {
        self.next_id += 1;
        r.id = self.next_id;
        let c = cost(&r);
        self.bytes += c;
        self.entries.push_back((r, c));
        self.evict();
        self.next_id
    }
    fn evict(&mut self) {
        while self.entries.len() > 1
            && (self.entries.len() > self.max_entries || self.bytes > self.max_bytes)
        {
            if let Some((_, c)) = self.entries.pop_front() {
                self.bytes -= c;
            }
        }
    }
    /// Records the outcome of an entry.
    pub fn finish(&mut self, id: u64, status: Option<u16>, faults: Vec<String>) {
        // Entries are appended in id order, so a binary search finds them.
        if let Ok(i) = self.entries.binary_search_by_key(&id, |(e, _)| e.id) {
            let (e, c) = &mut self.entries[i];
            e.status = status;
            e.faults = faults;
            let new = cost(e);
            self.bytes = self.bytes - *c + new;
            *c = new;
            self.evict();
        }
    }
    /// Everything recorded.
    pub fn all(&self) -> Vec<RecordedRequest> {
        self.entries.iter().map(|(e, _)| e.clone()).collect()
    }
    /// What the entries count against `max_log_bytes` (about their JSON size).
    pub fn bytes(&self) -> usize {
        self.bytes
    }
    /// Forget everything.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
    }
}

/// Fixed-window counters per (publishable key, bucket).
#[derive(Debug, Default)]
pub struct RateState {
    windows: HashMap<(String, &'static str), (Instant, u32)>,
}

impl RateState {
    /// Counts a request; `Err(seconds)` = over the limit, retry after that many seconds.
    pub fn hit(
        &mut self,
        key: &str,
        bucket: &'static str,
        limit: u32,
        window_secs: u64,
    ) -> Result<(), u64> {
        let now = Instant::now();
        let entry = self
            .windows
            .entry((key.to_string(), bucket))
            .or_insert((now, 0));
        let elapsed = now.duration_since(entry.0).as_secs();
        if elapsed >= window_secs {
            *entry = (now, 0);
        }
        if entry.1 >= limit {
            let left = window_secs
                .saturating_sub(now.duration_since(entry.0).as_secs())
                .max(1);
            return Err(left);
        }
        entry.1 += 1;
        Ok(())
    }
    /// Forget all windows.
    pub fn clear(&mut self) {
        self.windows.clear();
    }
}

/// Everything a request handler can reach.
#[derive(Debug)]
pub struct App {
    /// Start-time configuration (keys, authors, limits…).
    pub config: EmulatorConfig,
    /// The fixture the database is (re)seeded from.
    pub fixture: Fixture,
    /// Print one line per request to stderr (`config.log_requests` or `BENTO_EMULATOR_LOG`).
    pub log_requests: bool,
    db: Mutex<Db>,
    faults: Mutex<FaultStore>,
    log: Mutex<RequestLog>,
    rate: Mutex<RateState>,
}

/// Handle shared by the server tasks and the Rust API.
pub type Shared = Arc<App>;

/// Lock, recovering from poisoning: a panicking request must not wedge the emulator.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl App {
    /// Builds the state from a configuration.
    pub fn new(config: EmulatorConfig) -> Shared {
        let fixture = config.fixture.clone().unwrap_or_else(Fixture::builtin);
        let mut faults = FaultStore::default();
        for r in &config.faults {
            faults.add(r.clone());
        }
        // Set and not "", "0" or "false": lets a user turn the log on without recompiling tests.
        let env_log = std::env::var("BENTO_EMULATOR_LOG")
            .is_ok_and(|v| !matches!(v.trim().to_ascii_lowercase().as_str(), "" | "0" | "false"));
        Arc::new(App {
            db: Mutex::new(Db::new(fixture.clone(), now_ms())),
            fixture,
            log_requests: config.log_requests || env_log,
            faults: Mutex::new(faults),
            log: Mutex::new(RequestLog::new(
                config.max_log_entries,
                config.max_log_bytes,
            )),
            rate: Mutex::new(RateState::default()),
            config,
        })
    }
    /// The database.
    pub fn db(&self) -> MutexGuard<'_, Db> {
        lock(&self.db)
    }
    /// The fault rules.
    pub fn faults(&self) -> MutexGuard<'_, FaultStore> {
        lock(&self.faults)
    }
    /// The request log.
    pub fn log(&self) -> MutexGuard<'_, RequestLog> {
        lock(&self.log)
    }
    /// The rate-limit counters.
    pub fn rate(&self) -> MutexGuard<'_, RateState> {
        lock(&self.rate)
    }
    /// Back to the start: fresh database from the fixture, no faults beyond the configured
    /// ones, empty request log, fresh rate windows.
    pub fn reset(&self) {
        *self.db() = Db::new(self.fixture.clone(), now_ms());
        {
            let mut f = self.faults();
            f.clear();
            for r in &self.config.faults {
                f.add(r.clone());
            }
        }
        self.log().clear();
        self.rate().clear();
    }
    /// `visible_at` for a subscriber created by an import right now.
    pub fn import_visible_at(&self, now: i64) -> i64 {
        now.saturating_add(i64::try_from(self.config.import_delay.as_millis()).unwrap_or(i64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(body: &[u8], max_body: usize) -> RecordedRequest {
        let (body_text, body_truncated) = logged_body(body, max_body);
        RecordedRequest {
            id: 0,
            request_id: String::new(),
            method: "POST".into(),
            path: "/api/v1/batch/events".into(),
            query: None,
            headers: BTreeMap::new(),
            body: body_text,
            body_len: body.len() as u64,
            body_truncated,
            status: None,
            faults: Vec::new(),
            received_at: String::new(),
        }
    }

    #[test]
    fn the_log_is_capped_by_bytes_and_by_count_and_bodies_are_truncated() {
        let mut log = RequestLog::new(1000, 300_000);
        let big = vec![b'x'; 15_000_000];
        for _ in 0..12 {
            log.push(entry(&big, 64 * 1024));
        }
        let all = log.all();
        // 64 KiB + overhead each: four fit under 300,000 bytes, the newest four are kept.
        assert_eq!(all.len(), 4);
        assert_eq!(
            all.iter().map(|e| e.id).collect::<Vec<_>>(),
            [9, 10, 11, 12]
        );
        assert!(log.bytes() <= 300_000);
        assert!(
            all.iter()
                .all(|e| e.body.len() == 64 * 1024 && e.body_truncated)
        );
        assert!(all.iter().all(|e| e.body_len == 15_000_000));
        let json = serde_json::to_vec(&all).unwrap();
        assert!(
            json.len() <= log.bytes(),
            "{} > {}",
            json.len(),
            log.bytes()
        );
        let mut log = RequestLog::new(3, usize::MAX);
        for _ in 0..5 {
            log.push(entry(b"{}", 10));
        }
        assert_eq!(
            log.all().iter().map(|e| e.id).collect::<Vec<_>>(),
            [3, 4, 5]
        );
        assert!(!log.all()[0].body_truncated);
        // One entry over the byte cap on its own is still kept (the newest always is).
        let mut log = RequestLog::new(10, 10);
        log.push(entry(b"{}", 10));
        log.push(entry(b"{}", 10));
        assert_eq!(log.all().len(), 1);
        log.finish(2, Some(200), vec!["status".into()]);
        assert_eq!(log.all()[0].status, Some(200));
    }
}
