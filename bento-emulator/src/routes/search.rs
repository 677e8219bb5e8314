//! §2.1 #8: `/fetch/search` (Enterprise). GET with a JSON body, GET with query params, or POST.
//!
//! Filters: `created_at`/`updated_at`/`last_event_at`/`unsubscribed_at` as `{gt?, lt?}` (ISO),
//! `tags` (alias `tag_names`; array or comma string of names; a subscriber must carry all of
//! them — the live combination rule is undocumented) and legacy `tag_ids`. Most recent first,
//! 100 per page.

use super::Ctx;
use crate::state::{Subscriber, tag_list};
use crate::util::{as_string, error, ok, parse_iso};
use axum::response::Response;
use http::StatusCode;
use serde_json::{Map, Value, json};

const PER_PAGE: usize = 100;
const DATE_KEYS: [&str; 4] = [
    "created_at",
    "updated_at",
    "last_event_at",
    "unsubscribed_at",
];

/// Runs a search.
pub async fn search(ctx: Ctx) -> Response {
    let mut echo = Map::new();
    let mut ranges: Vec<(&str, Option<i64>, Option<i64>)> = Vec::new();
    for key in DATE_KEYS {
        let Some(v) = ctx.p.get(key).filter(|v| !v.is_null()) else {
            continue;
        };
        let bound = |b: &str| -> Result<Option<i64>, String> {
            match v.get(b).and_then(as_string) {
                None => Ok(None),
                Some(s) if s.trim().is_empty() => Ok(None),
                Some(s) => parse_iso(&s)
                    .map(Some)
                    .ok_or_else(|| format!("{key}[{b}] is not an ISO-8601 date: {s:?}")),
            }
        };
        match (bound("gt"), bound("lt")) {
            (Ok(gt), Ok(lt)) => ranges.push((key, gt, lt)),
            (Err(e), _) | (_, Err(e)) => return error(StatusCode::BAD_REQUEST, &e),
        }
        echo.insert(key.to_string(), v.clone());
    }
    let tag_names = tag_list(ctx.p.get("tags").or_else(|| ctx.p.get("tag_names")));
    if !tag_names.is_empty() {
        echo.insert("tags".into(), json!(tag_names));
    }
    let tag_ids: Vec<u64> = tag_list(ctx.p.get("tag_ids"))
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    if !tag_ids.is_empty() {
        echo.insert("tag_ids".into(), json!(tag_ids));
    }
    let page = ctx
        .p
        .str("page")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);

    let db = ctx.app.db();
    let mut wanted_tags = Vec::new();
    for name in &tag_names {
        match db.find_tag(name) {
            Some(id) => wanted_tags.push(id),
            // An unknown tag can't be carried by anyone.
            None => return ok(json!({"data": [], "meta": {"page": page, "query": echo}})),
        }
    }
    wanted_tags.extend(tag_ids);
    let date_of = |s: &Subscriber, key: &str| match key {
        "created_at" => Some(s.created_at),
        "updated_at" => Some(s.updated_at),
        "last_event_at" => s.last_event_at,
        _ => s.unsubscribed_at,
    };
    let mut hits: Vec<&Subscriber> = db
        .visible_subscribers(ctx.now)
        .filter(|s| wanted_tags.iter().all(|t| s.tag_ids.contains(t)))
        .filter(|s| {
            ranges.iter().all(|(key, gt, lt)| match date_of(s, key) {
                None => false,
                Some(d) => gt.is_none_or(|g| d > g) && lt.is_none_or(|l| d < l),
            })
        })
        .collect();
    hits.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    let data: Vec<Value> = hits
        .into_iter()
        .skip((page - 1).saturating_mul(PER_PAGE))
        .take(PER_PAGE)
        .map(|s| {
            let mut v = db.subscriber_json(s);
            v["attributes"]["navigation_url"] = json!(format!(
                "https://app.bentonow.com/account/visitors/{}",
                s.id
            ));
            v
        })
        .collect();
    ok(json!({"data": data, "meta": {"page": page, "query": echo}}))
}
