//! WIT records ↔ the core's types. Plain data mapping: the only check here is that JSON text
//! parses (the core validates everything else when it builds the request).

use std::fmt::Display;
use std::time::Duration;

use bento_core::{Error, ErrorClass, FlatError, JsonMap};
use serde::Serialize;
use serde_json::Value;

use crate::bindings::exports::bentonow::bento::api as wit;

// Every converter below is `#[inline(never)]`: LTO would otherwise inline a type's converter
// into every export that uses it (an import report into both `import-subscribers-chunked` and
// `import-run.finish`, a subscriber into five exports); one shared copy each was 5.7 KB less
// component, and a conversion is not a hot path next to the JSON it came from.

/// A WIT input record → the core's input. `field` names the record in error messages; it is
/// formatted only when there is an error (names like `subscribers[41].custom-fields` built for
/// every valid record were a measurable part of a 100,000-row import).
pub trait ToCore<T> {
    fn to_core(self, field: &dyn Display) -> Result<T, Error>;
}

/// A core output (or error) → its WIT record.
pub trait ToWit<T> {
    fn to_wit(self) -> T;
}

impl<A: ToWit<B>, B> ToWit<Vec<B>> for Vec<A> {
    fn to_wit(self) -> Vec<B> {
        self.into_iter().map(ToWit::to_wit).collect()
    }
}

impl<A: ToWit<B>, B> ToWit<Option<B>> for Option<A> {
    #[inline(never)]
    fn to_wit(self) -> Option<B> {
        self.map(ToWit::to_wit)
    }
}

/// Converts a list, naming each element `name[i]`.
pub fn list<W: ToCore<T>, T>(items: Vec<W>, name: &str) -> Result<Vec<T>, Error> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| item.to_core(&format_args!("{name}[{i}]")))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// JSON text

// The core's JSON-text module: the same cap, parser and wording as every other surface.
fn parse_json(text: &str, field: &dyn Display) -> Result<Value, Error> {
    bento_core::json_text::value(field, text)
}

fn parse_opt_object(text: &Option<String>, field: &dyn Display) -> Result<Option<JsonMap>, Error> {
    bento_core::json_text::opt_object(field, text.as_deref())
}

/// JSON text of a value the core parsed (serializing a JSON value cannot fail).
fn json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

fn opt_json<T: Serialize>(value: Option<T>) -> Option<String> {
    value.as_ref().map(json)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// A count from WIT as a `usize`: out of range is an `invalid-input` naming the field (the
/// one rule for numbers on every surface), never a silent cap.
fn count(n: u64, field: &str) -> Result<usize, Error> {
    usize::try_from(n).map_err(|_| Error::invalid(field, "is larger than this host can address"))
}

/// A count for WIT's `u32` fields (chunk counts: far below the cap).
pub fn small(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

// ---------------------------------------------------------------------------------------------
// Config and errors

/// Builds and validates the core's config (errors name the core's config fields).
pub fn config(c: wit::Config) -> Result<bento_core::Config, Error> {
    let mut b = bento_core::ConfigBuilder::new()
        .publishable_key(c.publishable_key)
        .secret_key(c.secret_key)
        .site_uuid(c.site_uuid);
    if let Some(url) = c.base_url {
        b = b.base_url(url);
    }
    if let Some(ua) = c.user_agent {
        b = b.user_agent(ua);
    }
    if let Some(ms) = c.timeout_ms {
        b = b.timeout(Duration::from_millis(ms));
    }
    if let Some(ms) = c.connect_timeout_ms {
        b = b.connect_timeout(Duration::from_millis(ms));
    }
    if let Some(n) = c.max_response_bytes {
        b = b.max_response_bytes(count(n, "config.max-response-bytes")?);
    }
    if let Some(ms) = c.deadline_ms {
        b = b.deadline(Duration::from_millis(ms));
    }
    if let Some(r) = c.retry {
        b = b.retry_policy(bento_core::RetryPolicy {
            max_retries: r.max_retries,
            base_delay: Duration::from_millis(r.base_delay_ms),
            max_delay: Duration::from_millis(r.max_delay_ms),
            max_retry_after: Duration::from_millis(r.max_retry_after_ms),
            retry_server_errors: r.retry_server_errors,
            retry_transport_errors: r.retry_transport_errors,
        });
    }
    b.build()
}

impl ToWit<wit::ErrorDetails> for Error {
    // One copy for all exports and reports (each would otherwise inline its own). The core flattens
    // its non-exhaustive error once (`FlatError`); this match on the exhaustive class is the
    // whole mapping, so a new class is a compile error here.
    #[inline(never)]
    fn to_wit(self) -> wit::ErrorDetails {
        use wit::ErrorDetails as B;
        let FlatError {
            class,
            field,
            message,
            status,
            retry_after,
            field_errors,
            request_id,
        } = FlatError::from(self);
        let status = status.unwrap_or_default();
        let retry_after_ms = retry_after.map(millis);
        let transport = |kind, message| B::Transport(wit::TransportError { kind, message });
        match class {
            ErrorClass::InvalidInput => B::InvalidInput(wit::InvalidInputError {
                field: field.unwrap_or_default(),
                reason: message,
            }),
            ErrorClass::NotAuthorized => B::Unauthorized(wit::UnauthorizedError {
                message,
                request_id,
            }),
            ErrorClass::AuthorNotAuthorized => B::AuthorNotAuthorized(request_id),
            ErrorClass::RateLimited => B::RateLimited(wit::RateLimitedError {
                retry_after_ms,
                request_id,
            }),
            ErrorClass::Api => B::ApiStatus(wit::ApiStatusError {
                status,
                message,
                field_errors: field_errors
                    .into_iter()
                    .map(|f| wit::FieldError {
                        field: f.field,
                        message: f.message,
                    })
                    .collect(),
                retry_after_ms,
                request_id,
            }),
            ErrorClass::Decode => B::Decode(wit::DecodeError {
                status,
                message,
                request_id,
            }),
            ErrorClass::Timeout => B::Timeout(message),
            ErrorClass::Deadline => transport(wit::TransportKind::Deadline, message),
            ErrorClass::Connect => transport(wit::TransportKind::Connect, message),
            ErrorClass::Io => transport(wit::TransportKind::Io, message),
            ErrorClass::ResponseTooLarge => {
                transport(wit::TransportKind::ResponseTooLarge, message)
            }
            ErrorClass::Transport => transport(wit::TransportKind::Other, message),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Inputs

impl ToCore<bento_core::Event> for wit::Event {
    #[inline(never)]
    fn to_core(self, field: &dyn Display) -> Result<bento_core::Event, Error> {
        Ok(bento_core::Event {
            event_type: self.event_type,
            email: self.email,
            fields: parse_opt_object(&self.fields, &format_args!("{field}.fields"))?,
            details: parse_opt_object(&self.details, &format_args!("{field}.details"))?,
            date: self.date,
        })
    }
}

impl ToCore<bento_core::ImportSubscriberData> for wit::ImportSubscriber {
    #[inline(never)]
    fn to_core(self, field: &dyn Display) -> Result<bento_core::ImportSubscriberData, Error> {
        Ok(bento_core::ImportSubscriberData {
            email: self.email,
            first_name: self.first_name,
            last_name: self.last_name,
            tags: self.tags,
            remove_tags: self.remove_tags,
            custom_fields: parse_opt_object(
                &self.custom_fields,
                &format_args!("{field}.custom-fields"),
            )?
            .unwrap_or_default(),
        })
    }
}

/// Imports keep the custom fields as the host's text: the core checks it by the same rules as
/// a parsed map and sends it as written (a map per row was half of a bulk import's CPU).
impl ToCore<bento_core::ImportSubscriberText> for wit::ImportSubscriber {
    #[inline(never)]
    fn to_core(self, _field: &dyn Display) -> Result<bento_core::ImportSubscriberText, Error> {
        let wit::ImportSubscriber {
            email,
            first_name,
            last_name,
            tags,
            remove_tags,
            custom_fields,
        } = self;
        Ok(bento_core::ImportSubscriberText {
            email,
            first_name,
            last_name,
            tags,
            remove_tags,
            custom_fields,
        })
    }
}

impl ToCore<bento_core::Command> for wit::Command {
    #[inline(never)]
    fn to_core(self, field: &dyn Display) -> Result<bento_core::Command, Error> {
        use bento_core::Command as C;
        use wit::Command as W;
        Ok(match self {
            W::AddTag(t) => C::AddTag {
                email: t.email,
                tag: t.tag,
            },
            W::AddTagViaEvent(t) => C::AddTagViaEvent {
                email: t.email,
                tag: t.tag,
            },
            W::RemoveTag(t) => C::RemoveTag {
                email: t.email,
                tag: t.tag,
            },
            W::AddField(f) => C::AddField {
                value: parse_json(&f.value, &format_args!("{field}.value"))?,
                email: f.email,
                key: f.key,
            },
            W::RemoveField(f) => C::RemoveField {
                email: f.email,
                key: f.key,
            },
            W::Subscribe(email) => C::Subscribe { email },
            W::Unsubscribe(email) => C::Unsubscribe { email },
            W::ChangeEmail(c) => C::ChangeEmail {
                email: c.email,
                new_email: c.new_email,
            },
        })
    }
}

fn date_range(r: Option<wit::DateRange>) -> Option<bento_core::DateRange> {
    r.map(|r| bento_core::DateRange { gt: r.gt, lt: r.lt })
}

impl ToCore<bento_core::SearchSubscribers> for wit::SearchQuery {
    #[inline(never)]
    fn to_core(self, _field: &dyn Display) -> Result<bento_core::SearchSubscribers, Error> {
        Ok(bento_core::SearchSubscribers {
            page: self.page,
            tags: self.tags,
            created_at: date_range(self.created_at),
            updated_at: date_range(self.updated_at),
            last_event_at: date_range(self.last_event_at),
            unsubscribed_at: date_range(self.unsubscribed_at),
        })
    }
}

impl ToCore<bento_core::GetBroadcasts> for wit::BroadcastQuery {
    #[inline(never)]
    fn to_core(self, _field: &dyn Display) -> Result<bento_core::GetBroadcasts, Error> {
        use bento_core::BroadcastStatus as S;
        use wit::BroadcastStatus as W;
        Ok(bento_core::GetBroadcasts {
            page: self.page,
            status: self.status.map(|s| match s {
                W::Sent => S::Sent,
                W::Draft => S::Draft,
                W::Sending => S::Sending,
                W::Scheduled => S::Scheduled,
                W::Paused => S::Paused,
                W::Canceled => S::Canceled,
            }),
        })
    }
}

impl ToCore<bento_core::BroadcastData> for wit::BroadcastInput {
    #[inline(never)]
    fn to_core(self, _field: &dyn Display) -> Result<bento_core::BroadcastData, Error> {
        Ok(bento_core::BroadcastData {
            name: self.name,
            subject: self.subject,
            content: self.content,
            // The core's one mapping; a blank type is refused by its validation.
            broadcast_type: bento_core::BroadcastType::from(self.broadcast_type.as_str()),
            from: bento_core::BroadcastSender {
                email: self.from_email,
                name: self.from_name,
            },
            inclusive_tags: self.inclusive_tags,
            exclusive_tags: self.exclusive_tags,
            segment_id: self.segment_id,
            batch_size_per_hour: self.batch_size_per_hour,
            send_at: self.send_at,
            approved: self.approved,
        })
    }
}

impl ToCore<bento_core::EmailData> for wit::Email {
    #[inline(never)]
    fn to_core(self, field: &dyn Display) -> Result<bento_core::EmailData, Error> {
        Ok(bento_core::EmailData {
            to: self.to,
            from: self.from,
            subject: self.subject,
            html_body: self.html_body,
            transactional: self.transactional,
            personalizations: parse_opt_object(
                &self.personalizations,
                &format_args!("{field}.personalizations"),
            )?,
        })
    }
}

impl ToCore<bento_core::SequenceEmail> for wit::SequenceEmail {
    #[inline(never)]
    fn to_core(self, _field: &dyn Display) -> Result<bento_core::SequenceEmail, Error> {
        use bento_core::DelayInterval as D;
        use wit::DelayInterval as W;
        Ok(bento_core::SequenceEmail {
            subject: self.subject,
            html: self.html,
            inbox_snippet: self.inbox_snippet,
            delay_interval: self.delay_interval.map(|d| match d {
                W::Minutes => D::Minutes,
                W::Hours => D::Hours,
                W::Days => D::Days,
                W::Months => D::Months,
            }),
            delay_interval_count: self.delay_interval_count,
            editor_choice: self.editor_choice,
            cc: self.cc,
            bcc: self.bcc,
            to: self.to,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Outputs
//
// Every core output is destructured field by field, without `..`: a field the core gains is
// a compile error here until the WIT carries it (or it is named and dropped with a reason).

impl ToWit<wit::BatchResult> for bento_core::BatchResult {
    #[inline(never)]
    fn to_wit(self) -> wit::BatchResult {
        let bento_core::BatchResult { results, failed } = self;
        wit::BatchResult { results, failed }
    }
}

impl ToWit<wit::Subscriber> for bento_core::Subscriber {
    #[inline(never)]
    fn to_wit(self) -> wit::Subscriber {
        let is_subscribed = self.attributes.is_subscribed();
        let bento_core::Subscriber {
            id,
            kind: _,
            attributes:
                bento_core::SubscriberAttributes {
                    uuid,
                    email,
                    fields,
                    cached_tag_ids,
                    unsubscribed_at,
                    navigation_url,
                },
        } = self;
        wit::Subscriber {
            id,
            uuid,
            email,
            fields: opt_json(fields),
            cached_tag_ids,
            unsubscribed_at,
            navigation_url,
            is_subscribed,
        }
    }
}

impl ToWit<wit::SearchResult> for bento_core::SearchResult {
    #[inline(never)]
    fn to_wit(self) -> wit::SearchResult {
        let bento_core::SearchResult { data, meta } = self;
        wit::SearchResult {
            data: data.to_wit(),
            meta: opt_json(meta),
        }
    }
}

impl ToWit<wit::Tag> for bento_core::Tag {
    #[inline(never)]
    fn to_wit(self) -> wit::Tag {
        let bento_core::Tag {
            id,
            kind: _,
            attributes:
                bento_core::TagAttributes {
                    name,
                    created_at,
                    discarded_at,
                    site_id,
                },
        } = self;
        wit::Tag {
            id,
            name,
            created_at,
            discarded_at,
            site_id: opt_json(site_id),
        }
    }
}

impl ToWit<String> for bento_core::DeleteTagResult {
    #[inline(never)]
    fn to_wit(self) -> String {
        let bento_core::DeleteTagResult { message } = self;
        message
    }
}

impl ToWit<wit::CustomField> for bento_core::Field {
    #[inline(never)]
    fn to_wit(self) -> wit::CustomField {
        let bento_core::Field {
            id,
            kind: _,
            attributes:
                bento_core::FieldAttributes {
                    name,
                    key,
                    whitelisted,
                    created_at,
                },
        } = self;
        wit::CustomField {
            id,
            name,
            key,
            whitelisted,
            created_at,
        }
    }
}

impl ToWit<wit::Broadcast> for bento_core::Broadcast {
    #[inline(never)]
    fn to_wit(self) -> wit::Broadcast {
        let bento_core::Broadcast {
            id,
            kind: _,
            attributes:
                bento_core::BroadcastAttributes {
                    name,
                    share_url,
                    template,
                    created_at,
                    sent_final_batch_at,
                    send_at,
                    stats,
                },
        } = self;
        wit::Broadcast {
            id,
            name,
            share_url,
            template: template.map(|t| {
                let bento_core::broadcasts::BroadcastTemplate {
                    template_id,
                    subject,
                    to,
                    html,
                } = t;
                wit::BroadcastTemplate {
                    template_id,
                    subject,
                    to,
                    html,
                }
            }),
            created_at,
            sent_final_batch_at,
            send_at,
            stats: opt_json(stats),
        }
    }
}

impl ToWit<wit::BroadcastCreateResult> for bento_core::BroadcastCreateResult {
    #[inline(never)]
    fn to_wit(self) -> wit::BroadcastCreateResult {
        let bento_core::BroadcastCreateResult {
            results,
            failed,
            broadcasts,
            failures,
        } = self;
        wit::BroadcastCreateResult {
            results,
            failed,
            broadcasts: broadcasts
                .into_iter()
                .map(|b| {
                    let bento_core::broadcasts::CreatedBroadcast {
                        id,
                        template_id,
                        name,
                        dashboard_url,
                    } = b;
                    wit::CreatedBroadcast {
                        id,
                        template_id,
                        name,
                        dashboard_url,
                    }
                })
                .collect(),
            failures: failures
                .into_iter()
                .map(|f| {
                    let bento_core::broadcasts::BroadcastFailure { index, name, error } = f;
                    wit::BroadcastFailure { index, name, error }
                })
                .collect(),
        }
    }
}

impl ToWit<wit::TemplateSummary> for bento_core::sequences::TemplateSummary {
    #[inline(never)]
    fn to_wit(self) -> wit::TemplateSummary {
        let bento_core::sequences::TemplateSummary { id, subject, stats } = self;
        wit::TemplateSummary {
            id,
            subject,
            stats: opt_json(stats),
        }
    }
}

impl ToWit<wit::Sequence> for bento_core::Sequence {
    #[inline(never)]
    fn to_wit(self) -> wit::Sequence {
        let bento_core::Sequence {
            id,
            kind: _,
            attributes:
                bento_core::sequences::SequenceAttributes {
                    name,
                    created_at,
                    // The numeric id the API may repeat inside the attributes: the same as the
                    // resource id (the FFI drops it too).
                    id: _,
                    prefix_id,
                    email_templates,
                },
        } = self;
        wit::Sequence {
            id,
            name,
            created_at,
            prefix_id,
            email_templates: email_templates.to_wit(),
        }
    }
}

impl ToWit<wit::EmailTemplate> for bento_core::EmailTemplate {
    #[inline(never)]
    fn to_wit(self) -> wit::EmailTemplate {
        let bento_core::EmailTemplate {
            id,
            kind: _,
            attributes:
                bento_core::templates::EmailTemplateAttributes {
                    name,
                    subject,
                    html,
                    created_at,
                    stats,
                },
        } = self;
        wit::EmailTemplate {
            id,
            name,
            subject,
            html,
            created_at,
            stats: opt_json(stats),
        }
    }
}

impl ToWit<wit::Workflow> for bento_core::Workflow {
    #[inline(never)]
    fn to_wit(self) -> wit::Workflow {
        let bento_core::Workflow {
            id,
            kind: _,
            attributes:
                bento_core::workflows::WorkflowAttributes {
                    name,
                    status,
                    created_at,
                    // The repeated numeric id, as for sequences.
                    id: _,
                    prefix_id,
                    email_templates,
                },
        } = self;
        wit::Workflow {
            id,
            name,
            status,
            created_at,
            prefix_id,
            email_templates: email_templates.to_wit(),
        }
    }
}

impl ToWit<wit::Location> for bento_core::Location {
    #[inline(never)]
    fn to_wit(self) -> wit::Location {
        let bento_core::Location {
            request,
            ip,
            country_code2,
            country_code3,
            country_name,
            continent_code,
            region_name,
            city_name,
            postal_code,
            latitude,
            longitude,
            dma_code,
            area_code,
            timezone,
            real_region_name,
        } = self;
        wit::Location {
            request,
            ip,
            country_code2,
            country_code3,
            country_name,
            continent_code,
            region_name,
            city_name,
            postal_code,
            latitude,
            longitude,
            dma_code,
            area_code,
            timezone,
            real_region_name,
        }
    }
}

impl ToWit<wit::FormResponse> for bento_core::FormResponse {
    #[inline(never)]
    fn to_wit(self) -> wit::FormResponse {
        let bento_core::FormResponse {
            id,
            kind: _,
            attributes:
                bento_core::forms::FormResponseAttributes {
                    uuid,
                    data:
                        bento_core::forms::FormResponseData {
                            id: data_id,
                            kind,
                            date,
                            identity,
                            ip,
                            fields,
                            details,
                            browser,
                            page,
                            location,
                        },
                },
        } = self;
        wit::FormResponse {
            id,
            uuid,
            data: wit::FormResponseData {
                id: data_id,
                kind,
                date,
                identity: opt_json(identity),
                ip,
                fields: opt_json(fields),
                details: opt_json(details),
                browser: opt_json(browser),
                page: opt_json(page),
                location: location.to_wit(),
            },
        }
    }
}

impl ToWit<wit::Segment> for bento_core::Segment {
    #[inline(never)]
    fn to_wit(self) -> wit::Segment {
        let bento_core::Segment {
            id,
            kind: _,
            attributes:
                bento_core::segments::SegmentAttributes {
                    name,
                    description,
                    visitor_event_query,
                    created_at,
                    updated_at,
                },
        } = self;
        wit::Segment {
            id,
            name,
            description,
            visitor_event_query: opt_json(visitor_event_query),
            created_at,
            updated_at,
        }
    }
}

impl ToWit<wit::Author> for bento_core::Author {
    #[inline(never)]
    fn to_wit(self) -> wit::Author {
        let bento_core::Author {
            id,
            kind: _,
            attributes: bento_core::AuthorAttributes { email, name, other },
        } = self;
        wit::Author {
            id,
            email,
            name,
            other: json(&other),
        }
    }
}

impl ToWit<wit::SiteStats> for bento_core::SiteStats {
    #[inline(never)]
    fn to_wit(self) -> wit::SiteStats {
        let bento_core::SiteStats {
            user_count,
            subscriber_count,
            unsubscriber_count,
        } = self;
        wit::SiteStats {
            user_count,
            subscriber_count,
            unsubscriber_count,
        }
    }
}

impl ToWit<wit::ReportStats> for bento_core::ReportStats {
    #[inline(never)]
    fn to_wit(self) -> wit::ReportStats {
        let bento_core::ReportStats {
            data,
            chart_style,
            report_type,
            report_name,
        } = self;
        wit::ReportStats {
            data: json(&data),
            chart_style,
            report_type,
            report_name,
        }
    }
}

impl ToWit<wit::AdsStats> for bento_core::AdsStats {
    #[inline(never)]
    fn to_wit(self) -> wit::AdsStats {
        let bento_core::AdsStats {
            dimension,
            dimension_label,
            attribution,
            revenue_mode,
            totals,
            chart_data,
            breakdown,
            revenue_truncated,
        } = self;
        wit::AdsStats {
            dimension,
            dimension_label,
            attribution: opt_json(attribution),
            revenue_mode: opt_json(revenue_mode),
            totals: totals.map(|t| {
                let bento_core::stats::AdsTotals {
                    signups,
                    customers,
                    revenue_cents,
                    revenue_currency,
                    customer_rate,
                    top_source,
                } = t;
                wit::AdsTotals {
                    signups,
                    customers,
                    revenue_cents,
                    revenue_currency,
                    customer_rate,
                    top_source,
                }
            }),
            chart_data: chart_data.iter().map(json).collect(),
            breakdown: breakdown
                .into_iter()
                .map(|b| {
                    let bento_core::stats::AdsBreakdown {
                        key,
                        label,
                        signups,
                        customers,
                        revenue_cents,
                        revenue_per_signup_cents,
                    } = b;
                    wit::AdsBreakdown {
                        key,
                        label,
                        signups,
                        customers,
                        revenue_cents,
                        revenue_per_signup_cents,
                    }
                })
                .collect(),
            revenue_truncated,
        }
    }
}

impl ToWit<wit::ValidationResult> for bento_core::ValidationResult {
    #[inline(never)]
    fn to_wit(self) -> wit::ValidationResult {
        let bento_core::ValidationResult { valid, reasons } = self;
        wit::ValidationResult { valid, reasons }
    }
}

impl ToWit<wit::ModerationResult> for bento_core::ModerationResult {
    #[inline(never)]
    fn to_wit(self) -> wit::ModerationResult {
        let bento_core::ModerationResult {
            valid,
            reasons,
            safe_original_content,
        } = self;
        wit::ModerationResult {
            valid,
            reasons,
            safe_original_content,
        }
    }
}

impl ToWit<wit::GenderResult> for bento_core::GenderResult {
    #[inline(never)]
    fn to_wit(self) -> wit::GenderResult {
        let bento_core::GenderResult { gender, confidence } = self;
        wit::GenderResult { gender, confidence }
    }
}

impl ToWit<wit::BlacklistResult> for bento_core::BlacklistResult {
    #[inline(never)]
    fn to_wit(self) -> wit::BlacklistResult {
        let bento_core::BlacklistResult {
            query,
            description,
            results,
        } = self;
        wit::BlacklistResult {
            query,
            description,
            results: opt_json(results),
        }
    }
}

impl ToWit<String> for Value {
    #[inline(never)]
    fn to_wit(self) -> String {
        json(&self)
    }
}

// ---------------------------------------------------------------------------------------------
// Chunked runs

/// The WIT chunk options as the core's. `chunk-size: 0` is refused by the core.
pub fn chunk_options(o: &wit::ChunkOptions) -> Result<bento_core::ChunkOptions, Error> {
    let wit::ChunkOptions {
        chunk_size,
        max_rate_limited_chunks,
        deadline_ms,
    } = *o;
    let mut options = bento_core::ChunkOptions::default().concurrency(1);
    if let Some(n) = chunk_size {
        options = options.chunk_size(count(n.into(), "options.chunk-size")?);
    }
    if let Some(n) = max_rate_limited_chunks {
        options = options
            .max_rate_limited_chunks(Some(count(n.into(), "options.max-rate-limited-chunks")?));
    }
    Ok(options.deadline(deadline_ms.map(Duration::from_millis)))
}

impl ToWit<wit::Delivery> for bento_core::Delivery {
    #[inline(never)]
    fn to_wit(self) -> wit::Delivery {
        match self {
            bento_core::Delivery::NotSent => wit::Delivery::NotSent,
            bento_core::Delivery::Rejected => wit::Delivery::Rejected,
            bento_core::Delivery::MaybeReceived => wit::Delivery::MaybeReceived,
        }
    }
}

/// A failed chunk's parts, its records still the core's (shared by the three report types).
fn failed_parts<T>(
    chunk: bento_core::FailedChunk<T>,
) -> (u32, u32, wit::ErrorDetails, wit::Delivery, bool, Vec<T>) {
    let safe = chunk.safe_to_resend();
    let bento_core::FailedChunk {
        index,
        offset,
        error,
        delivery,
        idempotency: _,
        records,
    } = chunk;
    (
        small(index),
        small(offset),
        error.to_wit(),
        delivery.to_wit(),
        safe,
        records,
    )
}

fn partial_parts<T>(chunk: bento_core::PartialChunk<T>) -> (u32, u32, u64, Vec<T>) {
    let bento_core::PartialChunk {
        index,
        offset,
        failed,
        records,
    } = chunk;
    (small(index), small(offset), failed, records)
}

fn records_to_wit<T: ToWit<W>, W>(records: Vec<T>) -> Vec<W> {
    records.into_iter().map(ToWit::to_wit).collect()
}

/// The reports whose failed and partial chunks carry their records back as WIT: one
/// definition for imports and events (the WIT has a record type per item type).
macro_rules! report_to_wit {
    ($report:ident, $failed:ident, $partial:ident, $item:ty) => {
        impl ToWit<wit::$report> for bento_core::BatchReport<$item> {
            #[inline(never)]
            fn to_wit(self) -> wit::$report {
                let bento_core::BatchReport {
                    records,
                    chunks,
                    accepted,
                    failed,
                    failed_chunks,
                    partial_chunks,
                    stopped,
                } = self;
                wit::$report {
                    records: records as u64,
                    chunks: small(chunks),
                    accepted,
                    failed,
                    failed_chunks: failed_chunks
                        .into_iter()
                        .map(|c| {
                            let (index, offset, error, delivery, safe_to_resend, records) =
                                failed_parts(c);
                            wit::$failed {
                                index,
                                offset,
                                error,
                                delivery,
                                safe_to_resend,
                                records: records_to_wit(records),
                            }
                        })
                        .collect(),
                    partial_chunks: partial_chunks
                        .into_iter()
                        .map(|c| {
                            let (index, offset, failed, records) = partial_parts(c);
                            wit::$partial {
                                index,
                                offset,
                                failed,
                                records: records_to_wit(records),
                            }
                        })
                        .collect(),
                    stopped: stopped.map(ToWit::to_wit),
                }
            }
        }
    };
}

report_to_wit!(
    ImportReport,
    FailedImportChunk,
    PartialImportChunk,
    bento_core::ImportSubscriberText
);
report_to_wit!(
    TrackReport,
    FailedEventChunk,
    PartialEventChunk,
    bento_core::Event
);

/// The report of a chunked run whose records stay with the caller: each chunk names its
/// slice of the input (`offset`, `count`).
pub fn batch_report<T>(report: bento_core::BatchReport<T>) -> wit::BatchReport {
    let bento_core::BatchReport {
        records,
        chunks,
        accepted,
        failed,
        failed_chunks,
        partial_chunks,
        stopped,
    } = report;
    wit::BatchReport {
        records: records as u64,
        chunks: small(chunks),
        accepted,
        failed,
        failed_chunks: failed_chunks
            .into_iter()
            .map(|c| {
                let (index, offset, error, delivery, safe_to_resend, records) = failed_parts(c);
                wit::FailedChunk {
                    index,
                    offset,
                    count: small(records.len()),
                    error,
                    delivery,
                    safe_to_resend,
                }
            })
            .collect(),
        partial_chunks: partial_chunks
            .into_iter()
            .map(|c| {
                let (index, offset, failed, records) = partial_parts(c);
                wit::PartialChunk {
                    index,
                    offset,
                    count: small(records.len()),
                    failed,
                }
            })
            .collect(),
        stopped: stopped.map(ToWit::to_wit),
    }
}

/// A record of a failed chunk back as WIT, as the host gave it (its custom-fields text too).
impl ToWit<wit::ImportSubscriber> for bento_core::ImportSubscriberText {
    #[inline(never)]
    fn to_wit(self) -> wit::ImportSubscriber {
        let bento_core::ImportSubscriberText {
            email,
            first_name,
            last_name,
            tags,
            remove_tags,
            custom_fields,
        } = self;
        wit::ImportSubscriber {
            email,
            first_name,
            last_name,
            tags,
            remove_tags,
            custom_fields,
        }
    }
}

impl ToWit<wit::Event> for bento_core::Event {
    #[inline(never)]
    fn to_wit(self) -> wit::Event {
        let bento_core::Event {
            event_type,
            email,
            fields,
            details,
            date,
        } = self;
        wit::Event {
            event_type,
            email,
            fields: opt_json(fields),
            details: opt_json(details),
            date,
        }
    }
}

/// The `bento-error` resource: the core's error, converted to its WIT details when they are
/// asked for (one conversion, shared with the reports', instead of one per export's answer).
pub struct ErrorResource(Error);

impl wit::GuestBentoError for ErrorResource {
    fn details(&self) -> wit::ErrorDetails {
        self.0.clone().to_wit()
    }
}

impl ToWit<wit::BentoError> for Error {
    // One copy for every export.
    #[inline(never)]
    fn to_wit(self) -> wit::BentoError {
        wit::BentoError::new(ErrorResource(self))
    }
}
