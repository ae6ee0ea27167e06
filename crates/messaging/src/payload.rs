//! The Octopus subscription webhook payload: `{"Timestamp", "EventType", "Payload": {...,
//! "Subscription", "Event"}}`. Parsed leniently (unknown fields ignored, only what the responder
//! needs is required) and kept whole as JSON so the queue carries what Octopus sent, minus the
//! webhook secret that Octopus may echo back inside `Payload.Subscription`.

use serde::Deserialize;
use serde_json::Value;

use crate::ids::{DocumentId, OctopusId, SpaceId};

/// The name under which Octopus echoes the subscription's custom header value.
const ECHOED_SECRET_FIELD: &str = "WebhookHeaderValue";
/// What a scrubbed secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// The fields of `Payload.Event` the responder acts on, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    pub id: OctopusId,
    pub category: String,
    pub space_id: SpaceId,
    pub document_id: DocumentId,
    /// `Occurred` as Octopus wrote it (ISO 8601), when present.
    pub occurred: Option<String>,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "Payload")]
    payload: PayloadSection,
}

#[derive(Deserialize)]
struct PayloadSection {
    #[serde(rename = "Event")]
    event: RawEvent,
}

#[derive(Debug, Clone, Deserialize)]
struct RawEvent {
    #[serde(rename = "Id")]
    id: String,
    #[serde(rename = "Category")]
    category: String,
    #[serde(rename = "SpaceId")]
    space_id: String,
    #[serde(rename = "RelatedDocumentIds")]
    related_document_ids: Vec<String>,
    #[serde(rename = "Occurred", default)]
    occurred: Option<String>,
}

/// Why a body is not a usable subscription payload. Messages say what is expected.
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    #[error("body is not valid UTF-8 JSON: {0}")]
    NotJson(#[source] serde_json::Error),
    #[error(
        "body is not an Octopus subscription payload (expected Payload.Event with Id, Category, SpaceId, RelatedDocumentIds): {0}"
    )]
    NotSubscriptionPayload(#[source] serde_json::Error),
    #[error("Payload.Event.Id {0:?} is not an Octopus event id")]
    BadEventId(String),
    #[error("Payload.Event.SpaceId {0:?} is not a space id (Spaces-N)")]
    BadSpaceId(String),
    #[error("Payload.Event.RelatedDocumentIds names no ServerTasks-, Deployments- or RunbookRuns- document")]
    NoDocument,
}

/// A subscription payload with the required event fields present, kept whole as JSON. The
/// category can be read before the ids are validated, so an event that is not for the rule is
/// recognised (and answered 200) even when it regards no task.
#[derive(Debug, Clone)]
pub struct SubscriptionPayload {
    raw: RawEvent,
    pub body: Value,
}

impl SubscriptionPayload {
    pub fn parse(bytes: &[u8]) -> Result<Self, PayloadError> {
        let body: Value = serde_json::from_slice(bytes).map_err(PayloadError::NotJson)?;
        let raw = Envelope::deserialize(&body)
            .map_err(PayloadError::NotSubscriptionPayload)?
            .payload
            .event;
        Ok(Self { raw, body })
    }

    /// `Payload.Event.Category` as sent.
    pub fn category(&self) -> &str {
        &self.raw.category
    }

    /// The event with its ids validated and its document picked.
    pub fn event(&self) -> Result<WebhookEvent, PayloadError> {
        let raw = &self.raw;
        Ok(WebhookEvent {
            id: OctopusId::parse(&raw.id).ok_or_else(|| PayloadError::BadEventId(shorten(&raw.id)))?,
            space_id: SpaceId::parse(&raw.space_id).ok_or_else(|| PayloadError::BadSpaceId(shorten(&raw.space_id)))?,
            document_id: DocumentId::select(&raw.related_document_ids).ok_or(PayloadError::NoDocument)?,
            category: raw.category.clone(),
            occurred: raw.occurred.clone(),
        })
    }

    /// Removes every `WebhookHeaderValue` under `Payload.Subscription` and replaces any string
    /// that contains `secret` anywhere in the body, so the queue never holds the webhook secret.
    pub fn redact(&mut self, secret: Option<&str>) {
        if let Some(subscription) = self.body.get_mut("Payload").and_then(|p| p.get_mut("Subscription")) {
            remove_key(subscription, ECHOED_SECRET_FIELD);
        }
        if let Some(secret) = secret.filter(|s| !s.is_empty()) {
            scrub(&mut self.body, secret);
        }
    }

    /// The body as compact JSON, for the queue.
    pub fn to_json(&self) -> String {
        self.body.to_string()
    }
}

fn remove_key(value: &mut Value, key: &str) {
    match value {
        Value::Object(map) => {
            map.remove(key);
            map.values_mut().for_each(|v| remove_key(v, key));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| remove_key(v, key)),
        _ => {}
    }
}

fn scrub(value: &mut Value, secret: &str) {
    match value {
        Value::String(s) if s.contains(secret) => *s = REDACTED.to_owned(),
        Value::Object(map) => map.values_mut().for_each(|v| scrub(v, secret)),
        Value::Array(items) => items.iter_mut().for_each(|v| scrub(v, secret)),
        _ => {}
    }
}

/// Reads the validated event back out of a queued body (process-message's side).
pub fn event_from_body(body: &str) -> Result<WebhookEvent, PayloadError> {
    SubscriptionPayload::parse(body.as_bytes())?.event()
}

/// An untrusted value as it may appear in an error message: at most 64 characters.
fn shorten(value: &str) -> String {
    const MAX: usize = 64;
    if value.chars().count() <= MAX {
        value.to_owned()
    } else {
        format!("{}...", value.chars().take(MAX).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn payload(event: Value) -> Vec<u8> {
        json!({"Timestamp": "2026-09-10T08:15:09Z", "EventType": "SubscriptionPayload",
               "Payload": {"Event": event, "TotalEventsInBatch": "1", "Extra": {"x": 1}}})
        .to_string()
        .into_bytes()
    }

    fn event() -> Value {
        json!({"Id": "Events-1", "Category": "GuidedFailureInterruptionRaised", "SpaceId": "Spaces-1",
               "RelatedDocumentIds": ["Deployments-7", "Projects-1", "ServerTasks-9"], "Unknown": [1, "a"]})
    }

    #[test]
    fn reads_the_event_ignoring_unknown_fields_and_string_numbers() {
        let parsed = SubscriptionPayload::parse(&payload(event())).unwrap().event().unwrap();
        assert_eq!(parsed.id.as_str(), "Events-1");
        assert_eq!(parsed.space_id.as_str(), "Spaces-1");
        assert_eq!(parsed.document_id.as_str(), "ServerTasks-9");
        assert_eq!(parsed.category, "GuidedFailureInterruptionRaised");
    }

    #[test]
    fn error_messages_quote_at_most_64_characters_of_a_bad_id() {
        let mut e = event();
        e["Id"] = json!("x".repeat(10_000));
        let message = SubscriptionPayload::parse(&payload(e))
            .unwrap()
            .event()
            .unwrap_err()
            .to_string();
        assert!(message.len() < 150, "{message}");
    }

    #[test]
    fn refuses_a_body_that_is_not_json() {
        assert!(matches!(
            SubscriptionPayload::parse(b"{not json"),
            Err(PayloadError::NotJson(_))
        ));
        assert!(matches!(
            SubscriptionPayload::parse(&[0xff, 0xfe]),
            Err(PayloadError::NotJson(_))
        ));
    }

    #[test]
    fn refuses_json_without_the_event_fields() {
        for body in [
            json!({}),
            json!({"Payload": {}}),
            json!({"Payload": {"Event": {"Id": "Events-1"}}}),
            json!([1]),
        ] {
            let err = SubscriptionPayload::parse(body.to_string().as_bytes()).unwrap_err();
            assert!(matches!(err, PayloadError::NotSubscriptionPayload(_)), "{body}");
        }
    }

    #[test]
    fn refuses_malformed_ids_and_a_missing_document() {
        let validated = |e: Value| SubscriptionPayload::parse(&payload(e)).unwrap().event();
        let mut e = event();
        e["SpaceId"] = json!("Spaces-1/../../api");
        assert!(matches!(validated(e), Err(PayloadError::BadSpaceId(_))));
        let mut e = event();
        e["Id"] = json!("Events 1");
        assert!(matches!(validated(e), Err(PayloadError::BadEventId(_))));
        let mut e = event();
        e["RelatedDocumentIds"] = json!(["Projects-1"]);
        let parsed = SubscriptionPayload::parse(&payload(e)).unwrap();
        assert_eq!(
            parsed.category(),
            "GuidedFailureInterruptionRaised",
            "readable before validation"
        );
        assert!(matches!(parsed.event(), Err(PayloadError::NoDocument)));
    }

    #[test]
    fn redaction_removes_the_echoed_header_value_and_any_copy_of_the_secret() {
        let body = json!({"Payload": {
            "Subscription": {"EventNotificationSubscription": {"WebhookHeaderKey": "X-Token",
                "WebhookHeaderValue": {"IsSensitive": false, "Value": "s3cret"}}},
            "Event": event(),
            "Note": "token was s3cret"}});
        let mut parsed = SubscriptionPayload::parse(body.to_string().as_bytes()).unwrap();
        parsed.redact(Some("s3cret"));
        assert_eq!(parsed.event().unwrap().id.as_str(), "Events-1");
        let out = parsed.to_json();
        assert!(!out.contains("s3cret"), "{out}");
        assert!(!out.contains("WebhookHeaderValue"), "{out}");
        assert!(out.contains("WebhookHeaderKey"));
        assert_eq!(parsed.body["Payload"]["Note"], json!(REDACTED));
    }

    #[test]
    fn a_queued_body_reads_back_to_the_same_event() {
        let parsed = SubscriptionPayload::parse(&payload(event())).unwrap();
        assert_eq!(event_from_body(&parsed.to_json()).unwrap(), parsed.event().unwrap());
    }
}
