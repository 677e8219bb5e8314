//! Workflows: `GET /fetch/workflows`.

use serde::{Deserialize, Serialize};

use crate::model::{Resource, nullable, opt_string_or_number};
use crate::operation::{RequestSpec, decode_list, operation};
use crate::sequences::TemplateSummary;

/// A workflow (`type: "workflows"`).
pub type Workflow = Resource<WorkflowAttributes>;

/// A workflow's attributes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WorkflowAttributes {
    /// The name.
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    /// `live` or `draft`.
    #[serde(default)]
    pub status: Option<String>,
    /// When it was created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// The numeric id, when repeated here.
    #[serde(default, deserialize_with = "opt_string_or_number")]
    pub id: Option<String>,
    /// The prefix id.
    #[serde(default)]
    pub prefix_id: Option<String>,
    /// The emails of the workflow.
    #[serde(default, deserialize_with = "nullable")]
    pub email_templates: Vec<TemplateSummary>,
}

/// `GET /fetch/workflows?page=`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GetWorkflows {
    /// The page (1-based).
    pub page: Option<u32>,
}

impl GetWorkflows {
    /// The first page.
    pub fn new() -> Self {
        GetWorkflows::default()
    }
    /// Page `page`.
    pub fn page(page: u32) -> Self {
        GetWorkflows { page: Some(page) }
    }
}

operation! {
    GetWorkflows => Vec<Workflow>, Idempotent,
    request(self, config) {
        RequestSpec::get("/fetch/workflows").page(self.page)?.build(config)
    }
    decode(status, body) { decode_list(status, body) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{parse, q, request};

    #[test]
    fn workflows_list_and_page() {
        let wf = parse(&GetWorkflows::new(), 200, r#"{"data":[{"id":"9","type":"workflows","attributes":{"name":"Win-back","status":"live","email_templates":[]}}]}"#).unwrap();
        assert_eq!(wf[0].attributes.status.as_deref(), Some("live"));
        assert_eq!(request(&GetWorkflows::page(2)).2, q(&[("page", "2")]));
    }
}
