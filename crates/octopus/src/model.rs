//! The parts of Octopus resources the responder reads. Unknown fields are ignored and numbers
//! may arrive as strings, but a field a decision rests on (`Id`, `IsPending`, `Form.Elements`) is
//! required: a changed or proxied response must fail loudly, naming the field, rather than read
//! as "nothing pending" and let the record be deleted.
//!
//! The operator's resources live beside them: the server, its users and their permissions, and
//! the projects, environments and tenants looked up by name (`server`); subscriptions as read and
//! as written (`subscription`).

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

mod server;
mod subscription;

pub use server::{
    Named, NamedResource, PermissionScope, RootDocument, SENSITIVE_HEADER_VALUES_SINCE, User, UserPermissions,
};
pub use subscription::{
    EchoedHeaderValue, EventNotification, EventNotificationWrite, HeaderValueWrite, Subscription, SubscriptionFilter,
    SubscriptionType, SubscriptionWrite,
};

/// A paged collection (`Items`, `TotalResults`, `Links.Page.Next`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Page<T> {
    #[serde(default = "Vec::new")]
    pub items: Vec<T>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub total_results: u64,
    #[serde(default)]
    pub links: PageLinks,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PageLinks {
    #[serde(rename = "Page.Next")]
    pub next: Option<String>,
}

impl<T> Page<T> {
    pub fn has_next(&self) -> bool {
        self.links.next.is_some() && !self.items.is_empty()
    }
}

/// One event of a list, as far as the responder reads it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EventSummary {
    /// When it occurred (ISO 8601), when present.
    #[serde(default)]
    pub occurred: Option<String>,
}

/// How many events of a category regard a document, and when the newest of them occurred.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventCount {
    pub total: u64,
    /// `Occurred` of the newest counted event: a count provably includes an interruption's event
    /// when this is at or after the interruption's `Created`.
    pub newest_occurred: Option<String>,
}

/// An interruption (guided failure or manual intervention) as the calling user sees it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Interruption {
    pub id: String,
    #[serde(default)]
    pub title: String,
    #[serde(rename = "Type", default)]
    pub kind: Option<String>,
    /// When Octopus created it (ISO 8601), when present.
    #[serde(default)]
    pub created: Option<String>,
    pub is_pending: bool,
    pub form: Form,
    #[serde(default)]
    pub related_document_ids: Vec<String>,
    #[serde(default)]
    pub responsible_user_id: Option<String>,
    #[serde(default)]
    pub can_take_responsibility: bool,
    #[serde(default)]
    pub has_responsibility: bool,
    #[serde(default)]
    pub task_id: Option<String>,
    #[serde(default)]
    pub is_linked_to_other_interruption: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Form {
    #[serde(default)]
    pub values: Map<String, Value>,
    pub elements: Vec<FormElement>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FormElement {
    pub name: String,
    #[serde(default)]
    pub control: Control,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Control {
    #[serde(rename = "Type", default)]
    pub kind: String,
    #[serde(default)]
    pub buttons: Vec<Button>,
    /// A `Paragraph`'s text (e.g. the guided failure's `Instructions`).
    #[serde(default)]
    pub text: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Button {
    #[serde(default)]
    pub text: String,
    pub value: String,
}

impl Interruption {
    /// The form element named `name` (`Guidance` or `Result`), compared case-insensitively.
    pub fn element(&self, name: &str) -> Option<&FormElement> {
        self.form.elements.iter().find(|e| e.name.eq_ignore_ascii_case(name))
    }

    /// The button values the element offers, e.g. `["Fail", "Retry", "Ignore"]`.
    pub fn offered(&self, name: &str) -> Vec<&str> {
        self.element(name)
            .map(|e| e.control.buttons.iter().map(|b| b.value.as_str()).collect())
            .unwrap_or_default()
    }

    /// The text of the paragraph element named `name` (e.g. `Instructions`).
    pub fn paragraph(&self, name: &str) -> Option<&str> {
        self.element(name).and_then(|e| e.control.text.as_deref())
    }

    /// The submitted value of `name` (`Guidance`, `Result`) on an answered interruption.
    pub fn submitted(&self, name: &str) -> Option<&str> {
        self.form
            .values
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .and_then(|(_, value)| value.as_str())
    }

    /// Someone other than the calling user holds responsibility.
    pub fn held_by_someone_else(&self) -> bool {
        self.responsible_user_id.is_some() && !self.has_responsibility
    }
}

/// A space (`GET /api/spaces`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Space {
    pub id: String,
    #[serde(default)]
    pub name: String,
}

/// A list (or anything with an empty default) that may arrive as `null`.
fn null_as_empty<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

fn lenient_u64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Number(n) => n.as_u64().ok_or_else(|| serde::de::Error::custom("expected a count")),
        Value::String(s) => s.trim().parse().map_err(serde::de::Error::custom),
        Value::Null => Ok(0),
        other => Err(serde::de::Error::custom(format!("expected a count, got {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn guided_failure() -> Interruption {
        serde_json::from_value(json!({
            "Id": "Interruptions-1", "Type": "GuidedFailure", "IsPending": true, "Unknown": 1,
            "Form": {"Values": {"Guidance": null}, "Elements": [
                {"Name": "Instructions", "Control": {"Type": "Paragraph", "Text": "x"}},
                {"Name": "Guidance", "Control": {"Type": "SubmitButtonGroup", "Buttons": [
                    {"Text": "Fail", "Value": "Fail", "RequiresConfirmation": false},
                    {"Text": "Retry", "Value": "Retry"}]}}]},
            "ResponsibleUserId": null, "CanTakeResponsibility": true, "HasResponsibility": false
        }))
        .unwrap()
    }

    #[test]
    fn reads_the_offered_buttons_of_the_named_element() {
        let interruption = guided_failure();
        assert_eq!(interruption.offered("Guidance"), ["Fail", "Retry"]);
        assert_eq!(interruption.offered("guidance"), ["Fail", "Retry"]);
        assert!(interruption.offered("Result").is_empty());
        assert!(interruption.element("Result").is_none());
    }

    #[test]
    fn an_interruption_held_by_another_user_is_recognised() {
        let mut interruption = guided_failure();
        assert!(!interruption.held_by_someone_else());
        interruption.responsible_user_id = Some("Users-2".into());
        assert!(interruption.held_by_someone_else());
        interruption.has_responsibility = true;
        assert!(!interruption.held_by_someone_else());
    }

    #[test]
    fn an_interruption_without_id_is_pending_or_form_elements_is_refused_naming_the_field() {
        let complete = json!({"Id": "Interruptions-1", "IsPending": true, "Form": {"Elements": []}});
        assert!(serde_json::from_value::<Interruption>(complete.clone()).is_ok());
        for (field, broken) in [
            ("Id", json!({"IsPending": true, "Form": {"Elements": []}})),
            ("IsPending", json!({"Id": "Interruptions-1", "Form": {"Elements": []}})),
            ("Form", json!({"Id": "Interruptions-1", "IsPending": true})),
            (
                "Elements",
                json!({"Id": "Interruptions-1", "IsPending": true, "Form": {"Values": {}}}),
            ),
        ] {
            let error = serde_json::from_value::<Interruption>(broken).unwrap_err().to_string();
            assert!(error.contains(&format!("`{field}`")), "{field}: {error}");
        }
        let page = json!({"Items": [{"Id": "Interruptions-1", "Form": {"Elements": []}}], "TotalResults": 1});
        let error = serde_json::from_value::<Page<Interruption>>(page)
            .unwrap_err()
            .to_string();
        assert!(error.contains("`IsPending`"), "{error}");
    }

    #[test]
    fn a_page_reads_total_results_given_as_a_number_or_a_string() {
        let page: Page<Value> = serde_json::from_value(json!({"Items": [], "TotalResults": "7"})).unwrap();
        assert_eq!(page.total_results, 7);
        let page: Page<Value> = serde_json::from_value(json!({"Items": [1], "TotalResults": 3,
            "Links": {"Page.Next": "/api/x?skip=1"}}))
        .unwrap();
        assert_eq!(page.total_results, 3);
        assert!(page.has_next());
    }
}
