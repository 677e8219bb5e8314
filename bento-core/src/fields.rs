//! Custom field definitions: `GET /fetch/fields`, `POST /fetch/fields`.

use serde::{Deserialize, Serialize};

use crate::model::{Resource, nullable};
use crate::operation::{Member, RequestSpec, decode_created, decode_list, operation};
use crate::validate;

/// A field definition (`type: "visitors-fields"`).
pub type Field = Resource<FieldAttributes>;

/// A field definition's attributes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FieldAttributes {
    /// The display name the API derives from the key (`plan_tier` → `Plan Tier`).
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    /// The key used in custom fields.
    #[serde(default, deserialize_with = "nullable")]
    pub key: String,
    /// Whether the field is whitelisted (`null` when unset).
    #[serde(default)]
    pub whitelisted: Option<bool>,
    /// When it was created (ISO-8601).
    #[serde(default, deserialize_with = "nullable")]
    pub created_at: String,
}

/// `GET /fetch/fields`: every field definition of the site.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetFields;

impl GetFields {
    /// Lists fields.
    pub fn new() -> Self {
        GetFields
    }
}

operation! {
    GetFields => Vec<Field>, Idempotent,
    request(self, config) { RequestSpec::get("/fetch/fields").build(config) }
    decode(status, body) { decode_list(status, body) }
}

/// `POST /fetch/fields`: defines a field by key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateField {
    /// The key, e.g. `membershipLevel`.
    pub key: String,
}

impl CreateField {
    /// Defines `key`.
    pub fn new(key: impl Into<String>) -> Self {
        CreateField { key: key.into() }
    }
}

operation! {
    CreateField => Field, Idempotent,
    request(self, config) {
        validate::not_blank("key", &self.key)?;
        RequestSpec::post("/fetch/fields")
            .json(&Member("field", &Member("key", self.key.trim())))?
            .build(config)
    }
    decode(status, body) { decode_created(status, body) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::Operation;
    use crate::test_support::{config, parse, request};
    use serde_json::json;

    #[test]
    fn fields_create_and_list() {
        let (m, p, _, body) = request(&CreateField::new("membershipLevel"));
        assert_eq!(
            (m.as_str(), p.as_str(), body),
            (
                "POST",
                "/fetch/fields",
                json!({"field": {"key": "membershipLevel"}})
            )
        );
        let fields = parse(&GetFields::new(), 200, r#"{"data":[{"id":"9031","type":"visitors-fields","attributes":{"name":"Plan Tier","key":"plan_tier","whitelisted":null,"created_at":"2026-01-02T03:04:05.000Z"}}]}"#).unwrap();
        assert_eq!(
            (
                fields[0].attributes.name.as_str(),
                fields[0].attributes.key.as_str()
            ),
            ("Plan Tier", "plan_tier")
        );
        assert!(CreateField::new("  ").to_request(&config()).is_err());
    }
}
