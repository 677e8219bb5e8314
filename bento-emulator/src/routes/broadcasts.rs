//! §2.1 #4 and #14: `POST /batch/broadcasts` (create drafts) and `GET /fetch/broadcasts` (list).

use super::{Ctx, batch_items, paginate};
use crate::state::{Broadcast, Template};
use crate::util::{as_string, iso, ok, parse_iso};
use axum::response::Response;
use serde_json::{Map, Value, json};

/// Broadcast limit (§9).
pub const MAX_BROADCASTS: usize = 100;
const STATUSES: [&str; 6] = [
    "sent",
    "draft",
    "sending",
    "scheduled",
    "paused",
    "canceled",
];

/// Lists broadcasts with the given `status` (default `sent`, `cancelled` = `canceled`, unknown
/// values fall back to `sent`), newest first, paginated.
pub async fn list(ctx: Ctx) -> Response {
    let asked = ctx.p.str("status").unwrap_or_default().to_ascii_lowercase();
    let status = match asked.as_str() {
        "cancelled" => "canceled",
        s if STATUSES.contains(&s) => s,
        _ => "sent",
    };
    let db = ctx.app.db();
    let mut items: Vec<&Broadcast> = db
        .broadcasts
        .iter()
        .filter(|b| b.status == status)
        .collect();
    items.sort_by_key(|b| std::cmp::Reverse(b.id));
    let page: Vec<Value> = paginate(&ctx, items)
        .into_iter()
        .map(|b| db.broadcast_json(b))
        .collect();
    ok(json!({"data": page}))
}

fn validate(
    item: &Value,
    authors: &[String],
) -> Result<(String, String, String, Option<String>), String> {
    let s = |k: &str| {
        item.get(k)
            .and_then(as_string)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    if !item.is_object() {
        return Err("broadcast must be an object".into());
    }
    let (name, subject, content) = (s("name"), s("subject"), s("content"));
    if name.is_empty() {
        return Err("name can't be blank".into());
    }
    if subject.is_empty() {
        return Err("subject can't be blank".into());
    }
    if content.is_empty() {
        return Err("content can't be blank".into());
    }
    let from = match item.get("from") {
        Some(Value::Object(f)) => f.get("email").and_then(as_string).unwrap_or_default(),
        Some(Value::String(f)) => f.clone(),
        _ => String::new(),
    };
    if from.trim().is_empty() {
        return Err("from.email can't be blank".into());
    }
    if !authors.iter().any(|a| a.eq_ignore_ascii_case(from.trim())) {
        return Err("Author not authorized to send on this account".into());
    }
    // MCP defaults the rate to 1000 when omitted; the range text is N's test mock (§2.2).
    if let Some(v) = item.get("batch_size_per_hour").filter(|v| !v.is_null()) {
        let n = v
            .as_f64()
            .or_else(|| as_string(v).and_then(|s| s.trim().parse().ok()));
        if !n.is_some_and(|n| (10.0..=250_000.0).contains(&n)) {
            return Err("batch_size_per_hour must be between 10 and 250000".into());
        }
    }
    let send_at = match item
        .get("send_at")
        .and_then(as_string)
        .filter(|s| !s.trim().is_empty())
    {
        Some(t) => Some(iso(
            parse_iso(&t).ok_or("send_at is not a valid ISO-8601 datetime")?
        )),
        None => None,
    };
    Ok((name, subject, content, send_at))
}

/// Creates broadcasts as drafts (they must be reviewed in the UI; §2.2). Partial success:
/// `{"results", "failed", "broadcasts": [{id, template_id, name, dashboard_url}], "failures": [{index, name, error}]}`
/// with numeric ids (§6.6).
pub async fn create(ctx: Ctx) -> Response {
    let items = match batch_items(&ctx, "broadcasts", MAX_BROADCASTS, false) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let mut db = ctx.app.db();
    let (mut created, mut failures) = (Vec::new(), Vec::new());
    for (index, item) in items.iter().enumerate() {
        match validate(item, &ctx.app.config.authors) {
            Err(e) => failures.push(
                json!({"index": index, "name": item.get("name").and_then(as_string), "error": e}),
            ),
            Ok((name, subject, content, send_at)) => {
                let template_id = db.next_template_id();
                db.templates.insert(
                    template_id,
                    Template {
                        id: template_id,
                        name: name.clone(),
                        subject,
                        html: content,
                        created_at: iso(ctx.now),
                        stats: Value::Null,
                        extra: Map::new(),
                    },
                );
                let id = db.next_broadcast_id();
                db.broadcasts.push(Broadcast {
                    id,
                    template_id,
                    name: name.clone(),
                    status: "draft".into(),
                    created_at: iso(ctx.now),
                    send_at,
                    sent_final_batch_at: None,
                    open_rate: None,
                    input: item.clone(),
                });
                created.push(json!({
                    "id": id, "template_id": template_id, "name": name,
                    "dashboard_url": format!("https://app.bentonow.com/account/emails/broadcasts/{id}/edit"),
                }));
            }
        }
    }
    ok(
        json!({"results": created.len(), "failed": failures.len(), "broadcasts": created, "failures": failures}),
    )
}
