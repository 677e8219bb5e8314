//! The `/api/v1` routes (§2.1 #1–#35 plus the legacy `/experimental/blacklist.json` alias).

// Helpers return `Result<_, Response>` so handlers can `?`-style bail out with a finished answer;
// a large `Err` is fine here (built once per failed request, never propagated far).
#![allow(clippy::result_large_err)]

mod authors;
mod batch;
mod broadcasts;
mod commands;
mod data_deletion;
mod experimental;
mod fields;
mod forms;
mod search;
mod segments;
mod sequences;
mod stats;
mod subscribers;
mod tags;
mod templates;
mod workflows;

use crate::app::Shared;
use crate::params::Params;
use crate::util::{error, now_ms};
use axum::Router;
use axum::extract::FromRequestParts;
use axum::response::Response;
use axum::routing::{any, get, post};
use http::StatusCode;
use http::request::Parts;
use serde_json::Value;
use std::convert::Infallible;
use std::sync::Arc;

/// What every handler gets: the shared state, the merged parameters and a timestamp.
pub struct Ctx {
    pub app: Shared,
    pub p: Arc<Params>,
    pub now: i64,
}

impl FromRequestParts<Shared> for Ctx {
    type Rejection = Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &Shared,
    ) -> Result<Self, Self::Rejection> {
        let p = parts
            .extensions
            .get::<Arc<Params>>()
            .cloned()
            .unwrap_or_default();
        Ok(Ctx {
            app: state.clone(),
            p,
            now: now_ms(),
        })
    }
}

/// 400 for a missing wrapper / required parameter (Rails' `ParameterMissing`).
pub fn missing(name: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        &format!("param is missing or the value is empty: {name}"),
    )
}

/// The wrapper object (e.g. `tag`, `field`, `subscriber`), or 400.
pub fn wrapper<'a>(
    ctx: &'a Ctx,
    key: &str,
) -> Result<&'a serde_json::Map<String, Value>, Response> {
    match ctx.p.get(key) {
        Some(Value::Object(m)) if !m.is_empty() => Ok(m),
        _ => Err(missing(key)),
    }
}

/// The items of a batch wrapper, checked against 1..=max (422 outside, §9). A single object is
/// accepted as a batch of one when `allow_single` (commands, §3).
pub fn batch_items(
    ctx: &Ctx,
    key: &str,
    max: usize,
    allow_single: bool,
) -> Result<Vec<Value>, Response> {
    let items = match ctx.p.get(key) {
        Some(Value::Array(a)) => a.clone(),
        Some(v @ Value::Object(_)) if allow_single => vec![v.clone()],
        None | Some(Value::Null) => return Err(missing(key)),
        Some(_) => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                &format!("{key} must be an array"),
            ));
        }
    };
    if items.is_empty() || items.len() > max {
        let noun = key.trim_end_matches('s');
        return Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!(
                "You must send between 1 and {max} {noun}s per request (got {})",
                items.len()
            ),
        ));
    }
    Ok(items)
}

/// Page `page` (1-based, from the `page` param) of `items`, `per_page` at a time (default 25,
/// max 100; invented: the live page size is undocumented).
pub fn paginate<T>(ctx: &Ctx, items: Vec<T>) -> Vec<T> {
    let page = ctx
        .p
        .str("page")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let per = ctx
        .p
        .str("per_page")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(25)
        .clamp(1, 100);
    items
        .into_iter()
        .skip((page - 1).saturating_mul(per))
        .take(per)
        .collect()
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "Not Found")
}

/// Builds the API router (full paths, `/api/v1/...`).
pub fn router(app: Shared) -> Router {
    let r = |p: &str| format!("/api/v1{p}");
    Router::new()
        // §2.1 #1–#4: bulk writes.
        .route(&r("/batch/subscribers"), post(batch::subscribers))
        .route(&r("/batch/events"), post(batch::events))
        .route(&r("/batch/emails"), post(batch::emails))
        .route(&r("/batch/broadcasts"), post(broadcasts::create))
        // #5: commands.
        .route(&r("/fetch/commands"), post(commands::commands))
        // #6–#8: subscribers and search.
        .route(
            &r("/fetch/subscribers"),
            get(subscribers::find).post(subscribers::create),
        )
        .route(
            &r("/fetch/search"),
            get(search::search).post(search::search),
        )
        // #9–#13: tags and fields.
        .route(&r("/fetch/tags"), get(tags::list).post(tags::create))
        .route(&r("/fetch/tags/{id}"), axum::routing::delete(tags::delete))
        .route(&r("/fetch/fields"), get(fields::list).post(fields::create))
        // #14–#20: broadcasts, sequences, templates, workflows, form responses.
        .route(&r("/fetch/broadcasts"), get(broadcasts::list))
        .route(&r("/fetch/sequences"), get(sequences::list))
        .route(
            &r("/fetch/sequences/{id}/emails/templates"),
            post(sequences::create_template),
        )
        .route(
            &r("/fetch/emails/templates/{id}"),
            get(templates::show).patch(templates::update),
        )
        .route(&r("/fetch/workflows"), get(workflows::list))
        .route(&r("/fetch/responses"), get(forms::responses))
        // #21–#24: segments and authors.
        .route(&r("/fetch/segments"), get(segments::list))
        .route(&r("/fetch/segments/{id}"), get(segments::show))
        .route(&r("/fetch/segments/{id}/match"), post(segments::matches))
        .route(&r("/fetch/authors"), get(authors::list))
        // #25–#28: stats.
        .route(&r("/stats/site"), get(stats::site))
        .route(&r("/stats/segment"), get(stats::segment))
        .route(&r("/stats/report"), get(stats::report))
        .route(&r("/stats/ads"), get(stats::ads))
        // #29–#34: experimental.
        .route(
            &r("/experimental/validation"),
            post(experimental::validation),
        )
        .route(
            &r("/experimental/jesses_ruleset"),
            post(experimental::jesses_ruleset),
        )
        .route(
            &r("/experimental/content_moderation"),
            post(experimental::content_moderation),
        )
        .route(&r("/experimental/gender"), post(experimental::gender))
        .route(
            &r("/experimental/geolocation"),
            get(experimental::geolocation),
        )
        // GET is current; POST is what old docs and Ex use; `.json` is the legacy path.
        .route(
            &r("/experimental/blacklist"),
            get(experimental::blacklist).post(experimental::blacklist),
        )
        .route(
            &r("/experimental/blacklist.json"),
            get(experimental::blacklist).post(experimental::blacklist),
        )
        // #35: data deletion.
        .route(&r("/data_deletion_requests"), post(data_deletion::create))
        .route_layer(axum::middleware::from_fn_with_state(
            app.clone(),
            crate::auth::require_auth,
        ))
        // Wrong path or wrong method: 404 JSON, as Rails routing answers (§1.6).
        .fallback(any(not_found))
        .method_not_allowed_fallback(not_found)
        .with_state(app)
}
