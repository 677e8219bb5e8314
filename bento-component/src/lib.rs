//! The Bento API as a WASI Preview 2 component: the world `bentonow:bento/bento` in `../wit`.
//!
//! A thin shell around `bento-core` (crate `bento`), which is sans-IO: for each call the
//! component converts the WIT input ([`convert`]), lets the core validate it and build the
//! `http::Request`, and runs it through the core's blocking driver ([`bento_core::driver`])
//! with `wasi:http` as the transport ([`transport`]), sleeping on `wasi:clocks` whenever the
//! core asks for a retry. Validation, retries and deadlines, the chunked runs and their
//! reports, upsert and response parsing are the core's; this crate only maps types.
//!
//! Nothing here traps on any input or response: every failure is a `bento-error`. Free-form
//! JSON arrives as text and bad text is an `invalid-input` error.
//!
//! Build: `scripts/build-component.sh` (`wasm32-unknown-unknown`, profile `release-small`,
//! `wasm-opt`; see the README).

mod convert;
mod panic_hook;
mod runs;
mod transport;

use bento_core::{BatchReport, Chunked, Config, Error, Operation, driver};

use crate::bindings::exports::bentonow::bento::api as wit;
use crate::convert::{ToCore, ToWit};

mod bindings;
bindings::export!(Component with_types_in bindings);

/// The exported component.
struct Component;

impl wit::Guest for Component {
    type Client = Client;
    type ImportRun = runs::ImportRun;
    type TrackRun = runs::TrackRun;
    type BentoError = convert::ErrorResource;
}

/// The `client` resource: a validated configuration.
#[derive(Clone)]
pub struct Client {
    config: Config,
}

type WitResult<T> = Result<T, wit::BentoError>;

impl bento_core::Clock for Client {
    fn now(&self) -> std::time::SystemTime {
        transport::now()
    }
    fn monotonic(&self) -> std::time::Duration {
        transport::monotonic()
    }
    fn jitter(&self) -> f64 {
        transport::jitter()
    }
}

impl bento_core::Transport for Client {
    fn send(
        &self,
        request: &http::Request<Vec<u8>>,
        timeout: std::time::Duration,
    ) -> Result<http::Response<Vec<u8>>, bento_core::TransportError> {
        transport::send(request, &self.config, timeout)
    }
    fn sleep(&self, delay: std::time::Duration) {
        transport::sleep(delay)
    }
}

impl Client {
    /// Runs one operation through the core's driver: validate and build, send with retries
    /// within the deadline, decode. The retry loop is generic over the transport only, so the
    /// component carries one copy of it for every operation (code size is its cost).
    fn execute<O: Operation>(&self, op: &O) -> Result<O::Output, Error> {
        driver::execute(self, &self.config, op)
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

    /// A chunked run through the core's driver. The WIT records are converted up front (a
    /// record that is not even well-formed — bad JSON text — fails the call before anything
    /// is sent); the core's own checks run per chunk, as on every surface.
    fn chunked<C, W>(
        &self,
        items: Vec<W>,
        options: &wit::ChunkOptions,
        name: &str,
    ) -> Result<BatchReport<C::Item>, Error>
    where
        C: Chunked,
        W: ToCore<C::Item>,
    {
        let options = convert::chunk_options(options)?;
        let items = convert::list(items, name)?;
        driver::run_chunked::<_, C>(self, &self.config, items, &options, None)
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
        self.call(convert::list(events, "events").map(bento_core::TrackEvents::new))
    }

    fn track(&self, event: wit::Event) -> WitResult<wit::BatchResult> {
        self.call(
            event
                .to_core(&"event")
                .map(|e: bento_core::Event| bento_core::TrackEvents::new([e])),
        )
    }

    fn import_subscribers(
        &self,
        subscribers: Vec<wit::ImportSubscriber>,
    ) -> WitResult<wit::BatchResult> {
        self.call(
            convert::list(subscribers, "subscribers").map(bento_core::ImportSubscribersText::new),
        )
    }

    fn find_subscriber(&self, email: String) -> WitResult<Option<wit::Subscriber>> {
        self.call(Ok(bento_core::FindSubscriber::by_email(email)))
    }

    fn find_subscriber_by_uuid(&self, uuid: String) -> WitResult<Option<wit::Subscriber>> {
        self.call(Ok(bento_core::FindSubscriber::by_uuid(uuid)))
    }

    fn create_subscriber(&self, email: String) -> WitResult<wit::Subscriber> {
        self.call(Ok(bento_core::CreateSubscriber::new(email)))
    }

    fn subscriber_command(&self, commands: Vec<wit::Command>) -> WitResult<wit::BatchResult> {
        self.call(
            convert::list::<_, bento_core::Command>(commands, "commands")
                .and_then(bento_core::SubscriberCommands::new),
        )
    }

    fn search_subscribers(&self, query: wit::SearchQuery) -> WitResult<wit::SearchResult> {
        self.call(query.to_core(&"query"))
    }

    fn get_tags(&self) -> WitResult<Vec<wit::Tag>> {
        self.call(Ok(bento_core::GetTags))
    }

    fn create_tag(&self, name: String) -> WitResult<wit::Tag> {
        self.call(Ok(bento_core::CreateTag::new(name)))
    }

    fn delete_tag(&self, id: String, name: String) -> WitResult<String> {
        self.call(Ok(bento_core::DeleteTag::new(id, name)))
    }

    fn get_fields(&self) -> WitResult<Vec<wit::CustomField>> {
        self.call(Ok(bento_core::GetFields))
    }

    fn create_field(&self, key: String) -> WitResult<wit::CustomField> {
        self.call(Ok(bento_core::CreateField::new(key)))
    }

    fn get_broadcasts(&self) -> WitResult<Vec<wit::Broadcast>> {
        self.call(Ok(bento_core::GetBroadcasts::new()))
    }

    fn list_broadcasts(&self, query: wit::BroadcastQuery) -> WitResult<Vec<wit::Broadcast>> {
        self.call(query.to_core(&"query"))
    }

    fn create_broadcasts(
        &self,
        broadcasts: Vec<wit::BroadcastInput>,
    ) -> WitResult<wit::BroadcastCreateResult> {
        self.call(convert::list(broadcasts, "broadcasts").map(bento_core::CreateBroadcasts::new))
    }

    fn send_emails(&self, emails: Vec<wit::Email>) -> WitResult<wit::BatchResult> {
        self.call(
            convert::list(emails, "emails")
                .and_then(bento_core::EmailBatch::new)
                .map(bento_core::SendEmails::new),
        )
    }

    fn get_sequences(&self) -> WitResult<Vec<wit::Sequence>> {
        self.call(Ok(bento_core::GetSequences::new()))
    }

    fn get_sequences_page(&self, page: u32) -> WitResult<Vec<wit::Sequence>> {
        self.call(Ok(bento_core::GetSequences::page(page)))
    }

    fn create_sequence_email(
        &self,
        sequence_id: String,
        email: wit::SequenceEmail,
    ) -> WitResult<wit::EmailTemplate> {
        self.call(
            email
                .to_core(&"email")
                .map(|email| bento_core::CreateSequenceEmail::new(sequence_id, email)),
        )
    }

    fn get_email_template(&self, id: String) -> WitResult<Option<wit::EmailTemplate>> {
        self.call(Ok(bento_core::GetEmailTemplate::new(id)))
    }

    fn update_email_template(&self, update: wit::TemplateUpdate) -> WitResult<wit::EmailTemplate> {
        self.call(Ok(bento_core::UpdateEmailTemplate {
            id: update.id,
            subject: update.subject,
            html: update.html,
        }))
    }

    fn get_workflows(&self) -> WitResult<Vec<wit::Workflow>> {
        self.call(Ok(bento_core::GetWorkflows::new()))
    }

    fn get_workflows_page(&self, page: u32) -> WitResult<Vec<wit::Workflow>> {
        self.call(Ok(bento_core::GetWorkflows::page(page)))
    }

    fn get_form_responses(&self, form_id: String) -> WitResult<Vec<wit::FormResponse>> {
        self.call(Ok(bento_core::GetFormResponses::new(form_id)))
    }

    fn get_segments(&self) -> WitResult<Vec<wit::Segment>> {
        self.call(Ok(bento_core::GetSegments))
    }

    fn get_segment(&self, id: String) -> WitResult<Option<wit::Segment>> {
        self.call(Ok(bento_core::GetSegment::new(id)))
    }

    fn get_authors(&self) -> WitResult<Vec<wit::Author>> {
        self.call(Ok(bento_core::GetAuthors))
    }

    fn get_site_stats(&self) -> WitResult<wit::SiteStats> {
        self.call(Ok(bento_core::GetSiteStats))
    }

    fn get_segment_stats(&self, segment_id: String) -> WitResult<wit::SiteStats> {
        self.call(Ok(bento_core::GetSegmentStats::new(segment_id)))
    }

    fn get_report_stats(&self, report_id: String) -> WitResult<wit::ReportStats> {
        self.call(Ok(bento_core::GetReportStats::new(report_id)))
    }

    fn get_ads_stats(&self, query: wit::AdsQuery) -> WitResult<wit::AdsStats> {
        self.call(Ok(bento_core::GetAdsStats {
            dimension: query.dimension,
            value: query.value,
            start_date: query.start_date,
            end_date: query.end_date,
            revenue_mode: query.revenue_mode,
        }))
    }

    fn validate_email(&self, data: wit::ValidationInput) -> WitResult<wit::ValidationResult> {
        self.call(Ok(bento_core::ValidateEmail::new(
            bento_core::ValidationData {
                email: data.email,
                name: data.name,
                user_agent: data.user_agent,
                ip: data.ip,
            },
        )))
    }

    fn jesses_ruleset(&self, check: wit::JessesRulesetInput) -> WitResult<wit::ValidationResult> {
        self.call(Ok(bento_core::JessesRuleset {
            email: check.email,
            block_free_providers: check.block_free_providers,
            wiggleroom: check.wiggleroom,
        }))
    }

    fn moderate_content(&self, content: String) -> WitResult<wit::ModerationResult> {
        self.call(Ok(bento_core::ModerateContent::new(content)))
    }

    fn get_gender(&self, name: String) -> WitResult<wit::GenderResult> {
        self.call(Ok(bento_core::GetGender::new(name)))
    }

    fn geolocate_ip(&self, ip: String) -> WitResult<Option<wit::Location>> {
        self.call(Ok(bento_core::GeolocateIp::new(ip)))
    }

    fn get_blacklist_status(&self, data: wit::BlacklistInput) -> WitResult<wit::BlacklistResult> {
        self.call(Ok(bento_core::GetBlacklistStatus::new(
            bento_core::BlacklistData {
                domain: data.domain,
                ip: data.ip,
            },
        )))
    }

    fn request_data_deletion(&self, email: String) -> WitResult<String> {
        self.call(Ok(bento_core::RequestDataDeletion::new(email)))
    }

    fn import_subscribers_chunked(
        &self,
        subscribers: Vec<wit::ImportSubscriber>,
        options: wit::ChunkOptions,
    ) -> WitResult<wit::ImportReport> {
        self.chunked::<bento_core::ImportSubscribersText, _>(subscribers, &options, "subscribers")
            .map(ToWit::to_wit)
            .map_err(|e| e.to_wit())
    }

    fn track_events_chunked(
        &self,
        events: Vec<wit::Event>,
        options: wit::ChunkOptions,
    ) -> WitResult<wit::TrackReport> {
        self.chunked::<bento_core::TrackEvents, _>(events, &options, "events")
            .map(ToWit::to_wit)
            .map_err(|e| e.to_wit())
    }

    fn send_emails_chunked(
        &self,
        emails: Vec<wit::Email>,
        options: wit::ChunkOptions,
    ) -> WitResult<wit::BatchReport> {
        self.chunked::<bento_core::SendEmails, _>(emails, &options, "emails")
            .map(convert::batch_report)
            .map_err(|e| e.to_wit())
    }

    fn subscriber_commands_chunked(
        &self,
        commands: Vec<wit::Command>,
        options: wit::ChunkOptions,
    ) -> WitResult<wit::BatchReport> {
        self.chunked::<bento_core::SubscriberCommands, _>(commands, &options, "commands")
            .map(convert::batch_report)
            .map_err(|e| e.to_wit())
    }

    fn create_broadcasts_chunked(
        &self,
        broadcasts: Vec<wit::BroadcastInput>,
        options: wit::ChunkOptions,
    ) -> WitResult<wit::BatchReport> {
        self.chunked::<bento_core::CreateBroadcasts, _>(broadcasts, &options, "broadcasts")
            .map(convert::batch_report)
            .map_err(|e| e.to_wit())
    }

    fn all_broadcasts(
        &self,
        status: Option<wit::BroadcastStatus>,
    ) -> WitResult<Vec<wit::Broadcast>> {
        wit::BroadcastQuery { page: None, status }
            .to_core(&"status")
            .and_then(|query| driver::all_pages(self, &self.config, &query))
            .map(ToWit::to_wit)
            .map_err(|e| e.to_wit())
    }

    fn all_sequences(&self) -> WitResult<Vec<wit::Sequence>> {
        driver::all_pages(self, &self.config, &bento_core::GetSequences::new())
            .map(ToWit::to_wit)
            .map_err(|e| e.to_wit())
    }

    fn all_workflows(&self) -> WitResult<Vec<wit::Workflow>> {
        driver::all_pages(self, &self.config, &bento_core::GetWorkflows::new())
            .map(ToWit::to_wit)
            .map_err(|e| e.to_wit())
    }

    fn upsert_subscriber(
        &self,
        subscriber: wit::ImportSubscriber,
    ) -> WitResult<Option<wit::Subscriber>> {
        subscriber
            .to_core(&"subscriber")
            .and_then(|s| driver::upsert_subscriber(self, &self.config, s))
            .map(ToWit::to_wit)
            .map_err(|e| e.to_wit())
    }
}
