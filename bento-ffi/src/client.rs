//! `BentoClient`: one object, every operation of `bento::blocking::Client` as a blocking method.
//!
//! Thread-safe: the object wraps one `bento::blocking::Client` (an `Arc` around one ureq agent
//! and its connection pool), so one client can be shared by any number of foreign threads.
//! Every method runs inside [`guard`], so even a bug cannot unwind into foreign code.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

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
/// raises `BentoError` on failure.
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
            let deadline = deadline_secs
                .map(|t| crate::config::seconds("deadline_secs", t))
                .transpose()?;
            Ok(Arc::new(BentoClient {
                inner: self.inner.with_deadline(deadline)?,
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

    // ---- events -------------------------------------------------------------------------

    /// Tracks events (`POST /batch/events`, 1–1000). Never re-sent after an ambiguous failure.
    pub fn track_events(&self, events: Vec<Event>) -> Result<BatchResult, BentoError> {
        guard(|| {
            let events = convert_all("events", &events, Event::to_core)?;
            Ok(self.inner.track_events(events)?.into())
        })
    }

    /// Tracks one event.
    pub fn track(&self, event: Event) -> Result<BatchResult, BentoError> {
        guard(|| Ok(self.inner.track(event.to_core(&"events[0]")?)?.into()))
    }

    /// Tracks any number of events in chunks (at most 1000, or `chunk_size`), one request at a
    /// time; the report holds the events that were not accepted.
    #[uniffi::method(default(chunk_size), default(on_progress))]
    pub fn track_events_chunked(
        &self,
        events: Vec<Event>,
        chunk_size: Option<i32>,
        on_progress: Option<Arc<dyn ProgressListener>>,
    ) -> Result<EventReport, BentoError> {
        guard(|| {
            let core = convert_all("events", &events, Event::to_core)?;
            let report = self.inner.run_chunked::<bento::TrackEvents>(
                core,
                chunk_options(chunk_size)?,
                progress_to(on_progress),
            )?;
            Ok(EventReport::from_core(report, &events))
        })
    }

    // ---- subscribers --------------------------------------------------------------------

    /// Imports (upserts) subscribers (`POST /batch/subscribers`, 1–1000).
    pub fn import_subscribers(
        &self,
        subscribers: Vec<ImportSubscriber>,
    ) -> Result<BatchResult, BentoError> {
        guard(|| {
            let rows = convert_all("subscribers", &subscribers, ImportSubscriber::to_core)?;
            Ok(self.inner.import_subscribers(rows)?.into())
        })
    }

    /// Imports any number of subscribers in chunks (at most 1000, or `chunk_size`); the report
    /// holds the rows that were not accepted.
    #[uniffi::method(default(chunk_size), default(on_progress))]
    pub fn import_subscribers_chunked(
        &self,
        subscribers: Vec<ImportSubscriber>,
        chunk_size: Option<i32>,
        on_progress: Option<Arc<dyn ProgressListener>>,
    ) -> Result<ImportReport, BentoError> {
        guard(|| {
            let rows = convert_all("subscribers", &subscribers, ImportSubscriber::to_core)?;
            let report = self.inner.run_chunked::<bento::ImportSubscribers>(
                rows,
                chunk_options(chunk_size)?,
                progress_to(on_progress),
            )?;
            Ok(ImportReport::from_core(report, &subscribers))
        })
    }

    /// Imports any number of subscribers given as ONE JSON text: an array of objects in the
    /// API's own flat shape, `[{"email": .., "first_name": .., "tags": "a,b", "plan": "pro"}, ..]`
    /// (every key besides `email`, `first_name`, `last_name`, `tags` and `remove_tags` is a
    /// custom field). Same chunking, checks and report as `import_subscribers_chunked`, whose
    /// per-record conversion is what a bulk import from Python spends its time on: with
    /// `json.dumps(rows)` the rows cross the boundary as one string.
    #[uniffi::method(default(chunk_size), default(on_progress))]
    pub fn import_subscribers_chunked_json(
        &self,
        rows_json: String,
        chunk_size: Option<i32>,
        on_progress: Option<Arc<dyn ProgressListener>>,
    ) -> Result<ImportReport, BentoError> {
        guard(|| {
            let rows = import_rows_from_json(&rows_json)?;
            self.import_subscribers_chunked(rows, chunk_size, on_progress)
        })
    }

    /// Imports one subscriber, then reads it back (`None` while the import is not visible yet).
    pub fn upsert_subscriber(
        &self,
        subscriber: ImportSubscriber,
    ) -> Result<Option<Subscriber>, BentoError> {
        guard(|| {
            let row = subscriber.to_core(&"subscribers[0]")?;
            Ok(self.inner.upsert_subscriber(row)?.map(Into::into))
        })
    }

    /// Finds a subscriber by email (`GET /fetch/subscribers`); `None` if unknown.
    pub fn find_subscriber(&self, email: String) -> Result<Option<Subscriber>, BentoError> {
        guard(|| Ok(self.inner.find_subscriber(email)?.map(Into::into)))
    }

    /// Finds a subscriber by UUID; `None` if unknown.
    pub fn find_subscriber_by_uuid(&self, uuid: String) -> Result<Option<Subscriber>, BentoError> {
        guard(|| Ok(self.inner.find_subscriber_by_uuid(uuid)?.map(Into::into)))
    }

    /// Creates a subscriber (`POST /fetch/subscribers`), or returns the existing one.
    pub fn create_subscriber(&self, email: String) -> Result<Subscriber, BentoError> {
        guard(|| Ok(self.inner.create_subscriber(email)?.into()))
    }

    /// Queues subscriber commands (`POST /fetch/commands`, 1–100); the result counts the queued
    /// commands.
    pub fn subscriber_command(&self, commands: Vec<Command>) -> Result<BatchResult, BentoError> {
        guard(|| {
            let core = convert_all("command", &commands, Command::to_core)?;
            Ok(self.inner.subscriber_command(core)?.into())
        })
    }

    /// Runs any number of commands in chunks (at most 100, or `chunk_size`); the report holds
    /// the commands that were not accepted.
    #[uniffi::method(default(chunk_size), default(on_progress))]
    pub fn subscriber_commands_chunked(
        &self,
        commands: Vec<Command>,
        chunk_size: Option<i32>,
        on_progress: Option<Arc<dyn ProgressListener>>,
    ) -> Result<CommandReport, BentoError> {
        guard(|| {
            let core = convert_all("command", &commands, Command::to_core)?;
            let report = self.inner.run_chunked::<bento::SubscriberCommands>(
                core,
                chunk_options(chunk_size)?,
                progress_to(on_progress),
            )?;
            Ok(CommandReport::from_core(report, &commands))
        })
    }

    /// Searches subscribers (`GET /fetch/search`, Enterprise plans).
    pub fn search_subscribers(&self, query: SearchQuery) -> Result<SearchResult, BentoError> {
        guard(|| Ok(self.inner.search_subscribers(query.to_core()?)?.into()))
    }

    // ---- tags and fields ----------------------------------------------------------------

    /// Lists tags (`GET /fetch/tags`).
    pub fn get_tags(&self) -> Result<Vec<Tag>, BentoError> {
        guard(|| Ok(map(self.inner.get_tags()?)))
    }

    /// Creates a tag (`POST /fetch/tags`).
    pub fn create_tag(&self, name: String) -> Result<Tag, BentoError> {
        guard(|| Ok(self.inner.create_tag(name)?.into()))
    }

    /// Deletes (discards) a tag (`DELETE /fetch/tags/:id`).
    pub fn delete_tag(&self, id: String, name: String) -> Result<DeleteTagResult, BentoError> {
        guard(|| Ok(self.inner.delete_tag(id, name)?.into()))
    }

    /// Lists custom field definitions (`GET /fetch/fields`).
    pub fn get_fields(&self) -> Result<Vec<Field>, BentoError> {
        guard(|| Ok(map(self.inner.get_fields()?)))
    }

    /// Defines a custom field (`POST /fetch/fields`).
    pub fn create_field(&self, key: String) -> Result<Field, BentoError> {
        guard(|| Ok(self.inner.create_field(key)?.into()))
    }

    // ---- broadcasts ---------------------------------------------------------------------

    /// The first page of sent broadcasts (`GET /fetch/broadcasts`).
    pub fn get_broadcasts(&self) -> Result<Vec<Broadcast>, BentoError> {
        guard(|| Ok(map(self.inner.get_broadcasts()?)))
    }

    /// One page of broadcasts, by page (1-based) and status.
    #[uniffi::method(default(page), default(status))]
    pub fn list_broadcasts(
        &self,
        page: Option<i32>,
        status: Option<BroadcastStatus>,
    ) -> Result<Vec<Broadcast>, BentoError> {
        guard(|| {
            let query = bento::GetBroadcasts {
                page: page.map(page_number).transpose()?,
                status: status.map(Into::into),
            };
            Ok(map(self.inner.list_broadcasts(query)?))
        })
    }

    /// Every broadcast with `status` (all pages).
    #[uniffi::method(default(status))]
    pub fn all_broadcasts(
        &self,
        status: Option<BroadcastStatus>,
    ) -> Result<Vec<Broadcast>, BentoError> {
        guard(|| Ok(map(self.inner.all_broadcasts(status.map(Into::into))?)))
    }

    /// Creates draft broadcasts (`POST /batch/broadcasts`, 1–100). Never re-sent after an
    /// ambiguous failure.
    pub fn create_broadcasts(
        &self,
        broadcasts: Vec<BroadcastData>,
    ) -> Result<BroadcastCreateResult, BentoError> {
        guard(|| {
            let core = convert_all("broadcasts", &broadcasts, BroadcastData::to_core)?;
            Ok(self.inner.create_broadcasts(core)?.into())
        })
    }

    /// Creates any number of draft broadcasts in chunks (at most 100, or `chunk_size`).
    #[uniffi::method(default(chunk_size), default(on_progress))]
    pub fn create_broadcasts_chunked(
        &self,
        broadcasts: Vec<BroadcastData>,
        chunk_size: Option<i32>,
        on_progress: Option<Arc<dyn ProgressListener>>,
    ) -> Result<BroadcastReport, BentoError> {
        guard(|| {
            let core = convert_all("broadcasts", &broadcasts, BroadcastData::to_core)?;
            let report = self.inner.run_chunked::<bento::CreateBroadcasts>(
                core,
                chunk_options(chunk_size)?,
                progress_to(on_progress),
            )?;
            Ok(BroadcastReport::from_core(report, &broadcasts))
        })
    }

    // ---- emails -------------------------------------------------------------------------

    /// Sends transactional emails (`POST /batch/emails`, 1–60). Never re-sent after an
    /// ambiguous failure.
    pub fn send_emails(&self, emails: Vec<EmailData>) -> Result<BatchResult, BentoError> {
        guard(|| {
            let core = convert_all("emails", &emails, EmailData::to_core)?;
            let batch = bento::EmailBatch::new(core)?;
            Ok(self.inner.send_emails(batch)?.into())
        })
    }

    /// Sends any number of transactional emails in chunks (at most 60, or `chunk_size`); the
    /// report holds the emails that were not accepted.
    #[uniffi::method(default(chunk_size), default(on_progress))]
    pub fn send_emails_chunked(
        &self,
        emails: Vec<EmailData>,
        chunk_size: Option<i32>,
        on_progress: Option<Arc<dyn ProgressListener>>,
    ) -> Result<EmailReport, BentoError> {
        guard(|| {
            let core = convert_all("emails", &emails, EmailData::to_core)?;
            let report = self.inner.run_chunked::<bento::SendEmails>(
                core,
                chunk_options(chunk_size)?,
                progress_to(on_progress),
            )?;
            Ok(EmailReport::from_core(report, &emails))
        })
    }

    // ---- sequences, templates, workflows, forms -----------------------------------------

    /// The first page of sequences (`GET /fetch/sequences`).
    pub fn get_sequences(&self) -> Result<Vec<Sequence>, BentoError> {
        guard(|| Ok(map(self.inner.get_sequences()?)))
    }

    /// One page of sequences (1-based).
    pub fn get_sequences_page(&self, page: i32) -> Result<Vec<Sequence>, BentoError> {
        guard(|| Ok(map(self.inner.get_sequences_page(page_number(page)?)?)))
    }

    /// Every sequence (all pages).
    pub fn all_sequences(&self) -> Result<Vec<Sequence>, BentoError> {
        guard(|| Ok(map(self.inner.all_sequences()?)))
    }

    /// Appends an email to a sequence (`POST /fetch/sequences/:id/emails/templates`).
    pub fn create_sequence_email(
        &self,
        sequence_id: String,
        email: SequenceEmail,
    ) -> Result<EmailTemplate, BentoError> {
        guard(|| {
            Ok(self
                .inner
                .create_sequence_email(sequence_id, email.to_core()?)?
                .into())
        })
    }

    /// Reads an email template (`GET /fetch/emails/templates/:id`); `None` if unknown.
    pub fn get_email_template(&self, id: String) -> Result<Option<EmailTemplate>, BentoError> {
        guard(|| Ok(self.inner.get_email_template(id)?.map(Into::into)))
    }

    /// Updates an email template's subject and/or HTML (`PATCH /fetch/emails/templates/:id`).
    #[uniffi::method(default(subject), default(html))]
    pub fn update_email_template(
        &self,
        id: String,
        subject: Option<String>,
        html: Option<String>,
    ) -> Result<EmailTemplate, BentoError> {
        guard(|| {
            let mut update = bento::UpdateEmailTemplate::new(id);
            update.subject = subject;
            update.html = html;
            Ok(self.inner.update_email_template(update)?.into())
        })
    }

    /// The first page of workflows (`GET /fetch/workflows`).
    pub fn get_workflows(&self) -> Result<Vec<Workflow>, BentoError> {
        guard(|| Ok(map(self.inner.get_workflows()?)))
    }

    /// One page of workflows (1-based).
    pub fn get_workflows_page(&self, page: i32) -> Result<Vec<Workflow>, BentoError> {
        guard(|| Ok(map(self.inner.get_workflows_page(page_number(page)?)?)))
    }

    /// Every workflow (all pages).
    pub fn all_workflows(&self) -> Result<Vec<Workflow>, BentoError> {
        guard(|| Ok(map(self.inner.all_workflows()?)))
    }

    /// Responses of a form (`GET /fetch/responses`).
    pub fn get_form_responses(&self, form_id: String) -> Result<Vec<FormResponse>, BentoError> {
        guard(|| Ok(map(self.inner.get_form_responses(form_id)?)))
    }

    // ---- segments, authors, stats -------------------------------------------------------

    /// Lists segments (`GET /fetch/segments`).
    pub fn get_segments(&self) -> Result<Vec<Segment>, BentoError> {
        guard(|| Ok(map(self.inner.get_segments()?)))
    }

    /// Reads a segment (`GET /fetch/segments/:id`); `None` if unknown.
    pub fn get_segment(&self, id: String) -> Result<Option<Segment>, BentoError> {
        guard(|| Ok(self.inner.get_segment(id)?.map(Into::into)))
    }

    /// Lists authors, the allowed senders (`GET /fetch/authors`).
    pub fn get_authors(&self) -> Result<Vec<Author>, BentoError> {
        guard(|| Ok(map(self.inner.get_authors()?)))
    }

    /// Site counters (`GET /stats/site`).
    pub fn get_site_stats(&self) -> Result<SiteStats, BentoError> {
        guard(|| Ok(self.inner.get_site_stats()?.into()))
    }

    /// Segment counters (`GET /stats/segment`).
    pub fn get_segment_stats(&self, segment_id: String) -> Result<SiteStats, BentoError> {
        guard(|| Ok(self.inner.get_segment_stats(segment_id)?.into()))
    }

    /// Report data (`GET /stats/report`).
    pub fn get_report_stats(&self, report_id: String) -> Result<ReportStats, BentoError> {
        guard(|| Ok(self.inner.get_report_stats(report_id)?.into()))
    }

    /// Ad attribution stats (`GET /stats/ads`).
    pub fn get_ads_stats(&self, query: AdsStatsQuery) -> Result<AdsStats, BentoError> {
        guard(|| Ok(self.inner.get_ads_stats(query.to_core())?.into()))
    }

    // ---- experimental -------------------------------------------------------------------

    /// Validates an email address (`POST /experimental/validation`).
    pub fn validate_email(&self, data: ValidationData) -> Result<ValidationResult, BentoError> {
        guard(|| Ok(self.inner.validate_email(&data.to_core())?.into()))
    }

    /// Runs Jesse's ruleset on an address (`POST /experimental/jesses_ruleset`).
    pub fn jesses_ruleset(
        &self,
        check: JessesRulesetCheck,
    ) -> Result<ValidationResult, BentoError> {
        guard(|| Ok(self.inner.jesses_ruleset(check.to_core())?.into()))
    }

    /// Moderates content (`POST /experimental/content_moderation`).
    pub fn moderate_content(&self, content: String) -> Result<ModerationResult, BentoError> {
        guard(|| Ok(self.inner.moderate_content(content)?.into()))
    }

    /// Guesses a gender from a first name (`POST /experimental/gender`).
    pub fn get_gender(&self, name: String) -> Result<GenderResult, BentoError> {
        guard(|| Ok(self.inner.get_gender(name)?.into()))
    }

    /// Geolocates an IP (`GET /experimental/geolocation`); `None` when the API knows nothing.
    pub fn geolocate_ip(&self, ip: String) -> Result<Option<Location>, BentoError> {
        guard(|| Ok(self.inner.geolocate_ip(ip)?.map(Into::into)))
    }

    /// Checks a domain or IP against blacklists (`GET /experimental/blacklist`).
    pub fn get_blacklist_status(&self, data: BlacklistData) -> Result<BlacklistResult, BentoError> {
        guard(|| Ok(self.inner.get_blacklist_status(&data.to_core())?.into()))
    }

    // ---- data deletion ------------------------------------------------------------------

    /// Requests deletion of a subscriber's data (`POST /data_deletion_requests`, 202). Returns
    /// the API's answer (any JSON value).
    pub fn request_data_deletion(&self, email: String) -> Result<JsonValue, BentoError> {
        guard(|| {
            Ok(JsonValue(
                self.inner.request_data_deletion(email)?.to_string(),
            ))
        })
    }
}

/// The cap on `import_subscribers_chunked_json`'s text (larger imports: call it per batch).
pub const MAX_BULK_JSON_TEXT: usize = 512 * 1024 * 1024;

/// Parses `[{"email": .., ..}, ..]` into import rows; custom fields stay JSON text.
fn import_rows_from_json(text: &str) -> Result<Vec<ImportSubscriber>, BentoError> {
    const FIELD: &str = "rows_json";
    if text.len() > MAX_BULK_JSON_TEXT {
        return Err(BentoError::invalid(
            FIELD,
            "JSON text is too large (over 512 MiB)",
        ));
    }
    // serde_json stops at a nesting depth of 128, so hostile input cannot overflow the stack.
    let rows: Vec<serde_json::Map<String, serde_json::Value>> = serde_json::from_str(text)
        .map_err(|e| BentoError::invalid(FIELD, format!("is not a JSON array of objects ({e})")))?;
    rows.into_iter()
        .enumerate()
        .map(|(i, mut row)| {
            let mut text = |key: &str| -> Result<Option<String>, BentoError> {
                match row.remove(key) {
                    None | Some(serde_json::Value::Null) => Ok(None),
                    Some(serde_json::Value::String(s)) => Ok(Some(s)),
                    Some(_) => Err(BentoError::invalid(
                        format!("{FIELD}[{i}].{key}"),
                        "must be a string",
                    )),
                }
            };
            let email = text("email")?
                .ok_or_else(|| BentoError::invalid(format!("{FIELD}[{i}].email"), "is required"))?;
            let (first_name, last_name) = (text("first_name")?, text("last_name")?);
            let (tags, remove_tags) = (text("tags")?, text("remove_tags")?);
            Ok(ImportSubscriber {
                email,
                first_name,
                last_name,
                tags,
                remove_tags,
                custom_fields_json: None,
                custom_fields: (!row.is_empty())
                    .then(|| JsonValue(serde_json::Value::Object(row).to_string())),
            })
        })
        .collect()
}
