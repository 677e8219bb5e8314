//! Output records, converted from the core's forward-compatible models. Resources are
//! flattened: `id` beside the attributes. Open-ended JSON parts are `JsonValue`s (Python: dict/list/scalars;
//! Kotlin/Swift: JSON text).
//!
//! Every converter destructures its core type field by field, without `..` (as the
//! component's `convert.rs` does for the WIT): a field the core gains is a compile error here
//! until the FFI record carries it, or names it `field: _` with the reason it is dropped.

use crate::json::{JsonValue, map_text, opt_map_value, opt_value};

/// A count as the signed 64-bit integer every language has (`Long` in Kotlin), saturating.
pub(crate) fn long(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The counters of a batch write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct BatchResult {
    /// Records the API accepted (queued).
    pub results: i64,
    /// Records the API did not accept.
    pub failed: i64,
}

impl From<bento::BatchResult> for BatchResult {
    fn from(r: bento::BatchResult) -> Self {
        let bento::BatchResult { results, failed } = r;
        BatchResult {
            results: long(results),
            failed: long(failed),
        }
    }
}

/// A subscriber.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Subscriber {
    /// The resource id.
    pub id: String,
    /// The subscriber's UUID.
    pub uuid: String,
    /// The email address.
    pub email: String,
    /// Custom fields: a JSON object (`None` when the API sent none).
    pub fields: Option<JsonValue>,
    /// Ids of the subscriber's tags.
    pub cached_tag_ids: Vec<String>,
    /// When the subscriber unsubscribed (ISO-8601), if they did.
    pub unsubscribed_at: Option<String>,
    /// A dashboard link, when the API sent one.
    pub navigation_url: Option<String>,
    /// Whether the subscriber is currently subscribed.
    pub is_subscribed: bool,
}

impl From<bento::Subscriber> for Subscriber {
    fn from(r: bento::Subscriber) -> Self {
        let is_subscribed = r.attributes.is_subscribed();
        let bento::Subscriber {
            id,
            kind: _, // the resource type (`visitors`): the same for every subscriber
            attributes:
                bento::SubscriberAttributes {
                    uuid,
                    email,
                    fields,
                    cached_tag_ids,
                    unsubscribed_at,
                    navigation_url,
                },
        } = r;
        Subscriber {
            id,
            uuid,
            email,
            fields: opt_map_value(fields),
            cached_tag_ids,
            unsubscribed_at,
            navigation_url,
            is_subscribed,
        }
    }
}

/// A tag.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Tag {
    /// The id.
    pub id: String,
    /// The name.
    pub name: String,
    /// Created (ISO-8601).
    pub created_at: String,
    /// Discarded (deleted), if it was.
    pub discarded_at: Option<String>,
    /// The site's id as the API sent it (a number, usually): any JSON value.
    pub site_id: Option<JsonValue>,
}

impl From<bento::Tag> for Tag {
    fn from(r: bento::Tag) -> Self {
        let bento::Tag {
            id,
            kind: _, // the resource type (`tags`)
            attributes:
                bento::TagAttributes {
                    name,
                    created_at,
                    discarded_at,
                    site_id,
                },
        } = r;
        Tag {
            id,
            name,
            created_at,
            discarded_at,
            site_id: opt_value(site_id),
        }
    }
}

/// The answer to deleting a tag.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DeleteTagResult {
    /// The API's message.
    pub message: String,
}

impl From<bento::DeleteTagResult> for DeleteTagResult {
    fn from(r: bento::DeleteTagResult) -> Self {
        let bento::DeleteTagResult { message } = r;
        DeleteTagResult { message }
    }
}

/// A custom field definition.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Field {
    /// The id.
    pub id: String,
    /// The display name.
    pub name: String,
    /// The key.
    pub key: String,
    /// Whether it is whitelisted.
    pub whitelisted: Option<bool>,
    /// Created (ISO-8601).
    pub created_at: String,
}

impl From<bento::Field> for Field {
    fn from(r: bento::Field) -> Self {
        let bento::Field {
            id,
            kind: _, // the resource type (`visitors-fields`)
            attributes:
                bento::FieldAttributes {
                    name,
                    key,
                    whitelisted,
                    created_at,
                },
        } = r;
        Field {
            id,
            name,
            key,
            whitelisted,
            created_at,
        }
    }
}

/// A broadcast's template.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct BroadcastTemplate {
    /// The template id.
    pub template_id: Option<String>,
    /// The subject.
    pub subject: Option<String>,
    /// The recipients.
    pub to: Option<String>,
    /// The HTML.
    pub html: Option<String>,
}

/// A broadcast.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Broadcast {
    /// The id.
    pub id: String,
    /// The name.
    pub name: String,
    /// The public link.
    pub share_url: Option<String>,
    /// The template.
    pub template: Option<BroadcastTemplate>,
    /// Created (ISO-8601).
    pub created_at: Option<String>,
    /// When its last batch went out.
    pub sent_final_batch_at: Option<String>,
    /// When it is/was scheduled.
    pub send_at: Option<String>,
    /// Stats: any JSON value.
    pub stats: Option<JsonValue>,
}

impl From<bento::Broadcast> for Broadcast {
    fn from(r: bento::Broadcast) -> Self {
        let bento::Broadcast {
            id,
            kind: _, // the resource type (undocumented for broadcasts; not relied on)
            attributes:
                bento::BroadcastAttributes {
                    name,
                    share_url,
                    template,
                    created_at,
                    sent_final_batch_at,
                    send_at,
                    stats,
                },
        } = r;
        Broadcast {
            id,
            name,
            share_url,
            template: template.map(|t| {
                let bento::broadcasts::BroadcastTemplate {
                    template_id,
                    subject,
                    to,
                    html,
                } = t;
                BroadcastTemplate {
                    template_id,
                    subject,
                    to,
                    html,
                }
            }),
            created_at,
            sent_final_batch_at,
            send_at,
            stats: opt_value(stats),
        }
    }
}

/// One created broadcast.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CreatedBroadcast {
    /// The id.
    pub id: Option<i64>,
    /// Its template's id.
    pub template_id: Option<i64>,
    /// The name.
    pub name: Option<String>,
    /// A dashboard link.
    pub dashboard_url: Option<String>,
}

/// One broadcast the API did not create.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct BroadcastFailure {
    /// Its position in the request.
    pub index: Option<i64>,
    /// Its name.
    pub name: Option<String>,
    /// Why.
    pub error: String,
}

/// The answer to creating broadcasts.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct BroadcastCreateResult {
    /// Created.
    pub results: i64,
    /// Not created.
    pub failed: i64,
    /// The created broadcasts.
    pub broadcasts: Vec<CreatedBroadcast>,
    /// The failures.
    pub failures: Vec<BroadcastFailure>,
}

impl From<bento::BroadcastCreateResult> for BroadcastCreateResult {
    fn from(r: bento::BroadcastCreateResult) -> Self {
        let bento::BroadcastCreateResult {
            results,
            failed,
            broadcasts,
            failures,
        } = r;
        BroadcastCreateResult {
            results: long(results),
            failed: long(failed),
            broadcasts: broadcasts
                .into_iter()
                .map(|b| {
                    let bento::broadcasts::CreatedBroadcast {
                        id,
                        template_id,
                        name,
                        dashboard_url,
                    } = b;
                    CreatedBroadcast {
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
                    let bento::broadcasts::BroadcastFailure { index, name, error } = f;
                    BroadcastFailure {
                        index: index.map(long),
                        name,
                        error,
                    }
                })
                .collect(),
        }
    }
}

/// An email of a sequence or workflow.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TemplateSummary {
    /// The template id.
    pub id: Option<i64>,
    /// The subject.
    pub subject: Option<String>,
    /// Stats: any JSON value.
    pub stats: Option<JsonValue>,
}

fn summaries(v: Vec<bento::sequences::TemplateSummary>) -> Vec<TemplateSummary> {
    v.into_iter()
        .map(|t| {
            let bento::sequences::TemplateSummary { id, subject, stats } = t;
            TemplateSummary {
                id,
                subject,
                stats: opt_value(stats),
            }
        })
        .collect()
}

/// A sequence.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Sequence {
    /// The id.
    pub id: String,
    /// The name.
    pub name: String,
    /// Created (ISO-8601).
    pub created_at: Option<String>,
    /// The prefixed id.
    pub prefix_id: Option<String>,
    /// Its emails.
    pub email_templates: Vec<TemplateSummary>,
}

impl From<bento::Sequence> for Sequence {
    fn from(r: bento::Sequence) -> Self {
        let bento::Sequence {
            id,
            kind: _, // the resource type (`sequences`)
            attributes:
                bento::sequences::SequenceAttributes {
                    name,
                    created_at,
                    id: _, // the numeric id the API may repeat here: the resource id's value
                    prefix_id,
                    email_templates,
                },
        } = r;
        Sequence {
            id,
            name,
            created_at,
            prefix_id,
            email_templates: summaries(email_templates),
        }
    }
}

/// A workflow.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Workflow {
    /// The id.
    pub id: String,
    /// The name.
    pub name: String,
    /// Its status.
    pub status: Option<String>,
    /// Created (ISO-8601).
    pub created_at: Option<String>,
    /// The prefixed id.
    pub prefix_id: Option<String>,
    /// Its emails.
    pub email_templates: Vec<TemplateSummary>,
}

impl From<bento::Workflow> for Workflow {
    fn from(r: bento::Workflow) -> Self {
        let bento::Workflow {
            id,
            kind: _, // the resource type (`workflows`)
            attributes:
                bento::workflows::WorkflowAttributes {
                    name,
                    status,
                    created_at,
                    id: _, // the repeated numeric id, as for sequences
                    prefix_id,
                    email_templates,
                },
        } = r;
        Workflow {
            id,
            name,
            status,
            created_at,
            prefix_id,
            email_templates: summaries(email_templates),
        }
    }
}

/// An email template.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct EmailTemplate {
    /// The id.
    pub id: String,
    /// The name.
    pub name: String,
    /// The subject.
    pub subject: String,
    /// The HTML.
    pub html: String,
    /// Created (ISO-8601).
    pub created_at: Option<String>,
    /// Stats: any JSON value.
    pub stats: Option<JsonValue>,
}

impl From<bento::EmailTemplate> for EmailTemplate {
    fn from(r: bento::EmailTemplate) -> Self {
        let bento::EmailTemplate {
            id,
            kind: _, // the resource type (`email_templates`)
            attributes:
                bento::templates::EmailTemplateAttributes {
                    name,
                    subject,
                    html,
                    created_at,
                    stats,
                },
        } = r;
        EmailTemplate {
            id,
            name,
            subject,
            html,
            created_at,
            stats: opt_value(stats),
        }
    }
}

/// A geolocation.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Location {
    /// The queried IP as the API echoes it.
    pub request: Option<String>,
    /// The IP.
    pub ip: Option<String>,
    /// ISO-3166 alpha-2.
    pub country_code2: Option<String>,
    /// ISO-3166 alpha-3.
    pub country_code3: Option<String>,
    /// Country.
    pub country_name: Option<String>,
    /// Continent code.
    pub continent_code: Option<String>,
    /// Region.
    pub region_name: Option<String>,
    /// City.
    pub city_name: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Latitude.
    pub latitude: Option<f64>,
    /// Longitude.
    pub longitude: Option<f64>,
    /// DMA code.
    pub dma_code: Option<String>,
    /// Area code.
    pub area_code: Option<String>,
    /// Time zone.
    pub timezone: Option<String>,
    /// Region name as reported.
    pub real_region_name: Option<String>,
}

impl From<bento::Location> for Location {
    fn from(l: bento::Location) -> Self {
        let bento::Location {
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
        } = l;
        Location {
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

/// A form response.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FormResponse {
    /// The id.
    pub id: String,
    /// The response's UUID.
    pub uuid: String,
    /// The submission's id.
    pub response_id: Option<String>,
    /// Its kind.
    pub kind: Option<String>,
    /// When (ISO-8601).
    pub date: Option<String>,
    /// Who: a JSON object.
    pub identity: Option<JsonValue>,
    /// From which IP.
    pub ip: Option<String>,
    /// The submitted fields: a JSON object.
    pub fields: Option<JsonValue>,
    /// Details: a JSON object.
    pub details: Option<JsonValue>,
    /// Browser: any JSON value.
    pub browser: Option<JsonValue>,
    /// Page: any JSON value.
    pub page: Option<JsonValue>,
    /// Where.
    pub location: Option<Location>,
}

impl From<bento::FormResponse> for FormResponse {
    fn from(r: bento::FormResponse) -> Self {
        let bento::FormResponse {
            id,
            kind: _, // the resource type (`events`)
            attributes:
                bento::forms::FormResponseAttributes {
                    uuid,
                    data:
                        bento::forms::FormResponseData {
                            id: response_id,
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
        } = r;
        FormResponse {
            id,
            uuid,
            response_id,
            kind,
            date,
            identity: opt_map_value(identity),
            ip,
            fields: opt_map_value(fields),
            details: opt_map_value(details),
            browser: opt_value(browser),
            page: opt_value(page),
            location: location.map(Into::into),
        }
    }
}

/// A segment.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Segment {
    /// The id.
    pub id: String,
    /// The name.
    pub name: String,
    /// The description.
    pub description: Option<String>,
    /// Its query: any JSON value.
    pub visitor_event_query: Option<JsonValue>,
    /// Created (ISO-8601).
    pub created_at: Option<String>,
    /// Updated (ISO-8601).
    pub updated_at: Option<String>,
}

impl From<bento::Segment> for Segment {
    fn from(r: bento::Segment) -> Self {
        let bento::Segment {
            id,
            kind: _, // the resource type
            attributes:
                bento::segments::SegmentAttributes {
                    name,
                    description,
                    visitor_event_query,
                    created_at,
                    updated_at,
                },
        } = r;
        Segment {
            id,
            name,
            description,
            visitor_event_query: opt_value(visitor_event_query),
            created_at,
            updated_at,
        }
    }
}

/// An author (an allowed sender).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Author {
    /// The id.
    pub id: String,
    /// The address.
    pub email: String,
    /// The name.
    pub name: Option<String>,
    /// Any other attributes: a JSON object.
    pub other: JsonValue,
}

impl From<bento::Author> for Author {
    fn from(r: bento::Author) -> Self {
        let bento::Author {
            id,
            kind: _, // the resource type
            attributes: bento::AuthorAttributes { email, name, other },
        } = r;
        Author {
            id,
            email,
            name,
            other: JsonValue(map_text(other)),
        }
    }
}

/// Site or segment counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct SiteStats {
    /// Users.
    pub user_count: i64,
    /// Subscribers.
    pub subscriber_count: i64,
    /// Unsubscribers.
    pub unsubscriber_count: i64,
}

impl From<bento::SiteStats> for SiteStats {
    fn from(s: bento::SiteStats) -> Self {
        let bento::SiteStats {
            user_count,
            subscriber_count,
            unsubscriber_count,
        } = s;
        SiteStats {
            user_count: long(user_count),
            subscriber_count: long(subscriber_count),
            unsubscriber_count: long(unsubscriber_count),
        }
    }
}

/// A report's data.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ReportStats {
    /// The report data: any JSON value (its shape depends on the report).
    pub data: JsonValue,
    /// The chart style.
    pub chart_style: Option<String>,
    /// The report type.
    pub report_type: Option<String>,
    /// The report name.
    pub report_name: Option<String>,
}

impl From<bento::ReportStats> for ReportStats {
    fn from(r: bento::ReportStats) -> Self {
        let bento::ReportStats {
            data,
            chart_style,
            report_type,
            report_name,
        } = r;
        ReportStats {
            data: JsonValue(data.to_string()),
            chart_style,
            report_type,
            report_name,
        }
    }
}

/// Ad attribution totals.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AdsTotals {
    /// Signups.
    pub signups: Option<i64>,
    /// Customers.
    pub customers: Option<i64>,
    /// Revenue in cents.
    pub revenue_cents: Option<i64>,
    /// Revenue currency.
    pub revenue_currency: Option<String>,
    /// Customers per signup.
    pub customer_rate: Option<f64>,
    /// The top source.
    pub top_source: Option<String>,
}

/// One row of an ad attribution breakdown.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AdsBreakdown {
    /// The dimension value.
    pub key: Option<String>,
    /// Its label.
    pub label: Option<String>,
    /// Signups.
    pub signups: Option<i64>,
    /// Customers.
    pub customers: Option<i64>,
    /// Revenue in cents.
    pub revenue_cents: Option<i64>,
    /// Revenue per signup in cents.
    pub revenue_per_signup_cents: Option<i64>,
}

/// Ad attribution stats.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AdsStats {
    /// The dimension.
    pub dimension: Option<String>,
    /// Its label.
    pub dimension_label: Option<String>,
    /// The attribution model: any JSON value.
    pub attribution: Option<JsonValue>,
    /// The revenue mode: any JSON value.
    pub revenue_mode: Option<JsonValue>,
    /// Totals.
    pub totals: Option<AdsTotals>,
    /// Chart points: a JSON array.
    pub chart_data: JsonValue,
    /// The breakdown.
    pub breakdown: Vec<AdsBreakdown>,
    /// Whether revenue was truncated.
    pub revenue_truncated: Option<bool>,
}

impl From<bento::AdsStats> for AdsStats {
    fn from(s: bento::AdsStats) -> Self {
        let bento::AdsStats {
            dimension,
            dimension_label,
            attribution,
            revenue_mode,
            totals,
            chart_data,
            breakdown,
            revenue_truncated,
        } = s;
        AdsStats {
            dimension,
            dimension_label,
            attribution: opt_value(attribution),
            revenue_mode: opt_value(revenue_mode),
            totals: totals.map(|t| {
                let bento::stats::AdsTotals {
                    signups,
                    customers,
                    revenue_cents,
                    revenue_currency,
                    customer_rate,
                    top_source,
                } = t;
                AdsTotals {
                    signups: signups.map(long),
                    customers: customers.map(long),
                    revenue_cents,
                    revenue_currency,
                    customer_rate,
                    top_source,
                }
            }),
            chart_data: JsonValue(serde_json::Value::Array(chart_data).to_string()),
            breakdown: breakdown
                .into_iter()
                .map(|b| {
                    let bento::stats::AdsBreakdown {
                        key,
                        label,
                        signups,
                        customers,
                        revenue_cents,
                        revenue_per_signup_cents,
                    } = b;
                    AdsBreakdown {
                        key,
                        label,
                        signups: signups.map(long),
                        customers: customers.map(long),
                        revenue_cents,
                        revenue_per_signup_cents,
                    }
                })
                .collect(),
            revenue_truncated,
        }
    }
}

/// A validation verdict.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ValidationResult {
    /// Whether it looks valid.
    pub valid: bool,
    /// Why not.
    pub reasons: Vec<String>,
}

impl From<bento::ValidationResult> for ValidationResult {
    fn from(r: bento::ValidationResult) -> Self {
        let bento::ValidationResult { valid, reasons } = r;
        ValidationResult { valid, reasons }
    }
}

/// A moderation verdict.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ModerationResult {
    /// Whether the content is acceptable.
    pub valid: bool,
    /// Why not.
    pub reasons: Vec<String>,
    /// The content as the API echoes it.
    pub safe_original_content: Option<String>,
}

impl From<bento::ModerationResult> for ModerationResult {
    fn from(r: bento::ModerationResult) -> Self {
        let bento::ModerationResult {
            valid,
            reasons,
            safe_original_content,
        } = r;
        ModerationResult {
            valid,
            reasons,
            safe_original_content,
        }
    }
}

/// A gender guess.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct GenderResult {
    /// The guess.
    pub gender: Option<String>,
    /// How sure (0–1).
    pub confidence: Option<f64>,
}

impl From<bento::GenderResult> for GenderResult {
    fn from(r: bento::GenderResult) -> Self {
        let bento::GenderResult { gender, confidence } = r;
        GenderResult { gender, confidence }
    }
}

/// A blacklist check.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct BlacklistResult {
    /// What was checked.
    pub query: Option<String>,
    /// A description.
    pub description: Option<String>,
    /// Per-list results: a JSON object.
    pub results: Option<JsonValue>,
    /// The lists that list it.
    pub listed_on: Vec<String>,
}

impl From<bento::BlacklistResult> for BlacklistResult {
    fn from(r: bento::BlacklistResult) -> Self {
        let listed_on = r.listed_on().into_iter().map(str::to_owned).collect();
        let bento::BlacklistResult {
            query,
            description,
            results,
        } = r;
        BlacklistResult {
            query,
            description,
            results: opt_map_value(results),
            listed_on,
        }
    }
}

/// A page of search results.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SearchResult {
    /// The subscribers.
    pub data: Vec<Subscriber>,
    /// Paging info: any JSON value.
    pub meta: Option<JsonValue>,
}

impl From<bento::SearchResult> for SearchResult {
    fn from(r: bento::SearchResult) -> Self {
        let bento::SearchResult { data, meta } = r;
        SearchResult {
            data: data.into_iter().map(Into::into).collect(),
            meta: opt_value(meta),
        }
    }
}
