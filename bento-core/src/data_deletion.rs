//! Data deletion: `POST /data_deletion_requests` (form-encoded, answered 202).

use crate::operation::{RequestSpec, operation};
use crate::validate;

/// Asks Bento to delete everything it holds about `email` (which must exist on the site).
/// Destructive and irreversible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestDataDeletion {
    /// The subscriber.
    pub email: String,
}

impl RequestDataDeletion {
    /// Deletes `email`'s data.
    pub fn new(email: impl Into<String>) -> Self {
        RequestDataDeletion {
            email: email.into(),
        }
    }
}

operation! {
    RequestDataDeletion => serde_json::Value, Idempotent,
    request(self, config) {
        validate::email("email", &self.email)?;
        RequestSpec::post("/data_deletion_requests")
            .form(&[
                ("site_uuid", config.site_uuid()),
                ("data_deletion_request[email]", self.email.trim()),
            ])
            .build(config)
    }
    decode(status, body) {
        // The 202's body is undocumented: keep whatever JSON came, or null.
        let _ = status;
        Ok(serde_json::from_slice(body).unwrap_or(serde_json::Value::Null))
    }
}
