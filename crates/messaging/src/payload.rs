//! The Octopus subscription webhook payload: `{"Timestamp", "EventType", "Payload": {...,
//! "Subscription", "Event"}}`. Parsed leniently (unknown fields ignored, only what the responder
//! needs is required, entries of `RelatedDocumentIds` that are not strings skipped) and kept
//! whole as JSON so the queue carries what Octopus sent, minus the webhook secret that Octopus
//! may echo back inside `Payload.Subscription`.
//!
//! The body is untrusted, and refusals are shown to the caller and logged: they name the field
//! that is wrong and what it must be, never the value sent (a bad id excepted, quoted to at most
//! 64 characters so whoever configured the subscription can see what was wrong with it).

use serde_json::{Map, Value};

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

/// `Payload.Event` with its fields present and of the right JSON types, not yet validated.
#[derive(Debug, Clone)]
struct RawEvent {
    id: String,
    category: String,
    space_id: String,
    /// The string entries of `RelatedDocumentIds`, in order; `null`s and other non-strings skipped.
    related_document_ids: Vec<String>,
    occurred: Option<String>,
}

/// One field the responder reads: where it is and what it must be.
struct Field {
    key: &'static str,
    path: &'static str,
    expected: &'static str,
}

const PAYLOAD: Field = Field {
    key: "Payload",
    path: "Payload",
    expected: "an object",
};
const EVENT: Field = Field {
    key: "Event",
    path: "Payload.Event",
    expected: "an object",
};
const ID: Field = Field {
    key: "Id",
    path: "Payload.Event.Id",
    expected: "a string (an event id such as Events-1)",
};
const CATEGORY: Field = Field {
    key: "Category",
    path: "Payload.Event.Category",
    expected: "a string (an event category such as GuidedFailureInterruptionRaised)",
};
const SPACE_ID: Field = Field {
    key: "SpaceId",
    path: "Payload.Event.SpaceId",
    expected: "a string (a space id such as Spaces-1)",
};
const RELATED_DOCUMENT_IDS: Field = Field {
    key: "RelatedDocumentIds",
    path: "Payload.Event.RelatedDocumentIds",
    expected: "an array of document ids",
};
const OCCURRED: Field = Field {
    key: "Occurred",
    path: "Payload.Event.Occurred",
    expected: "a string (an ISO 8601 time) when present",
};

/// A field of the payload that is missing or of the wrong JSON type. Says where and what is
/// accepted; deliberately holds nothing of what was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("the body must be a JSON object")]
    NotAnObject,
    #[error("{path} is missing: it must be {expected}")]
    Missing { path: &'static str, expected: &'static str },
    #[error("{path} must be {expected}")]
    WrongType { path: &'static str, expected: &'static str },
}

impl FieldError {
    fn missing(field: &Field) -> Self {
        Self::Missing {
            path: field.path,
            expected: field.expected,
        }
    }

    fn wrong_type(field: &Field) -> Self {
        Self::WrongType {
            path: field.path,
            expected: field.expected,
        }
    }
}

/// Why a body is not a usable subscription payload. Messages say what is expected and never
/// carry the values sent, except a bad id quoted to at most 64 characters.
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    /// serde_json's syntax errors name the position and what was expected there, not the input.
    #[error("body is not valid UTF-8 JSON: {0}")]
    NotJson(#[source] serde_json::Error),
    #[error(
        "body is not an Octopus subscription payload (expected Payload.Event with Id, Category, SpaceId, RelatedDocumentIds): {0}"
    )]
    NotSubscriptionPayload(#[source] FieldError),
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
        let raw = read_event(&body).map_err(PayloadError::NotSubscriptionPayload)?;
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
    /// that contains one of `secrets` anywhere in the body, so the queue never holds the webhook
    /// secret nor the header value that was presented (a rule's token, which Octopus echoes).
    pub fn redact(&mut self, secrets: &[&str]) {
        if let Some(subscription) = self.body.get_mut("Payload").and_then(|p| p.get_mut("Subscription")) {
            remove_key(subscription, ECHOED_SECRET_FIELD);
        }
        for secret in secrets.iter().filter(|s| !s.is_empty()) {
            scrub(&mut self.body, secret);
        }
    }

    /// The body as compact JSON, for the queue.
    pub fn to_json(&self) -> String {
        self.body.to_string()
    }
}

/// `Payload.Event` out of the body, field by field, so a refusal can name the field.
fn read_event(body: &Value) -> Result<RawEvent, FieldError> {
    let envelope = body.as_object().ok_or(FieldError::NotAnObject)?;
    let payload = object(envelope, &PAYLOAD)?;
    let event = object(payload, &EVENT)?;
    let id = string(event, &ID)?;
    let category = string(event, &CATEGORY)?;
    let space_id = string(event, &SPACE_ID)?;
    let related_document_ids = match event.get(RELATED_DOCUMENT_IDS.key) {
        None => return Err(FieldError::missing(&RELATED_DOCUMENT_IDS)),
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        Some(_) => return Err(FieldError::wrong_type(&RELATED_DOCUMENT_IDS)),
    };
    let occurred = match event.get(OCCURRED.key) {
        None | Some(Value::Null) => None,
        Some(Value::String(occurred)) => Some(occurred.clone()),
        Some(_) => return Err(FieldError::wrong_type(&OCCURRED)),
    };
    Ok(RawEvent {
        id,
        category,
        space_id,
        related_document_ids,
        occurred,
    })
}

fn object<'a>(parent: &'a Map<String, Value>, field: &Field) -> Result<&'a Map<String, Value>, FieldError> {
    match parent.get(field.key) {
        None => Err(FieldError::missing(field)),
        Some(value) => value.as_object().ok_or_else(|| FieldError::wrong_type(field)),
    }
}

fn string(parent: &Map<String, Value>, field: &Field) -> Result<String, FieldError> {
    match parent.get(field.key) {
        None => Err(FieldError::missing(field)),
        Some(value) => value
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| FieldError::wrong_type(field)),
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

/// An untrusted value as it may appear in an error message or a log line: at most 64 characters.
pub fn shorten(value: &str) -> String {
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

    fn payload_value(event: Value) -> Value {
        json!({"Payload": {"Event": event}})
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

    /// Looks like a credential and is far longer than any quote of a bad id.
    const SECRET_LOOKING: &str = "ghp_7f3a9c1eSECRETsecretSECRETsecret0123456789abcdefABCDEF0123456789abcdef";

    fn refusal(body: &Value) -> String {
        SubscriptionPayload::parse(body.to_string().as_bytes())
            .and_then(|p| p.event())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn a_value_of_the_wrong_type_is_refused_naming_its_field_and_what_is_accepted_but_never_the_value() {
        let number = 98_765_432_123_456_789_u64;
        let cases = [
            (json!(SECRET_LOOKING), "the body must be a JSON object"),
            (json!({"Payload": SECRET_LOOKING}), "Payload must be an object"),
            (
                json!({"Payload": {"Event": [SECRET_LOOKING]}}),
                "Payload.Event must be an object",
            ),
            (
                payload_value(json!({"Id": "Events-1", "Category": "C", "SpaceId": "Spaces-1",
                    "RelatedDocumentIds": SECRET_LOOKING})),
                "Payload.Event.RelatedDocumentIds must be an array of document ids",
            ),
            (
                payload_value(
                    json!({"Id": {"Value": SECRET_LOOKING}, "Category": "C", "SpaceId": "Spaces-1",
                    "RelatedDocumentIds": ["ServerTasks-1"]}),
                ),
                "Payload.Event.Id must be a string",
            ),
            (
                payload_value(
                    json!({"Id": "Events-1", "Category": [SECRET_LOOKING], "SpaceId": "Spaces-1",
                    "RelatedDocumentIds": ["ServerTasks-1"]}),
                ),
                "Payload.Event.Category must be a string",
            ),
            (
                payload_value(json!({"Id": "Events-1", "Category": "C", "SpaceId": number,
                    "RelatedDocumentIds": ["ServerTasks-1"]})),
                "Payload.Event.SpaceId must be a string",
            ),
            (
                payload_value(json!({"Id": "Events-1", "Category": "C", "SpaceId": "Spaces-1",
                    "RelatedDocumentIds": ["ServerTasks-1"], "Occurred": {"At": SECRET_LOOKING}})),
                "Payload.Event.Occurred must be a string",
            ),
        ];
        for (body, expected) in cases {
            let message = refusal(&body);
            assert!(message.contains(expected), "{message}");
            assert!(!message.contains(SECRET_LOOKING), "the value was echoed: {message}");
            assert!(
                !message.contains(&number.to_string()),
                "the value was echoed: {message}"
            );
        }
    }

    #[test]
    fn a_missing_field_is_refused_naming_its_path() {
        let message = refusal(&json!({"Payload": {"Event": {"Id": "Events-1", "Category": "C",
            "RelatedDocumentIds": ["ServerTasks-1"]}}}));
        assert!(message.contains("Payload.Event.SpaceId is missing"), "{message}");
    }

    #[test]
    fn a_null_or_non_string_related_document_id_is_skipped() {
        let mut e = event();
        e["RelatedDocumentIds"] = json!([null, 7, {"Id": "ServerTasks-1"}, ["ServerTasks-2"], true, "ServerTasks-9"]);
        let parsed = SubscriptionPayload::parse(&payload(e)).unwrap().event().unwrap();
        assert_eq!(parsed.document_id.as_str(), "ServerTasks-9");
    }

    #[test]
    fn related_document_ids_with_nothing_usable_left_name_no_document() {
        let mut e = event();
        e["RelatedDocumentIds"] = json!([null, 7, {"Id": "ServerTasks-1"}, "Projects-1"]);
        let parsed = SubscriptionPayload::parse(&payload(e)).unwrap();
        assert!(matches!(parsed.event(), Err(PayloadError::NoDocument)));
    }

    #[test]
    fn a_body_that_is_not_json_is_refused_without_quoting_it() {
        let body = format!("{{\"Payload\": {SECRET_LOOKING}}}");
        let message = SubscriptionPayload::parse(body.as_bytes()).unwrap_err().to_string();
        assert!(message.contains("not valid UTF-8 JSON"), "{message}");
        assert!(!message.contains(SECRET_LOOKING), "{message}");
    }

    #[test]
    fn redaction_removes_the_echoed_header_value_and_any_copy_of_the_secret() {
        let body = json!({"Payload": {
            "Subscription": {"EventNotificationSubscription": {"WebhookHeaderKey": "X-Token",
                "WebhookHeaderValue": {"IsSensitive": false, "Value": "s3cret"}}},
            "Event": event(),
            "Note": "token was s3cret"}});
        let mut parsed = SubscriptionPayload::parse(body.to_string().as_bytes()).unwrap();
        parsed.redact(&["s3cret"]);
        assert_eq!(parsed.event().unwrap().id.as_str(), "Events-1");
        let out = parsed.to_json();
        assert!(!out.contains("s3cret"), "{out}");
        assert!(!out.contains("WebhookHeaderValue"), "{out}");
        assert!(out.contains("WebhookHeaderKey"));
        assert_eq!(parsed.body["Payload"]["Note"], json!(REDACTED));
    }

    #[test]
    fn redaction_scrubs_every_value_it_is_given_and_ignores_an_empty_one() {
        let body = json!({"Payload": {"Event": event(),
            "Note": "the secret s3cret", "Other": "the rule's token 7f3a9c", "Kept": "nothing here"}});
        let mut parsed = SubscriptionPayload::parse(body.to_string().as_bytes()).unwrap();
        parsed.redact(&["s3cret", "", "7f3a9c"]);
        assert_eq!(parsed.body["Payload"]["Note"], json!(REDACTED));
        assert_eq!(parsed.body["Payload"]["Other"], json!(REDACTED));
        assert_eq!(parsed.body["Payload"]["Kept"], json!("nothing here"));
        assert_eq!(parsed.event().unwrap().id.as_str(), "Events-1");
    }

    #[test]
    fn a_queued_body_reads_back_to_the_same_event() {
        let parsed = SubscriptionPayload::parse(&payload(event())).unwrap();
        assert_eq!(event_from_body(&parsed.to_json()).unwrap(), parsed.event().unwrap());
    }
}
