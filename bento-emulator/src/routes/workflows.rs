//! §2.1 #19: workflows.

use super::{Ctx, paginate};
use crate::util::ok;
use axum::response::Response;
use serde_json::json;

/// Lists workflows (paginated).
pub async fn list(ctx: Ctx) -> Response {
    let db = ctx.app.db();
    let page = paginate(&ctx, db.workflows.iter().collect());
    ok(json!({"data": page.into_iter().map(|w| db.workflow_json(w)).collect::<Vec<_>>()}))
}
