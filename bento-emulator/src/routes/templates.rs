//! §2.1 #17–#18: read and update one email template.

use super::{Ctx, wrapper};
use crate::state::Db;
use crate::util::{as_string, error, ok};
use axum::extract::Path;
use axum::response::Response;
use http::StatusCode;
use serde_json::json;

fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "Email template not found")
}

/// `GET /fetch/emails/templates/:id`.
pub async fn show(ctx: Ctx, Path(id): Path<String>) -> Response {
    let db = ctx.app.db();
    match id
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|id| db.templates.get(&id))
    {
        Some(t) => ok(json!({"data": Db::template_json(t)})),
        None => not_found(),
    }
}

/// `PATCH /fetch/emails/templates/:id` with `email_template: {subject?, html?}` (one required).
pub async fn update(ctx: Ctx, Path(id): Path<String>) -> Response {
    let t = match wrapper(&ctx, "email_template") {
        Ok(t) => t.clone(),
        Err(r) => return r,
    };
    let subject = t
        .get("subject")
        .and_then(as_string)
        .filter(|s| !s.trim().is_empty());
    let html = t
        .get("html")
        .and_then(as_string)
        .filter(|s| !s.trim().is_empty());
    if subject.is_none() && html.is_none() {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "subject or html is required",
        );
    }
    let mut db = ctx.app.db();
    let Some(tpl) = id
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|id| db.templates.get_mut(&id))
    else {
        return not_found();
    };
    if let Some(s) = subject {
        tpl.subject = s;
    }
    if let Some(h) = html {
        tpl.html = h;
    }
    ok(json!({"data": Db::template_json(tpl)}))
}
