//! Form responses: `GET /fetch/responses?id=`.

use serde::{Deserialize, Serialize};

use crate::experimental::Location;
use crate::model::{JsonMap, Resource, nullable};
use crate::operation::{RequestSpec, decode_list, operation};

/// A form response (`type: "events"`).
pub type FormResponse = Resource<FormResponseAttributes>;

/// A form response's attributes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FormResponseAttributes {
    /// The response's UUID.
    #[serde(default, deserialize_with = "nullable")]
    pub uuid: String,
    /// The submission.
    #[serde(default)]
    pub data: FormResponseData,
}

/// One submission.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FormResponseData {
    /// The form id.
    #[serde(default, deserialize_with = "crate::model::opt_string_or_number")]
    pub id: Option<String>,
    /// Usually `form_submission`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// When it was submitted.
    #[serde(default)]
    pub date: Option<String>,
    /// `{"email": ..}`.
    #[serde(default)]
    pub identity: Option<JsonMap>,
    /// The submitter's IP.
    #[serde(default)]
    pub ip: Option<String>,
    /// Submitted fields.
    #[serde(default)]
    pub fields: Option<JsonMap>,
    /// Submitted details (answers).
    #[serde(default)]
    pub details: Option<JsonMap>,
    /// Browser info, any JSON.
    #[serde(default)]
    pub browser: Option<serde_json::Value>,
    /// Page info, any JSON.
    #[serde(default)]
    pub page: Option<serde_json::Value>,
    /// Where it came from.
    #[serde(default)]
    pub location: Option<Location>,
}

/// `GET /fetch/responses?id=<form id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetFormResponses {
    /// The form identifier.
    pub form_id: String,
}

impl GetFormResponses {
    /// Responses of form `form_id`.
    pub fn new(form_id: impl Into<String>) -> Self {
        GetFormResponses {
            form_id: form_id.into(),
        }
    }
}

operation! {
    GetFormResponses => Vec<FormResponse>, Idempotent,
    request(self, config) {
        RequestSpec::get("/fetch/responses").query_required("id", &self.form_id)?.build(config)
    }
    decode(status, body) { decode_list(status, body) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{parse, q, request};

    #[test]
    fn form_responses_by_form_id() {
        let (_, p, query, _) = request(&GetFormResponses::new("form-123"));
        assert_eq!(
            (p.as_str(), query),
            ("/fetch/responses", q(&[("id", "form-123")]))
        );
        let r = parse(&GetFormResponses::new("f"), 200, r#"{"data":[{"id":"resp-1","type":"events","attributes":{"uuid":"u","data":{"id":"form-123","type":"form_submission","identity":{"email":"john@acme.io"},"fields":{"name":"John"},"location":{}}}}]}"#).unwrap();
        assert_eq!(
            r[0].attributes.data.kind.as_deref(),
            Some("form_submission")
        );
    }
}
