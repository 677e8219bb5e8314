//! Subscribers: `POST /batch/subscribers`, `GET /fetch/subscribers`, `POST /fetch/subscribers`.

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::model::{BatchResult, JsonMap, Resource, nullable};
use crate::operation::{RequestSpec, decode_created, decode_data, decode_json, operation};
use crate::validate::{self, Field, Item, limits};

/// A subscriber (`type: "visitors"`).
pub type Subscriber = Resource<SubscriberAttributes>;

/// A subscriber's attributes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SubscriberAttributes {
    /// The subscriber's UUID.
    #[serde(default, deserialize_with = "nullable")]
    pub uuid: String,
    /// The email address.
    #[serde(default, deserialize_with = "nullable")]
    pub email: String,
    /// Custom fields; the API may send `null`.
    #[serde(default)]
    pub fields: Option<JsonMap>,
    /// Ids of the subscriber's tags.
    #[serde(default, deserialize_with = "nullable")]
    pub cached_tag_ids: Vec<String>,
    /// When the subscriber unsubscribed (ISO-8601), if they did.
    #[serde(default)]
    pub unsubscribed_at: Option<String>,
    /// A dashboard link (search results and some reads).
    #[serde(default)]
    pub navigation_url: Option<String>,
}

impl SubscriberAttributes {
    /// Whether the subscriber is currently subscribed.
    pub fn is_subscribed(&self) -> bool {
        self.unsubscribed_at.is_none()
    }
}

/// One row of a subscriber import, as the guide writes it. Custom fields are sent as flat keys
/// beside `email`; `tags` and `remove_tags` are comma-separated tag names.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ImportSubscriberData {
    /// The subscriber's email (required).
    pub email: String,
    /// First name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Tags to add, comma-separated (created if missing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<String>,
    /// Tags to remove, comma-separated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remove_tags: Option<String>,
    /// Custom fields (flat keys).
    #[serde(flatten, serialize_with = "crate::model::sorted")]
    pub custom_fields: JsonMap,
}

const RESERVED_IMPORT_KEYS: [&str; 5] = ["email", "first_name", "last_name", "tags", "remove_tags"];

impl ImportSubscriberData {
    /// A row for `email` with nothing else.
    pub fn new(email: impl Into<String>) -> Self {
        ImportSubscriberData {
            email: email.into(),
            ..Default::default()
        }
    }

    pub(crate) fn validate(&self, field: Item<'_>) -> Result<(), Error> {
        validate::email(field.at("email"), &self.email)?;
        validate::keys(field.at("custom_fields"), &self.custom_fields)?;
        if let Some(k) = self
            .custom_fields
            .keys()
            .find(|k| RESERVED_IMPORT_KEYS.contains(&k.as_str()))
        {
            return Err(Error::invalid(
                format!("{}.{k}", field.at("custom_fields").name()),
                "is a reserved key; set the struct field instead",
            ));
        }
        for (name, tags) in [("tags", &self.tags), ("remove_tags", &self.remove_tags)] {
            if let Some(t) = tags
                && t.split(',').any(|tag| tag.trim().is_empty())
                && !t.trim().is_empty()
            {
                return Err(Error::invalid(
                    field.at(name).name(),
                    "must be comma-separated tag names without empty entries",
                ));
            }
        }
        Ok(())
    }
}

/// `POST /batch/subscribers`: upserts 1–1000 subscribers (applied by a background import
/// within seconds to minutes; does not trigger automations).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportSubscribers {
    /// The rows.
    pub subscribers: Vec<ImportSubscriberData>,
}

impl ImportSubscribers {
    /// Imports `subscribers`.
    pub fn new(subscribers: impl IntoIterator<Item = ImportSubscriberData>) -> Self {
        ImportSubscribers {
            subscribers: subscribers.into_iter().collect(),
        }
    }
}

#[derive(Serialize)]
struct ImportBody<'a> {
    subscribers: &'a [ImportSubscriberData],
}

operation! {
    ImportSubscribers => BatchResult, Idempotent,
    request(self, config) {
        validate::batch("subscribers", &self.subscribers, limits::SUBSCRIBERS, ImportSubscriberData::validate)?;
        RequestSpec::post("/batch/subscribers")
            .json(&ImportBody { subscribers: &self.subscribers })?
            .build(config)
    }
    decode(self, status, body) { crate::batch::checked(decode_json(status, body), status, self.subscribers.len()) }
}

/// `GET /fetch/subscribers?email=..` or `?uuid=..`: `None` when there is no such subscriber.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindSubscriber {
    /// By email address.
    Email(String),
    /// By subscriber UUID.
    Uuid(String),
}

impl FindSubscriber {
    /// Finds by email.
    pub fn by_email(email: impl Into<String>) -> Self {
        FindSubscriber::Email(email.into())
    }
    /// Finds by UUID.
    pub fn by_uuid(uuid: impl Into<String>) -> Self {
        FindSubscriber::Uuid(uuid.into())
    }
}

operation! {
    FindSubscriber => Option<Subscriber>, Idempotent,
    request(self, config) {
        let spec = RequestSpec::get("/fetch/subscribers");
        match self {
            FindSubscriber::Email(email) => {
                validate::email("email", email)?;
                spec.query("email", email.trim())
            }
            FindSubscriber::Uuid(uuid) => spec.query_required("uuid", uuid)?,
        }
        .build(config)
    }
    decode(status, body) { decode_data(status, body) }
}

/// `POST /fetch/subscribers`: creates a subscriber (or returns the existing one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateSubscriber {
    /// The email address.
    pub email: String,
}

impl CreateSubscriber {
    /// Creates `email`.
    pub fn new(email: impl Into<String>) -> Self {
        CreateSubscriber {
            email: email.into(),
        }
    }
}

operation! {
    CreateSubscriber => Subscriber, Idempotent,
    request(self, config) {
        validate::email("email", &self.email)?;
        RequestSpec::post("/fetch/subscribers")
            .json(&serde_json::json!({ "subscriber": { "email": self.email.trim() } }))?
            .build(config)
    }
    decode(status, body) { decode_created(status, body) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::Operation;
    use crate::test_support::{config, parse, q, request};
    use serde_json::{Value, json};
    use std::collections::HashMap;

    #[test]
    fn import_subscribers_flattens_custom_fields_and_keeps_comma_tags() {
        let mut fields = HashMap::new();
        fields.insert("company".to_string(), json!("Acme Inc"));
        let op = ImportSubscribers::new([ImportSubscriberData {
            email: "user1@example.com".into(),
            first_name: Some("Alice".into()),
            last_name: None,
            tags: Some("Premium,Annual Plan".into()),
            remove_tags: Some("trial".into()),
            custom_fields: fields,
        }]);
        let (method, path, _, body) = request(&op);
        assert_eq!(
            (method.as_str(), path.as_str()),
            ("POST", "/batch/subscribers")
        );
        assert_eq!(
            body,
            json!({"subscribers": [{"email": "user1@example.com", "first_name": "Alice",
                "tags": "Premium,Annual Plan", "remove_tags": "trial", "company": "Acme Inc"}]})
        );
        let mut reserved = ImportSubscriberData::new("a@b.io");
        reserved.custom_fields.insert("email".into(), json!("x"));
        let err = ImportSubscribers::new([reserved])
            .to_request(&config())
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("subscribers[0].custom_fields.email")
        );
    }

    #[test]
    fn find_and_create_subscriber() {
        let (m, p, query, body) = request(&FindSubscriber::by_email("jane@acme.io"));
        assert_eq!(
            (m.as_str(), p.as_str(), query, body),
            (
                "GET",
                "/fetch/subscribers",
                q(&[("email", "jane@acme.io")]),
                Value::Null
            )
        );
        let (_, _, query, _) = request(&FindSubscriber::by_uuid("3f0c"));
        assert_eq!(query, q(&[("uuid", "3f0c")]));
        let found = parse(
            &FindSubscriber::by_email("jane@acme.io"),
            200,
            r#"{"data":{"id":"804211377","type":"visitors","attributes":{"uuid":"3f0c","email":"jane@acme.io",
                "fields":null,"cached_tag_ids":["5510"],"unsubscribed_at":null}}}"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!(found.id, "804211377");
        assert_eq!(found.attributes.fields, None);
        assert!(found.attributes.is_subscribed());
        assert_eq!(
            parse(&FindSubscriber::by_email("a@b.io"), 200, r#"{"data":null}"#).unwrap(),
            None
        );
        assert_eq!(
            parse(&FindSubscriber::by_email("a@b.io"), 200, "{}").unwrap(),
            None
        );

        let op = CreateSubscriber::new("new@example.com");
        let (m, p, _, body) = request(&op);
        assert_eq!(
            (m.as_str(), p.as_str(), body),
            (
                "POST",
                "/fetch/subscribers",
                json!({"subscriber": {"email": "new@example.com"}})
            )
        );
        let created = parse(&op, 201, r#"{"data":{"id":"1","type":"visitors","attributes":{"uuid":"u","email":"new@example.com","fields":{}}}}"#).unwrap();
        assert_eq!(created.attributes.email, "new@example.com");
    }
}
