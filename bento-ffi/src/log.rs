//! Logs for the foreign languages: the SDK's `tracing` records (target `bento`: the
//! `bento.operation` span, the `bento.attempt` and `bento.chunk` events, see `bento-core`'s
//! `trace` module) handed to a [`LogListener`] that the foreign code implements.
//!
//! A [`Layer`] over a [`Registry`] (the registry keeps the span's fields for the events inside
//! it), made the process's global `tracing` default the first time a listener is set. The
//! listener and the level can be swapped at any time after that. The level lives in an atomic
//! and the callsites' cached interest is rebuilt whenever it changes, so with no listener (or no
//! level) a `bento` event is never built: what it costs is the callsite's interest check.
//!
//! Only target `bento` is forwarded. The SDK redacts what it puts there (no key, no
//! `Authorization` header, no email address, no body); dependencies' records (hyper, rustls)
//! are not scrubbed by anyone, so they are never enabled.

use std::cell::Cell;
use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::{LookupSpan, Registry};

/// How much to log, most severe first.
///
/// A listener set at one level gets the records at that level and every more severe one
/// (`DEBUG`: every attempt; `WARN`: retries only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum LogLevel {
    /// Nothing of bento's yet; here for the listener's sake.
    Error,
    /// A retry (`bento.attempt: retrying`, with `retry_in_ms`).
    Warn,
    /// Nothing of bento's yet.
    Info,
    /// Every attempt (`bento.attempt: done`) and every chunk of a chunked run (`bento.chunk`).
    Debug,
    /// Nothing of bento's yet.
    Trace,
}

/// One log record.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LogRecord {
    /// How severe it is.
    pub level: LogLevel,
    /// Where it comes from: `bento`.
    pub target: String,
    /// What it is: `bento.attempt` or `bento.chunk`.
    pub name: String,
    /// One line for people: the event's message, then `key=value` for each of its fields and
    /// of the operation it happened in (`operation`, `method`, `path`, `records`: an attempt's;
    /// a chunk's record comes after its operation and has none), e.g.
    /// `bento.attempt: retrying attempt=1 status=429 latency_ms=1.2 retry_after=0
    /// retry_in_ms=0 operation=TrackEvents method=POST path=/api/v1/batch/events`.
    pub message: String,
    /// The same fields, for programs: the event's own (`attempt`, `status` or `transport`,
    /// `latency_ms`, `request_id`, `retry_after`, `retry_in_ms` or `done`; a chunk's `index`,
    /// `records`, `outcome`, `accepted`, `failed`) and its operation's. A field that has no
    /// value (no `Retry-After` header) is absent. Never the message.
    pub fields: HashMap<String, String>,
}

/// Receives bento's log records.
///
/// Kotlin/Swift: implement it (forward to SLF4J, `java.util.logging`, Android `Log`,
/// `os.Logger`, ...) and pass it to [`set_log_listener`]. Python: the package forwards to the
/// standard `logging` module (logger `bento`) by itself.
///
/// `log` is called synchronously on the thread that makes the bento call (the call waits for
/// it), so it should be quick. What it does cannot break the call: a panic (or a foreign
/// exception) in it is caught and the record dropped. It may set the listener or the level. A
/// bento call it makes itself runs, but that call's records are dropped rather than logged (no
/// endless recursion); it must not wait for another thread's bento call while holding a lock
/// that its own `log` takes on that thread (that would deadlock in any logging code).
#[uniffi::export(with_foreign)]
pub trait LogListener: Send + Sync {
    /// One record.
    fn log(&self, record: LogRecord);
}

/// Sets (or, with `None`, removes) the listener that receives bento's log records at `level`
/// and above; `level` `None` is none at all. Replaces any earlier listener and level.
///
/// Returns `false` if the listener will get nothing because something else is already this
/// process's global `tracing` subscriber (only possible when a Rust program that installed one
/// links this crate); `true` otherwise.
#[uniffi::export]
pub fn set_log_listener(listener: Option<Arc<dyn LogListener>>, level: Option<LogLevel>) -> bool {
    let _one_at_a_time = SETTING.lock().unwrap_or_else(PoisonError::into_inner);
    let installed = listener.is_none() || install();
    if listener.is_some() {
        // The listener before the level: an event enabled by the new level finds it.
        *LISTENER.write().unwrap_or_else(PoisonError::into_inner) = listener;
        apply(rank_of(level));
    } else {
        apply(OFF);
        *LISTENER.write().unwrap_or_else(PoisonError::into_inner) = None;
    }
    installed
}

/// Changes the level of the current listener (`None`: no records), keeping the listener. With
/// no listener set it does nothing ([`set_log_listener`] takes a level of its own). Cheap when
/// the level does not change (Python calls it whenever the `bento` logger's level may have).
#[uniffi::export]
pub fn set_log_level(level: Option<LogLevel>) {
    let _one_at_a_time = SETTING.lock().unwrap_or_else(PoisonError::into_inner);
    let listening = LISTENER
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .is_some();
    if listening {
        apply(rank_of(level));
    }
}

/// The level in force as a rank: `OFF`, or 1 (`ERROR`) to 5 (`TRACE`). `OFF` whenever there is
/// no listener, so that the layer need not look at the listener to say no.
static LEVEL: AtomicU8 = AtomicU8::new(OFF);
static LISTENER: RwLock<Option<Arc<dyn LogListener>>> = RwLock::new(None);
/// Whether the layer is the global default (set once, on the first listener).
static INSTALLED: OnceLock<bool> = OnceLock::new();
/// Serializes the setters, so that the listener and the level always match.
static SETTING: Mutex<()> = Mutex::new(());

const OFF: u8 = 0;

thread_local! {
    /// Set while this thread is inside a listener: records of the listener's own bento calls
    /// are dropped there instead of calling the listener again.
    static IN_LISTENER: Cell<bool> = const { Cell::new(false) };
}

fn install() -> bool {
    *INSTALLED.get_or_init(|| {
        tracing::subscriber::set_global_default(Registry::default().with(Forward)).is_ok()
    })
}

/// Makes `rank` the level in force, and tells `tracing` to ask the layer again about every
/// callsite (their interest is cached as always/never) when it changed.
fn apply(rank: u8) {
    if LEVEL.swap(rank, Ordering::Relaxed) != rank {
        tracing::callsite::rebuild_interest_cache();
    }
}

fn rank_of(level: Option<LogLevel>) -> u8 {
    match level {
        None => OFF,
        Some(LogLevel::Error) => 1,
        Some(LogLevel::Warn) => 2,
        Some(LogLevel::Info) => 3,
        Some(LogLevel::Debug) => 4,
        Some(LogLevel::Trace) => 5,
    }
}

fn rank(level: &Level) -> u8 {
    if *level == Level::ERROR {
        1
    } else if *level == Level::WARN {
        2
    } else if *level == Level::INFO {
        3
    } else if *level == Level::DEBUG {
        4
    } else {
        5
    }
}

fn level_of(level: &Level) -> LogLevel {
    match rank(level) {
        1 => LogLevel::Error,
        2 => LogLevel::Warn,
        3 => LogLevel::Info,
        4 => LogLevel::Debug,
        _ => LogLevel::Trace,
    }
}

fn is_bento(target: &str) -> bool {
    target == "bento" || target.starts_with("bento::")
}

/// Whether the layer wants `meta` at level rank `level`. Spans whenever anything is on (a
/// retry's WARN record needs its operation's fields; the `bento.operation` span is DEBUG),
/// events at the level and above.
fn wants(meta: &Metadata<'_>, level: u8) -> bool {
    level != OFF && is_bento(meta.target()) && (meta.is_span() || rank(meta.level()) <= level)
}

/// The layer: forwards `bento` events, with their span's fields, to the listener.
struct Forward;

/// A span's fields, kept in the registry's extensions for the events inside it.
struct SpanFields(Vec<(&'static str, String)>);

impl<S> Layer<S> for Forward
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if wants(meta, LEVEL.load(Ordering::Relaxed)) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>, _: Context<'_, S>) -> bool {
        wants(meta, LEVEL.load(Ordering::Relaxed))
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        // `tracing` checks this global maximum before any callsite: it must let the DEBUG
        // span through whenever anything is on.
        Some(match LEVEL.load(Ordering::Relaxed) {
            OFF => LevelFilter::OFF,
            5 => LevelFilter::TRACE,
            _ => LevelFilter::DEBUG,
        })
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            let mut fields = Fields::default();
            attrs.record(&mut fields);
            span.extensions_mut().insert(SpanFields(fields.list));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            let mut extensions = span.extensions_mut();
            if let Some(SpanFields(list)) = extensions.get_mut::<SpanFields>() {
                let mut fields = Fields {
                    message: None,
                    list: std::mem::take(list),
                };
                values.record(&mut fields);
                *list = fields.list;
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if IN_LISTENER.with(Cell::get) {
            return;
        }
        // A clone, so that no lock is held while the listener runs (it may set the listener).
        let Some(listener) = LISTENER
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
        else {
            return;
        };
        // Neither a bug here nor a panicking listener may unwind into the SDK's call (or, from
        // there, into foreign code): the record is dropped instead.
        let _ = catch_unwind(AssertUnwindSafe(|| {
            let record = record_of(event, &ctx);
            let _inside = Inside::enter();
            listener.log(record);
        }));
    }
}

/// Marks this thread as inside the listener until dropped (also when the listener panics).
struct Inside;

impl Inside {
    fn enter() -> Inside {
        IN_LISTENER.with(|inside| inside.set(true));
        Inside
    }
}

impl Drop for Inside {
    fn drop(&mut self) {
        IN_LISTENER.with(|inside| inside.set(false));
    }
}

fn record_of<S>(event: &Event<'_>, ctx: &Context<'_, S>) -> LogRecord
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let meta = event.metadata();
    let mut fields = Fields::default();
    event.record(&mut fields);
    let mut list = fields.list;
    // The enclosing spans' fields, innermost first; an event's own field of the same name wins
    // (a chunk's `records`).
    if let Some(scope) = ctx.event_scope(event) {
        for span in scope {
            if let Some(SpanFields(span_fields)) = span.extensions().get::<SpanFields>() {
                for (key, value) in span_fields {
                    if !list.iter().any(|(k, _)| k == key) {
                        list.push((key, value.clone()));
                    }
                }
            }
        }
    }
    let text = fields.message.unwrap_or_default();
    // "bento.attempt: retrying" is event `bento.attempt`; tracing's own name for an event is
    // its file and line.
    let name = match text.split_once(':') {
        Some((name, _)) if name.starts_with("bento.") => name.to_owned(),
        _ if text.starts_with("bento.") => text.clone(),
        _ => meta.name().to_owned(),
    };
    let mut message = text;
    for (key, value) in &list {
        if !message.is_empty() {
            message.push(' ');
        }
        if value.is_empty() || value.contains(|c: char| c.is_whitespace() || c == '"' || c == '=') {
            let _ = write!(message, "{key}={value:?}");
        } else {
            let _ = write!(message, "{key}={value}");
        }
    }
    LogRecord {
        level: level_of(meta.level()),
        target: meta.target().to_owned(),
        name,
        message,
        fields: list.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
    }
}

/// Collects a span's or an event's fields as text, in the order they were declared.
#[derive(Default)]
struct Fields {
    message: Option<String>,
    list: Vec<(&'static str, String)>,
}

impl Fields {
    fn put(&mut self, field: &Field, value: String) {
        if field.name() == "message" {
            self.message = Some(value);
        } else if let Some((_, old)) = self.list.iter_mut().find(|(k, _)| *k == field.name()) {
            *old = value;
        } else {
            self.list.push((field.name(), value));
        }
    }
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        // The text itself, not its `Debug` (quoted and escaped): `fields` holds plain values.
        self.put(field, value.to_owned());
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        // `latency_ms`: a tenth of a millisecond is plenty, and reads better than 17 digits.
        self.put(field, format!("{value:.1}"));
    }
}

#[cfg(test)]
mod tests {
    //! Against the in-process emulator. The listener and the level are global and the other
    //! tests of this binary make bento calls on their own threads at the same time, so these
    //! tests take turns (`TURN`) and each listener keeps only the records of its own thread
    //! (the blocking client emits them on the calling thread).

    use std::sync::Mutex;
    use std::thread::{self, ThreadId};
    use std::time::Duration;

    use bento_emulator::{Emulator, EmulatorConfig, FaultAction, FaultRule};

    use super::*;
    use crate::{BentoClient, BentoConfig, Event, RetrySettings};

    static TURN: Mutex<()> = Mutex::new(());

    struct Keep {
        thread: ThreadId,
        records: Mutex<Vec<LogRecord>>,
    }

    impl Keep {
        fn new() -> Arc<Keep> {
            Arc::new(Keep {
                thread: thread::current().id(),
                records: Mutex::new(Vec::new()),
            })
        }

        fn take(&self) -> Vec<LogRecord> {
            std::mem::take(&mut *self.records.lock().unwrap())
        }
    }

    impl LogListener for Keep {
        fn log(&self, record: LogRecord) {
            if thread::current().id() == self.thread {
                self.records.lock().unwrap().push(record);
            }
        }
    }

    fn client(emu: &Emulator) -> Arc<BentoClient> {
        BentoClient::new(BentoConfig {
            publishable_key: emu.publishable_key().into(),
            secret_key: emu.secret_key().into(),
            site_uuid: emu.site_uuid().into(),
            base_url: Some(emu.base_url().into()),
            timeout_secs: Some(10.0),
            connect_timeout_secs: None,
            deadline_secs: None,
            max_response_bytes: None,
            user_agent: None,
            retry: Some(RetrySettings {
                base_delay_secs: 0.001,
                max_delay_secs: 0.01,
                ..RetrySettings::default()
            }),
        })
        .unwrap()
    }

    fn event(email: &str) -> Event {
        Event {
            event_type: "signed_up".into(),
            email: email.into(),
            fields_json: None,
            details_json: None,
            date: None,
            fields: None,
            details: None,
        }
    }

    /// A 429 with `Retry-After: 0` on the next event batch.
    fn one_429(emu: &Emulator) {
        emu.add_fault(
            FaultRule::new(FaultAction::Status {
                status: 429,
                body: None,
                retry_after: Some(0),
                content_type: None,
            })
            .exact_path("/api/v1/batch/events")
            .once(),
        );
    }

    fn names(records: &[LogRecord]) -> Vec<(LogLevel, &str)> {
        records.iter().map(|r| (r.level, r.name.as_str())).collect()
    }

    #[test]
    fn records_arrive_with_the_operations_fields_and_no_secret() {
        let _turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
        let emu = Emulator::start(EmulatorConfig::default()).unwrap();
        let client = client(&emu);
        let keep = Keep::new();
        assert!(set_log_listener(Some(keep.clone()), Some(LogLevel::Debug)));

        one_429(&emu);
        client.track(event("log.person@example.com")).unwrap();
        let records = keep.take();
        set_log_listener(None, None);

        assert_eq!(
            names(&records),
            [
                (LogLevel::Warn, "bento.attempt"),
                (LogLevel::Debug, "bento.attempt")
            ],
            "{records:#?}"
        );
        let (retry, done) = (&records[0], &records[1]);
        for record in &records {
            assert_eq!(record.target, "bento");
            assert_eq!(record.fields["operation"], "TrackEvents");
            assert_eq!(record.fields["method"], "POST");
            assert_eq!(record.fields["path"], "/api/v1/batch/events");
            assert!(record.fields["latency_ms"].parse::<f64>().is_ok());
            assert!(
                record
                    .message
                    .contains(" operation=TrackEvents method=POST"),
                "{}",
                record.message
            );
            assert!(!record.fields.contains_key("message"));
        }
        assert_eq!(retry.fields["attempt"], "1");
        assert_eq!(retry.fields["status"], "429");
        assert_eq!(retry.fields["retry_after"], "0");
        assert!(retry.fields.contains_key("retry_in_ms"));
        assert!(
            retry
                .message
                .starts_with("bento.attempt: retrying attempt=1 status=429 "),
            "{}",
            retry.message
        );
        assert_eq!(done.fields["attempt"], "2");
        assert_eq!(done.fields["done"], "ok");
        assert!(!done.fields.contains_key("retry_after"), "{done:?}");
        assert!(done.message.contains("done=ok"), "{}", done.message);

        let all = format!("{records:?}");
        for secret in [emu.secret_key(), "log.person", "example.com"] {
            assert!(!all.contains(secret), "{secret} in {all}");
        }
    }

    #[test]
    fn the_level_filters_and_no_listener_gets_nothing() {
        let _turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
        let emu = Emulator::start(EmulatorConfig::default()).unwrap();
        let client = client(&emu);
        let keep = Keep::new();

        // WARN: the retry, not the final attempt.
        set_log_listener(Some(keep.clone()), Some(LogLevel::Warn));
        one_429(&emu);
        client.track(event("a@example.com")).unwrap();
        let records = keep.take();
        assert_eq!(names(&records), [(LogLevel::Warn, "bento.attempt")]);
        // The DEBUG span is on for it: the retry says which operation it was.
        assert_eq!(records[0].fields["operation"], "TrackEvents");

        // The level changed on the same listener: every attempt now.
        set_log_level(Some(LogLevel::Debug));
        client.track(event("a@example.com")).unwrap();
        assert_eq!(names(&keep.take()), [(LogLevel::Debug, "bento.attempt")]);

        // ERROR: bento has nothing that severe.
        set_log_level(Some(LogLevel::Error));
        one_429(&emu);
        client.track(event("a@example.com")).unwrap();
        assert!(keep.take().is_empty());

        // No level: nothing, and nothing is enabled at all.
        set_log_level(None);
        one_429(&emu);
        client.track(event("a@example.com")).unwrap();
        assert!(keep.take().is_empty());
        assert!(!tracing::enabled!(target: "bento", Level::ERROR));

        // Removed: nothing, whatever level it was set with.
        set_log_listener(Some(keep.clone()), Some(LogLevel::Trace));
        assert!(tracing::enabled!(target: "bento", Level::TRACE));
        // Dependencies' records are never forwarded.
        assert!(!tracing::enabled!(target: "hyper", Level::ERROR));
        set_log_listener(None, Some(LogLevel::Trace));
        assert!(!tracing::enabled!(target: "bento", Level::ERROR));
        one_429(&emu);
        client.track(event("a@example.com")).unwrap();
        assert!(keep.take().is_empty());
        // A level set without a listener turns nothing on.
        set_log_level(Some(LogLevel::Debug));
        client.track(event("a@example.com")).unwrap();
        assert!(keep.take().is_empty());
        assert!(!tracing::enabled!(target: "bento", Level::ERROR));
    }

    #[test]
    fn chunked_runs_log_each_chunk_inside_its_operation() {
        let _turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
        let emu = Emulator::start(EmulatorConfig::default()).unwrap();
        let client = client(&emu);
        let keep = Keep::new();
        set_log_listener(Some(keep.clone()), Some(LogLevel::Debug));
        let events = (0..5)
            .map(|i| event(&format!("c{i}@example.com")))
            .collect();
        client.track_events_chunked(events, Some(2), None).unwrap();
        let records = keep.take();
        set_log_listener(None, None);

        let chunks: Vec<_> = records.iter().filter(|r| r.name == "bento.chunk").collect();
        assert_eq!(chunks.len(), 3, "{records:#?}");
        assert_eq!(chunks[2].fields["accepted"], "5");
        assert_eq!(chunks[2].fields["records"], "1");
        assert!(
            chunks[2]
                .message
                .starts_with("bento.chunk index=2 records=1 ")
        );
        let attempts = records.iter().filter(|r| r.name == "bento.attempt").count();
        assert_eq!(attempts, 3, "{records:#?}");
    }

    /// Panics on every record, and makes a bento call (and sets the level) from inside.
    struct Unruly {
        thread: ThreadId,
        client: Arc<BentoClient>,
        calls: Mutex<u32>,
    }

    impl LogListener for Unruly {
        fn log(&self, _: LogRecord) {
            if thread::current().id() != self.thread {
                return;
            }
            *self.calls.lock().unwrap() += 1;
            set_log_level(Some(LogLevel::Debug));
            self.client.get_tags().unwrap();
            panic!("a listener's bug");
        }
    }

    #[test]
    fn a_listener_that_panics_or_calls_bento_breaks_nothing() {
        let _turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
        let emu = Emulator::start(EmulatorConfig::default()).unwrap();
        let client = client(&emu);
        one_429(&emu);
        // On another thread, waited for with a deadline: a deadlock fails the test instead of
        // hanging it.
        let (done, result) = std::sync::mpsc::channel();
        thread::spawn(move || {
            let unruly = Arc::new(Unruly {
                thread: thread::current().id(),
                client: client.clone(),
                calls: Mutex::new(0),
            });
            set_log_listener(Some(unruly.clone()), Some(LogLevel::Debug));
            let outcome = client.track(event("u@example.com")).map(|r| r.results);
            set_log_listener(None, None);
            let calls = *unruly.calls.lock().unwrap();
            let _ = done.send((outcome, calls));
        });
        let (outcome, calls) = result
            .recv_timeout(Duration::from_secs(30))
            .expect("the call ends (no deadlock)");
        assert_eq!(outcome, Ok(1));
        // Both attempts of the call were logged; the listener's own get_tags calls were not.
        assert_eq!(calls, 2);
        assert_eq!(
            emu.requests().len(),
            4,
            "two attempts and two get_tags calls"
        );
    }
}
