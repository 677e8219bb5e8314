//! Subscribers: `POST /batch/subscribers`, `GET /fetch/subscribers`, `POST /fetch/subscribers`.

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::model::{BatchResult, JsonMap, Resource, nullable};
use crate::operation::{Member, RequestSpec, decode_created, decode_data, decode_json, operation};
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
            return Err(reserved_key(field, k));
        }
        tag_lists(field, &self.tags, &self.remove_tags)
    }
}

/// A custom field named like one of the row's own fields.
fn reserved_key(field: Item<'_>, key: &str) -> Error {
    Error::invalid(
        format!("{}.{key}", field.at("custom_fields")),
        "is a reserved key; set the struct field instead",
    )
}

/// `tags` and `remove_tags`: comma-separated names without empty entries.
fn tag_lists(field: Item<'_>, tags: &Option<String>, remove: &Option<String>) -> Result<(), Error> {
    for (name, tags) in [("tags", tags), ("remove_tags", remove)] {
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

/// One row of a subscriber import whose custom fields are JSON object text, for the
/// boundaries that receive them as text (the WASI component's `custom-fields`). The same row
/// and the same rules as [`ImportSubscriberData`] — the text is checked by the rules of
/// [`crate::json_text::object`] and each key by the rules of the map's keys — but the text is
/// sent as written (its members in its own order, not sorted) and handed back as written in
/// a report, without a map built, written and freed per row: that was half of the CPU of a
/// 100,000-row import through the component.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportSubscriberText {
    /// The subscriber's email (required).
    pub email: String,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Tags to add, comma-separated (created if missing).
    pub tags: Option<String>,
    /// Tags to remove, comma-separated.
    pub remove_tags: Option<String>,
    /// Custom fields, a JSON object's text (`{"plan":"pro"}`).
    pub custom_fields: Option<String>,
}

impl ImportSubscriberText {
    pub(crate) fn validate(&self, field: Item<'_>) -> Result<(), Error> {
        validate::email(field.at("email"), &self.email)?;
        if let Some(text) = &self.custom_fields {
            let name = field.at("custom_fields");
            // Blank keys first and then reserved ones, as the map's check reports them.
            let mut reserved = None;
            crate::json_text::check_object(&name, text, &mut |k| {
                validate::key(&name, k)?;
                if reserved.is_none() && RESERVED_IMPORT_KEYS.contains(&k) {
                    reserved = Some(reserved_key(field, k));
                }
                Ok(())
            })?;
            if let Some(e) = reserved {
                return Err(e);
            }
        }
        tag_lists(field, &self.tags, &self.remove_tags)
    }

    /// The row as [`ImportSubscriberData`] serializes it, the custom fields' members spliced
    /// in after the named fields. Only for a row [`Self::validate`] accepted.
    fn write_json(&self, out: &mut Vec<u8>) {
        // Writing JSON into a `Vec` cannot fail.
        let string = |out: &mut Vec<u8>, s: &str| {
            let _ = serde_json::to_writer(out, s);
        };
        out.extend_from_slice(b"{\"email\":");
        string(out, &self.email);
        for (name, value) in [
            ("first_name", &self.first_name),
            ("last_name", &self.last_name),
            ("tags", &self.tags),
            ("remove_tags", &self.remove_tags),
        ] {
            if let Some(value) = value {
                out.extend_from_slice(b",\"");
                out.extend_from_slice(name.as_bytes());
                out.extend_from_slice(b"\":");
                string(out, value);
            }
        }
        let members = self
            .custom_fields
            .as_deref()
            .map(crate::json_text::members)
            .unwrap_or_default();
        if !members.is_empty() {
            out.push(b',');
            out.extend_from_slice(members.as_bytes());
        }
        out.push(b'}');
    }
}

/// [`ImportSubscribers`] for rows whose custom fields are JSON text
/// ([`ImportSubscriberText`]): the same request, the same answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSubscribersText {
    /// The rows.
    pub subscribers: Vec<ImportSubscriberText>,
}

impl ImportSubscribersText {
    /// Imports `subscribers`.
    pub fn new(subscribers: impl IntoIterator<Item = ImportSubscriberText>) -> Self {
        ImportSubscribersText {
            subscribers: subscribers.into_iter().collect(),
        }
    }
}

operation! {
    ImportSubscribersText => BatchResult, Idempotent,
    request(self, config) {
        validate::batch("subscribers", &self.subscribers, limits::SUBSCRIBERS, ImportSubscriberText::validate)?;
        let rows: usize = self.subscribers.iter().map(|r| {
            r.email.len() + r.custom_fields.as_ref().map_or(0, String::len) + 64
        }).sum();
        let mut body = Vec::with_capacity(rows + 20);
        body.extend_from_slice(b"{\"subscribers\":[");
        for (i, row) in self.subscribers.iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            row.write_json(&mut body);
        }
        body.extend_from_slice(b"]}");
        RequestSpec::post("/batch/subscribers").json_bytes(body)?.build(config)
    }
    decode(self, status, body) { crate::batch::checked(decode_json(status, body), status, self.subscribers.len()) }
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
            .json(&Member("subscriber", &Member("email", self.email.trim())))?
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

    /// The same row through both types: the text one's result, and the map one's when the text
    /// is parsed by `json_text::object` under the core's field name (what the component did).
    fn both_ways(text: &str) -> (Result<Value, Error>, Result<Value, Error>) {
        let row = |custom_fields: Option<String>| ImportSubscriberText {
            email: "ada@example.com".into(),
            first_name: Some("Ada \"the\" Countess".into()),
            last_name: None,
            tags: Some("a,b".into()),
            remove_tags: Some("c".into()),
            custom_fields,
        };
        let body = |r: Request| -> Value { serde_json::from_slice(r.body()).unwrap() };
        let cfg = config();
        let as_text = ImportSubscribersText::new([row(Some(text.into())), row(None)])
            .to_request(&cfg)
            .map(body);
        let as_map =
            crate::json_text::object(&"subscribers[0].custom_fields", text).and_then(|m| {
                let r = row(None);
                let data = |custom_fields| ImportSubscriberData {
                    email: r.email.clone(),
                    first_name: r.first_name.clone(),
                    last_name: r.last_name.clone(),
                    tags: r.tags.clone(),
                    remove_tags: r.remove_tags.clone(),
                    custom_fields,
                };
                ImportSubscribers::new([data(m), data(JsonMap::new())])
                    .to_request(&cfg)
                    .map(body)
            });
        (as_text, as_map)
    }
    type Request = http::Request<Vec<u8>>;

    #[test]
    fn a_text_row_is_sent_and_refused_as_the_map_row_is() {
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(200), "]".repeat(200));
        let big = format!(
            "{{\"a\":\"{}\"}}",
            "x".repeat(crate::json_text::MAX_JSON_TEXT_BYTES)
        );
        let cases = [
            "{}",
            " \n{ } ",
            r#"{"plan":"pro","score":7,"vip":true,"nested":{"k":[1,2.5,null]}}"#,
            r#" { "a" : 1 , "b":"\u00e9\n" } "#,
            r#"{"a":1,"a":2}"#,
            // A float (an integer beyond 64 bits reads as one) in a member a later one of the
            // same name replaces: the map holds none, so neither path scans (fuzz finding F6).
            r#"{"a":8888888888888888888888881,"a":2}"#,
            r#"{"a":2,"a":8888888888888888888888881}"#,
            r#"{"a":{"b":99999999999999999999999,"b":2},"c":[1.5]}"#,
            r#"{"a":{"b":99999999999999999999999,"b":2}}"#,
            r#"{"a":1.5,"a":2,"b":99999999999999999999999}"#,
            r#"{"a":1.5,"a":2,"b":99999999999999999999999}"#,
            r#"{"a":1.5,"b":123456789012345678901234}"#,
            r#"{"a":123456789012345678901234}"#,
            r#"{"a":1e400}"#,
            r#"{"":1}"#,
            r#"{" ":1}"#,
            r#"{"email":"x"}"#,
            r#"{"\u0065mail":"x"}"#,
            r#"{"tags":"x"," ":1}"#,
            r#"{"a":"\ud800"}"#,
            r#"{"\ud800":1}"#,
            r#"{"a":{"\udc00":1}}"#,
            r#"{"a":1}x"#,
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            "[1,2]",
            "[1,2",
            "null",
            "true",
            "12",
            r#""s""#,
            "",
            &deep,
            &big,
        ];
        for text in cases {
            let (as_text, as_map) = both_ways(text);
            let shown = text.get(..60).unwrap_or(text);
            assert_eq!(as_text, as_map, "{shown}");
        }
        // Refusals did happen (the cases are not all accepted by both).
        assert!(both_ways("[1]").0.is_err() && both_ways(r#"{"email":1}"#).0.is_err());
    }

    #[test]
    fn a_text_row_with_one_custom_field_is_byte_for_byte_the_map_row() {
        // Every named field, so the hand-written order is held to the derived one.
        let text = ImportSubscribersText::new([ImportSubscriberText {
            email: "bob@example.com".into(),
            first_name: Some("Bob \"B\" \u{e9}".into()),
            last_name: Some("Lee".into()),
            tags: Some("x".into()),
            remove_tags: Some("y".into()),
            custom_fields: Some(r#" {"plan":"pro"} "#.into()),
        }]);
        let mut data = ImportSubscriberData::new("bob@example.com");
        data.first_name = Some("Bob \"B\" \u{e9}".into());
        data.last_name = Some("Lee".into());
        data.tags = Some("x".into());
        data.remove_tags = Some("y".into());
        data.custom_fields.insert("plan".into(), json!("pro"));
        let cfg = config();
        assert_eq!(
            text.to_request(&cfg).unwrap().body(),
            ImportSubscribers::new([data])
                .to_request(&cfg)
                .unwrap()
                .body()
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
