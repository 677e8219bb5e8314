//! §2.1 #25–#28: stats, computed from state (site, segment) or seeded (report) or fixed (ads).

use super::{Ctx, missing};
use crate::util::{error, ok};
use axum::response::Response;
use http::StatusCode;
use serde_json::json;

/// Flat counters over every visible subscriber.
pub async fn site(ctx: Ctx) -> Response {
    let (u, s, n) = ctx.app.db().counts(ctx.now, |_| true);
    ok(json!({"user_count": u, "subscriber_count": s, "unsubscriber_count": n}))
}

/// Flat counters over a seeded segment's members (its fixture `rule`).
pub async fn segment(ctx: Ctx) -> Response {
    let Some(id) = ctx.p.str("segment_id") else {
        return missing("segment_id");
    };
    let db = ctx.app.db();
    let Some(seg) = db.kept_segment(&id) else {
        return error(StatusCode::NOT_FOUND, "Segment not found");
    };
    let (u, s, n) = db.counts(ctx.now, |sub| db.segment_matches(seg, sub));
    ok(json!({"user_count": u, "subscriber_count": s, "unsubscriber_count": n}))
}

/// A seeded report: `{"data", "chart_style", "report_type", "report_name"}`.
pub async fn report(ctx: Ctx) -> Response {
    let Some(id) = ctx.p.str("report_id") else {
        return missing("report_id");
    };
    let db = ctx.app.db();
    match db.fixture.reports.iter().find(|r| r.id == id) {
        Some(r) => ok(
            json!({"data": r.data, "chart_style": r.chart_style, "report_type": r.report_type, "report_name": r.name}),
        ),
        None => error(StatusCode::NOT_FOUND, "Report not found"),
    }
}

/// A fixed, plausible §6.12 object; `dimension` and `revenue_mode` are echoed (unknown values fall
/// back to `source` / `all_revenue`).
pub async fn ads(ctx: Ctx) -> Response {
    let dim = ctx
        .p
        .str("dimension")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let (dimension, label) = match dim.as_str() {
        "campaign" => ("campaign", "Campaign"),
        "medium" => ("medium", "Medium"),
        "content" => ("content", "Content"),
        "ad" => ("ad", "Ad"),
        _ => ("source", "Source"),
    };
    let mode = ctx
        .p
        .str("revenue_mode")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let (mode, mode_label, desc) = match mode.as_str() {
        "first_revenue" => (
            "first_revenue",
            "First revenue",
            "Only each customer's first payment is attributed.",
        ),
        "subscriptions" => (
            "subscriptions",
            "Subscriptions",
            "Only subscription revenue is attributed.",
        ),
        _ => (
            "all_revenue",
            "All revenue",
            "Every payment is attributed to the visitor's source.",
        ),
    };
    let site_id = ctx.app.db().site_id;
    ok(json!({
        "dimension": dimension, "dimensionLabel": label,
        "attribution": {"mode": "last_click", "modeLabel": "Last Click", "windowDays": 7,
            "settingsPath": format!("/account/sites/{site_id}/attribution_settings"), "appliesToAdRevenue": false},
        "revenueMode": {"mode": mode, "label": mode_label, "description": desc},
        "totals": {"signups": 42, "customers": 8, "revenueCents": 129_900, "revenueCurrency": "USD",
            "revenueByCurrency": {"USD": 129_900}, "revenueVisitorCount": 42, "customerRate": 19, "topSource": "youtube"},
        "chartData": [
            {"x": 1_717_200_000, "signups": 3, "customers": 1, "revenue": 4900},
            {"x": 1_717_286_400, "signups": 5, "customers": 2, "revenue": 9800}
        ],
        "breakdown": [{"key": "youtube", "label": "youtube", "signups": 42, "customers": 8, "customerRate": 19,
            "revenueCents": 129_900, "revenueCurrency": "USD", "revenueByCurrency": {"USD": 129_900}, "revenuePerSignupCents": 3092}],
        "revenueTruncated": false
    }))
}
