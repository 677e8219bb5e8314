//! Email templates: `GET /fetch/emails/templates/:id`, `PATCH /fetch/emails/templates/:id`.

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::model::{Resource, nullable};
use crate::operation::{Member, RequestSpec, decode_created, decode_data, operation, path_segment};

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
            .json(&Member("email_template", &Patch { subject, html }))?
            .build(config)
    }
    decode(status, body) { decode_created(status, body) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::Operation;
    use crate::test_support::{config, parse, request};
    use serde_json::json;

    #[test]
    fn templates_get_and_update() {
        let (m, p, _, _) = request(&GetEmailTemplate::new("12345"));
        assert_eq!(
            (m.as_str(), p.as_str()),
            ("GET", "/fetch/emails/templates/12345")
        );
        let t = parse(&GetEmailTemplate::new("1"), 200, r#"{"data":{"id":"12345","type":"email_templates","attributes":{"name":"Welcome","subject":"Welcome aboard","html":"<h1>Hi</h1>","created_at":"2026-01-01T00:00:00.000Z","stats":null}}}"#).unwrap().unwrap();
        assert_eq!(t.attributes.subject, "Welcome aboard");
        let (m, p, _, body) = request(&UpdateEmailTemplate::new("12345").subject("New"));
        assert_eq!(
            (m.as_str(), p.as_str(), body),
            (
                "PATCH",
                "/fetch/emails/templates/12345",
                json!({"email_template": {"subject": "New"}})
            )
        );
        assert!(UpdateEmailTemplate::new("1").to_request(&config()).is_err());
    }
}
