//! §2.1 #20: form responses (`GET /fetch/responses?id=<form>`).

use super::{Ctx, missing};
use crate::util::{as_string, error, ok};
use axum::response::Response;
use http::StatusCode;
use serde_json::{Value, json};

/// Responses of one form as `events` resources (§6.9). Unknown form → 404 (invented; the live
/// behaviour is undocumented).
pub async fn responses(ctx: Ctx) -> Response {
    let Some(id) = ctx.p.str("id") else {
        return missing("id");
    };
    let db = ctx.app.db();
    let Some(form) = db.fixture.forms.iter().find(|f| f.id == id) else {
        return error(StatusCode::NOT_FOUND, "Form not found");
    };
    let data: Vec<Value> = form
        .responses
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let rid = r.get("id").and_then(as_string).unwrap_or_else(|| format!("{}-{}", form.id, i + 1));
            let uuid = r.get("uuid").cloned().unwrap_or_else(|| json!(crate::util::uuid("response", i as u64, &rid)));
            json!({"id": rid, "type": "events", "attributes": {"uuid": uuid, "data": r.get("data").cloned().unwrap_or(Value::Null)}})
        })
        .collect();
    ok(json!({"data": data}))
}
