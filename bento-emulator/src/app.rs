//! Shared emulator state: the database, the fault rules, the request log and rate counters.

use crate::config::EmulatorConfig;
use crate::faults::FaultStore;
use crate::fixture::Fixture;
use crate::state::Db;
use crate::util::now_ms;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// One request as the emulator received it (`GET /__emulator/requests`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// Sequence number (1-based, increasing).
    pub id: u64,
    /// HTTP method.
    pub method: String,
    /// Full path, including `/api/v1`.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// Headers, lower-cased names; repeated headers are joined with `, `.
    pub headers: BTreeMap<String, String>,
    /// Body as (lossy UTF-8) text.
    pub body: String,
    /// Status sent, or `None` when no response was sent (dropped connection, in flight).
    pub status: Option<u16>,
    /// Fault kinds applied to this request.
    pub faults: Vec<String>,
    /// Receive time (ISO-8601).
    pub received_at: String,
}

/// Oldest entries are dropped beyond this many, so a long-running emulator stays bounded.
const MAX_LOG: usize = 20_000;

/// The request log.
#[derive(Debug, Default)]
pub struct RequestLog {
    entries: Vec<RecordedRequest>,
    next_id: u64,
}

impl RequestLog {
    /// Appends an entry and returns its id.
    pub fn push(&mut self, mut r: RecordedRequest) -> u64 {
        self.next_id += 1;
        r.id = self.next_id;
        if self.entries.len() >= MAX_LOG {
            self.entries.drain(..MAX_LOG / 10);
        }
        self.entries.push(r);
        self.next_id
    }
    /// Records the outcome of an entry.
    pub fn finish(&mut self, id: u64, status: Option<u16>, faults: Vec<String>) {
        // Entries are appended in id order, so a binary search finds them.
        if let Ok(i) = self.entries.binary_search_by_key(&id, |e| e.id) {
            self.entries[i].status = status;
            self.entries[i].faults = faults;
        }
    }
    /// Everything recorded.
    pub fn all(&self) -> Vec<RecordedRequest> {
        self.entries.clone()
    }
    /// Forget everything.
    pub fn clear(&mut self) {
        self.entries.clear();
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
        Arc::new(App {
            db: Mutex::new(Db::new(fixture.clone(), now_ms())),
            fixture,
            config,
            faults: Mutex::new(faults),
            log: Mutex::new(RequestLog::default()),
            rate: Mutex::new(RateState::default()),
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
