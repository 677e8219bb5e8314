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
        Ok(crate::objects::from_slice(body).unwrap_or(serde_json::Value::Null))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::Operation;
    use crate::test_support::{config, parse};
    use serde_json::{Value, json};

    #[test]
    fn data_deletion_is_form_encoded_and_202_is_success() {
        let op = RequestDataDeletion::new("gone@example.com");
        let req = op.to_request(&config()).unwrap();
        assert_eq!(req.uri().path(), "/api/v1/data_deletion_requests");
        assert_eq!(
            req.headers()["content-type"],
            "application/x-www-form-urlencoded"
        );
        assert_eq!(
            std::str::from_utf8(req.body()).unwrap(),
            "site_uuid=site-1&data_deletion_request%5Bemail%5D=gone%40example.com"
        );
        assert_eq!(
            parse(&op, 202, r#"{"message":"queued"}"#).unwrap(),
            json!({"message": "queued"})
        );
        assert_eq!(parse(&op, 202, "").unwrap(), Value::Null);
    }
}
