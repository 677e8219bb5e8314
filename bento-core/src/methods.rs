//! The one list of client methods. `bento_core::Client` (async) and `bento_core::blocking::Client`
//! expand it with their own `execute`, so the two clients cannot drift apart; the list of
//! names ([`crate::OPERATIONS`]) comes from the same macro, and the WIT and FFI parity tests
//! check every surface against it.

/// Calls `$callback!` with every one-request method: its docs, name, arguments, output and the
/// operation it runs. Arguments are plain Rust; the operation expression may use `?` (its
/// errors are input errors, raised before any I/O).
#[macro_export]
#[doc(hidden)]
macro_rules! for_each_method {
    ($callback:ident) => {
        $callback! {
            /// Tracks events (`POST /batch/events`, 1–1000). Accepts the guide's [`EventData`]
            /// or [`Event`] (with `date` and typed constructors such as [`Event::purchase`]).
            fn track_events(events: impl IntoIterator<Item = impl Into<Event>>) -> BatchResult
                = TrackEvents::new(events);
            /// Tracks one event.
            fn track(event: impl Into<Event>) -> BatchResult = TrackEvents::new([event]);
            /// Imports (upserts) subscribers (`POST /batch/subscribers`, 1–1000).
            fn import_subscribers(subscribers: impl IntoIterator<Item = ImportSubscriberData>) -> BatchResult
                = ImportSubscribers::new(subscribers);
            /// Finds a subscriber by email (`GET /fetch/subscribers`); `None` if unknown.
            fn find_subscriber(email: impl Into<String>) -> Option<Subscriber>
                = FindSubscriber::by_email(email);
            /// Finds a subscriber by UUID; `None` if unknown.
            fn find_subscriber_by_uuid(uuid: impl Into<String>) -> Option<Subscriber>
                = FindSubscriber::by_uuid(uuid);
            /// Creates a subscriber (`POST /fetch/subscribers`).
            fn create_subscriber(email: impl Into<String>) -> Subscriber = CreateSubscriber::new(email);
            /// Queues subscriber commands (`POST /fetch/commands`, 1–100); the result counts the
            /// queued commands. Accepts [`Command`] or the guide's [`CommandData`].
            fn subscriber_command(commands: impl IntoIterator<Item = impl IntoCommand>) -> BatchResult
                = SubscriberCommands::new(commands)?;
            /// Searches subscribers (`GET /fetch/search`, Enterprise plans).
            fn search_subscribers(query: SearchSubscribers) -> SearchResult = query;
            /// Lists tags (`GET /fetch/tags`).
            fn get_tags() -> Vec<Tag> = GetTags;
            /// Creates a tag (`POST /fetch/tags`).
            fn create_tag(name: impl Into<String>) -> Tag = CreateTag::new(name);
            /// Deletes (discards) a tag (`DELETE /fetch/tags/:id`).
            fn delete_tag(id: impl Into<String>, name: impl Into<String>) -> DeleteTagResult
                = DeleteTag::new(id, name);
            /// Lists custom field definitions (`GET /fetch/fields`).
            fn get_fields() -> Vec<Field> = GetFields;
            /// Defines a custom field (`POST /fetch/fields`).
            fn create_field(key: impl Into<String>) -> Field = CreateField::new(key);
            /// The first page of sent broadcasts (`GET /fetch/broadcasts`).
            fn get_broadcasts() -> Vec<Broadcast> = GetBroadcasts::new();
            /// One page of broadcasts, by page and status.
            fn list_broadcasts(query: GetBroadcasts) -> Vec<Broadcast> = query;
            /// Creates draft broadcasts (`POST /batch/broadcasts`, 1–100). Never re-sent after
            /// an ambiguous failure.
            fn create_broadcasts(broadcasts: impl IntoIterator<Item = BroadcastData>) -> BroadcastCreateResult
                = CreateBroadcasts::new(broadcasts);
            /// Sends transactional emails (`POST /batch/emails`, 1–60). Never re-sent after an
            /// ambiguous failure.
            fn send_emails(batch: EmailBatch) -> BatchResult = SendEmails::new(batch);
            /// The first page of sequences (`GET /fetch/sequences`).
            fn get_sequences() -> Vec<Sequence> = GetSequences::new();
            /// One page of sequences.
            fn get_sequences_page(page: u32) -> Vec<Sequence> = GetSequences::page(page);
            /// Appends an email to a sequence (`POST /fetch/sequences/:id/emails/templates`).
            fn create_sequence_email(sequence_id: impl Into<String>, email: SequenceEmail) -> EmailTemplate
                = CreateSequenceEmail::new(sequence_id, email);
            /// Reads an email template (`GET /fetch/emails/templates/:id`).
            fn get_email_template(id: impl Into<String>) -> Option<EmailTemplate>
                = GetEmailTemplate::new(id);
            /// Updates an email template's subject and/or HTML (`PATCH /fetch/emails/templates/:id`).
            fn update_email_template(update: UpdateEmailTemplate) -> EmailTemplate = update;
            /// The first page of workflows (`GET /fetch/workflows`).
            fn get_workflows() -> Vec<Workflow> = GetWorkflows::new();
            /// One page of workflows.
            fn get_workflows_page(page: u32) -> Vec<Workflow> = GetWorkflows::page(page);
            /// Responses of a form (`GET /fetch/responses`).
            fn get_form_responses(form_id: impl Into<String>) -> Vec<FormResponse>
                = GetFormResponses::new(form_id);
            /// Lists segments (`GET /fetch/segments`).
            fn get_segments() -> Vec<Segment> = GetSegments;
            /// Reads a segment (`GET /fetch/segments/:id`).
            fn get_segment(id: impl Into<String>) -> Option<Segment> = GetSegment::new(id);
            /// Lists authors, the allowed senders (`GET /fetch/authors`).
            fn get_authors() -> Vec<Author> = GetAuthors;
            /// Site counters (`GET /stats/site`).
            fn get_site_stats() -> SiteStats = GetSiteStats;
            /// Segment counters (`GET /stats/segment`).
            fn get_segment_stats(segment_id: impl Into<String>) -> SiteStats
                = GetSegmentStats::new(segment_id);
            /// Report data (`GET /stats/report`).
            fn get_report_stats(report_id: impl Into<String>) -> ReportStats
                = GetReportStats::new(report_id);
            /// Ad attribution stats (`GET /stats/ads`).
            fn get_ads_stats(query: GetAdsStats) -> AdsStats = query;
            /// Validates an email address (`POST /experimental/validation`).
            fn validate_email(data: &ValidationData) -> ValidationResult
                = ValidateEmail::new(data.clone());
            /// Runs Jesse's ruleset on an address (`POST /experimental/jesses_ruleset`).
            fn jesses_ruleset(check: JessesRuleset) -> ValidationResult = check;
            /// Moderates content (`POST /experimental/content_moderation`).
            fn moderate_content(content: impl Into<String>) -> ModerationResult
                = ModerateContent::new(content);
            /// Guesses a gender from a first name (`POST /experimental/gender`).
            fn get_gender(name: impl Into<String>) -> GenderResult = GetGender::new(name);
            /// Geolocates an IP (`GET /experimental/geolocation`); `None` when the API knows
            /// nothing (it currently answers `{}`).
            fn geolocate_ip(ip: impl Into<String>) -> Option<Location> = GeolocateIp::new(ip);
            /// Checks a domain or IP against blacklists (`GET /experimental/blacklist`).
            fn get_blacklist_status(data: &BlacklistData) -> BlacklistResult
                = GetBlacklistStatus::new(data.clone());
            /// Requests deletion of a subscriber's data (`POST /data_deletion_requests`, 202).
            fn request_data_deletion(email: impl Into<String>) -> serde_json::Value
                = RequestDataDeletion::new(email);
        }
    };
}

macro_rules! method_names {
    ($( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $out:ty = $op:expr; )*) => {
        /// The name of every one-request method of the clients, in the order of the API areas.
        /// The WIT interface and the FFI object are checked against it (the helpers —
        /// chunked runs, paging, upsert — are listed in [`HELPERS`]).
        pub const OPERATIONS: &[&str] = &[$(stringify!($name)),*];
    };
}
for_each_method!(method_names);

/// The helpers every surface offers beside [`OPERATIONS`].
pub const HELPERS: &[&str] = &[
    "import_subscribers_chunked",
    "track_events_chunked",
    "send_emails_chunked",
    "subscriber_commands_chunked",
    "create_broadcasts_chunked",
    "upsert_subscriber",
    "all_broadcasts",
    "all_sequences",
    "all_workflows",
];
