//! Subscriber search (Enterprise plans): `GET /fetch/search`.
//!
//! Filters go in the query string, date ranges as Rails-style nested keys
//! (`created_at[gt]=..`), so the request needs no body on a GET.

use serde::{Deserialize, Serialize};

use crate::operation::{RequestSpec, decode_json, operation};
use crate::subscribers::Subscriber;
use crate::validate;

/// A date range filter; both ends optional (ISO-8601).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DateRange {
    /// After.
    pub gt: Option<String>,
    /// Before.
    pub lt: Option<String>,
}

/// `GET /fetch/search`: up to 100 most recent matching subscribers per page.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchSubscribers {
    /// The page (1-based).
    pub page: Option<u32>,
    /// Tag names (all must match).
    pub tags: Vec<String>,
    /// Created in range.
    pub created_at: Option<DateRange>,
    /// Updated in range.
    pub updated_at: Option<DateRange>,
    /// Last event in range.
    pub last_event_at: Option<DateRange>,
    /// Unsubscribed in range.
    pub unsubscribed_at: Option<DateRange>,
}

/// One page of search results.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SearchResult {
    /// The subscribers.
    #[serde(default, deserialize_with = "crate::model::nullable")]
    pub data: Vec<Subscriber>,
    /// `{"page": n, "query": {..}}`.
    #[serde(default)]
    pub meta: Option<serde_json::Value>,
}

impl SearchSubscribers {
    /// No filters, first page.
    pub fn new() -> Self {
        SearchSubscribers::default()
    }
}

operation! {
    SearchSubscribers => SearchResult, Idempotent,
    request(self, config) {
        let mut spec = RequestSpec::get("/fetch/search").page(self.page)?;
        for (i, tag) in self.tags.iter().enumerate() {
            validate::not_blank(format!("tags[{i}]"), tag)?;
        }
        if !self.tags.is_empty() {
            spec = spec.query("tags", self.tags.iter().map(|t| t.trim()).collect::<Vec<_>>().join(","));
        }
        for (name, range) in [
            ("created_at", &self.created_at),
            ("updated_at", &self.updated_at),
            ("last_event_at", &self.last_event_at),
            ("unsubscribed_at", &self.unsubscribed_at),
        ] {
            let Some(range) = range else { continue };
            for (bound, value) in [("gt", &range.gt), ("lt", &range.lt)] {
                if let Some(v) = value {
                    let key = format!("{name}[{bound}]");
                    validate::iso_date(key.as_str(), v)?;
                    spec = spec.query(key, v.trim());
                }
            }
        }
        spec.build(config)
    }
    decode(status, body) { decode_json(status, body) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{parse, q, request};
    use serde_json::Value;

    #[test]
    fn search_uses_rails_style_query_keys() {
        let op = SearchSubscribers {
            page: Some(2),
            tags: vec!["vip".into(), "paid".into()],
            created_at: Some(DateRange {
                gt: Some("2026-01-01".into()),
                lt: None,
            }),
            ..SearchSubscribers::new()
        };
        let (m, p, query, body) = request(&op);
        assert_eq!(
            (m.as_str(), p.as_str(), body),
            ("GET", "/fetch/search", Value::Null)
        );
        assert_eq!(
            query,
            q(&[
                ("page", "2"),
                ("tags", "vip,paid"),
                ("created_at[gt]", "2026-01-01")
            ])
        );
        let r = parse(&op, 200, r#"{"data":[{"id":"1","type":"visitors","attributes":{"email":"jane@acme.io","navigation_url":"https://n"}}],"meta":{"page":2,"query":{}}}"#).unwrap();
        assert_eq!(
            r.data[0].attributes.navigation_url.as_deref(),
            Some("https://n")
        );
    }
}
