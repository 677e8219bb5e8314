//! §2.1 #12–#13: custom-field definitions.

use super::{Ctx, wrapper};
use crate::state::Db;
use crate::util::{as_string, error, ok};
use axum::response::Response;
use http::StatusCode;
use serde_json::json;

/// All field definitions (created explicitly or on demand by writes).
pub async fn list(ctx: Ctx) -> Response {
    let db = ctx.app.db();
    ok(json!({"data": db.fields.values().map(Db::field_json).collect::<Vec<_>>()}))
}

/// Create a field (or return the existing one); the display name is derived from the key.
pub async fn create(ctx: Ctx) -> Response {
    let key = match wrapper(&ctx, "field") {
        Ok(f) => f
            .get("key")
            .and_then(as_string)
            .map(|s| s.trim().to_string())
            .unwrap_or_default(),
        Err(r) => return r,
    };
    if key.is_empty() {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "Key can't be blank");
    }
    let mut db = ctx.app.db();
    let id = db.ensure_field(&key, ctx.now);
    match db.fields.get(&id) {
        Some(f) => ok(json!({"data": Db::field_json(f)})),
        None => error(StatusCode::INTERNAL_SERVER_ERROR, "field vanished"),
    }
}
