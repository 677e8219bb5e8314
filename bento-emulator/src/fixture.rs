//! Seed data for the read-mostly resources (sequences, workflows, templates, forms and their
//! responses, segments, reports, broadcasts) plus optional tags, fields and subscribers.
//!
//! The built-in fixture (`fixture.json`, compiled in) is what [`Fixture::builtin`] returns; a user
//! can replace it with their own file (`--fixture path.json` or [`Fixture::from_path`]). Unknown
//! keys are ignored and every list is optional, so a partial file is fine.

use serde::{Deserialize, Serialize};
use serde_json::Value;

const BUILTIN: &str = include_str!("fixture.json");

/// The whole seed document.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Fixture {
    /// The emulated site (its numeric id shows up as `site_id` on tags).
    pub site: SiteFixture,
    /// Email templates referenced by sequences, workflows and broadcasts.
    pub templates: Vec<TemplateFixture>,
    /// Sequences.
    pub sequences: Vec<SequenceFixture>,
    /// Workflows.
    pub workflows: Vec<WorkflowFixture>,
    /// Pre-existing broadcasts (API-created ones are added as drafts).
    pub broadcasts: Vec<BroadcastFixture>,
    /// Forms and their responses.
    pub forms: Vec<FormFixture>,
    /// Segments, with an emulator-only membership `rule`.
    pub segments: Vec<SegmentFixture>,
    /// Reports for `/stats/report`.
    pub reports: Vec<ReportFixture>,
    /// Tag names to pre-create.
    pub tags: Vec<String>,
    /// Field keys to pre-create.
    pub fields: Vec<String>,
    /// Subscribers to pre-import, in `/batch/subscribers` item format.
    pub subscribers: Vec<Value>,
}

/// The site.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SiteFixture {
    /// Numeric site id.
    pub id: u64,
    /// Display name.
    pub name: String,
}

impl Default for SiteFixture {
    fn default() -> Self {
        SiteFixture {
            id: 4410,
            name: "Emulator Site".into(),
        }
    }
}

/// An email template.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TemplateFixture {
    /// Numeric id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Subject.
    pub subject: String,
    /// HTML.
    pub html: String,
    /// ISO timestamp.
    pub created_at: Option<String>,
    /// Stats object or null.
    pub stats: Value,
}

/// A sequence.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SequenceFixture {
    /// Numeric id (the `id` the list returns).
    pub id: u64,
    /// `sequence_…` prefix id (also accepted in paths).
    pub prefix_id: String,
    /// Name.
    pub name: String,
    /// ISO timestamp.
    pub created_at: Option<String>,
    /// Steps, in order.
    pub email_template_ids: Vec<u64>,
}

/// A workflow.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkflowFixture {
    /// Numeric id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// `live` or `draft`.
    pub status: String,
    /// ISO timestamp.
    pub created_at: Option<String>,
    /// Emails used by the workflow.
    pub email_template_ids: Vec<u64>,
}

/// A broadcast.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BroadcastFixture {
    /// Numeric id.
    pub id: u64,
    /// Template id (its subject and html are the broadcast's).
    pub template_id: u64,
    /// Name.
    pub name: String,
    /// `sent`, `draft`, `sending`, `scheduled`, `paused` or `canceled`.
    pub status: String,
    /// ISO timestamp.
    pub created_at: Option<String>,
    /// ISO timestamp.
    pub send_at: Option<String>,
    /// ISO timestamp.
    pub sent_final_batch_at: Option<String>,
    /// Open rate in percent.
    pub open_rate: Option<f64>,
}

/// A form and its responses.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct FormFixture {
    /// Form identifier (the `id` query parameter of `/fetch/responses`).
    pub id: String,
    /// Name.
    pub name: String,
    /// Responses: objects with `id`, `uuid` and `data` (§6.9).
    pub responses: Vec<Value>,
}

/// A segment.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SegmentFixture {
    /// String id.
    pub id: String,
    /// Name (the list is ordered by it).
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Opaque query object, returned as-is.
    pub visitor_event_query: Value,
    /// ISO timestamp.
    pub created_at: Option<String>,
    /// ISO timestamp.
    pub updated_at: Option<String>,
    /// Discarded segments are hidden from the API.
    pub discarded_at: Option<String>,
    /// Emulator-only membership rule, used by `/stats/segment` and `/fetch/segments/:id/match`.
    pub rule: SegmentRule,
}

/// Membership rule: every given condition must hold; an empty rule matches everyone.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SegmentRule {
    /// Subscriber carries this tag (by name, case-insensitive).
    pub tag: Option<String>,
    /// Subscriber has this custom field...
    pub field: Option<String>,
    /// ...equal to this value (any non-null value when absent).
    pub equals: Option<Value>,
    /// Subscribed (true) or unsubscribed (false).
    pub subscribed: Option<bool>,
}

/// A report for `/stats/report`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportFixture {
    /// String id.
    pub id: String,
    /// `report_name`.
    pub name: String,
    /// `chart_style` (`counter`, `line_chart`, …).
    pub chart_style: Option<String>,
    /// `report_type`.
    pub report_type: Option<String>,
    /// `data`, returned as-is.
    pub data: Value,
}

/// Why a fixture could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    /// The file could not be read.
    #[error("cannot read fixture {path}: {source}")]
    Io {
        /// File path.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The JSON is malformed or has the wrong types.
    #[error("invalid fixture JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl Fixture {
    /// The built-in fixture (see the crate docs for its ids).
    pub fn builtin() -> Fixture {
        // The embedded file is covered by a unit test, so this cannot fail in a released build;
        // fall back to an empty fixture rather than panic anyway.
        serde_json::from_str(BUILTIN).unwrap_or_default()
    }
    /// Parses a fixture document.
    pub fn from_json_str(s: &str) -> Result<Fixture, FixtureError> {
        Ok(serde_json::from_str(s)?)
    }
    /// Reads and parses a fixture file.
    pub fn from_path(path: &str) -> Result<Fixture, FixtureError> {
        let text = std::fs::read_to_string(path).map_err(|source| FixtureError::Io {
            path: path.to_string(),
            source,
        })?;
        Fixture::from_json_str(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_fixture_parses_with_the_documented_ids() {
        let f: Fixture = serde_json::from_str(BUILTIN).expect("fixture.json must parse");
        assert_eq!(
            f.sequences.iter().map(|s| s.id).collect::<Vec<_>>(),
            [321, 322]
        );
        assert_eq!(f.segments.len(), 4);
        assert_eq!(f.reports.len(), 2);
        assert_eq!(f.forms[0].id, "form-123");
    }
}
