//! Subscriptions as read (`SubscriptionResource`, what the sweep and the operator CLI compare)
//! and as written (`POST`/`PUT` bodies), with `WebhookHeaderValue` in either of its shapes: a
//! plain string up to 2025, a write-only sensitive property since Octopus 2026.1.3777.

use messaging::SpaceId;
use secrecy::{ExposeSecret, SecretString};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::RootDocument;
use super::null_as_empty;

/// A subscription (`GET /api/{space}/subscriptions`). `IsDisabled` and the filter are required:
/// read as absent they would make a subscription look enabled and unfiltered, so a changed
/// response fails loudly instead.
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
    #[serde(default)]
    pub webhook_header_value: EchoedHeaderValue,
    /// A TimeSpan such as `00:00:10`, when present.
    #[serde(default)]
    pub webhook_timeout: Option<String>,
}

/// Each non-empty list narrows the events a subscription sends (an AND across lists, an OR
/// within one); an empty or absent list does not filter on that dimension. Written, every list
/// is sent, empty when unused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
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

impl Subscription {
    /// The header value, when the server echoes it in clear (servers before 2026.1).
    pub fn header_value(&self) -> Option<&str> {
        self.event_notification_subscription.webhook_header_value.clear()
    }

    /// Whether a header value is set: known from a clear value, or from the sensitive
    /// property's `HasValue`; `None` when the server's answer does not say.
    pub fn header_value_is_set(&self) -> Option<bool> {
        self.event_notification_subscription.webhook_header_value.is_set()
    }
}

/// `WebhookHeaderValue` as a server answers it. Read leniently, as the reference advises: a
/// shape not recognised is [`EchoedHeaderValue::Hidden`] with `has_value: None`, never an error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum EchoedHeaderValue {
    /// `null` or absent: no value.
    #[default]
    Absent,
    /// A plain string, echoed in clear (servers before 2026.1, or a non-sensitive property).
    Clear(String),
    /// The sensitive property `{IsSensitive, Value, SensitiveValue: {HasValue, Hint, NewValue}}`,
    /// which never echoes the value; `has_value` is its `HasValue` when it carries one.
    Hidden { has_value: Option<bool> },
}

impl EchoedHeaderValue {
    pub fn clear(&self) -> Option<&str> {
        match self {
            Self::Clear(value) => Some(value),
            Self::Absent | Self::Hidden { .. } => None,
        }
    }

    /// An empty clear value counts as unset, as the Octopus UI shows it.
    pub fn is_set(&self) -> Option<bool> {
        match self {
            Self::Absent => Some(false),
            Self::Clear(value) => Some(!value.is_empty()),
            Self::Hidden { has_value } => *has_value,
        }
    }

    /// Whether the server answered with the sensitive shape: a hint of the shape it takes.
    pub fn is_sensitive(&self) -> bool {
        matches!(self, Self::Hidden { .. })
    }

    fn from_value(value: Value) -> Self {
        let has_value = |o: &Map<String, Value>| o.get("HasValue").and_then(Value::as_bool);
        match value {
            Value::Null => Self::Absent,
            Value::String(s) => Self::Clear(s),
            Value::Object(o) if o.contains_key("HasValue") => Self::Hidden {
                has_value: has_value(&o),
            },
            Value::Object(o) if o.get("IsSensitive") == Some(&Value::Bool(false)) => match o.get("Value") {
                Some(Value::String(s)) => Self::Clear(s.clone()),
                _ => Self::Absent,
            },
            Value::Object(o) => Self::Hidden {
                has_value: o.get("SensitiveValue").and_then(Value::as_object).and_then(has_value),
            },
            _ => Self::Hidden { has_value: None },
        }
    }
}

impl<'de> Deserialize<'de> for EchoedHeaderValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(Self::from_value)
    }
}

/// The body of `POST /api/{space}/subscriptions` and `PUT .../{id}`. `SpaceId` is not a field:
/// the call writes the space it is given, so the body and the route cannot disagree.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SubscriptionWrite {
    pub name: String,
    #[serde(rename = "Type")]
    pub kind: SubscriptionType,
    pub is_disabled: bool,
    pub event_notification_subscription: EventNotificationWrite,
}

/// `Type`: Octopus knows only event subscriptions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub enum SubscriptionType {
    #[default]
    Event,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EventNotificationWrite {
    pub filter: SubscriptionFilter,
    #[serde(rename = "WebhookURI")]
    pub webhook_uri: String,
    pub webhook_header_key: Option<String>,
    /// `None` writes `null` (no header value). Whether a 2026.1+ server takes `null` for its
    /// sensitive property is not documented.
    pub webhook_header_value: Option<HeaderValueWrite>,
    /// A TimeSpan; default `00:00:10`, Octopus's own default.
    pub webhook_timeout: String,
    pub webhook_teams: Vec<String>,
}

impl Default for EventNotificationWrite {
    fn default() -> Self {
        Self {
            filter: SubscriptionFilter::default(),
            webhook_uri: String::new(),
            webhook_header_key: None,
            webhook_header_value: None,
            webhook_timeout: "00:00:10".to_owned(),
            webhook_teams: Vec::new(),
        }
    }
}

/// `WebhookHeaderValue` as written, in the shape the server takes; the value stays out of
/// `Debug` output.
#[derive(Debug, Clone)]
pub enum HeaderValueWrite {
    /// A plain string: servers before 2026.1.3777.
    Plain(SecretString),
    /// The sensitive property `{"HasValue": true, "NewValue": "<value>"}`: 2026.1.3777 and later.
    Sensitive(SecretString),
    /// `{"HasValue": true, "NewValue": null}`: keep the value the server holds (the usual
    /// meaning of a sensitive value left unchanged; not confirmed for subscriptions).
    Keep,
}

impl HeaderValueWrite {
    /// `value` in the shape the server `root` describes takes (see
    /// [`RootDocument::sensitive_header_values`]).
    pub fn for_server(root: &RootDocument, value: SecretString) -> Self {
        if root.sensitive_header_values() {
            Self::Sensitive(value)
        } else {
            Self::Plain(value)
        }
    }
}

impl Serialize for HeaderValueWrite {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let new_value = match self {
            Self::Plain(value) => return serializer.serialize_str(value.expose_secret()),
            Self::Sensitive(value) => Some(value.expose_secret()),
            Self::Keep => None,
        };
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("HasValue", &true)?;
        map.serialize_entry("NewValue", &new_value)?;
        map.end()
    }
}

impl SubscriptionWrite {
    /// The JSON body for `space`: every field of the write, plus `SpaceId`.
    pub fn body(&self, space: &SpaceId) -> Map<String, Value> {
        // Serializing plain strings, lists and flags cannot fail; an empty body would be refused.
        let mut body = match serde_json::to_value(self) {
            Ok(Value::Object(body)) => body,
            _ => Map::new(),
        };
        body.insert("SpaceId".to_owned(), space.as_str().into());
        body
    }

    /// `current` (the subscription as the server answered it) with this write laid over it:
    /// what a `PUT` sends, so the fields this write does not know (`Email*`, the
    /// `WebhookLastProcessed*` cursor, `Links`, fields of newer servers) are sent back unchanged
    /// rather than reset.
    pub fn over(&self, current: Map<String, Value>, space: &SpaceId) -> Map<String, Value> {
        let mut merged = current;
        for (key, value) in self.body(space) {
            match (key.as_str(), value, merged.get_mut(&key)) {
                ("EventNotificationSubscription", Value::Object(written), Some(Value::Object(kept))) => {
                    kept.extend(written);
                }
                (_, value, _) => {
                    merged.insert(key, value);
                }
            }
        }
        merged
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn subscription(header_value: Value) -> Subscription {
        serde_json::from_value(json!({
            "Id": "Subscriptions-1", "Name": "retry", "Type": "Event", "IsDisabled": false,
            "EventNotificationSubscription": {
                "Filter": {"EventCategories": ["GuidedFailureInterruptionRaised"], "Projects": null},
                "WebhookURI": "https://hooks.example.com/octopus/webhook?type=Guidance&action=Retry",
                "WebhookHeaderKey": "X-Octopus-Webhook-Token", "WebhookHeaderValue": header_value
            }
        }))
        .unwrap()
    }

    #[test]
    fn a_subscription_reads_its_filter_uri_and_header_key_whatever_shape_the_header_value_has() {
        for header_value in [
            json!("plain"),
            json!({"IsSensitive": true, "Value": null, "SensitiveValue": {"HasValue": true}}),
            json!(null),
            json!(42),
        ] {
            let subscription = subscription(header_value);
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
    fn the_header_value_is_exposed_only_when_echoed_in_clear_else_whether_it_is_set() {
        let cases = [
            (json!("s3cret"), Some("s3cret"), Some(true)),
            (json!(""), Some(""), Some(false)),
            (json!(null), None, Some(false)),
            (
                json!({"IsSensitive": true, "Value": null, "SensitiveValue": {"HasValue": true, "Hint": null}}),
                None,
                Some(true),
            ),
            (
                json!({"IsSensitive": true, "Value": null, "SensitiveValue": {"HasValue": false}}),
                None,
                Some(false),
            ),
            (json!({"HasValue": true, "NewValue": null}), None, Some(true)),
            (
                json!({"IsSensitive": false, "Value": "plain"}),
                Some("plain"),
                Some(true),
            ),
            (json!({"IsSensitive": true}), None, None),
            (json!(42), None, None),
        ];
        for (echoed, clear, set) in cases {
            let subscription = subscription(echoed.clone());
            assert_eq!(subscription.header_value(), clear, "{echoed}");
            assert_eq!(subscription.header_value_is_set(), set, "{echoed}");
        }
        let absent: Subscription = serde_json::from_value(json!({"Id": "Subscriptions-1", "IsDisabled": true,
            "EventNotificationSubscription": {"Filter": {}}}))
        .unwrap();
        assert_eq!(
            absent.event_notification_subscription.webhook_header_value,
            EchoedHeaderValue::Absent
        );
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

    fn write(header_value: Option<HeaderValueWrite>) -> SubscriptionWrite {
        SubscriptionWrite {
            name: "Retry web app".into(),
            event_notification_subscription: EventNotificationWrite {
                filter: SubscriptionFilter {
                    event_categories: vec!["GuidedFailureInterruptionRaised".into()],
                    ..SubscriptionFilter::default()
                },
                webhook_uri: "https://hooks.example.com/octopus/webhook".into(),
                webhook_header_key: Some("X-Token".into()),
                webhook_header_value: header_value,
                ..EventNotificationWrite::default()
            },
            ..SubscriptionWrite::default()
        }
    }

    #[test]
    fn a_write_sends_every_field_in_pascal_case_with_every_filter_list_and_the_space() {
        let space = SpaceId::parse("Spaces-2").unwrap();
        let body = Value::Object(write(None).body(&space));
        assert_eq!(
            body,
            json!({
                "Name": "Retry web app", "Type": "Event", "IsDisabled": false, "SpaceId": "Spaces-2",
                "EventNotificationSubscription": {
                    "Filter": {
                        "EventCategories": ["GuidedFailureInterruptionRaised"], "EventGroups": [],
                        "Projects": [], "ProjectGroups": [], "Environments": [], "Tenants": [],
                        "Tags": [], "DocumentTypes": [], "Users": [], "EventAgents": []
                    },
                    "WebhookURI": "https://hooks.example.com/octopus/webhook",
                    "WebhookHeaderKey": "X-Token", "WebhookHeaderValue": null,
                    "WebhookTimeout": "00:00:10", "WebhookTeams": []
                }
            })
        );
    }

    #[test]
    fn the_header_value_is_written_plain_or_as_the_sensitive_object_and_never_shown_in_debug() {
        let space = SpaceId::parse("Spaces-1").unwrap();
        let written = |value| {
            let body = write(Some(value)).body(&space);
            body["EventNotificationSubscription"]["WebhookHeaderValue"].clone()
        };
        let secret = || SecretString::from("s3cret");
        assert_eq!(written(HeaderValueWrite::Plain(secret())), json!("s3cret"));
        assert_eq!(
            written(HeaderValueWrite::Sensitive(secret())),
            json!({"HasValue": true, "NewValue": "s3cret"})
        );
        assert_eq!(
            written(HeaderValueWrite::Keep),
            json!({"HasValue": true, "NewValue": null})
        );
        let debug = format!("{:?}", write(Some(HeaderValueWrite::Sensitive(secret()))));
        assert!(!debug.contains("s3cret"), "{debug}");
    }

    #[test]
    fn a_write_laid_over_the_current_subscription_keeps_the_fields_it_does_not_know() {
        let space = SpaceId::parse("Spaces-1").unwrap();
        let current = json!({
            "Id": "Subscriptions-41", "Name": "old", "Type": "Event", "IsDisabled": true, "SpaceId": "Spaces-1",
            "EventNotificationSubscription": {
                "Filter": {"Projects": ["Projects-1"]}, "EmailTeams": ["Teams-1"],
                "WebhookLastProcessedEventAutoId": 90210, "WebhookURI": "https://old.example.com"
            },
            "Links": {"Self": "/api/Spaces-1/subscriptions/Subscriptions-41"}
        });
        let Value::Object(current) = current else {
            unreachable!()
        };
        let merged = Value::Object(write(None).over(current, &space));
        assert_eq!(merged["Id"], "Subscriptions-41");
        assert_eq!(merged["Name"], "Retry web app");
        assert_eq!(merged["IsDisabled"], false);
        let notification = &merged["EventNotificationSubscription"];
        assert_eq!(notification["EmailTeams"], json!(["Teams-1"]));
        assert_eq!(notification["WebhookLastProcessedEventAutoId"], 90210);
        assert_eq!(notification["WebhookURI"], "https://hooks.example.com/octopus/webhook");
        assert_eq!(
            notification["Filter"]["Projects"],
            json!([]),
            "the filter is replaced whole"
        );
    }
}
