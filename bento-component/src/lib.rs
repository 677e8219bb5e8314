//! The Bento API as a WASI Preview 2 component: the world `bentonow:bento/bento` in `../wit`.
//!
//! A thin shell around `bento-core` (crate `bento`), which is sans-IO: for each call the
//! component converts the WIT input ([`convert`]), lets the core validate it and build the
//! `http::Request`, sends it over `wasi:http` ([`transport`]), and feeds the outcome back to
//! the core's [`bento::Attempts`] (the untyped half of `bento::Exchange`), sleeping on
//! `wasi:clocks` whenever the core asks for a retry. Validation, retry decisions and response
//! parsing are the core's.
//!
//! Nothing here traps on any input or response: every failure is a `bento-error`. Free-form
//! JSON arrives as text and bad text is an `invalid-input` error.
//!
//! Build: `scripts/build-component.sh` (`wasm32-unknown-unknown`, profile `release-small`,
//! `wasm-opt`; see the README).

mod convert;
mod panic_hook;
mod transport;

use bento::{Attempts, Chunked, Config, Error, Operation, Step};

use crate::bindings::exports::bentonow::bento::api as wit;
use crate::convert::{ToCore, ToWit};

mod bindings;
bindings::export!(Component with_types_in bindings);

/// The exported component.
struct Component;

impl wit::Guest for Component {
    type Client = Client;
}

/// The `client` resource: a validated configuration.
pub struct Client {
    config: Config,
}

type WitResult<T> = Result<T, wit::BentoError>;

impl Client {
    /// Runs one operation: validate and build (core), send with retries, decode (core).
    fn execute<O: Operation>(&self, op: &O) -> Result<O::Output, Error> {
        let request = op.to_request(&self.config)?;
        let response = self.send(request, op.idempotency())?;
        op.decode(response.status(), response.body())
            .map_err(|e| self.config.scrub(e))
    }

    /// The retry loop, shared by every operation: it only sees bytes, so the component carries
    /// one copy of it rather than one per operation type (code size is the component's cost).
    #[inline(never)]
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
        idempotency: bento::Idempotency,
    ) -> Result<http::Response<Vec<u8>>, Error> {
        let mut attempts = Attempts::new(request, idempotency, &self.config);
        loop {
            let outcome = transport::send(attempts.request(), &self.config);
            match attempts.on_response(outcome, transport::now(), transport::jitter()) {
                Step::Retry(delay) => transport::sleep(delay),
                Step::Done(result) => return result,
            }
        }
    }

    /// Runs `op` (built from WIT input, which may itself be invalid) and converts the output.
    fn call<O, T>(&self, op: Result<O, Error>) -> WitResult<T>
    where
        O: Operation,
        O::Output: ToWit<T>,
    {
        op.and_then(|op| self.execute(&op))
            .map(ToWit::to_wit)
            .map_err(|e| e.to_wit())
    }

    /// The chunked driver: the core's chunking ([`bento::Chunks`], its chunk-size rule), one
    /// request per chunk, in order. Each chunk keeps its original WIT records, so a failed
    /// chunk gives back exactly what the caller passed in.
    fn chunked<C, W>(
        &self,
        items: Vec<W>,
        options: &wit::ChunkOptions,
        name: &str,
    ) -> Result<convert::Report<W>, Error>
    where
        C: Chunked,
        W: ToCore<C::Item>,
    {
        let size = bento::ChunkOptions {
            chunk_size: options
                .chunk_size
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
            concurrency: 1,
        }
        .effective_chunk_size(C::MAX_CHUNK)?;
        let mut report = convert::Report::new(items.len());
        for (_, offset, chunk) in bento::Chunks::new(items.into_iter(), size) {
            let counts = chunk
                .iter()
                .enumerate()
                .map(|(i, w)| w.to_core(&format_args!("{name}[{}]", offset + i)))
                .collect::<Result<Vec<_>, Error>>()
                .and_then(|items| self.execute(&C::from_chunk(items)))
                .map(|output| C::counts(&output));
            report.record(offset, counts, chunk);
        }
        Ok(report)
    }
}

impl wit::GuestClient for Client {
    fn new(config: wit::Config) -> WitResult<Client> {
        panic_hook::install();
        convert::config(config)
            .map(|config| Client { config })
            .map_err(|e| e.to_wit())
    }

    fn track_events(&self, events: Vec<wit::Event>) -> WitResult<wit::BatchResult> {
        self.call(convert::list(&events, "events").map(bento::TrackEvents::new))
    }

    fn track(&self, event: wit::Event) -> WitResult<wit::BatchResult> {
        self.call(
            event
                .to_core(&"event")
                .map(|e: bento::Event| bento::TrackEvents::new([e])),
        )
    }

    fn import_subscribers(
        &self,
        subscribers: Vec<wit::ImportSubscriber>,
    ) -> WitResult<wit::BatchResult> {
        self.call(convert::list(&subscribers, "subscribers").map(bento::ImportSubscribers::new))
    }

    fn find_subscriber(&self, email: String) -> WitResult<Option<wit::Subscriber>> {
        self.call(Ok(bento::FindSubscriber::by_email(email)))
    }

    fn find_subscriber_by_uuid(&self, uuid: String) -> WitResult<Option<wit::Subscriber>> {
        self.call(Ok(bento::FindSubscriber::by_uuid(uuid)))
    }

    fn create_subscriber(&self, email: String) -> WitResult<wit::Subscriber> {
        self.call(Ok(bento::CreateSubscriber::new(email)))
    }

    fn subscriber_command(&self, commands: Vec<wit::Command>) -> WitResult<wit::BatchResult> {
        self.call(
            convert::list::<_, bento::Command>(&commands, "commands")
                .and_then(bento::SubscriberCommands::new),
        )
    }

    fn search_subscribers(&self, query: wit::SearchQuery) -> WitResult<wit::SearchResult> {
        self.call(query.to_core(&"query"))
    }

    fn get_tags(&self) -> WitResult<Vec<wit::Tag>> {
        self.call(Ok(bento::GetTags))
    }

    fn create_tag(&self, name: String) -> WitResult<wit::Tag> {
        self.call(Ok(bento::CreateTag::new(name)))
    }

    fn delete_tag(&self, id: String, name: String) -> WitResult<String> {
        self.call(Ok(bento::DeleteTag::new(id, name)))
    }

    fn get_fields(&self) -> WitResult<Vec<wit::CustomField>> {
        self.call(Ok(bento::GetFields))
    }

    fn create_field(&self, key: String) -> WitResult<wit::CustomField> {
        self.call(Ok(bento::CreateField::new(key)))
    }

    fn get_broadcasts(&self) -> WitResult<Vec<wit::Broadcast>> {
        self.call(Ok(bento::GetBroadcasts::new()))
    }

    fn list_broadcasts(&self, query: wit::BroadcastQuery) -> WitResult<Vec<wit::Broadcast>> {
        self.call(query.to_core(&"query"))
    }

    fn create_broadcasts(
        &self,
        broadcasts: Vec<wit::BroadcastInput>,
    ) -> WitResult<wit::BroadcastCreateResult> {
        self.call(convert::list(&broadcasts, "broadcasts").map(bento::CreateBroadcasts::new))
    }

    fn send_emails(&self, emails: Vec<wit::Email>) -> WitResult<wit::BatchResult> {
        self.call(
            convert::list(&emails, "emails")
                .and_then(bento::EmailBatch::new)
                .map(bento::SendEmails::new),
        )
    }

    fn get_sequences(&self) -> WitResult<Vec<wit::Sequence>> {
        self.call(Ok(bento::GetSequences::new()))
    }

    fn get_sequences_page(&self, page: u32) -> WitResult<Vec<wit::Sequence>> {
        self.call(Ok(bento::GetSequences::page(page)))
    }

    fn create_sequence_email(
        &self,
        sequence_id: String,
        email: wit::SequenceEmail,
    ) -> WitResult<wit::EmailTemplate> {
        self.call(
            email
                .to_core(&"email")
                .map(|email| bento::CreateSequenceEmail::new(sequence_id, email)),
        )
    }

    fn get_email_template(&self, id: String) -> WitResult<Option<wit::EmailTemplate>> {
        self.call(Ok(bento::GetEmailTemplate::new(id)))
    }

    fn update_email_template(&self, update: wit::TemplateUpdate) -> WitResult<wit::EmailTemplate> {
        self.call(Ok(bento::UpdateEmailTemplate {
            id: update.id,
            subject: update.subject,
            html: update.html,
        }))
    }

    fn get_workflows(&self) -> WitResult<Vec<wit::Workflow>> {
        self.call(Ok(bento::GetWorkflows::new()))
    }

    fn get_workflows_page(&self, page: u32) -> WitResult<Vec<wit::Workflow>> {
        self.call(Ok(bento::GetWorkflows::page(page)))
    }

    fn get_form_responses(&self, form_id: String) -> WitResult<Vec<wit::FormResponse>> {
        self.call(Ok(bento::GetFormResponses::new(form_id)))
    }

    fn get_segments(&self) -> WitResult<Vec<wit::Segment>> {
        self.call(Ok(bento::GetSegments))
    }

    fn get_segment(&self, id: String) -> WitResult<Option<wit::Segment>> {
        self.call(Ok(bento::GetSegment::new(id)))
    }

    fn get_authors(&self) -> WitResult<Vec<wit::Author>> {
        self.call(Ok(bento::GetAuthors))
    }

    fn get_site_stats(&self) -> WitResult<wit::SiteStats> {
        self.call(Ok(bento::GetSiteStats))
    }

    fn get_segment_stats(&self, segment_id: String) -> WitResult<wit::SiteStats> {
        self.call(Ok(bento::GetSegmentStats::new(segment_id)))
    }

    fn get_report_stats(&self, report_id: String) -> WitResult<wit::ReportStats> {
        self.call(Ok(bento::GetReportStats::new(report_id)))
    }

    fn get_ads_stats(&self, query: wit::AdsQuery) -> WitResult<wit::AdsStats> {
        self.call(Ok(bento::GetAdsStats {
            dimension: query.dimension,
            value: query.value,
            start_date: query.start_date,
            end_date: query.end_date,
            revenue_mode: query.revenue_mode,
        }))
    }

    fn validate_email(&self, data: wit::ValidationInput) -> WitResult<wit::ValidationResult> {
        self.call(Ok(bento::ValidateEmail::new(bento::ValidationData {
            email: data.email,
            name: data.name,
            user_agent: data.user_agent,
            ip: data.ip,
        })))
    }

    fn jesses_ruleset(&self, check: wit::JessesRulesetInput) -> WitResult<wit::ValidationResult> {
        self.call(Ok(bento::JessesRuleset {
            email: check.email,
            block_free_providers: check.block_free_providers,
            wiggleroom: check.wiggleroom,
        }))
    }

    fn moderate_content(&self, content: String) -> WitResult<wit::ModerationResult> {
        self.call(Ok(bento::ModerateContent::new(content)))
    }

    fn get_gender(&self, name: String) -> WitResult<wit::GenderResult> {
        self.call(Ok(bento::GetGender::new(name)))
    }

    fn geolocate_ip(&self, ip: String) -> WitResult<Option<wit::Location>> {
        self.call(Ok(bento::GeolocateIp::new(ip)))
    }

    fn get_blacklist_status(&self, data: wit::BlacklistInput) -> WitResult<wit::BlacklistResult> {
        self.call(Ok(bento::GetBlacklistStatus::new(bento::BlacklistData {
            domain: data.domain,
            ip: data.ip,
        })))
    }

    fn request_data_deletion(&self, email: String) -> WitResult<String> {
        self.call(Ok(bento::RequestDataDeletion::new(email)))
    }

    fn import_subscribers_chunked(
        &self,
        subscribers: Vec<wit::ImportSubscriber>,
        options: wit::ChunkOptions,
    ) -> WitResult<wit::ImportReport> {
        self.chunked::<bento::ImportSubscribers, _>(subscribers, &options, "subscribers")
            .map(convert::Report::into_import_report)
            .map_err(|e| e.to_wit())
    }

    fn track_events_chunked(
        &self,
        events: Vec<wit::Event>,
        options: wit::ChunkOptions,
    ) -> WitResult<wit::TrackReport> {
        self.chunked::<bento::TrackEvents, _>(events, &options, "events")
            .map(convert::Report::into_track_report)
            .map_err(|e| e.to_wit())
    }

    fn upsert_subscriber(
        &self,
        subscriber: wit::ImportSubscriber,
    ) -> WitResult<Option<wit::Subscriber>> {
        let email = subscriber.email.clone();
        self.import_subscribers(vec![subscriber])?;
        self.find_subscriber(email)
    }
}
