//! Stats: `GET /stats/site`, `/stats/segment`, `/stats/report`, `/stats/ads`.
//!
//! Stats endpoints have the tightest rate limit (tens of calls per hour): cache the results.

use serde::{Deserialize, Deserializer, Serialize};

use crate::model::nullable;
use crate::operation::{RequestSpec, decode_json, operation};

/// Subscriber counters of the site or a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SiteStats {
    /// Everyone.
    #[serde(default, deserialize_with = "nullable")]
    pub user_count: u64,
    /// Subscribed.
    #[serde(default, deserialize_with = "nullable")]
    pub subscriber_count: u64,
    /// Unsubscribed.
    #[serde(default, deserialize_with = "nullable")]
    pub unsubscriber_count: u64,
}

/// `GET /stats/site`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetSiteStats;

impl GetSiteStats {
    /// The site's counters.
    pub fn new() -> Self {
        GetSiteStats
    }
}

operation! {
    GetSiteStats => SiteStats, Idempotent,
    request(self, config) { RequestSpec::get("/stats/site").build(config) }
    decode(status, body) { decode_json(status, body) }
}

/// `GET /stats/segment?segment_id=` (404 for an unknown segment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetSegmentStats {
    /// The segment id.
    pub segment_id: String,
}

impl GetSegmentStats {
    /// Counters of `segment_id`.
    pub fn new(segment_id: impl Into<String>) -> Self {
        GetSegmentStats {
            segment_id: segment_id.into(),
        }
    }
}

operation! {
    GetSegmentStats => SiteStats, Idempotent,
    request(self, config) {
        RequestSpec::get("/stats/segment").query_required("segment_id", &self.segment_id)?.build(config)
    }
    decode(status, body) { decode_json(status, body) }
}

/// A report's data: `data` is any JSON (a number for counters, a series for charts).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ReportStats {
    /// The report data.
    pub data: serde_json::Value,
    /// `counter`, `line_chart`, ...
    pub chart_style: Option<String>,
    /// The report class.
    pub report_type: Option<String>,
    /// The report name.
    pub report_name: Option<String>,
}

impl<'de> Deserialize<'de> for ReportStats {
    /// Flat, or wrapped in `report_data` as some API versions answer.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize, Default)]
        struct Flat {
            #[serde(default)]
            data: serde_json::Value,
            #[serde(default)]
            chart_style: Option<String>,
            #[serde(default)]
            report_type: Option<String>,
            #[serde(default)]
            report_name: Option<String>,
            #[serde(default)]
            report_data: Option<Box<Flat>>,
        }
        let flat = Flat::deserialize(d)?;
        let flat = match flat.report_data {
            Some(inner) if flat.data.is_null() => *inner,
            _ => flat,
        };
        Ok(ReportStats {
            data: flat.data,
            chart_style: flat.chart_style,
            report_type: flat.report_type,
            report_name: flat.report_name,
        })
    }
}

/// `GET /stats/report?report_id=` (404 for an unknown report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetReportStats {
    /// The report id.
    pub report_id: String,
}

impl GetReportStats {
    /// Data of `report_id`.
    pub fn new(report_id: impl Into<String>) -> Self {
        GetReportStats {
            report_id: report_id.into(),
        }
    }
}

operation! {
    GetReportStats => ReportStats, Idempotent,
    request(self, config) {
        RequestSpec::get("/stats/report").query_required("report_id", &self.report_id)?.build(config)
    }
    decode(status, body) { decode_json(status, body) }
}

/// `GET /stats/ads` filters (all optional; dates are free text such as `last week`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GetAdsStats {
    /// `source`, `campaign`, `medium`, `content` or `ad`.
    pub dimension: Option<String>,
    /// Only this dimension value.
    pub value: Option<String>,
    /// From.
    pub start_date: Option<String>,
    /// To.
    pub end_date: Option<String>,
    /// `all_revenue`, `first_revenue` or `subscriptions`.
    pub revenue_mode: Option<String>,
}

impl GetAdsStats {
    /// No filters.
    pub fn new() -> Self {
        GetAdsStats::default()
    }
}

/// Ad attribution stats (the API answers in camelCase).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdsStats {
    /// The dimension.
    #[serde(default)]
    pub dimension: Option<String>,
    /// Its label.
    #[serde(default)]
    pub dimension_label: Option<String>,
    /// Attribution settings, any JSON.
    #[serde(default)]
    pub attribution: Option<serde_json::Value>,
    /// Revenue mode, any JSON.
    #[serde(default)]
    pub revenue_mode: Option<serde_json::Value>,
    /// Totals.
    #[serde(default)]
    pub totals: Option<AdsTotals>,
    /// Chart points, any JSON.
    #[serde(default, deserialize_with = "nullable")]
    pub chart_data: Vec<serde_json::Value>,
    /// Per-value rows.
    #[serde(default, deserialize_with = "nullable")]
    pub breakdown: Vec<AdsBreakdown>,
    /// Whether revenue was truncated.
    #[serde(default)]
    pub revenue_truncated: Option<bool>,
}

/// Totals of [`AdsStats`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdsTotals {
    /// Sign-ups.
    #[serde(default)]
    pub signups: Option<u64>,
    /// Customers.
    #[serde(default)]
    pub customers: Option<u64>,
    /// Revenue in cents.
    #[serde(default)]
    pub revenue_cents: Option<i64>,
    /// Revenue currency.
    #[serde(default)]
    pub revenue_currency: Option<String>,
    /// Customer rate (percent).
    #[serde(default)]
    pub customer_rate: Option<f64>,
    /// The best source.
    #[serde(default)]
    pub top_source: Option<String>,
}

/// A row of [`AdsStats::breakdown`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdsBreakdown {
    /// The value.
    #[serde(default)]
    pub key: Option<String>,
    /// Its label.
    #[serde(default)]
    pub label: Option<String>,
    /// Sign-ups.
    #[serde(default)]
    pub signups: Option<u64>,
    /// Customers.
    #[serde(default)]
    pub customers: Option<u64>,
    /// Revenue in cents.
    #[serde(default)]
    pub revenue_cents: Option<i64>,
    /// Revenue per sign-up in cents.
    #[serde(default)]
    pub revenue_per_signup_cents: Option<i64>,
}

operation! {
    GetAdsStats => AdsStats, Idempotent,
    request(self, config) {
        let nonblank = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        RequestSpec::get("/stats/ads")
            .query_opt("dimension", nonblank(&self.dimension))
            .query_opt("value", nonblank(&self.value))
            .query_opt("start_date", nonblank(&self.start_date))
            .query_opt("end_date", nonblank(&self.end_date))
            .query_opt("revenue_mode", nonblank(&self.revenue_mode))
            .build(config)
    }
    decode(status, body) { decode_json(status, body) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{parse, q, request};
    use serde_json::json;

    #[test]
    fn stats_site_segment_report_and_ads() {
        assert_eq!(request(&GetSiteStats::new()).1, "/stats/site");
        assert_eq!(
            parse(
                &GetSiteStats::new(),
                200,
                r#"{"user_count":10,"subscriber_count":7,"unsubscriber_count":3}"#
            )
            .unwrap(),
            SiteStats {
                user_count: 10,
                subscriber_count: 7,
                unsubscriber_count: 3
            }
        );
        assert_eq!(
            request(&GetSegmentStats::new("42")).2,
            q(&[("segment_id", "42")])
        );
        assert_eq!(
            request(&GetReportStats::new("7")).2,
            q(&[("report_id", "7")])
        );
        let flat = parse(
            &GetReportStats::new("7"),
            200,
            r#"{"data":42,"chart_style":"counter","report_type":"R","report_name":"API Report"}"#,
        )
        .unwrap();
        let wrapped = parse(&GetReportStats::new("7"), 200, r#"{"report_data":{"data":42,"chart_style":"counter","report_type":"R","report_name":"API Report"}}"#).unwrap();
        assert_eq!(flat, wrapped);
        assert_eq!(flat.data, json!(42));
        let ads = GetAdsStats {
            dimension: Some("source".into()),
            start_date: Some("last week".into()),
            ..GetAdsStats::new()
        };
        assert_eq!(
            request(&ads).2,
            q(&[("dimension", "source"), ("start_date", "last week")])
        );
        let parsed = parse(&ads, 200, r#"{"dimension":"source","dimensionLabel":"Source","totals":{"signups":42,"customers":8,"revenueCents":129900,"revenueCurrency":"USD","customerRate":19,"topSource":"youtube"},"chartData":[{"x":1}],"breakdown":[{"key":"youtube","signups":42,"revenuePerSignupCents":3092}],"revenueTruncated":false}"#).unwrap();
        assert_eq!(parsed.totals.unwrap().revenue_cents, Some(129900));
        assert_eq!(parsed.breakdown[0].revenue_per_signup_cents, Some(3092));
    }
}
