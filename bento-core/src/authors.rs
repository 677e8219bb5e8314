//! Authors (verified senders): `GET /fetch/authors`.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::model::{JsonMap, Resource};
use crate::operation::{RequestSpec, decode_list, operation};

/// An author: an address allowed as `from` of transactional emails and broadcasts.
pub type Author = Resource<AuthorAttributes>;

/// An author's attributes.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct AuthorAttributes {
    /// The sender address.
    pub email: String,
    /// The display name.
    pub name: Option<String>,
    /// Anything else the API sends.
    #[serde(flatten)]
    pub other: JsonMap,
}

// By hand rather than `#[serde(flatten)]`, which buffers every value and links a second
// deserializer for the struct (about 12 KB of the WASI component): read the object as a map
// and take the two known keys out of it.
impl<'de> Deserialize<'de> for AuthorAttributes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut other = JsonMap::deserialize(d)?;
        let mut text = |key: &str| match other.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(D::Error::custom(format_args!(
                "author `{key}` must be a string"
            ))),
        };
        let email = text("email")?.unwrap_or_default();
        let name = text("name")?;
        Ok(AuthorAttributes { email, name, other })
    }
}

/// `GET /fetch/authors`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetAuthors;

impl GetAuthors {
    /// Lists authors.
    pub fn new() -> Self {
        GetAuthors
    }
}

operation! {
    GetAuthors => Vec<Author>, Idempotent,
    request(self, config) { RequestSpec::get("/fetch/authors").build(config) }
    decode(status, body) { decode_list(status, body) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::test_support::{parse, request};
    use serde_json::json;

    #[test]
    fn authors_split_known_attributes_from_the_rest() {
        assert_eq!(request(&GetAuthors::new()).1, "/fetch/authors");
        let a = parse(&GetAuthors::new(), 200, r#"{"data":[{"id":"1","type":"authors","attributes":{"email":"team@example.com","name":"Team","verified":true}}]}"#).unwrap();
        assert_eq!(a[0].attributes.other["verified"], json!(true));
        assert_eq!(a[0].attributes.email, "team@example.com");
        assert_eq!(a[0].attributes.name.as_deref(), Some("Team"));
        assert!(!a[0].attributes.other.contains_key("email"));
        // A null or missing email reads as empty, a missing name as None; a number is an error.
        let a = parse(
            &GetAuthors::new(),
            200,
            r#"{"data":[{"id":"2","attributes":{"email":null}}]}"#,
        )
        .unwrap();
        assert_eq!(
            (
                a[0].attributes.email.as_str(),
                a[0].attributes.name.as_deref()
            ),
            ("", None)
        );
        assert!(a[0].attributes.other.is_empty());
        let err = parse(
            &GetAuthors::new(),
            200,
            r#"{"data":[{"id":"3","attributes":{"email":7}}]}"#,
        )
        .unwrap_err();
        assert!(matches!(err, Error::Decode { status: 200, .. }), "{err:?}");
    }
}
