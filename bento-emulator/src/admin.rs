//! The admin API under `/__emulator/` (never under `/api/v1`, no auth): faults, the request log,
//! a state snapshot and reset. Everything is JSON.

use crate::app::Shared;
use crate::faults::FaultRule;
use crate::util::{error, now_ms, ok};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{any, get, post};
use http::StatusCode;
use serde_json::{Value, json};

/// Parses one rule, an array of rules, or `{"faults": [...]}`.
pub fn parse_rules(body: &[u8]) -> Result<Vec<FaultRule>, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
    let list = match v {
        Value::Array(a) => a,
        Value::Object(mut m) if m.contains_key("faults") => match m.remove("faults") {
            Some(Value::Array(a)) => a,
            _ => return Err("faults must be an array".into()),
        },
        other => vec![other],
    };
    list.into_iter()
        .map(|r| {
            let rule: FaultRule =
                serde_json::from_value(r).map_err(|e| format!("invalid fault rule: {e}"))?;
            rule.check()
                .map_err(|e| format!("invalid fault rule: {e}"))?;
            Ok(rule)
        })
        .collect()
}

async fn index() -> Response {
    ok(json!({"endpoints": [
        "GET /__emulator/faults", "POST /__emulator/faults", "DELETE /__emulator/faults",
        "GET /__emulator/requests", "DELETE /__emulator/requests",
        "GET /__emulator/state", "POST /__emulator/reset"
    ]}))
}

async fn list_faults(State(app): State<Shared>) -> Response {
    ok(json!({"faults": app.faults().list()}))
}

async fn add_faults(State(app): State<Shared>, body: Bytes) -> Response {
    match parse_rules(&body) {
        Ok(rules) => {
            let mut f = app.faults();
            for r in rules {
                f.add(r);
            }
            ok(json!({"faults": f.list()}))
        }
        Err(e) => error(StatusCode::BAD_REQUEST, &e),
    }
}

async fn clear_faults(State(app): State<Shared>) -> Response {
    app.faults().clear();
    ok(json!({"faults": []}))
}

async fn list_requests(State(app): State<Shared>) -> Response {
    let log = app.log();
    ok(json!({"requests": log.all(), "log_bytes": log.bytes()}))
}

async fn clear_requests(State(app): State<Shared>) -> Response {
    app.log().clear();
    ok(json!({"requests": []}))
}

async fn state(State(app): State<Shared>) -> Response {
    let snap = app.db().snapshot(now_ms());
    ok(snap)
}

async fn reset(State(app): State<Shared>) -> Response {
    app.reset();
    ok(json!({"reset": true}))
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "Not Found")
}

/// The admin router.
pub fn router(app: Shared) -> Router {
    Router::new()
        .route("/__emulator", get(index))
        .route(
            "/__emulator/faults",
            get(list_faults).post(add_faults).delete(clear_faults),
        )
        .route(
            "/__emulator/requests",
            get(list_requests).delete(clear_requests),
        )
        .route("/__emulator/state", get(state))
        .route("/__emulator/reset", post(reset))
        .fallback(any(not_found))
        .method_not_allowed_fallback(not_found)
        .with_state(app)
}
