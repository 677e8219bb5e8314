//! §2.1 #24: authors (verified senders), from the configuration.

use super::Ctx;
use crate::util::{display_name, ok};
use axum::response::Response;
use serde_json::json;

/// `{"data": [{"id", "type": "authors", "attributes": {"email", "name", …}}]}`; ids are 1-based
/// positions in the configured list (invented).
pub async fn list(ctx: Ctx) -> Response {
    let data: Vec<_> = ctx
        .app
        .config
        .authors
        .iter()
        .enumerate()
        .map(|(i, email)| {
            let local = email.split('@').next().unwrap_or_default();
            json!({"id": (i + 1).to_string(), "type": "authors", "attributes": {
                "email": email, "name": display_name(local), "verified": true, "created_at": "2026-01-01T00:00:00.000Z" }})
        })
        .collect();
    ok(json!({"data": data}))
}
