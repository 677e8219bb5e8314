//! `BentoClient` and `AsyncBentoClient`: every operation of the Rust clients, as blocking
//! methods (`bento::blocking::Client`) and as async ones (`bento::Client` on the shared runtime
//! of [`crate::runtime`]), both generated from one list ([`client_methods!`]).
//!
//! Thread-safe: each object wraps one Rust client (an `Arc` around its connection pool), so one
//! client can be shared by any number of foreign threads. Every blocking method runs inside
//! [`guard`] and every async one in a runtime task, so even a bug cannot unwind into foreign
//! code.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

use crate::config::BentoConfig;
use crate::error::BentoError;
use crate::inputs::{
    AdsStatsQuery, BlacklistData, BroadcastData, BroadcastStatus, Command, EmailData, Event,
    ImportSubscriber, JessesRulesetCheck, SearchQuery, SequenceEmail, ValidationData, convert_all,
};
use crate::json::JsonValue;
use crate::outputs::{
    AdsStats, Author, BatchResult, BlacklistResult, Broadcast, BroadcastCreateResult,
    DeleteTagResult, EmailTemplate, Field, FormResponse, GenderResult, Location, ModerationResult,
    ReportStats, SearchResult, Segment, Sequence, SiteStats, Subscriber, Tag, ValidationResult,
    Workflow,
};
use crate::reports::{BroadcastReport, CommandReport, EmailReport, EventReport, ImportReport};
use crate::runtime::PerProcess;

/// Runs `f`, turning a panic into `BentoError::Internal` instead of unwinding across the FFI.
pub(crate) fn guard<T>(f: impl FnOnce() -> Result<T, BentoError>) -> Result<T, BentoError> {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|payload| Err(BentoError::from_panic(&*payload)))
}

/// Told how far a chunked helper's run is, after every chunk.
///
/// Implement it in the foreign language (Python: any callable passed as `on_progress`, wrapped
/// by the package; Kotlin/Swift: an object of this interface). It is called on the thread that
/// runs the call and should return quickly (the next chunk waits for it).
#[uniffi::export(with_foreign)]
pub trait ProgressListener: Send + Sync {
    /// One chunk more is done.
    fn on_progress(&self, progress: Progress);
}

/// How far a chunked run is (after each chunk).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct Progress {
    /// Chunks finished (sent and answered, failed, or not sent).
    pub chunks_done: i64,
    /// Records in those chunks.
    pub records_done: i64,
    /// Records the API accepted so far.
    pub accepted: i64,
    /// Records not accepted so far.
    pub failed: i64,
}

impl From<&bento::Progress> for Progress {
    fn from(p: &bento::Progress) -> Self {
        let bento::Progress {
            chunks_done,
            records_done,
            accepted,
            failed,
        } = *p;
        let signed = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        Progress {
            chunks_done: signed(chunks_done as u64),
            records_done: signed(records_done as u64),
            accepted: signed(accepted),
            failed: signed(failed),
        }
    }
}

/// The core's progress callback for an optional foreign listener.
pub(crate) fn progress_to(
    listener: Option<Arc<dyn ProgressListener>>,
) -> impl FnMut(&bento::Progress) + Send {
    move |p| {
        if let Some(listener) = &listener {
            listener.on_progress(p.into());
        }
    }
}

fn map<T, U: From<T>>(items: Vec<T>) -> Vec<U> {
    items.into_iter().map(Into::into).collect()
}

// Counts and sizes are signed in the exported API: Kotlin's unsigned types (`UInt`, `ULong`)
// are awkward to use (`10u`, `1UL`) and Java has none, so every integer is `Int`/`Long` there,
// checked here.

fn chunk_options(chunk_size: Option<i32>) -> Result<bento::ChunkOptions, BentoError> {
    let mut options = bento::ChunkOptions::default();
    if let Some(n) = chunk_size {
        let n = usize::try_from(n)
            .map_err(|_| BentoError::invalid("chunk_size", "must not be negative"))?;
        options = options.chunk_size(n);
    }
    Ok(options)
}

/// A 1-based page number from the foreign side.
fn page_number(page: i32) -> Result<u32, BentoError> {
    u32::try_from(page).map_err(|_| BentoError::invalid("page", "must not be negative"))
}

/// The Bento API client. Build it once (`BentoClient(config)` / `BentoClient.from_env()`) and
/// share it between threads. Every method blocks until the API answered (retries included) and
/// raises `BentoError` on failure. `AsyncBentoClient` has the same methods, awaitable.
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct BentoClient {
    inner: bento::blocking::Client,
}

impl fmt::Debug for BentoClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The core's Debug shows the config with the secret key redacted.
        write!(f, "BentoClient({:?})", self.inner.config())
    }
}

impl BentoClient {
    /// The wrapped Rust client.
    pub fn core(&self) -> &bento::blocking::Client {
        &self.inner
    }
}

/// An overall per-call deadline in seconds from the foreign side (`None`: no deadline).
fn deadline(deadline_secs: Option<f64>) -> Result<Option<Duration>, BentoError> {
    deadline_secs
        .map(|t| crate::config::seconds("deadline_secs", t))
        .transpose()
}

#[uniffi::export]
impl BentoClient {
    /// A client for `config`. Raises `BentoError.InvalidInput` when the configuration is invalid
    /// (blank keys, a non-https base URL for a remote host, zero timeouts, ..).
    #[uniffi::constructor]
    pub fn new(config: BentoConfig) -> Result<Arc<Self>, BentoError> {
        guard(|| {
            let inner = bento::blocking::Client::new(config.to_core()?)?;
            Ok(Arc::new(BentoClient { inner }))
        })
    }

    /// A client configured from `BENTO_PUBLISHABLE_KEY`, `BENTO_SECRET_KEY`, `BENTO_SITE_UUID`
    /// and the optional `BENTO_BASE_URL`.
    #[uniffi::constructor]
    pub fn from_env() -> Result<Arc<Self>, BentoError> {
        guard(|| {
            Ok(Arc::new(BentoClient {
                inner: bento::blocking::Client::from_env()?,
            }))
        })
    }

    /// The same client (sharing its connection pool) with another overall deadline per call,
    /// in seconds (`None`: no deadline), e.g. a short one for a request handler.
    #[uniffi::method(default(deadline_secs))]
    pub fn with_deadline(
        &self,
        deadline_secs: Option<f64>,
    ) -> Result<Arc<BentoClient>, BentoError> {
        guard(|| {
            Ok(Arc::new(BentoClient {
                inner: self.inner.with_deadline(deadline(deadline_secs)?)?,
            }))
        })
    }

    /// The site UUID this client sends with every request.
    pub fn site_uuid(&self) -> String {
        self.inner.config().site_uuid().to_owned()
    }

    /// The base URL this client talks to.
    pub fn base_url(&self) -> String {
        self.inner.config().base_url().to_owned()
    }
}

/// The Bento API client for async code: Python's asyncio (`await client.get_tags()`), Kotlin
/// coroutines (`suspend` functions), Swift concurrency (`async`). The same methods, arguments,
/// checks, retries and errors as `BentoClient`; every call runs on one runtime shared by the
/// process, so the caller's event loop keeps running while it waits, any number of calls can
/// be awaited at once, and cancelling the awaiting task stops the request.
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct AsyncBentoClient {
    /// The client of this process (see [`AsyncBentoClient::client`]).
    client: PerProcess<bento::Client>,
    /// Its configuration, to rebuild it in a forked child.
    config: bento::Config,
    /// The per-call deadline given to `with_deadline`, if any, for a rebuilt client.
    deadline: Option<Option<Duration>>,
}

impl fmt::Debug for AsyncBentoClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AsyncBentoClient({:?})", self.config)
    }
}

impl AsyncBentoClient {
    fn build(
        config: bento::Config,
        deadline: Option<Option<Duration>>,
    ) -> Result<Arc<Self>, BentoError> {
        let client = Self::connect(config.clone(), deadline)?;
        Ok(Arc::new(AsyncBentoClient {
            client: PerProcess::new(client),
            config,
            deadline,
        }))
    }

    /// A `bento::Client` whose connection pool belongs to the shared runtime.
    fn connect(
        config: bento::Config,
        deadline: Option<Option<Duration>>,
    ) -> Result<bento::Client, BentoError> {
        let runtime = crate::runtime::handle()?;
        let _entered = runtime.enter();
        let client = bento::Client::new(config)?;
        Ok(match deadline {
            Some(deadline) => client.with_deadline(deadline)?,
            None => client,
        })
    }

    /// The client for this process. Pooled connections of a parent process belong to its
    /// runtime, which a forked child does not run, so the child gets a fresh client (the
    /// parent's is forgotten, as its runtime is).
    fn client(&self) -> Result<bento::Client, BentoError> {
        self.client.get(
            || Self::connect(self.config.clone(), self.deadline),
            bento::Client::clone,
        )
    }

    /// The wrapped Rust client.
    pub fn core(&self) -> Result<bento::Client, BentoError> {
        self.client()
    }
}

#[uniffi::export]
impl AsyncBentoClient {
    /// A client for `config` (the same checks as `BentoClient(config)`).
    #[uniffi::constructor]
    pub fn new(config: BentoConfig) -> Result<Arc<Self>, BentoError> {
        guard(|| Self::build(config.to_core()?, None))
    }

    /// A client configured from `BENTO_PUBLISHABLE_KEY`, `BENTO_SECRET_KEY`, `BENTO_SITE_UUID`
    /// and the optional `BENTO_BASE_URL`.
    #[uniffi::constructor]
    pub fn from_env() -> Result<Arc<Self>, BentoError> {
        guard(|| Self::build(bento::Config::from_env()?, None))
    }

    /// The same client (sharing its connection pool) with another overall deadline per call,
    /// in seconds (`None`: no deadline).
    #[uniffi::method(default(deadline_secs))]
    pub fn with_deadline(
        &self,
        deadline_secs: Option<f64>,
    ) -> Result<Arc<AsyncBentoClient>, BentoError> {
        guard(|| {
            let deadline = Some(deadline(deadline_secs)?);
            let client = self.client()?.with_deadline(deadline.flatten())?;
            Ok(Arc::new(AsyncBentoClient {
                client: PerProcess::new(client),
                config: self.config.clone(),
                deadline,
            }))
        })
    }

    /// The site UUID this client sends with every request.
    pub fn site_uuid(&self) -> String {
        self.config.site_uuid().to_owned()
    }

    /// The base URL this client talks to.
    pub fn base_url(&self) -> String {
        self.config.base_url().to_owned()
    }
}

/// The API methods of both clients, each written once: `prepare` converts and checks the
/// arguments (a bad one is an error before anything is sent), `call` is the method of the Rust
/// client (`bento::blocking::Client` or `bento::Client`, which share their names) and `finish`
/// converts its result. `BentoClient` runs the three steps under [`guard`] on the caller's
/// thread; `AsyncBentoClient` runs them as one task on the shared runtime
/// ([`crate::runtime::spawn`]), awaiting the call.
macro_rules! client_methods {
    ($(
        $(#[$attr:meta])*
        fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $out:ty {
            $(prepare { $($prepare:tt)* })?
            call $method:ident $(::<$op:ty>)? ($($call_arg:expr),* $(,)?);
            finish |$result:ident| $finish:expr
        }
    )*) => {
        #[uniffi::export]
        impl BentoClient {
            $(
                $(#[$attr])*
                pub fn $name(&self, $($arg: $ty),*) -> Result<$out, BentoError> {
                    guard(|| {
                        $($($prepare)*)?
                        let $result = self.inner.$method $(::<$op>)? ($($call_arg),*)?;
                        Ok($finish)
                    })
                }
            )*
        }

        #[uniffi::export]
        impl AsyncBentoClient {
            $(
                $(#[$attr])*
                pub async fn $name(&self, $($arg: $ty),*) -> Result<$out, BentoError> {
                    let client = self.client()?;
                    crate::runtime::spawn(async move {
                        $($($prepare)*)?
                        let $result = client.$method $(::<$op>)? ($($call_arg),*).await?;
                        Ok($finish)
                    })
                    .await
                }
            )*
        }
    };
}

client_methods! {
    // ---- events -------------------------------------------------------------------------

    /// Tracks events (`POST /batch/events`, 1–1000). Never re-sent after an ambiguous failure.
    fn track_events(events: Vec<Event>) -> BatchResult {
        prepare { let events = convert_all("events", &events, Event::to_core)?; }
        call track_events(events);
        finish |r| r.into()
    }

    /// Tracks one event.
    fn track(event: Event) -> BatchResult {
        prepare { let event = event.to_core(&"events[0]")?; }
        call track(event);
        finish |r| r.into()
    }

    /// Tracks any number of events in chunks (at most 1000, or `chunk_size`), one request at a
    /// time; the report holds the events that were not accepted.
    #[uniffi::method(default(chunk_size), default(on_progress))]
    fn track_events_chunked(
        events: Vec<Event>,
        chunk_size: Option<i32>,
        on_progress: Option<Arc<dyn ProgressListener>>,
    ) -> EventReport {
        prepare {
            let core = convert_all("events", &events, Event::to_core)?;
            let options = chunk_options(chunk_size)?;
        }
        call run_chunked::<bento::TrackEvents>(core, options, progress_to(on_progress));
        finish |report| EventReport::from_core(report, &events)
    }

    // ---- subscribers --------------------------------------------------------------------

    /// Imports (upserts) subscribers (`POST /batch/subscribers`, 1–1000).
    fn import_subscribers(subscribers: Vec<ImportSubscriber>) -> BatchResult {
        prepare {
            let rows = convert_all("subscribers", &subscribers, ImportSubscriber::to_core)?;
        }
        call import_subscribers(rows);
        finish |r| r.into()
    }

    /// Imports any number of subscribers in chunks (at most 1000, or `chunk_size`); the report
    /// holds the rows that were not accepted.
    #[uniffi::method(default(chunk_size), default(on_progress))]
    fn import_subscribers_chunked(
        subscribers: Vec<ImportSubscriber>,
        chunk_size: Option<i32>,
        on_progress: Option<Arc<dyn ProgressListener>>,
    ) -> ImportReport {
        prepare {
            let rows = convert_all("subscribers", &subscribers, ImportSubscriber::to_core)?;
            let options = chunk_options(chunk_size)?;
        }
        call run_chunked::<bento::ImportSubscribers>(rows, options, progress_to(on_progress));
        finish |report| ImportReport::from_core(report, &subscribers)
    }

    /// Imports any number of subscribers given as ONE JSON text: an array of objects in the
    /// API's own flat shape, `[{"email": .., "first_name": .., "tags": "a,b", "plan": "pro"}, ..]`
    /// (every key besides `email`, `first_name`, `last_name`, `tags` and `remove_tags` is a
    /// custom field). Same chunking, checks and report as `import_subscribers_chunked`, whose
    /// per-record conversion is what a bulk import from Python spends its time on: with
    /// `json.dumps(rows)` the rows cross the boundary as one string.
    #[uniffi::method(default(chunk_size), default(on_progress))]
    fn import_subscribers_chunked_json(
        rows_json: String,
        chunk_size: Option<i32>,
        on_progress: Option<Arc<dyn ProgressListener>>,
    ) -> ImportReport {
        // Straight into the core's rows: no per-row record, no custom fields as text.
        prepare {
            let rows = crate::bulk::import_rows(&rows_json)?;
            let options = chunk_options(chunk_size)?;
        }
        call run_chunked::<bento::ImportSubscribers>(rows, options, progress_to(on_progress));
        finish |report| ImportReport::from_core_with(report, |_, records| map(records))
    }

    /// The Python package's path for `import_subscribers_chunked`: the rows as Python
    /// `marshal` data (`marshal.dumps(rows, 4)`, a list of dicts in the same flat shape as
    /// `import_subscribers_chunked_json`). The data is checked in full before anything is sent;
    /// each chunk's rows are built as it is sent. Same report. Not meant for other languages.
    #[uniffi::method(default(chunk_size), default(on_progress))]
    fn import_subscribers_chunked_marshal(
        rows_marshal: crate::marshal::MarshalData,
        chunk_size: Option<i32>,
        on_progress: Option<Arc<dyn ProgressListener>>,
    ) -> ImportReport {
        prepare {
            let rows = crate::marshal::import_rows(rows_marshal)?;
            let options = chunk_options(chunk_size)?;
        }
        call run_chunked::<bento::ImportSubscribers>(rows, options, progress_to(on_progress));
        finish |report| ImportReport::from_core_with(report, |_, records| map(records))
    }

    /// Imports one subscriber, then reads it back (`None` while the import is not visible yet).
    fn upsert_subscriber(subscriber: ImportSubscriber) -> Option<Subscriber> {
        prepare { let row = subscriber.to_core(&"subscribers[0]")?; }
        call upsert_subscriber(row);
        finish |r| r.map(Into::into)
    }

    /// Finds a subscriber by email (`GET /fetch/subscribers`); `None` if unknown.
    fn find_subscriber(email: String) -> Option<Subscriber> {
        call find_subscriber(email);
        finish |r| r.map(Into::into)
    }

    /// Finds a subscriber by UUID; `None` if unknown.
    fn find_subscriber_by_uuid(uuid: String) -> Option<Subscriber> {
        call find_subscriber_by_uuid(uuid);
        finish |r| r.map(Into::into)
    }

    /// Creates a subscriber (`POST /fetch/subscribers`), or returns the existing one.
    fn create_subscriber(email: String) -> Subscriber {
        call create_subscriber(email);
        finish |r| r.into()
    }

    /// Queues subscriber commands (`POST /fetch/commands`, 1–100); the result counts the queued
    /// commands.
    fn subscriber_command(commands: Vec<Command>) -> BatchResult {
        prepare { let core = convert_all("command", &commands, Command::to_core)?; }
        call subscriber_command(core);
        finish |r| r.into()
    }

    /// Runs any number of commands in chunks (at most 100, or `chunk_size`); the report holds
    /// the commands that were not accepted.
    #[uniffi::method(default(chunk_size), default(on_progress))]
    fn subscriber_commands_chunked(
        commands: Vec<Command>,
        chunk_size: Option<i32>,
        on_progress: Option<Arc<dyn ProgressListener>>,
    ) -> CommandReport {
        prepare {
            let core = convert_all("command", &commands, Command::to_core)?;
            let options = chunk_options(chunk_size)?;
        }
        call run_chunked::<bento::SubscriberCommands>(core, options, progress_to(on_progress));
        finish |report| CommandReport::from_core(report, &commands)
    }

    /// Searches subscribers (`GET /fetch/search`, Enterprise plans).
    fn search_subscribers(query: SearchQuery) -> SearchResult {
        prepare { let query = query.to_core()?; }
        call search_subscribers(query);
        finish |r| r.into()
    }

    // ---- tags and fields ----------------------------------------------------------------

    /// Lists tags (`GET /fetch/tags`).
    fn get_tags() -> Vec<Tag> {
        call get_tags();
        finish |r| map(r)
    }

    /// Creates a tag (`POST /fetch/tags`).
    fn create_tag(name: String) -> Tag {
        call create_tag(name);
        finish |r| r.into()
    }

    /// Deletes (discards) a tag (`DELETE /fetch/tags/:id`).
    fn delete_tag(id: String, name: String) -> DeleteTagResult {
        call delete_tag(id, name);
        finish |r| r.into()
    }

    /// Lists custom field definitions (`GET /fetch/fields`).
    fn get_fields() -> Vec<Field> {
        call get_fields();
        finish |r| map(r)
    }

    /// Defines a custom field (`POST /fetch/fields`).
    fn create_field(key: String) -> Field {
        call create_field(key);
        finish |r| r.into()
    }

    // ---- broadcasts ---------------------------------------------------------------------

    /// The first page of sent broadcasts (`GET /fetch/broadcasts`).
    fn get_broadcasts() -> Vec<Broadcast> {
        call get_broadcasts();
        finish |r| map(r)
    }

    /// One page of broadcasts, by page (1-based) and status.
    #[uniffi::method(default(page), default(status))]
    fn list_broadcasts(page: Option<i32>, status: Option<BroadcastStatus>) -> Vec<Broadcast> {
        prepare {
            let query = bento::GetBroadcasts {
                page: page.map(page_number).transpose()?,
                status: status.map(Into::into),
            };
        }
        call list_broadcasts(query);
        finish |r| map(r)
    }

    /// Every broadcast with `status` (all pages).
    #[uniffi::method(default(status))]
    fn all_broadcasts(status: Option<BroadcastStatus>) -> Vec<Broadcast> {
        call all_broadcasts(status.map(Into::into));
        finish |r| map(r)
    }

    /// Creates draft broadcasts (`POST /batch/broadcasts`, 1–100). Never re-sent after an
    /// ambiguous failure.
    fn create_broadcasts(broadcasts: Vec<BroadcastData>) -> BroadcastCreateResult {
        prepare { let core = convert_all("broadcasts", &broadcasts, BroadcastData::to_core)?; }
        call create_broadcasts(core);
        finish |r| r.into()
    }

    /// Creates any number of draft broadcasts in chunks (at most 100, or `chunk_size`).
    #[uniffi::method(default(chunk_size), default(on_progress))]
    fn create_broadcasts_chunked(
        broadcasts: Vec<BroadcastData>,
        chunk_size: Option<i32>,
        on_progress: Option<Arc<dyn ProgressListener>>,
    ) -> BroadcastReport {
        prepare {
            let core = convert_all("broadcasts", &broadcasts, BroadcastData::to_core)?;
            let options = chunk_options(chunk_size)?;
        }
        call run_chunked::<bento::CreateBroadcasts>(core, options, progress_to(on_progress));
        finish |report| BroadcastReport::from_core(report, &broadcasts)
    }

    // ---- emails -------------------------------------------------------------------------

    /// Sends transactional emails (`POST /batch/emails`, 1–60). Never re-sent after an
    /// ambiguous failure.
    fn send_emails(emails: Vec<EmailData>) -> BatchResult {
        prepare {
            let core = convert_all("emails", &emails, EmailData::to_core)?;
            let batch = bento::EmailBatch::new(core)?;
        }
        call send_emails(batch);
        finish |r| r.into()
    }

    /// Sends any number of transactional emails in chunks (at most 60, or `chunk_size`); the
    /// report holds the emails that were not accepted.
    #[uniffi::method(default(chunk_size), default(on_progress))]
    fn send_emails_chunked(
        emails: Vec<EmailData>,
        chunk_size: Option<i32>,
        on_progress: Option<Arc<dyn ProgressListener>>,
    ) -> EmailReport {
        prepare {
            let core = convert_all("emails", &emails, EmailData::to_core)?;
            let options = chunk_options(chunk_size)?;
        }
        call run_chunked::<bento::SendEmails>(core, options, progress_to(on_progress));
        finish |report| EmailReport::from_core(report, &emails)
    }

    // ---- sequences, templates, workflows, forms -----------------------------------------

    /// The first page of sequences (`GET /fetch/sequences`).
    fn get_sequences() -> Vec<Sequence> {
        call get_sequences();
        finish |r| map(r)
    }

    /// One page of sequences (1-based).
    fn get_sequences_page(page: i32) -> Vec<Sequence> {
        prepare { let page = page_number(page)?; }
        call get_sequences_page(page);
        finish |r| map(r)
    }

    /// Every sequence (all pages).
    fn all_sequences() -> Vec<Sequence> {
        call all_sequences();
        finish |r| map(r)
    }

    /// Appends an email to a sequence (`POST /fetch/sequences/:id/emails/templates`).
    fn create_sequence_email(sequence_id: String, email: SequenceEmail) -> EmailTemplate {
        prepare { let email = email.to_core()?; }
        call create_sequence_email(sequence_id, email);
        finish |r| r.into()
    }

    /// Reads an email template (`GET /fetch/emails/templates/:id`); `None` if unknown.
    fn get_email_template(id: String) -> Option<EmailTemplate> {
        call get_email_template(id);
        finish |r| r.map(Into::into)
    }

    /// Updates an email template's subject and/or HTML (`PATCH /fetch/emails/templates/:id`).
    #[uniffi::method(default(subject), default(html))]
    fn update_email_template(
        id: String,
        subject: Option<String>,
        html: Option<String>,
    ) -> EmailTemplate {
        prepare {
            let mut update = bento::UpdateEmailTemplate::new(id);
            update.subject = subject;
            update.html = html;
        }
        call update_email_template(update);
        finish |r| r.into()
    }

    /// The first page of workflows (`GET /fetch/workflows`).
    fn get_workflows() -> Vec<Workflow> {
        call get_workflows();
        finish |r| map(r)
    }

    /// One page of workflows (1-based).
    fn get_workflows_page(page: i32) -> Vec<Workflow> {
        prepare { let page = page_number(page)?; }
        call get_workflows_page(page);
        finish |r| map(r)
    }

    /// Every workflow (all pages).
    fn all_workflows() -> Vec<Workflow> {
        call all_workflows();
        finish |r| map(r)
    }

    /// Responses of a form (`GET /fetch/responses`).
    fn get_form_responses(form_id: String) -> Vec<FormResponse> {
        call get_form_responses(form_id);
        finish |r| map(r)
    }

    // ---- segments, authors, stats -------------------------------------------------------

    /// Lists segments (`GET /fetch/segments`).
    fn get_segments() -> Vec<Segment> {
        call get_segments();
        finish |r| map(r)
    }

    /// Reads a segment (`GET /fetch/segments/:id`); `None` if unknown.
    fn get_segment(id: String) -> Option<Segment> {
        call get_segment(id);
        finish |r| r.map(Into::into)
    }

    /// Lists authors, the allowed senders (`GET /fetch/authors`).
    fn get_authors() -> Vec<Author> {
        call get_authors();
        finish |r| map(r)
    }

    /// Site counters (`GET /stats/site`).
    fn get_site_stats() -> SiteStats {
        call get_site_stats();
        finish |r| r.into()
    }

    /// Segment counters (`GET /stats/segment`).
    fn get_segment_stats(segment_id: String) -> SiteStats {
        call get_segment_stats(segment_id);
        finish |r| r.into()
    }

    /// Report data (`GET /stats/report`).
    fn get_report_stats(report_id: String) -> ReportStats {
        call get_report_stats(report_id);
        finish |r| r.into()
    }

    /// Ad attribution stats (`GET /stats/ads`).
    fn get_ads_stats(query: AdsStatsQuery) -> AdsStats {
        call get_ads_stats(query.to_core());
        finish |r| r.into()
    }

    // ---- experimental -------------------------------------------------------------------

    /// Validates an email address (`POST /experimental/validation`).
    fn validate_email(data: ValidationData) -> ValidationResult {
        prepare { let data = data.to_core(); }
        call validate_email(&data);
        finish |r| r.into()
    }

    /// Runs Jesse's ruleset on an address (`POST /experimental/jesses_ruleset`).
    fn jesses_ruleset(check: JessesRulesetCheck) -> ValidationResult {
        call jesses_ruleset(check.to_core());
        finish |r| r.into()
    }

    /// Moderates content (`POST /experimental/content_moderation`).
    fn moderate_content(content: String) -> ModerationResult {
        call moderate_content(content);
        finish |r| r.into()
    }

    /// Guesses a gender from a first name (`POST /experimental/gender`).
    fn get_gender(name: String) -> GenderResult {
        call get_gender(name);
        finish |r| r.into()
    }

    /// Geolocates an IP (`GET /experimental/geolocation`); `None` when the API knows nothing.
    fn geolocate_ip(ip: String) -> Option<Location> {
        call geolocate_ip(ip);
        finish |r| r.map(Into::into)
    }

    /// Checks a domain or IP against blacklists (`GET /experimental/blacklist`).
    fn get_blacklist_status(data: BlacklistData) -> BlacklistResult {
        prepare { let data = data.to_core(); }
        call get_blacklist_status(&data);
        finish |r| r.into()
    }

    // ---- data deletion ------------------------------------------------------------------

    /// Requests deletion of a subscriber's data (`POST /data_deletion_requests`, 202). Returns
    /// the API's answer (any JSON value).
    fn request_data_deletion(email: String) -> JsonValue {
        call request_data_deletion(email);
        finish |r| JsonValue(r.to_string())
    }
}
