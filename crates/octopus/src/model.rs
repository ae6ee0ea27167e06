//! The parts of Octopus resources the responder reads. Unknown fields are ignored and numbers
//! may arrive as strings, but a field a decision rests on (`Id`, `IsPending`, `Form.Elements`) is
//! required: a changed or proxied response must fail loudly, naming the field, rather than read
//! as "nothing pending" and let the record be deleted.

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

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

/// A subscription (`GET /api/{space}/subscriptions`), as far as the sweep reads it. `IsDisabled`
/// and the filter are required: read as absent they would make a subscription look enabled and
/// unfiltered, so a changed response fails loudly instead.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Subscription {
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub is_disabled: bool,
    pub event_notification_subscription: EventNotification,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EventNotification {
    pub filter: SubscriptionFilter,
    #[serde(rename = "WebhookURI", default)]
    pub webhook_uri: Option<String>,
    #[serde(default)]
    pub webhook_header_key: Option<String>,
}

/// Each non-empty list narrows the events a subscription sends (an AND across lists, an OR
/// within one); an empty or absent list does not filter on that dimension.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SubscriptionFilter {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub event_categories: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub event_groups: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub projects: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub project_groups: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub environments: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub tenants: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub tags: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub document_types: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub users: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub event_agents: Vec<String>,
}

fn null_as_empty<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(deserializer)?.unwrap_or_default())
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
    fn a_subscription_reads_its_filter_uri_and_header_key_whatever_shape_the_header_value_has() {
        for header_value in [
            json!("plain"),
            json!({"IsSensitive": true, "Value": null, "SensitiveValue": {"HasValue": true}}),
            json!(null),
        ] {
            let subscription: Subscription = serde_json::from_value(json!({
                "Id": "Subscriptions-1", "Name": "retry", "Type": "Event", "IsDisabled": false,
                "EventNotificationSubscription": {
                    "Filter": {"EventCategories": ["GuidedFailureInterruptionRaised"], "Projects": null},
                    "WebhookURI": "https://hooks.example.com/octopus/webhook?type=Guidance&action=Retry",
                    "WebhookHeaderKey": "X-Octopus-Webhook-Token", "WebhookHeaderValue": header_value
                }
            }))
            .unwrap();
            let notification = &subscription.event_notification_subscription;
            assert_eq!(
                notification.filter.event_categories,
                ["GuidedFailureInterruptionRaised"]
            );
            assert!(notification.filter.projects.is_empty(), "null reads as no filter");
            assert!(notification.webhook_uri.as_deref().unwrap().ends_with("action=Retry"));
        }
    }

    #[test]
    fn a_subscription_without_is_disabled_or_a_filter_is_refused_naming_the_field() {
        let without_disabled = json!({"Id": "Subscriptions-1", "EventNotificationSubscription": {"Filter": {}}});
        let error = serde_json::from_value::<Subscription>(without_disabled)
            .unwrap_err()
            .to_string();
        assert!(error.contains("`IsDisabled`"), "{error}");
        let without_filter = json!({"Id": "Subscriptions-1", "IsDisabled": false, "EventNotificationSubscription": {}});
        let error = serde_json::from_value::<Subscription>(without_filter)
            .unwrap_err()
            .to_string();
        assert!(error.contains("`Filter`"), "{error}");
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
