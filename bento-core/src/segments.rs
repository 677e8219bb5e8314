//! Segments: `GET /fetch/segments`, `GET /fetch/segments/:id`.
//!
//! `POST /fetch/segments/:id/match` is not offered: its request and response shapes are
//! undocumented (only a route name in the Node SDK's contract table), and guessing them would
//! make a call that cannot be relied on.

use serde::{Deserialize, Serialize};

use crate::model::{Resource, nullable};
use crate::operation::{RequestSpec, decode_data, decode_list, operation, path_segment};

/// A segment (`type: "segments"`).
pub type Segment = Resource<SegmentAttributes>;

/// A segment's attributes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SegmentAttributes {
    /// The name.
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    /// The description.
    #[serde(default)]
    pub description: Option<String>,
    /// The segment's rules, any JSON.
    #[serde(default)]
    pub visitor_event_query: Option<serde_json::Value>,
    /// When it was created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// When it was last changed.
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// `GET /fetch/segments`: kept segments, ordered by name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetSegments;

impl GetSegments {
    /// Lists segments.
    pub fn new() -> Self {
        GetSegments
    }
}

operation! {
    GetSegments => Vec<Segment>, Idempotent,
    request(self, config) { RequestSpec::get("/fetch/segments").build(config) }
    decode(status, body) { decode_list(status, body) }
}

/// `GET /fetch/segments/:id`: `None` when the API answers with no data (an unknown id is a 404
/// [`crate::Error::Api`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetSegment {
    /// The segment id.
    pub id: String,
}

impl GetSegment {
    /// Reads segment `id`.
    pub fn new(id: impl Into<String>) -> Self {
        GetSegment { id: id.into() }
    }
}

operation! {
    GetSegment => Option<Segment>, Idempotent,
    request(self, config) {
        let id = path_segment("id", &self.id)?;
        RequestSpec::get(format!("/fetch/segments/{id}")).build(config)
    }
    decode(status, body) { decode_data(status, body) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{parse, request};

    #[test]
    fn segments_list_and_get() {
        assert_eq!(request(&GetSegments::new()).1, "/fetch/segments");
        assert_eq!(
            request(&GetSegment::new("seg 1")).1,
            "/fetch/segments/seg%201"
        );
        let s = parse(&GetSegment::new("1"), 200, r#"{"data":{"id":"1","type":"segments","attributes":{"name":"VIPs","description":null,"visitor_event_query":{"all":[]}}}}"#).unwrap().unwrap();
        assert_eq!(s.attributes.name, "VIPs");
    }
}
