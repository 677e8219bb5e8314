//! Events: `POST /batch/events`.
//!
//! Events are the preferred way to create and update subscribers: they trigger automations.
//! [`EventData`] is the guide's plain struct; [`Event`] adds the optional `date` and typed
//! constructors for Bento's own events (`$subscribe`, `$tag`, `$purchase`, ...).

use serde::Serialize;
use serde_json::{Value, json};

use crate::error::Error;
use crate::model::{BatchResult, JsonMap};
use crate::operation::{RequestSpec, decode_json, operation};
use crate::validate::{self, Field, Item, limits};

/// An event as the guide writes it: a struct literal.
///
/// ```
/// use bento_core::EventData;
/// use std::collections::HashMap;
/// let mut details = HashMap::new();
/// details.insert("url".to_string(), serde_json::json!("/home"));
/// let event = EventData {
///     event_type: "$pageView".to_string(),
///     email: "user@example.com".to_string(),
///     fields: None,
///     details: Some(details),
/// };
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventData {
    /// The event name, e.g. `$pageView` or `signed_up`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The subscriber; created if unknown.
    pub email: String,
    /// Custom fields written to the subscriber (flat).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::model::sorted_opt"
    )]
    pub fields: Option<JsonMap>,
    /// Event details, available in Liquid as `{{ event.details.* }}`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::model::sorted_opt"
    )]
    pub details: Option<JsonMap>,
}

/// An event with everything the API takes, including a backfill `date`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// The event name.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The subscriber; created if unknown.
    pub email: String,
    /// Custom fields written to the subscriber (flat).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::model::sorted_opt"
    )]
    pub fields: Option<JsonMap>,
    /// Event details.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::model::sorted_opt"
    )]
    pub details: Option<JsonMap>,
    /// When it happened (ISO-8601); defaults to the time Bento receives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

impl From<EventData> for Event {
    fn from(e: EventData) -> Self {
        Event {
            event_type: e.event_type,
            email: e.email,
            fields: e.fields,
            details: e.details,
            date: None,
        }
    }
}

/// A `$purchase`: the order's unique key (so Bento never counts it twice), the amount in
/// cents and the currency, and optionally the cart.
#[derive(Debug, Clone, PartialEq)]
pub struct Purchase {
    /// Dedupe key, e.g. the order id.
    pub unique_key: String,
    /// Amount in cents (integer).
    pub amount_cents: i64,
    /// ISO-4217 code, e.g. `USD`.
    pub currency: String,
    /// `{"items": [..], "abandoned_checkout_url": ..}`, any JSON.
    pub cart: Option<Value>,
}

impl Purchase {
    /// A purchase of `amount_cents` in `currency` under `unique_key`.
    pub fn new(
        unique_key: impl Into<String>,
        amount_cents: i64,
        currency: impl Into<String>,
    ) -> Self {
        Purchase {
            unique_key: unique_key.into(),
            amount_cents,
            currency: currency.into(),
            cart: None,
        }
    }

    /// With a cart.
    pub fn with_cart(mut self, cart: Value) -> Self {
        self.cart = Some(cart);
        self
    }
}

impl Event {
    /// A custom event.
    pub fn new(event_type: impl Into<String>, email: impl Into<String>) -> Self {
        Event {
            event_type: event_type.into(),
            email: email.into(),
            fields: None,
            details: None,
            date: None,
        }
    }
    /// With custom fields.
    pub fn with_fields(mut self, fields: JsonMap) -> Self {
        self.fields = Some(fields);
        self
    }
    /// With details.
    pub fn with_details(mut self, details: JsonMap) -> Self {
        self.details = Some(details);
        self
    }
    /// With a backfill date (ISO-8601).
    pub fn with_date(mut self, date: impl Into<String>) -> Self {
        self.date = Some(date.into());
        self
    }

    /// `$subscribe`: subscribes (or re-subscribes) and sets fields.
    pub fn subscribe(email: impl Into<String>, fields: JsonMap) -> Self {
        Event::new("$subscribe", email).with_fields(fields)
    }
    /// `$unsubscribe`.
    pub fn unsubscribe(email: impl Into<String>) -> Self {
        Event::new("$unsubscribe", email)
    }
    /// `$tag` with `details.tag`.
    pub fn tag(email: impl Into<String>, tag: impl Into<String>) -> Self {
        Event::new("$tag", email).with_details(one("tag", json!(tag.into())))
    }
    /// `$remove_tag` with `details.tag`.
    pub fn remove_tag(email: impl Into<String>, tag: impl Into<String>) -> Self {
        Event::new("$remove_tag", email).with_details(one("tag", json!(tag.into())))
    }
    /// `$update_fields`.
    pub fn update_fields(email: impl Into<String>, fields: JsonMap) -> Self {
        Event::new("$update_fields", email).with_fields(fields)
    }
    /// `$purchase` with `details.unique.key` and `details.value {amount, currency}`.
    pub fn purchase(email: impl Into<String>, purchase: Purchase) -> Self {
        let mut details = JsonMap::new();
        details.insert("unique".into(), json!({ "key": purchase.unique_key }));
        details.insert(
            "value".into(),
            json!({ "amount": purchase.amount_cents, "currency": purchase.currency }),
        );
        if let Some(cart) = purchase.cart {
            details.insert("cart".into(), cart);
        }
        Event::new("$purchase", email).with_details(details)
    }

    pub(crate) fn validate(&self, field: Item<'_>) -> Result<(), Error> {
        validate::not_blank(field.at("type"), &self.event_type)?;
        validate::email(field.at("email"), &self.email)?;
        if let Some(fields) = &self.fields {
            validate::keys(field.at("fields"), fields)?;
        }
        if let Some(date) = &self.date {
            validate::iso_date(field.at("date"), date)?;
        }
        if self.event_type == "$purchase" {
            let value = self.details.as_ref().and_then(|d| d.get("value"));
            if let Some(value) = value {
                match value.get("amount") {
                    Some(a)
                        if a.as_i64().is_some_and(|c| {
                            c.unsigned_abs() <= limits::MAX_AMOUNT_CENTS as u64
                        }) => {}
                    _ => {
                        return Err(Error::invalid(
                            field.at("details.value.amount").name(),
                            "must be an integer amount in cents, at most 10^15 either way",
                        ));
                    }
                }
                match value.get("currency").and_then(Value::as_str) {
                    Some(c) => validate::currency(field.at("details.value.currency"), c)?,
                    None => {
                        return Err(Error::invalid(
                            field.at("details.value.currency").name(),
                            "is required for a $purchase value",
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

fn one(key: &str, value: Value) -> JsonMap {
    let mut m = JsonMap::new();
    m.insert(key.to_owned(), value);
    m
}

/// `POST /batch/events`: 1–1000 events.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackEvents {
    /// The events.
    pub events: Vec<Event>,
}

impl TrackEvents {
    /// Tracks `events`.
    pub fn new(events: impl IntoIterator<Item = impl Into<Event>>) -> Self {
        TrackEvents {
            events: events.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    events: &'a [Event],
}

operation! {
    TrackEvents => BatchResult, NotIdempotent,
    request(self, config) {
        validate::batch("events", &self.events, limits::EVENTS, Event::validate)?;
        RequestSpec::post("/batch/events").json(&Body { events: &self.events })?.build(config)
    }
    decode(self, status, body) { crate::batch::checked(decode_json(status, body), status, self.events.len()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::Operation;
    use crate::test_support::{config, map, parse, request};
    use serde_json::json;

    #[test]
    fn track_events_sends_the_events_wrapper_with_type_and_optional_keys() {
        let op = TrackEvents::new([
            Event::from(EventData {
                event_type: "$pageView".into(),
                email: "user@example.com".into(),
                fields: None,
                details: Some(map(json!({"url": "/home"}))),
            }),
            Event::purchase("c@example.com", Purchase::new("order-123", 9999, "USD"))
                .with_date("2026-01-31T10:00:00Z"),
            Event::subscribe("n@example.com", map(json!({"first_name": "Jane"}))),
            Event::tag("t@example.com", "vip"),
            Event::remove_tag("t@example.com", "old"),
            Event::update_fields("t@example.com", map(json!({"plan": "pro"}))),
            Event::unsubscribe("u@example.com"),
        ]);
        let (method, path, query, body) = request(&op);
        assert_eq!(
            (method.as_str(), path.as_str(), query),
            ("POST", "/batch/events", vec![])
        );
        assert_eq!(
            body,
            json!({"events": [
                {"type": "$pageView", "email": "user@example.com", "details": {"url": "/home"}},
                {"type": "$purchase", "email": "c@example.com", "date": "2026-01-31T10:00:00Z",
                 "details": {"unique": {"key": "order-123"}, "value": {"amount": 9999, "currency": "USD"}}},
                {"type": "$subscribe", "email": "n@example.com", "fields": {"first_name": "Jane"}},
                {"type": "$tag", "email": "t@example.com", "details": {"tag": "vip"}},
                {"type": "$remove_tag", "email": "t@example.com", "details": {"tag": "old"}},
                {"type": "$update_fields", "email": "t@example.com", "fields": {"plan": "pro"}},
                {"type": "$unsubscribe", "email": "u@example.com"}
            ]})
        );
        assert_eq!(
            parse(&op, 200, r#"{"results":7,"failed":0}"#).unwrap(),
            BatchResult {
                results: 7,
                failed: 0
            }
        );
        assert_eq!(parse(&op, 201, r#"{"result":7}"#).unwrap().results, 7);
    }

    #[test]
    fn event_input_is_checked_before_any_request() {
        let bad = |e: Event| {
            TrackEvents::new([e])
                .to_request(&config())
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            bad(Event::new(" ", "a@b.io")),
            "invalid input: events[0].type: must not be blank"
        );
        assert_eq!(
            bad(Event::new("x", "nope")),
            "invalid input: events[0].email: is not a valid email address"
        );
        assert!(bad(Event::new("x", "a@b.io").with_date("yesterday")).contains("events[0].date"));
        assert!(bad(Event::purchase("a@b.io", Purchase::new("k", 1, "usd"))).contains("currency"));
        let fractional = Event::new("$purchase", "a@b.io")
            .with_details(map(json!({"value": {"amount": 99.99, "currency": "USD"}})));
        assert!(bad(fractional).contains("integer amount in cents"));
        assert!(
            TrackEvents::new(Vec::<Event>::new())
                .to_request(&config())
                .is_err()
        );
        let many = (0..1001).map(|i| Event::new("x", format!("u{i}@b.io")));
        assert!(
            TrackEvents::new(many)
                .to_request(&config())
                .unwrap_err()
                .to_string()
                .contains("got 1001")
        );
    }
}
