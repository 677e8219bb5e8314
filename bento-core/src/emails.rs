//! Transactional emails: `POST /batch/emails`.
//!
//! `from` must be an author of the account, or the API answers
//! [`crate::Error::AuthorNotAuthorized`]. A send is never retried after it may have reached
//! the server (a timeout, a reset, a 5xx): a duplicate would land in a real inbox.

use serde::Serialize;

use crate::error::Error;
use crate::model::{BatchResult, JsonMap};
use crate::operation::{RequestSpec, decode_json, operation};
use crate::validate::{self, Item, limits};

/// One transactional email, as the guide writes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmailData {
    /// One recipient.
    pub to: String,
    /// An author of the account.
    pub from: String,
    /// The subject (Liquid allowed).
    pub subject: String,
    /// The HTML body (Liquid allowed).
    pub html_body: String,
    /// `true` sends even to unsubscribed recipients; use it for receipts and resets only.
    pub transactional: bool,
    /// Liquid variables.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::model::sorted_opt"
    )]
    pub personalizations: Option<JsonMap>,
}

impl EmailData {
    fn validate(&self, field: Item<'_>) -> Result<(), Error> {
        validate::email(field.at("to"), &self.to)?;
        validate::email(field.at("from"), &self.from)?;
        validate::not_blank(field.at("subject"), &self.subject)?;
        validate::not_blank(field.at("html_body"), &self.html_body)?;
        if let Some(p) = &self.personalizations {
            validate::keys(field.at("personalizations"), p)?;
        }
        Ok(())
    }
}

/// 1–60 validated emails: one `POST /batch/emails`.
#[derive(Debug, Clone, PartialEq)]
pub struct EmailBatch {
    emails: Vec<EmailData>,
}

impl EmailBatch {
    /// Checks the count (1–60) and every email's addresses, subject and body.
    pub fn new(emails: Vec<EmailData>) -> Result<Self, Error> {
        validate::batch("emails", &emails, limits::EMAILS, EmailData::validate)?;
        Ok(EmailBatch { emails })
    }

    /// The emails.
    pub fn emails(&self) -> &[EmailData] {
        &self.emails
    }

    /// Gives the emails back.
    pub fn into_emails(self) -> Vec<EmailData> {
        self.emails
    }
}

impl TryFrom<Vec<EmailData>> for EmailBatch {
    type Error = Error;
    fn try_from(emails: Vec<EmailData>) -> Result<Self, Error> {
        EmailBatch::new(emails)
    }
}

/// `POST /batch/emails`: queues 1–60 emails; the result counts the queued emails.
#[derive(Debug, Clone, PartialEq)]
pub struct SendEmails {
    /// The emails (checked again when the request is built, so a chunk built by the chunked
    /// helper gets the same checks as an [`EmailBatch`]).
    pub emails: Vec<EmailData>,
}

impl SendEmails {
    /// Sends `batch`.
    pub fn new(batch: EmailBatch) -> Self {
        SendEmails {
            emails: batch.emails,
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    emails: &'a [EmailData],
}

operation! {
    SendEmails => BatchResult, NotIdempotent,
    request(self, config) {
        validate::batch("emails", &self.emails, limits::EMAILS, EmailData::validate)?;
        RequestSpec::post("/batch/emails").json(&Body { emails: &self.emails })?.build(config)
    }
    decode(self, status, body) { crate::batch::checked(decode_json(status, body), status, self.emails.len()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::Operation;
    use crate::retry::Idempotency;
    use crate::test_support::{map, request};
    use serde_json::json;

    #[test]
    fn emails_are_wrapped_and_limited_to_sixty() {
        let email = |to: &str| EmailData {
            to: to.into(),
            from: "sender@example.com".into(),
            subject: "Reset".into(),
            html_body: "<p>{{ link }}</p>".into(),
            transactional: true,
            personalizations: Some(map(json!({"link": "https://x"}))),
        };
        let op = SendEmails::new(EmailBatch::new(vec![email("r@example.com")]).unwrap());
        let (m, p, _, body) = request(&op);
        assert_eq!((m.as_str(), p.as_str()), ("POST", "/batch/emails"));
        assert_eq!(
            body,
            json!({"emails": [{"to": "r@example.com", "from": "sender@example.com", "subject": "Reset",
            "html_body": "<p>{{ link }}</p>", "transactional": true, "personalizations": {"link": "https://x"}}]})
        );
        assert_eq!(op.idempotency(), Idempotency::NotIdempotent);
        assert!(EmailBatch::new(vec![]).is_err());
        assert!(
            EmailBatch::new(
                (0..61)
                    .map(|i| email(&format!("r{i}@example.com")))
                    .collect()
            )
            .unwrap_err()
            .to_string()
            .contains("between 1 and 60")
        );
        assert!(
            EmailBatch::new(
                (0..60)
                    .map(|i| email(&format!("r{i}@example.com")))
                    .collect()
            )
            .is_ok()
        );
        let err = EmailBatch::new(vec![email("nope")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid input: emails[0].to: is not a valid email address"
        );
    }
}
