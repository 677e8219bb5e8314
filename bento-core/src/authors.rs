//! Authors (verified senders): `GET /fetch/authors`.

use serde::{Deserialize, Serialize};

use crate::model::{JsonMap, Resource, nullable};
use crate::operation::{RequestSpec, decode_list, operation};

/// An author: an address allowed as `from` of transactional emails and broadcasts.
pub type Author = Resource<AuthorAttributes>;

/// An author's attributes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AuthorAttributes {
    /// The sender address.
    #[serde(default, deserialize_with = "nullable")]
    pub email: String,
    /// The display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Anything else the API sends.
    #[serde(flatten)]
    pub other: JsonMap,
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
