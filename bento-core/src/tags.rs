//! Tags: `GET /fetch/tags`, `POST /fetch/tags`, `DELETE /fetch/tags/:id`.

use serde::{Deserialize, Serialize};

use crate::model::{Resource, nullable};
use crate::operation::{
    Member, RequestSpec, decode_created, decode_json, decode_list, operation, path_segment,
};
use crate::validate;

/// A tag (`type: "tags"`).
pub type Tag = Resource<TagAttributes>;

/// A tag's attributes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TagAttributes {
    /// The name (the API may send `null`; it reads as empty).
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    /// When it was created (ISO-8601).
    #[serde(default, deserialize_with = "nullable")]
    pub created_at: String,
    /// When it was discarded, if it was.
    #[serde(default)]
    pub discarded_at: Option<String>,
    /// The site's numeric id.
    #[serde(default)]
    pub site_id: Option<serde_json::Value>,
}

/// `GET /fetch/tags`: every tag of the site.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetTags;

impl GetTags {
    /// Lists tags.
    pub fn new() -> Self {
        GetTags
    }
}

operation! {
    GetTags => Vec<Tag>, Idempotent,
    request(self, config) { RequestSpec::get("/fetch/tags").build(config) }
    decode(status, body) { decode_list(status, body) }
}

/// `POST /fetch/tags`: creates a tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateTag {
    /// The name.
    pub name: String,
}

impl CreateTag {
    /// Creates `name`.
    pub fn new(name: impl Into<String>) -> Self {
        CreateTag { name: name.into() }
    }
}

operation! {
    CreateTag => Tag, Idempotent,
    request(self, config) {
        validate::not_blank("name", &self.name)?;
        RequestSpec::post("/fetch/tags")
            .json(&Member("tag", &Member("name", self.name.trim())))?
            .build(config)
    }
    decode(status, body) { decode_created(status, body) }
}

/// `DELETE /fetch/tags/:id` with body `{"tag": {"name": ..}}`: discards a tag. Take the id
/// from [`GetTags`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteTag {
    /// The tag id.
    pub id: String,
    /// The tag name.
    pub name: String,
}

impl DeleteTag {
    /// Deletes tag `id` named `name`.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        DeleteTag {
            id: id.into(),
            name: name.into(),
        }
    }
}

/// The answer to a tag delete: `{"message": ".."}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeleteTagResult {
    /// The server's message, e.g. `Tag (vip) deleted successfully`.
    #[serde(default, deserialize_with = "nullable")]
    pub message: String,
}

operation! {
    DeleteTag => DeleteTagResult, Idempotent,
    request(self, config) {
        let id = path_segment("id", &self.id)?;
        validate::not_blank("name", &self.name)?;
        RequestSpec::new(http::Method::DELETE, format!("/fetch/tags/{id}"))
            .json(&Member("tag", &Member("name", self.name.trim())))?
            .build(config)
    }
    decode(status, body) { decode_json(status, body) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{parse, request};
    use serde_json::json;

    #[test]
    fn tags_list_create_and_delete() {
        let (m, p, _, _) = request(&GetTags::new());
        assert_eq!((m.as_str(), p.as_str()), ("GET", "/fetch/tags"));
        let tags = parse(&GetTags::new(), 200, r#"{"data":[{"id":"5510","type":"tags","attributes":{"name":null,"created_at":"2026-01-02T03:04:05.000Z","discarded_at":null,"site_id":4410}}]}"#).unwrap();
        assert_eq!(
            (tags[0].id.as_str(), tags[0].attributes.name.as_str()),
            ("5510", "")
        );
        assert!(parse(&GetTags::new(), 200, "{}").unwrap().is_empty());

        let (m, p, _, body) = request(&CreateTag::new("Power User"));
        assert_eq!(
            (m.as_str(), p.as_str(), body),
            (
                "POST",
                "/fetch/tags",
                json!({"tag": {"name": "Power User"}})
            )
        );
        // A single object (today) or an array (older API): both read as one tag.
        let one = r#"{"data":{"id":"9","type":"tags","attributes":{"name":"Power User","created_at":"x"}}}"#;
        let many = r#"{"data":[{"id":"9","type":"tags","attributes":{"name":"Power User","created_at":"x"}}]}"#;
        assert_eq!(
            parse(&CreateTag::new("x"), 201, one).unwrap(),
            parse(&CreateTag::new("x"), 201, many).unwrap()
        );

        let (m, p, _, body) = request(&DeleteTag::new("55 10", "vip"));
        assert_eq!(
            (m.as_str(), p.as_str(), body),
            (
                "DELETE",
                "/fetch/tags/55%2010",
                json!({"tag": {"name": "vip"}})
            )
        );
    }
}
