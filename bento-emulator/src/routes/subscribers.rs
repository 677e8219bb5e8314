//! §2.1 #6–#7: `GET /fetch/subscribers` (find) and `POST /fetch/subscribers` (create).

use super::{Ctx, missing, wrapper};
use crate::util::{error, ok, valid_email};
use axum::response::Response;
use http::StatusCode;
use serde_json::{Value, json};

/// Find by `email` or `uuid`; `{"data": null}` when unknown or not yet visible (§6.1).
pub async fn find(ctx: Ctx) -> Response {
    let db = ctx.app.db();
    let found = if let Some(email) = ctx.p.str("email") {
        db.id_by_email(&email)
            .and_then(|id| db.visible(id, ctx.now))
    } else if let Some(uuid) = ctx.p.str("uuid") {
        db.visible_subscribers(ctx.now).find(|s| s.uuid == uuid)
    } else {
        return missing("email");
    };
    ok(json!({"data": found.map(|s| db.subscriber_json(s))}))
}

/// Create (or return the existing) subscriber. Only `email` is documented; NET's extra keys
/// (names, tags, flat fields) are honoured like an import item.
pub async fn create(ctx: Ctx) -> Response {
    let sub = match wrapper(&ctx, "subscriber") {
        Ok(s) => s.clone(),
        Err(r) => return r,
    };
    let email = sub
        .get("email")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if email.trim().is_empty() {
        return missing("subscriber.email");
    }
    if !valid_email(&email) {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "Email is invalid");
    }
    let mut db = ctx.app.db();
    match db.import(&Value::Object(sub), ctx.now, ctx.now) {
        Ok(id) => match db.subscribers.get(&id) {
            Some(s) => ok(json!({"data": db.subscriber_json(s)})),
            None => error(StatusCode::INTERNAL_SERVER_ERROR, "subscriber vanished"),
        },
        Err(e) => error(StatusCode::UNPROCESSABLE_ENTITY, &e),
    }
}
