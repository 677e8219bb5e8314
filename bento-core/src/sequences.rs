//! Sequences: `GET /fetch/sequences`, `POST /fetch/sequences/:id/emails/templates`.

use serde::{Deserialize, Serialize};

use crate::model::{Resource, nullable, opt_string_or_number};
use crate::operation::{Member, RequestSpec, decode_created, decode_list, operation, path_segment};
use crate::templates::EmailTemplate;
use crate::validate;

/// A sequence (`type: "sequences"`).
pub type Sequence = Resource<SequenceAttributes>;

/// A sequence's attributes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SequenceAttributes {
    /// The name.
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    /// When it was created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// The numeric id, when the API repeats it here.
    #[serde(default, deserialize_with = "opt_string_or_number")]
    pub id: Option<String>,
    /// The prefix id (`sequence_…`).
    #[serde(default)]
    pub prefix_id: Option<String>,
    /// The steps.
    #[serde(default, deserialize_with = "nullable")]
    pub email_templates: Vec<TemplateSummary>,
}

/// A step of a sequence or workflow (integer ids here).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TemplateSummary {
    /// The template id.
    #[serde(default)]
    pub id: Option<i64>,
    /// The subject.
    #[serde(default)]
    pub subject: Option<String>,
    /// Stats, any JSON.
    #[serde(default)]
    pub stats: Option<serde_json::Value>,
}

/// `GET /fetch/sequences?page=`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetSequences {
    /// The page (1-based).
    pub page: Option<u32>,
}

impl GetSequences {
    /// The first page.
    pub fn new() -> Self {
        GetSequences::default()
    }
    /// Page `page`.
    pub fn page(page: u32) -> Self {
        GetSequences { page: Some(page) }
    }
}

operation! {
    GetSequences => Vec<Sequence>, Idempotent,
    request(self, config) {
        RequestSpec::get("/fetch/sequences").page(self.page)?.build(config)
    }
    decode(status, body) { decode_list(status, body) }
}

/// The delay unit of a sequence step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DelayInterval {
    /// Minutes.
    Minutes,
    /// Hours.
    Hours,
    /// Days.
    Days,
    /// Months.
    Months,
}

/// A new sequence step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct SequenceEmail {
    /// The subject (required).
    pub subject: String,
    /// The HTML (required).
    pub html: String,
    /// The inbox preview text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inbox_snippet: Option<String>,
    /// The delay unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_interval: Option<DelayInterval>,
    /// How many units to wait.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_interval_count: Option<u32>,
    /// The editor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub editor_choice: Option<String>,
    /// CC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cc: Option<String>,
    /// BCC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bcc: Option<String>,
    /// The `to` expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

impl SequenceEmail {
    /// A step with `subject` and `html`.
    pub fn new(subject: impl Into<String>, html: impl Into<String>) -> Self {
        SequenceEmail {
            subject: subject.into(),
            html: html.into(),
            ..Default::default()
        }
    }
}

/// `POST /fetch/sequences/:sequence_id/emails/templates`: appends a step. Use the id that
/// [`GetSequences`] returns; it is trimmed and URL-encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateSequenceEmail {
    /// The sequence id.
    pub sequence_id: String,
    /// The step.
    pub email: SequenceEmail,
}

impl CreateSequenceEmail {
    /// Appends `email` to `sequence_id`.
    pub fn new(sequence_id: impl Into<String>, email: SequenceEmail) -> Self {
        CreateSequenceEmail {
            sequence_id: sequence_id.into(),
            email,
        }
    }
}

operation! {
    CreateSequenceEmail => EmailTemplate, NotIdempotent,
    request(self, config) {
        let id = path_segment("sequence_id", &self.sequence_id)?;
        validate::not_blank("email_template.subject", &self.email.subject)?;
        validate::not_blank("email_template.html", &self.email.html)?;
        RequestSpec::post(format!("/fetch/sequences/{id}/emails/templates"))
            .json(&Member("email_template", &self.email))?
            .build(config)
    }
    decode(status, body) { decode_created(status, body) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::operation::Operation;
    use crate::test_support::{config, parse, q, request};
    use serde_json::json;

    #[test]
    fn sequences_list_and_create_a_step() {
        let (_, p, query, _) = request(&GetSequences::page(3));
        assert_eq!(
            (p.as_str(), query),
            ("/fetch/sequences", q(&[("page", "3")]))
        );
        let seqs = parse(&GetSequences::new(), 200, r#"{"data":[{"id":"321","type":"sequences","attributes":{"name":"Onboarding","created_at":"2026-01-01T00:00:00.000Z","prefix_id":"sequence_8fk2","email_templates":[{"id":12345,"subject":"Day 1","stats":null}]}}]}"#).unwrap();
        assert_eq!(seqs[0].attributes.email_templates[0].id, Some(12345));

        let op = CreateSequenceEmail::new(
            " sequence_8fk2 ",
            SequenceEmail {
                delay_interval: Some(DelayInterval::Days),
                delay_interval_count: Some(2),
                ..SequenceEmail::new("Day 2", "<p>2</p>")
            },
        );
        let (m, p, _, body) = request(&op);
        assert_eq!(
            (m.as_str(), p.as_str()),
            ("POST", "/fetch/sequences/sequence_8fk2/emails/templates")
        );
        assert_eq!(
            body,
            json!({"email_template": {"subject": "Day 2", "html": "<p>2</p>", "delay_interval": "days", "delay_interval_count": 2}})
        );
        assert_eq!(
            CreateSequenceEmail::new("  ", SequenceEmail::new("s", "h"))
                .to_request(&config())
                .unwrap_err(),
            Error::invalid("sequence_id", "must not be blank")
        );
    }
}
