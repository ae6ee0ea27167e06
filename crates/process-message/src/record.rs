//! One SQS record read as a job: its rule (from the message attributes, case-insensitively and
//! compatible with the original producer) and its event (from the body, re-validated: the queue
//! is not trusted more than the webhook was).

use aws_lambda_events::sqs::SqsMessage;
use messaging::payload::{PayloadError, event_from_body};
use messaging::{ORIGIN, Origin, Rule, RuleError, WebhookEvent};

/// What a record asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub message_id: String,
    pub rule: Rule,
    pub event: WebhookEvent,
    /// A webhook's message, or the sweep's for an interruption no webhook brought.
    pub origin: Origin,
}

/// Why a record cannot be processed. These never succeed on redelivery, so they end in the DLQ.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("message attributes: {0}")]
    Rule(#[from] RuleError),
    #[error("message body: {0}")]
    Payload(#[from] PayloadError),
    #[error("message body is empty")]
    EmptyBody,
}

impl Job {
    pub fn parse(message_id: &str, record: &SqsMessage) -> Result<Self, RecordError> {
        let attribute = |name: &str| {
            record
                .message_attributes
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .and_then(|(_, value)| value.string_value.as_deref())
        };
        let rule = Rule::from_attributes(attribute)?;
        let body = record
            .body
            .as_deref()
            .filter(|b| !b.is_empty())
            .ok_or(RecordError::EmptyBody)?;
        Ok(Self {
            message_id: message_id.to_owned(),
            rule,
            event: event_from_body(body)?,
            origin: Origin::from_attribute(attribute(ORIGIN)),
        })
    }

    /// How the Notes name where this record came from: the webhook's event, or the sweep; with
    /// the start of the queue message id, so that a copy of the record (another message) never
    /// mistakes a copy's answer for its own, and a person can find the record in the logs.
    pub fn source_note(&self) -> String {
        let message: String = self.message_id.chars().take(8).collect();
        match self.origin {
            Origin::Webhook => format!("Event {} (message {message}).", self.event.id),
            Origin::Sweep => {
                format!("Found by the sweep: no webhook arrived for this interruption (message {message}).")
            }
        }
    }

    /// Records with the same key are answered one after another, in order.
    pub fn ordering_key(&self) -> (&str, &str) {
        (self.event.space_id.as_str(), self.event.document_id.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::sqs::SqsMessageAttribute;
    use messaging::{Action, InterruptionKind};

    const BODY: &str = r#"{"Payload":{"Event":{"Id":"Events-1","Category":"GuidedFailureInterruptionRaised",
        "SpaceId":"Spaces-1","RelatedDocumentIds":["Deployments-2","ServerTasks-3"]}}}"#;

    fn record(attributes: &[(&str, &str)], body: Option<&str>) -> SqsMessage {
        let mut record = SqsMessage::default();
        record.body = body.map(str::to_owned);
        for (name, value) in attributes {
            let mut attribute = SqsMessageAttribute::default();
            attribute.string_value = Some((*value).to_owned());
            attribute.data_type = Some("String".to_owned());
            record.message_attributes.insert((*name).to_owned(), attribute);
        }
        record
    }

    #[test]
    fn reads_the_rule_from_attributes_and_the_event_from_the_body() {
        let job = Job::parse(
            "m-1",
            &record(
                &[("Type", "Guidance"), ("Action", "Retry"), ("MaximumRetry", "2")],
                Some(BODY),
            ),
        )
        .unwrap();
        assert_eq!(job.rule.kind, InterruptionKind::Guidance);
        assert_eq!(job.rule.action, Action::Retry);
        assert_eq!(job.rule.maximum_retry.get(), 2);
        assert_eq!(job.ordering_key(), ("Spaces-1", "ServerTasks-3"));
        assert_eq!(job.origin, Origin::Webhook);
    }

    #[test]
    fn a_record_the_sweep_queued_says_so_in_its_origin_attribute_and_its_notes() {
        let attributes = [("Type", "Result"), ("Action", "Proceed"), ("Origin", "sweep")];
        let job = Job::parse("5e1f0c2a-77d4-4b1e", &record(&attributes, Some(BODY))).unwrap();
        assert_eq!(job.origin, Origin::Sweep);
        let note = job.source_note();
        assert!(note.starts_with("Found by the sweep: no webhook arrived"), "{note}");
        assert!(
            note.contains("(message 5e1f0c2a)") && !note.contains("Events-1"),
            "{note}"
        );
        let webhook = Job::parse("m-1", &record(&attributes[..2], Some(BODY))).unwrap();
        assert_eq!(webhook.source_note(), "Event Events-1 (message m-1).");
    }

    #[test]
    fn attribute_names_match_in_any_case() {
        let job = Job::parse("m", &record(&[("type", "Result"), ("ACTION", "abort")], Some(BODY))).unwrap();
        assert_eq!(job.rule.action, Action::Abort);
    }

    #[test]
    fn a_record_without_attributes_or_with_a_bad_body_is_refused() {
        assert!(matches!(
            Job::parse("m", &record(&[], Some(BODY))),
            Err(RecordError::Rule(_))
        ));
        let attrs = [("Type", "Guidance"), ("Action", "Fail")];
        assert!(matches!(
            Job::parse("m", &record(&attrs, None)),
            Err(RecordError::EmptyBody)
        ));
        assert!(matches!(
            Job::parse("m", &record(&attrs, Some("{}"))),
            Err(RecordError::Payload(_))
        ));
        let bad_retry = [("Type", "Guidance"), ("Action", "Retry"), ("MaximumRetry", "many")];
        assert!(matches!(
            Job::parse("m", &record(&bad_retry, Some(BODY))),
            Err(RecordError::Rule(_))
        ));
    }
}
