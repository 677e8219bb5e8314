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
        validate::batch_size("subscribers", self.subscribers.len(), limits::SUBSCRIBERS)?;
        for (i, s) in self.subscribers.iter().enumerate() {
            s.validate(Item::new("subscribers", i))?;
        }
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
            FindSubscriber::Uuid(uuid) => {
                validate::not_blank("uuid", uuid)?;
                spec.query("uuid", uuid.trim())
            }
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
