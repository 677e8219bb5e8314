//! §2.1 #35: `POST /data_deletion_requests` (form body `data_deletion_request[email]`).

use super::{Ctx, missing};
use crate::util::{as_string, error, json_response};
use axum::response::Response;
use http::StatusCode;
use serde_json::json;

/// Deletes the subscriber (and their events) right away and answers 202 with an invented
/// `data_deletion_requests` resource; an unknown email is 422.
pub async fn create(ctx: Ctx) -> Response {
    let email = ctx
        .p
        .get("data_deletion_request")
        .and_then(|d| d.get("email"))
        .and_then(as_string)
        .or_else(|| ctx.p.str("email"))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    let Some(email) = email else {
        return missing("data_deletion_request");
    };
    let mut db = ctx.app.db();
    let Some(id) = db.id_by_email(&email) else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Email not found on this site",
        );
    };
    let rec = db.delete_subscriber(id, ctx.now);
    json_response(
        StatusCode::ACCEPTED,
        &json!({"data": {"id": rec["id"], "type": "data_deletion_requests", "attributes": {
            "email": rec["email"], "status": rec["status"], "created_at": rec["created_at"] }}}),
    )
}
