//! §2.1 #5 / §3: `POST /fetch/commands`.

use super::{Ctx, batch_items};
use crate::util::ok;
use axum::response::Response;
use serde_json::json;

/// Command limit (old DOCS).
pub const MAX_COMMANDS: usize = 100;

/// Applies each command (one object or an array) and answers `{"results": queued}`; structurally
/// invalid commands (unknown name, bad email, missing query) are added as `"failed"` when any.
pub async fn commands(ctx: Ctx) -> Response {
    let items = match batch_items(&ctx, "command", MAX_COMMANDS, true) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let mut db = ctx.app.db();
    let (mut results, mut failed) = (0u64, 0u64);
    for item in &items {
        match db.apply_command(item, ctx.now) {
            Ok(()) => results += 1,
            Err(_) => failed += 1,
        }
    }
    if failed > 0 {
        ok(json!({"results": results, "failed": failed}))
    } else {
        ok(json!({"results": results}))
    }
}
