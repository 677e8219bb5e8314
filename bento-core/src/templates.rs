//! Email templates: `GET /fetch/emails/templates/:id`, `PATCH /fetch/emails/templates/:id`.

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::model::{Resource, nullable};
use crate::operation::{RequestSpec, decode_created, decode_data, operation, path_segment};

/// An email template (`type: "email_templates"`).
pub type EmailTemplate = Resource<EmailTemplateAttributes>;

/// An email template's attributes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct EmailTemplateAttributes {
    /// The name.
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    /// The subject.
    #[serde(default, deserialize_with = "nullable")]
    pub subject: String,
    /// The HTML.
    #[serde(default, deserialize_with = "nullable")]
    pub html: String,
    /// When it was created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Stats, any JSON, or `null`.
    #[serde(default)]
    pub stats: Option<serde_json::Value>,
}

/// `GET /fetch/emails/templates/:id`: `None` when the API answers with no data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetEmailTemplate {
    /// The template id.
    pub id: String,
}

impl GetEmailTemplate {
    /// Reads template `id`.
    pub fn new(id: impl Into<String>) -> Self {
        GetEmailTemplate { id: id.into() }
    }
}

operation! {
    GetEmailTemplate => Option<EmailTemplate>, Idempotent,
    request(self, config) {
        let id = path_segment("id", &self.id)?;
        RequestSpec::get(format!("/fetch/emails/templates/{id}")).build(config)
    }
    decode(status, body) { decode_data(status, body) }
}

/// `PATCH /fetch/emails/templates/:id`: changes the subject and/or the HTML (at least one).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UpdateEmailTemplate {
    /// The template id.
    pub id: String,
    /// A new subject.
    pub subject: Option<String>,
    /// New HTML.
    pub html: Option<String>,
}

impl UpdateEmailTemplate {
    /// Updates template `id`; set `subject` and/or `html`.
    pub fn new(id: impl Into<String>) -> Self {
        UpdateEmailTemplate {
            id: id.into(),
            ..Default::default()
        }
    }
    /// A new subject.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }
    /// New HTML.
    pub fn html(mut self, html: impl Into<String>) -> Self {
        self.html = Some(html.into());
        self
    }
}

#[derive(Serialize)]
struct Patch<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    html: Option<&'a str>,
}

operation! {
    UpdateEmailTemplate => EmailTemplate, Idempotent,
    request(self, config) {
        let id = path_segment("id", &self.id)?;
        let subject = self.subject.as_deref().filter(|s| !s.trim().is_empty());
        let html = self.html.as_deref().filter(|s| !s.trim().is_empty());
        if subject.is_none() && html.is_none() {
            return Err(Error::invalid("email_template", "needs a non-blank subject or html"));
        }
        RequestSpec::new(http::Method::PATCH, format!("/fetch/emails/templates/{id}"))
            .json(&serde_json::json!({ "email_template": Patch { subject, html } }))?
            .build(config)
    }
    decode(status, body) { decode_created(status, body) }
}
