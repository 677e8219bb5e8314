//! §2.1 #21–#23: segments (DOCS-only endpoints) and the invented match endpoint.

use super::{Ctx, missing};
use crate::fixture::SegmentFixture;
use crate::util::{error, ok};
use axum::extract::Path;
use axum::response::Response;
use http::StatusCode;
use serde_json::{Value, json};

fn segment_json(s: &SegmentFixture) -> Value {
    json!({"id": s.id, "type": "segments", "attributes": {
        "name": s.name, "description": s.description, "visitor_event_query": s.visitor_event_query,
        "created_at": s.created_at, "updated_at": s.updated_at }})
}

/// Kept (non-discarded) segments ordered by name.
pub async fn list(ctx: Ctx) -> Response {
    let db = ctx.app.db();
    let mut segs: Vec<&SegmentFixture> = db
        .fixture
        .segments
        .iter()
        .filter(|s| s.discarded_at.is_none())
        .collect();
    segs.sort_by_key(|s| s.name.to_lowercase());
    ok(json!({"data": segs.into_iter().map(segment_json).collect::<Vec<_>>()}))
}

/// One kept segment, or 404 `{"error":"Segment not found"}`.
pub async fn show(ctx: Ctx, Path(id): Path<String>) -> Response {
    let db = ctx.app.db();
    match db.kept_segment(&id) {
        Some(s) => ok(json!({"data": segment_json(s)})),
        None => error(StatusCode::NOT_FOUND, "Segment not found"),
    }
}

/// Invented (the live body and answer are unknown): body `{"email": …}` (or `subscriber.email`),
/// answer `{"data": {"segment_id", "email", "matches": bool}}`; an unknown subscriber never matches.
pub async fn matches(ctx: Ctx, Path(id): Path<String>) -> Response {
    let email = ctx.p.str("email").or_else(|| {
        ctx.p
            .get("subscriber")
            .and_then(|s| s.get("email"))
            .and_then(crate::util::as_string)
    });
    let Some(email) = email else {
        return missing("email");
    };
    let db = ctx.app.db();
    let Some(seg) = db.kept_segment(&id) else {
        return error(StatusCode::NOT_FOUND, "Segment not found");
    };
    let matches = db
        .id_by_email(&email)
        .and_then(|sid| db.visible(sid, ctx.now))
        .is_some_and(|s| db.segment_matches(seg, s));
    ok(
        json!({"data": {"segment_id": seg.id, "email": crate::util::norm_email(&email), "matches": matches}}),
    )
}
