//! §2.1 #1–#3: `/batch/subscribers`, `/batch/events`, `/batch/emails`.

use super::{Ctx, batch_items};
use crate::util::{error, ok, valid_email};
use axum::response::Response;
use http::StatusCode;
use serde_json::{Value, json};

/// Import limit (§9).
pub const MAX_SUBSCRIBERS: usize = 1000;
/// Event limit (§9).
pub const MAX_EVENTS: usize = 1000;
/// Transactional email limit (§5: 60, not N's 100).
pub const MAX_EMAILS: usize = 60;

/// #1: upsert subscribers. `{"results": imported, "failed": rejected}`.
pub async fn subscribers(ctx: Ctx) -> Response {
    let items = match batch_items(&ctx, "subscribers", MAX_SUBSCRIBERS, false) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let visible_at = ctx.app.import_visible_at(ctx.now);
    let mut db = ctx.app.db();
    let (mut results, mut failed) = (0u64, 0u64);
    for item in &items {
        match db.import(item, ctx.now, visible_at) {
            Ok(_) => results += 1,
            Err(_) => failed += 1,
        }
    }
    ok(json!({"results": results, "failed": failed}))
}

/// #2: record events. `{"results": accepted, "failed": rejected}`.
pub async fn events(ctx: Ctx) -> Response {
    let items = match batch_items(&ctx, "events", MAX_EVENTS, false) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let mut db = ctx.app.db();
    let (mut results, mut failed) = (0u64, 0u64);
    for item in &items {
        match db.apply_event(item, ctx.now) {
            Ok(()) => results += 1,
            Err(_) => failed += 1,
        }
    }
    ok(json!({"results": results, "failed": failed}))
}

fn bare_address(s: &str) -> &str {
    s.rsplit_once('<')
        .map_or(s, |(_, r)| r.trim_end_matches('>'))
        .trim()
}

/// #3: queue transactional emails into the outbox. `{"results": queued}`.
///
/// Any `from` that isn't a configured author fails the whole request with the exact 500 the live
/// API sends (§5). Missing required keys are answered with 422 (invented wording).
pub async fn emails(ctx: Ctx) -> Response {
    let items = match batch_items(&ctx, "emails", MAX_EMAILS, false) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let authors = &ctx.app.config.authors;
    for (i, item) in items.iter().enumerate() {
        let s = |k: &str| {
            item.get(k)
                .and_then(Value::as_str)
                .map(str::trim)
                .unwrap_or_default()
        };
        let to_ok = s("to").split(',').map(bare_address).all(valid_email);
        let problem = if !item.is_object() {
            Some("must be an object")
        } else if !to_ok {
            Some("to is missing or invalid")
        } else if s("from").is_empty() {
            Some("from is required")
        } else if s("subject").is_empty() {
            Some("subject is required")
        } else if s("html_body").is_empty() && s("text_body").is_empty() {
            Some("html_body is required")
        } else {
            None
        };
        if let Some(p) = problem {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("emails[{i}]: {p}"),
            );
        }
        let from = bare_address(s("from"));
        if !authors.iter().any(|a| a.eq_ignore_ascii_case(from)) {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Author not authorized to send on this account",
            );
        }
    }
    let mut db = ctx.app.db();
    for item in &items {
        db.queue_email(item, ctx.now);
    }
    ok(json!({"results": items.len()}))
}
