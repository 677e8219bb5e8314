//! Authentication and throttling, in the order the live stack applies them:
//! User-Agent (Cloudflare, in front of everything) → HTTP Basic → rate limit → body parsing →
//! `site_uuid`. The User-Agent check lives in `server.rs` because it also covers unknown paths;
//! the rest runs as a route layer, so unknown paths answer 404 without credentials, like Rails.

use crate::app::Shared;
use crate::params::Params;
use crate::util::error;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use http::{HeaderValue, StatusCode, header};
use std::sync::Arc;

/// Decodes `Authorization: Basic base64(user:pass)`.
pub fn basic_credentials(value: Option<&HeaderValue>) -> Option<(String, String)> {
    let v = value?.to_str().ok()?.trim();
    let (scheme, rest) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let rest = rest.trim();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(rest)
        .or_else(|_| {
            base64::engine::general_purpose::STANDARD_NO_PAD.decode(rest.trim_end_matches('='))
        })
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (u, p) = text.split_once(':')?;
    Some((u.to_string(), p.to_string()))
}

fn unauthorized() -> Response {
    error(StatusCode::UNAUTHORIZED, "Unauthorized")
}

/// Route layer for every `/api/v1` route.
pub async fn require_auth(State(app): State<Shared>, req: Request, next: Next) -> Response {
    let cfg = &app.config;
    let Some((user, pass)) = basic_credentials(req.headers().get(header::AUTHORIZATION)) else {
        return unauthorized();
    };
    if user != cfg.publishable_key || pass != cfg.secret_key {
        return unauthorized();
    }
    let path = req
        .uri()
        .path()
        .strip_prefix("/api/v1")
        .unwrap_or_default()
        .to_string();
    if let Some((per_minute, per_hour)) = cfg.rate_limit.limits() {
        let bucket = if path.starts_with("/stats") {
            Some(("stats", per_hour, 3600))
        } else if path.starts_with("/fetch") || path.starts_with("/batch") {
            Some(("fetch_batch", per_minute, 60))
        } else {
            None
        };
        if let Some((name, limit, window)) = bucket
            && let Err(wait) = app.rate().hit(&user, name, limit, window)
        {
            let mut res = error(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests");
            if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return res;
        }
    }
    let params = req
        .extensions()
        .get::<Arc<Params>>()
        .cloned()
        .unwrap_or_default();
    if let Some(e) = &params.body_error {
        return error(StatusCode::BAD_REQUEST, e);
    }
    match params.site_uuid() {
        Some(s) if s == cfg.site_uuid => {}
        // Rb calls the experimental validators without any site_uuid (§2.2 #29); let a *missing*
        // one through there so that SDK works unchanged. A wrong one is still rejected.
        None if path.starts_with("/experimental") => {}
        _ => return unauthorized(),
    }
    next.run(req).await
}
