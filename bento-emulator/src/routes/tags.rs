//! §2.1 #9–#11: tags.

use super::{Ctx, wrapper};
use crate::util::{as_string, error, json_response, ok};
use axum::extract::Path;
use axum::response::Response;
use http::StatusCode;
use serde_json::json;

/// All tags, discarded ones included (their `discarded_at` is set; §2.2).
pub async fn list(ctx: Ctx) -> Response {
    let db = ctx.app.db();
    ok(json!({"data": db.tags.values().map(|t| db.tag_json(t)).collect::<Vec<_>>()}))
}

/// Create a tag (or return the existing one with that name): a single object (§6.3).
pub async fn create(ctx: Ctx) -> Response {
    let name = match wrapper(&ctx, "tag") {
        Ok(t) => t
            .get("name")
            .and_then(as_string)
            .map(|s| s.trim().to_string())
            .unwrap_or_default(),
        Err(r) => return r,
    };
    if name.is_empty() {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "Name can't be blank");
    }
    let mut db = ctx.app.db();
    let id = db.tag_id(&name, ctx.now);
    match db.tags.get(&id) {
        Some(t) => ok(json!({"data": db.tag_json(t)})),
        None => error(StatusCode::INTERNAL_SERVER_ERROR, "tag vanished"),
    }
}

/// Discard (or, when already discarded, restore — N's docstring says "deletes or restores") a tag
/// by id. The body's `tag.name` must name that tag. Answers `{"message": …}`.
pub async fn delete(ctx: Ctx, Path(id): Path<String>) -> Response {
    let name = match wrapper(&ctx, "tag") {
        Ok(t) => t
            .get("name")
            .and_then(as_string)
            .map(|s| s.trim().to_string())
            .unwrap_or_default(),
        Err(r) => return r,
    };
    let mut db = ctx.app.db();
    let Some(tag) = id
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|id| db.tags.get_mut(&id))
    else {
        return error(StatusCode::NOT_FOUND, "Tag not found");
    };
    if !tag.name.eq_ignore_ascii_case(&name) {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "Tag name does not match");
    }
    let message = if tag.discarded_at.is_some() {
        tag.discarded_at = None;
        format!("Tag ({}) restored successfully", tag.name)
    } else {
        tag.discarded_at = Some(ctx.now);
        format!("Tag ({}) deleted successfully", tag.name)
    };
    json_response(StatusCode::OK, &json!({"message": message}))
}
