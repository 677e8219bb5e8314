//! §2.1 #15–#16: sequences and appending an email step to one.

use super::{Ctx, paginate, wrapper};
use crate::state::{Db, Template};
use crate::util::{as_string, error, iso, ok};
use axum::extract::Path;
use axum::response::Response;
use http::StatusCode;
use serde_json::{Map, Value, json};

/// Lists sequences (paginated).
pub async fn list(ctx: Ctx) -> Response {
    let db = ctx.app.db();
    let page = paginate(&ctx, db.sequences.iter().collect());
    ok(json!({"data": page.into_iter().map(|s| db.sequence_json(s)).collect::<Vec<_>>()}))
}

/// Appends a new email template to a sequence (by numeric id or `sequence_…` prefix id).
pub async fn create_template(ctx: Ctx, Path(id): Path<String>) -> Response {
    let t = match wrapper(&ctx, "email_template") {
        Ok(t) => t.clone(),
        Err(r) => return r,
    };
    let s = |k: &str| {
        t.get(k)
            .and_then(as_string)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let (subject, html) = (s("subject"), s("html"));
    if subject.is_empty() {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "Subject can't be blank");
    }
    if html.is_empty() {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "Html can't be blank");
    }
    let interval = s("delay_interval");
    if !interval.is_empty() && !["minutes", "hours", "days", "months"].contains(&interval.as_str())
    {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "delay_interval must be one of minutes, hours, days, months",
        );
    }
    if let Some(c) = t.get("delay_interval_count").filter(|v| !v.is_null())
        && c.as_i64()
            .or_else(|| as_string(c).and_then(|s| s.parse().ok()))
            .is_none_or(|n| n < 0)
    {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "delay_interval_count must be a non-negative integer",
        );
    }
    let mut db = ctx.app.db();
    let Some(idx) = db.sequence_index(&id) else {
        return error(StatusCode::NOT_FOUND, "Sequence not found");
    };
    let tid = db.next_template_id();
    let extra: Map<String, Value> = t
        .into_iter()
        .filter(|(k, _)| k != "subject" && k != "html")
        .collect();
    let template = Template {
        id: tid,
        name: subject.clone(),
        subject,
        html,
        created_at: iso(ctx.now),
        stats: Value::Null,
        extra,
    };
    let body = json!({"data": Db::template_json(&template)});
    db.templates.insert(tid, template);
    db.sequences[idx].template_ids.push(tid);
    ok(body)
}
