//! Input records, converted (fallibly: JSON text is parsed here) into the core's types. The core
//! then validates them as it does for Rust callers; nothing is sent when anything is wrong.

use std::fmt::Display;

use crate::error::BentoError;
use crate::json::{JsonValue, either_object, opt_map_value, parse_opt_object, parse_value};

/// An event to track. `event_type` is e.g. `$pageView`, `signed_up`, `$purchase`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Event {
    /// The event name.
    pub event_type: String,
    /// The subscriber; created if unknown.
    pub email: String,
    /// Deprecated: `fields` as JSON object text.
    #[uniffi(default)]
    pub fields_json: Option<String>,
    /// Deprecated: `details` as JSON object text.
    #[uniffi(default)]
    pub details_json: Option<String>,
    /// When it happened (ISO-8601); default: when Bento receives it.
    #[uniffi(default)]
    pub date: Option<String>,
    /// Custom fields written to the subscriber, an object, e.g. `{"plan": "pro"}`.
    #[uniffi(default)]
    pub fields: Option<JsonValue>,
    /// Event details (`{{ event.details.* }}` in Liquid), an object.
    #[uniffi(default)]
    pub details: Option<JsonValue>,
}

impl Event {
    pub(crate) fn to_core(&self, at: &dyn Display) -> Result<bento::Event, BentoError> {
        Ok(bento::Event {
            event_type: self.event_type.clone(),
            email: self.email.clone(),
            fields: either_object(
                at,
                "fields",
                self.fields.as_ref(),
                self.fields_json.as_deref(),
            )?,
            details: either_object(
                at,
                "details",
                self.details.as_ref(),
                self.details_json.as_deref(),
            )?,
            date: self.date.clone(),
        })
    }

    /// An event built by the core (`purchase_event`, ..): both forms of each JSON field are
    /// set, to the same value.
    pub(crate) fn from_core(e: bento::Event) -> Self {
        let fields = opt_map_value(e.fields);
        let details = opt_map_value(e.details);
        Event {
            event_type: e.event_type,
            email: e.email,
            fields_json: fields.as_ref().map(|v| v.text().to_owned()),
            details_json: details.as_ref().map(|v| v.text().to_owned()),
            date: e.date,
            fields,
            details,
        }
    }
}

/// One row of a subscriber import (an upsert).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ImportSubscriber {
    /// The subscriber's email (required).
    pub email: String,
    /// First name.
    #[uniffi(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[uniffi(default)]
    pub last_name: Option<String>,
    /// Tags to add, comma-separated (created if missing).
    #[uniffi(default)]
    pub tags: Option<String>,
    /// Tags to remove, comma-separated.
    #[uniffi(default)]
    pub remove_tags: Option<String>,
    /// Deprecated: `custom_fields` as JSON object text.
    #[uniffi(default)]
    pub custom_fields_json: Option<String>,
    /// Custom fields as flat keys, an object, e.g. `{"company": "Acme"}`.
    #[uniffi(default)]
    pub custom_fields: Option<JsonValue>,
}

impl ImportSubscriber {
    pub(crate) fn to_core(
        &self,
        at: &dyn Display,
    ) -> Result<bento::ImportSubscriberData, BentoError> {
        Ok(bento::ImportSubscriberData {
            email: self.email.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            tags: self.tags.clone(),
            remove_tags: self.remove_tags.clone(),
            custom_fields: either_object(
                at,
                "custom_fields",
                self.custom_fields.as_ref(),
                self.custom_fields_json.as_deref(),
            )?
            .unwrap_or_default(),
        })
    }
}

/// A core row back as the foreign record (the rows of a failed chunk of a JSON-text import).
impl From<bento::ImportSubscriberData> for ImportSubscriber {
    fn from(row: bento::ImportSubscriberData) -> Self {
        let bento::ImportSubscriberData {
            email,
            first_name,
            last_name,
            tags,
            remove_tags,
            custom_fields,
        } = row;
        ImportSubscriber {
            email,
            first_name,
            last_name,
            tags,
            remove_tags,
            custom_fields_json: None,
            custom_fields: (!custom_fields.is_empty())
                .then(|| crate::json::JsonValue(crate::json::map_text(custom_fields))),
        }
    }
}

/// A subscriber command (`POST /fetch/commands`).
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum Command {
    /// Adds a tag (no automations).
    AddTag {
        /// The subscriber.
        email: String,
        /// The tag name.
        tag: String,
    },
    /// Adds a tag through an event (triggers automations).
    AddTagViaEvent {
        /// The subscriber.
        email: String,
        /// The tag name.
        tag: String,
    },
    /// Removes a tag.
    RemoveTag {
        /// The subscriber.
        email: String,
        /// The tag name.
        tag: String,
    },
    /// Sets a custom field to any JSON value (`"pro"`, `42`, `{"a": 1}`, `None` for null).
    SetField {
        /// The subscriber.
        email: String,
        /// The field key.
        key: String,
        /// The value.
        value: JsonValue,
    },
    /// Deprecated: `SetField` with the value as JSON text, e.g. `"\"pro\""`, `42`.
    AddField {
        /// The subscriber.
        email: String,
        /// The field key.
        key: String,
        /// The value: any JSON text.
        value_json: String,
    },
    /// Removes a custom field.
    RemoveField {
        /// The subscriber.
        email: String,
        /// The field key.
        key: String,
    },
    /// Subscribes (or re-subscribes).
    Subscribe {
        /// The subscriber.
        email: String,
    },
    /// Unsubscribes.
    Unsubscribe {
        /// The subscriber.
        email: String,
    },
    /// Changes the subscriber's email address.
    ChangeEmail {
        /// The current address.
        email: String,
        /// The new address.
        new_email: String,
    },
}

impl Command {
    pub(crate) fn to_core(&self, at: &dyn Display) -> Result<bento::Command, BentoError> {
        use bento::Command as C;
        Ok(match self.clone() {
            Command::AddTag { email, tag } => C::AddTag { email, tag },
            Command::AddTagViaEvent { email, tag } => C::AddTagViaEvent { email, tag },
            Command::RemoveTag { email, tag } => C::RemoveTag { email, tag },
            Command::AddField {
                email,
                key,
                value_json,
            } => C::AddField {
                email,
                key,
                value: parse_value(format_args!("{at}.value_json"), &value_json)?,
            },
            Command::SetField { email, key, value } => C::AddField {
                email,
                key,
                value: value.parse(format_args!("{at}.value"))?,
            },
            Command::RemoveField { email, key } => C::RemoveField { email, key },
            Command::Subscribe { email } => C::Subscribe { email },
            Command::Unsubscribe { email } => C::Unsubscribe { email },
            Command::ChangeEmail { email, new_email } => C::ChangeEmail { email, new_email },
        })
    }
}

/// One transactional email.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct EmailData {
    /// One recipient.
    pub to: String,
    /// The sender: an author of the account (see `get_authors`); otherwise
    /// `BentoError.AuthorNotAuthorized`. (`from` in the API; renamed because it is a Python
    /// keyword.)
    pub from_email: String,
    /// The subject (Liquid allowed).
    pub subject: String,
    /// The HTML body (Liquid allowed).
    pub html_body: String,
    /// `true` sends even to unsubscribed recipients: receipts and password resets only.
    #[uniffi(default = false)]
    pub transactional: bool,
    /// Deprecated: `personalizations` as JSON object text.
    #[uniffi(default)]
    pub personalizations_json: Option<String>,
    /// Liquid variables, an object, e.g. `{"name": "Jane"}`.
    #[uniffi(default)]
    pub personalizations: Option<JsonValue>,
}

impl EmailData {
    pub(crate) fn to_core(&self, at: &dyn Display) -> Result<bento::EmailData, BentoError> {
        Ok(bento::EmailData {
            to: self.to.clone(),
            from: self.from_email.clone(),
            subject: self.subject.clone(),
            html_body: self.html_body.clone(),
            transactional: self.transactional,
            personalizations: either_object(
                at,
                "personalizations",
                self.personalizations.as_ref(),
                self.personalizations_json.as_deref(),
            )?,
        })
    }
}

/// A broadcast's status (a filter for `list_broadcasts` / `all_broadcasts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum BroadcastStatus {
    /// Sent.
    Sent,
    /// A draft.
    Draft,
    /// Being sent.
    Sending,
    /// Scheduled.
    Scheduled,
    /// Paused.
    Paused,
    /// Canceled.
    Canceled,
}

impl From<BroadcastStatus> for bento::BroadcastStatus {
    fn from(s: BroadcastStatus) -> Self {
        match s {
            BroadcastStatus::Sent => bento::BroadcastStatus::Sent,
            BroadcastStatus::Draft => bento::BroadcastStatus::Draft,
            BroadcastStatus::Sending => bento::BroadcastStatus::Sending,
            BroadcastStatus::Scheduled => bento::BroadcastStatus::Scheduled,
            BroadcastStatus::Paused => bento::BroadcastStatus::Paused,
            BroadcastStatus::Canceled => bento::BroadcastStatus::Canceled,
        }
    }
}

/// A draft broadcast to create.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct BroadcastData {
    /// Internal name.
    pub name: String,
    /// The subject.
    pub subject: String,
    /// The content (HTML or Bento's plain markup).
    pub content: String,
    /// The sender's address (an author of the account).
    pub from_email: String,
    /// The sender's name.
    #[uniffi(default)]
    pub from_name: Option<String>,
    /// The content type, sent as the API's `type`: `"plain"` (Bento's styling, the default)
    /// or `"raw"` (your own HTML) are the documented ones, in any case; any other non-blank
    /// string is sent as given (Python: `bento.BroadcastType.RAW` or a string).
    #[uniffi(default)]
    pub broadcast_type: Option<String>,
    /// Only subscribers with these tags (comma-separated).
    #[uniffi(default)]
    pub inclusive_tags: Option<String>,
    /// Not subscribers with these tags (comma-separated).
    #[uniffi(default)]
    pub exclusive_tags: Option<String>,
    /// Only this segment.
    #[uniffi(default)]
    pub segment_id: Option<String>,
    /// Sending pace (default 1000 per hour).
    #[uniffi(default)]
    pub batch_size_per_hour: Option<i32>,
    /// When to send (ISO-8601).
    #[uniffi(default)]
    pub send_at: Option<String>,
    /// Whether it is approved for sending.
    #[uniffi(default)]
    pub approved: Option<bool>,
}

impl BroadcastData {
    pub(crate) fn to_core(&self, at: &dyn Display) -> Result<bento::BroadcastData, BentoError> {
        let mut b = bento::BroadcastData::new(
            self.name.as_str(),
            self.subject.as_str(),
            self.content.as_str(),
            self.from_email.as_str(),
        );
        b.from.name = self.from_name.clone();
        // A blank type is refused by the core's validation (`broadcasts[i].broadcast_type`).
        if let Some(t) = &self.broadcast_type {
            b.broadcast_type = bento::BroadcastType::from(t.as_str());
        }
        b.inclusive_tags = self.inclusive_tags.clone();
        b.exclusive_tags = self.exclusive_tags.clone();
        b.segment_id = self.segment_id.clone();
        if let Some(n) = self.batch_size_per_hour {
            b.batch_size_per_hour = u32::try_from(n).map_err(|_| {
                BentoError::invalid(format!("{at}.batch_size_per_hour"), "must not be negative")
            })?;
        }
        b.send_at = self.send_at.clone();
        b.approved = self.approved;
        Ok(b)
    }
}

/// A sequence step's delay unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DelayInterval {
    /// Minutes.
    Minutes,
    /// Hours.
    Hours,
    /// Days.
    Days,
    /// Months.
    Months,
}

/// An email to append to a sequence.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SequenceEmail {
    /// The subject.
    pub subject: String,
    /// The HTML body.
    pub html: String,
    /// The inbox preview text.
    #[uniffi(default)]
    pub inbox_snippet: Option<String>,
    /// The delay unit.
    #[uniffi(default)]
    pub delay_interval: Option<DelayInterval>,
    /// How many units to wait.
    #[uniffi(default)]
    pub delay_interval_count: Option<i32>,
    /// The editor (`plain`, `html`, ..).
    #[uniffi(default)]
    pub editor_choice: Option<String>,
    /// Cc.
    #[uniffi(default)]
    pub cc: Option<String>,
    /// Bcc.
    #[uniffi(default)]
    pub bcc: Option<String>,
    /// To override.
    #[uniffi(default)]
    pub to: Option<String>,
}

impl SequenceEmail {
    pub(crate) fn to_core(&self) -> Result<bento::SequenceEmail, BentoError> {
        let mut e = bento::SequenceEmail::new(self.subject.as_str(), self.html.as_str());
        e.inbox_snippet = self.inbox_snippet.clone();
        e.delay_interval = self.delay_interval.map(|d| match d {
            DelayInterval::Minutes => bento::DelayInterval::Minutes,
            DelayInterval::Hours => bento::DelayInterval::Hours,
            DelayInterval::Days => bento::DelayInterval::Days,
            DelayInterval::Months => bento::DelayInterval::Months,
        });
        e.delay_interval_count = self
            .delay_interval_count
            .map(u32::try_from)
            .transpose()
            .map_err(|_| {
                BentoError::invalid("email.delay_interval_count", "must not be negative")
            })?;
        e.editor_choice = self.editor_choice.clone();
        e.cc = self.cc.clone();
        e.bcc = self.bcc.clone();
        e.to = self.to.clone();
        Ok(e)
    }
}

/// A date range filter (ISO-8601 bounds, both optional).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DateRange {
    /// After.
    #[uniffi(default)]
    pub gt: Option<String>,
    /// Before.
    #[uniffi(default)]
    pub lt: Option<String>,
}

impl From<&DateRange> for bento::DateRange {
    fn from(r: &DateRange) -> Self {
        bento::DateRange {
            gt: r.gt.clone(),
            lt: r.lt.clone(),
        }
    }
}

/// A subscriber search (Enterprise plans).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SearchQuery {
    /// The page (1-based).
    #[uniffi(default)]
    pub page: Option<i32>,
    /// Subscribers with all of these tag ids.
    #[uniffi(default = [])]
    pub tags: Vec<String>,
    /// Created in this range.
    #[uniffi(default)]
    pub created_at: Option<DateRange>,
    /// Updated in this range.
    #[uniffi(default)]
    pub updated_at: Option<DateRange>,
    /// Last event in this range.
    #[uniffi(default)]
    pub last_event_at: Option<DateRange>,
    /// Unsubscribed in this range.
    #[uniffi(default)]
    pub unsubscribed_at: Option<DateRange>,
}

impl SearchQuery {
    pub(crate) fn to_core(&self) -> Result<bento::SearchSubscribers, BentoError> {
        Ok(bento::SearchSubscribers {
            page: self
                .page
                .map(u32::try_from)
                .transpose()
                .map_err(|_| BentoError::invalid("query.page", "must not be negative"))?,
            tags: self.tags.clone(),
            created_at: self.created_at.as_ref().map(Into::into),
            updated_at: self.updated_at.as_ref().map(Into::into),
            last_event_at: self.last_event_at.as_ref().map(Into::into),
            unsubscribed_at: self.unsubscribed_at.as_ref().map(Into::into),
        })
    }
}

/// Ad attribution stats filters (all optional).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AdsStatsQuery {
    /// Group by (e.g. `utm_source`).
    #[uniffi(default)]
    pub dimension: Option<String>,
    /// Only this value of the dimension.
    #[uniffi(default)]
    pub value: Option<String>,
    /// From (YYYY-MM-DD).
    #[uniffi(default)]
    pub start_date: Option<String>,
    /// To (YYYY-MM-DD).
    #[uniffi(default)]
    pub end_date: Option<String>,
    /// Revenue attribution mode.
    #[uniffi(default)]
    pub revenue_mode: Option<String>,
}

impl AdsStatsQuery {
    pub(crate) fn to_core(&self) -> bento::GetAdsStats {
        bento::GetAdsStats {
            dimension: self.dimension.clone(),
            value: self.value.clone(),
            start_date: self.start_date.clone(),
            end_date: self.end_date.clone(),
            revenue_mode: self.revenue_mode.clone(),
        }
    }
}

/// An address to validate, with optional context that improves the verdict.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ValidationData {
    /// The address.
    pub email: String,
    /// The person's name.
    #[uniffi(default)]
    pub name: Option<String>,
    /// Their browser's user agent.
    #[uniffi(default)]
    pub user_agent: Option<String>,
    /// Their IP.
    #[uniffi(default)]
    pub ip: Option<String>,
}

impl ValidationData {
    pub(crate) fn to_core(&self) -> bento::ValidationData {
        bento::ValidationData {
            email: self.email.clone(),
            name: self.name.clone(),
            user_agent: self.user_agent.clone(),
            ip: self.ip.clone(),
        }
    }
}

/// Jesse's ruleset check of an address.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct JessesRulesetCheck {
    /// The address.
    pub email: String,
    /// Reject free providers (gmail.com, ..).
    #[uniffi(default)]
    pub block_free_providers: Option<bool>,
    /// Be lenient.
    #[uniffi(default)]
    pub wiggleroom: Option<bool>,
}

impl JessesRulesetCheck {
    pub(crate) fn to_core(&self) -> bento::JessesRuleset {
        let mut j = bento::JessesRuleset::new(self.email.as_str());
        j.block_free_providers = self.block_free_providers;
        j.wiggleroom = self.wiggleroom;
        j
    }
}

/// A domain and/or IP to check against blacklists.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct BlacklistData {
    /// A domain.
    #[uniffi(default)]
    pub domain: Option<String>,
    /// An IP address.
    #[uniffi(default)]
    pub ip: Option<String>,
}

impl BlacklistData {
    pub(crate) fn to_core(&self) -> bento::BlacklistData {
        bento::BlacklistData {
            domain: self.domain.clone(),
            ip: self.ip.clone(),
        }
    }
}

/// A `$purchase` event: the order's unique key (Bento never counts it twice), the amount in
/// cents, the currency and optionally the cart (any JSON value; `cart_json`: the same as JSON
/// text, deprecated).
#[uniffi::export(default(cart_json), default(cart))]
pub fn purchase_event(
    email: String,
    unique_key: String,
    amount_cents: i64,
    currency: String,
    cart_json: Option<String>,
    cart: Option<JsonValue>,
) -> Result<Event, BentoError> {
    let mut purchase = bento::Purchase::new(unique_key, amount_cents, currency);
    let cart = match (cart, cart_json) {
        (Some(_), Some(_)) => {
            return Err(BentoError::invalid(
                "cart",
                "set `cart` or `cart_json`, not both",
            ));
        }
        (Some(v), None) => Some(v.parse("cart")?),
        (None, Some(text)) => Some(parse_value("cart_json", &text)?),
        (None, None) => None,
    };
    if let Some(cart) = cart {
        purchase = purchase.with_cart(cart);
    }
    Ok(Event::from_core(bento::Event::purchase(email, purchase)))
}

/// A `$tag` event (adds `tag` and triggers automations).
#[uniffi::export]
pub fn tag_event(email: String, tag: String) -> Event {
    Event::from_core(bento::Event::tag(email, tag))
}

/// A `$subscribe` event that also sets custom fields (an object; `fields_json`: the same as
/// JSON object text, deprecated).
#[uniffi::export(default(fields_json), default(fields))]
pub fn subscribe_event(
    email: String,
    fields_json: Option<String>,
    fields: Option<JsonValue>,
) -> Result<Event, BentoError> {
    let fields = match fields {
        Some(v) if fields_json.is_none() => v.parse_object("fields")?,
        Some(_) => {
            return Err(BentoError::invalid(
                "fields",
                "set `fields` or `fields_json`, not both",
            ));
        }
        None => parse_opt_object("fields_json", fields_json.as_deref())?.unwrap_or_default(),
    };
    Ok(Event::from_core(bento::Event::subscribe(email, fields)))
}

/// Whether `email` passes the same address check the client applies before sending.
#[uniffi::export]
pub fn is_valid_email(email: String) -> bool {
    bento::is_valid_email(&email)
}

/// Converts a foreign list, naming the failing item (`events[3].details_json`).
pub(crate) fn convert_all<T, U>(
    name: &str,
    items: &[T],
    f: impl Fn(&T, &dyn Display) -> Result<U, BentoError>,
) -> Result<Vec<U>, BentoError> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| f(item, &format_args!("{name}[{i}]")))
        .collect()
}
