//! Broadcasts: `GET /fetch/broadcasts`, `POST /batch/broadcasts`.
//!
//! Broadcasts created through the API start as drafts; they are reviewed and sent in the Bento
//! dashboard.

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::model::{Resource, nullable, opt_string_or_number};
use crate::operation::{RequestSpec, decode_json, decode_list, operation};
use crate::validate::{self, Field, Item, limits};

/// A broadcast as listed (`GET /fetch/broadcasts`).
pub type Broadcast = Resource<BroadcastAttributes>;

/// A listed broadcast's attributes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BroadcastAttributes {
    /// The name.
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    /// The public share link.
    #[serde(default)]
    pub share_url: Option<String>,
    /// The template: drafts carry only `template_id`, others `subject`, `to`, `html`.
    #[serde(default)]
    pub template: Option<BroadcastTemplate>,
    /// When it was created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// When the last batch went out.
    #[serde(default)]
    pub sent_final_batch_at: Option<String>,
    /// When it is (or was) scheduled.
    #[serde(default)]
    pub send_at: Option<String>,
    /// Delivery stats (e.g. `{"open_rate": 41.2}`), any JSON.
    #[serde(default)]
    pub stats: Option<serde_json::Value>,
}

/// The template part of a listed broadcast.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BroadcastTemplate {
    /// Drafts: the template id.
    #[serde(default, deserialize_with = "opt_string_or_number")]
    pub template_id: Option<String>,
    /// The subject.
    #[serde(default)]
    pub subject: Option<String>,
    /// The `to` Liquid expression.
    #[serde(default)]
    pub to: Option<String>,
    /// The HTML.
    #[serde(default)]
    pub html: Option<String>,
}

/// The status filter of the broadcast list (the API defaults to `sent`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BroadcastStatus {
    /// Sent.
    Sent,
    /// Draft.
    Draft,
    /// Sending.
    Sending,
    /// Scheduled.
    Scheduled,
    /// Paused.
    Paused,
    /// Canceled.
    Canceled,
}

impl BroadcastStatus {
    /// The query value.
    pub fn as_str(self) -> &'static str {
        match self {
            BroadcastStatus::Sent => "sent",
            BroadcastStatus::Draft => "draft",
            BroadcastStatus::Sending => "sending",
            BroadcastStatus::Scheduled => "scheduled",
            BroadcastStatus::Paused => "paused",
            BroadcastStatus::Canceled => "canceled",
        }
    }
}

/// `GET /fetch/broadcasts?page=&status=`: one page of broadcasts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetBroadcasts {
    /// The page (1-based; the API's default when `None`).
    pub page: Option<u32>,
    /// The status filter (the API's default, `sent`, when `None`).
    pub status: Option<BroadcastStatus>,
}

impl GetBroadcasts {
    /// The first page of sent broadcasts.
    pub fn new() -> Self {
        GetBroadcasts::default()
    }
    /// Page `page`.
    pub fn page(mut self, page: u32) -> Self {
        self.page = Some(page);
        self
    }
    /// Only broadcasts with `status`.
    pub fn status(mut self, status: BroadcastStatus) -> Self {
        self.status = Some(status);
        self
    }
}

operation! {
    GetBroadcasts => Vec<Broadcast>, Idempotent,
    request(self, config) {
        RequestSpec::get("/fetch/broadcasts")
            .page(self.page)?
            .query_opt("status", self.status.map(BroadcastStatus::as_str))
            .build(config)
    }
    decode(status, body) { decode_list(status, body) }
}

/// How a broadcast is rendered: `plain` (Bento's styling) or `raw` (your own HTML).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BroadcastType {
    /// Bento's styling.
    Plain,
    /// Your own HTML.
    Raw,
    /// Any other value the API accepts.
    Other(String),
}

impl Serialize for BroadcastType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(match self {
            BroadcastType::Plain => "plain",
            BroadcastType::Raw => "raw",
            BroadcastType::Other(o) => o,
        })
    }
}

/// The one string → type mapping of every surface that takes the type as text (the FFI, the
/// WIT): `plain` and `raw` (in any ASCII case) are the documented types; any other string is
/// passed through unchanged as [`BroadcastType::Other`] (the API contract: accept any string).
impl From<&str> for BroadcastType {
    fn from(s: &str) -> Self {
        if s.eq_ignore_ascii_case("plain") {
            BroadcastType::Plain
        } else if s.eq_ignore_ascii_case("raw") {
            BroadcastType::Raw
        } else {
            BroadcastType::Other(s.to_owned())
        }
    }
}

/// The sender of a broadcast (must be an author of the account).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BroadcastSender {
    /// The author's email.
    pub email: String,
    /// The display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A broadcast to create.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BroadcastData {
    /// The name.
    pub name: String,
    /// The subject (Liquid allowed).
    pub subject: String,
    /// The body.
    pub content: String,
    /// `plain` or `raw`.
    #[serde(rename = "type")]
    pub broadcast_type: BroadcastType,
    /// The sender.
    pub from: BroadcastSender,
    /// Only subscribers with these tags (comma-separated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inclusive_tags: Option<String>,
    /// Not subscribers with these tags (comma-separated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclusive_tags: Option<String>,
    /// Only this segment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment_id: Option<String>,
    /// Sending pace (the API accepts 10–250000).
    pub batch_size_per_hour: u32,
    /// When to send (ISO-8601).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub send_at: Option<String>,
    /// Whether it is approved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved: Option<bool>,
}

impl BroadcastData {
    /// A `plain` broadcast from `from_email` with a pace of 1000 per hour.
    pub fn new(
        name: impl Into<String>,
        subject: impl Into<String>,
        content: impl Into<String>,
        from_email: impl Into<String>,
    ) -> Self {
        BroadcastData {
            name: name.into(),
            subject: subject.into(),
            content: content.into(),
            broadcast_type: BroadcastType::Plain,
            from: BroadcastSender {
                email: from_email.into(),
                name: None,
            },
            inclusive_tags: None,
            exclusive_tags: None,
            segment_id: None,
            batch_size_per_hour: 1000,
            send_at: None,
            approved: None,
        }
    }

    fn validate(&self, field: Item<'_>) -> Result<(), Error> {
        validate::not_blank(field.at("name"), &self.name)?;
        validate::not_blank(field.at("subject"), &self.subject)?;
        validate::not_blank(field.at("content"), &self.content)?;
        validate::email(field.at("from.email"), &self.from.email)?;
        // Any type the API accepts passes through, but not a blank one (every surface that
        // takes the type as text maps it with `BroadcastType::from`).
        if let BroadcastType::Other(other) = &self.broadcast_type {
            validate::not_blank(field.at("broadcast_type"), other)?;
        }
        if self.batch_size_per_hour == 0 {
            return Err(Error::invalid(
                field.at("batch_size_per_hour").name(),
                "must be greater than zero",
            ));
        }
        if let Some(at) = &self.send_at {
            validate::iso_date(field.at("send_at"), at)?;
        }
        Ok(())
    }
}

/// The answer to a broadcast create: counts, the created drafts and the per-item failures.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BroadcastCreateResult {
    /// Broadcasts created.
    #[serde(alias = "result", default)]
    pub results: u64,
    /// Broadcasts rejected.
    #[serde(default)]
    pub failed: u64,
    /// The created broadcasts.
    #[serde(default, deserialize_with = "nullable")]
    pub broadcasts: Vec<CreatedBroadcast>,
    /// Why items were rejected (`index` refers to the request's list).
    #[serde(default, deserialize_with = "nullable")]
    pub failures: Vec<BroadcastFailure>,
}

/// A created broadcast (numeric ids here, unlike the `data` envelopes).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CreatedBroadcast {
    /// The broadcast id.
    #[serde(default)]
    pub id: Option<i64>,
    /// Its template id.
    #[serde(default)]
    pub template_id: Option<i64>,
    /// The name.
    #[serde(default)]
    pub name: Option<String>,
    /// Where to review it.
    #[serde(default)]
    pub dashboard_url: Option<String>,
}

/// A rejected broadcast.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BroadcastFailure {
    /// Index in the request.
    #[serde(default)]
    pub index: Option<u64>,
    /// The name, if given.
    #[serde(default)]
    pub name: Option<String>,
    /// Why.
    #[serde(default, deserialize_with = "nullable")]
    pub error: String,
}

/// `POST /batch/broadcasts`: creates 1–100 draft broadcasts. Never re-sent automatically
/// after an ambiguous failure.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateBroadcasts {
    /// The broadcasts.
    pub broadcasts: Vec<BroadcastData>,
}

impl CreateBroadcasts {
    /// Creates `broadcasts`.
    pub fn new(broadcasts: impl IntoIterator<Item = BroadcastData>) -> Self {
        CreateBroadcasts {
            broadcasts: broadcasts.into_iter().collect(),
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    broadcasts: &'a [BroadcastData],
}

operation! {
    CreateBroadcasts => BroadcastCreateResult, NotIdempotent,
    request(self, config) {
        validate::batch("broadcasts", &self.broadcasts, limits::BROADCASTS, BroadcastData::validate)?;
        RequestSpec::post("/batch/broadcasts").json(&Body { broadcasts: &self.broadcasts })?.build(config)
    }
    decode(self, status, body) { crate::batch::checked(decode_json(status, body), status, self.broadcasts.len()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::Operation;
    use crate::retry::Idempotency;
    use crate::test_support::{parse, q, request};
    use serde_json::json;

    #[test]
    fn broadcast_type_from_str() {
        assert_eq!(BroadcastType::from("plain"), BroadcastType::Plain);
        assert_eq!(BroadcastType::from("raw"), BroadcastType::Raw);
        assert_eq!(BroadcastType::from("RAW"), BroadcastType::Raw);
        assert_eq!(BroadcastType::from("Plain"), BroadcastType::Plain);
        for other in ["markdown", "html", " raw", ""] {
            assert_eq!(
                BroadcastType::from(other),
                BroadcastType::Other(other.to_owned())
            );
        }
        // Other strings go on the wire as given.
        assert_eq!(
            serde_json::to_value(BroadcastType::from("markdown")).unwrap(),
            json!("markdown")
        );
    }

    #[test]
    fn a_blank_broadcast_type_is_refused_before_sending() {
        let config = crate::test_support::config();
        for blank in ["", "   "] {
            let mut bad = BroadcastData::new("Launch", "Hello", "<p>Hi</p>", "team@example.com");
            bad.broadcast_type = BroadcastType::from(blank);
            let ok = BroadcastData::new("Ok", "Hello", "<p>Hi</p>", "team@example.com");
            let err = CreateBroadcasts::new([ok, bad])
                .to_request(&config)
                .unwrap_err();
            match err {
                Error::InvalidInput { field, .. } => {
                    assert_eq!(field, "broadcasts[1].broadcast_type")
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn broadcasts_list_and_create() {
        let (_, p, query, _) =
            request(&GetBroadcasts::new().page(2).status(BroadcastStatus::Draft));
        assert_eq!(
            (p.as_str(), query),
            (
                "/fetch/broadcasts",
                q(&[("page", "2"), ("status", "draft")])
            )
        );
        let list = parse(&GetBroadcasts::new(), 200, r#"{"data":[
            {"id":"7781","type":"broadcasts","attributes":{"name":"June","share_url":"https://s","template":{"subject":"June news","to":"{{ visitor.email }}","html":"<p>"},"created_at":"2026-06-01T09:00:00.000Z","sent_final_batch_at":null,"send_at":null,"stats":{"open_rate":41.2}}},
            {"id":"7782","type":"broadcasts","attributes":{"name":"Draft","template":{"template_id":12345}}}]}"#).unwrap();
        assert_eq!(
            list[1]
                .attributes
                .template
                .as_ref()
                .unwrap()
                .template_id
                .as_deref(),
            Some("12345")
        );
        assert_eq!(list[0].attributes.stats, Some(json!({"open_rate": 41.2})));

        let op = CreateBroadcasts::new([BroadcastData::new(
            "Launch",
            "Hello",
            "<p>Hi</p>",
            "team@example.com",
        )]);
        let (m, p, _, body) = request(&op);
        assert_eq!((m.as_str(), p.as_str()), ("POST", "/batch/broadcasts"));
        assert_eq!(
            body,
            json!({"broadcasts": [{"name": "Launch", "subject": "Hello", "content": "<p>Hi</p>", "type": "plain",
            "from": {"email": "team@example.com"}, "batch_size_per_hour": 1000}]})
        );
        // The answer below reports two broadcasts (one created, one rejected): parse it for a
        // request of two, since counters that do not add up to what was sent are refused.
        let op = CreateBroadcasts::new([
            BroadcastData::new("Launch", "Hello", "<p>Hi</p>", "team@example.com"),
            BroadcastData::new("Bad one", "Hello", "<p>Hi</p>", "team@example.com"),
        ]);
        let res = parse(&op, 200, r#"{"results":1,"failed":1,"broadcasts":[{"id":7782,"template_id":12346,"name":"Launch","dashboard_url":"https://d"}],
            "failures":[{"index":1,"name":"Bad one","error":"batch_size_per_hour must be between 10 and 250000"}]}"#).unwrap();
        assert_eq!(
            (
                res.results,
                res.failed,
                res.broadcasts[0].id,
                res.failures[0].index
            ),
            (1, 1, Some(7782), Some(1))
        );
        assert_eq!(parse(&op, 200, r#"{"results":2}"#).unwrap().failed, 0);
        // Issue 11, finding 1: an answer that does not account for every record is an error.
        for short in [
            r#"{"results":1}"#,
            "{}",
            r#"{"results":3}"#,
            r#"{"results":1,"failed":2}"#,
        ] {
            assert!(
                matches!(
                    parse(&op, 200, short),
                    Err(Error::Decode { status: 200, .. })
                ),
                "{short}"
            );
        }
        assert_eq!(op.idempotency(), Idempotency::NotIdempotent);
    }
}
