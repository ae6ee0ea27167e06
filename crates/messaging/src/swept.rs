//! The queue message for an interruption the sweep found and no webhook brought: the same
//! contract a webhook's message has (a subscription-payload body, the rule's attributes, the
//! task as FIFO group), so process-message answers it by the same rules and in the same order,
//! plus `Origin=sweep`. Its event id (`SweepEvents-<interruption number>`) cannot collide with
//! Octopus's `Events-N`, and its de-duplication id derives from the interruption, so a sweep
//! that runs again within SQS's five-minute window queues it once.

use serde_json::{Value, json};

use crate::attributes::{EVENT_ID, ORIGIN, Origin};
use crate::ids::{DocumentId, OctopusId, SpaceId};
use crate::outgoing::OutgoingMessage;
use crate::rule::Rule;

/// The prefix of a swept interruption's event id.
pub const SWEPT_EVENT_PREFIX: &str = "SweepEvents-";

/// What the sweep knows of an interruption it queues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweptInterruption {
    pub interruption_id: OctopusId,
    pub space_id: SpaceId,
    /// The interruption's `RelatedDocumentIds`, its `TaskId` first when it has one.
    pub related_document_ids: Vec<String>,
    /// The interruption's `Created`: the body's `Occurred`.
    pub created: String,
}

/// Why an interruption cannot be queued (its ids do not name a task to answer).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SweptError {
    #[error("interruption {0} relates to no ServerTasks-, Deployments- or RunbookRuns- document")]
    NoDocument(String),
    #[error("interruption id {0:?} gives no event id")]
    BadId(String),
}

impl SweptInterruption {
    /// `SweepEvents-<the interruption id's suffix>`: `Interruptions-5001` → `SweepEvents-5001`.
    pub fn event_id(&self) -> Result<OctopusId, SweptError> {
        let id = self.interruption_id.as_str();
        let suffix = id.split_once('-').map_or(id, |(_, rest)| rest);
        OctopusId::parse(&format!("{SWEPT_EVENT_PREFIX}{suffix}")).ok_or_else(|| SweptError::BadId(id.to_owned()))
    }

    /// The message for `rule`, its event in the category of the rule's kind.
    pub fn message(&self, rule: &Rule) -> Result<OutgoingMessage, SweptError> {
        let document = DocumentId::select(&self.related_document_ids)
            .ok_or_else(|| SweptError::NoDocument(self.interruption_id.to_string()))?;
        let event_id = self.event_id()?;
        let body = json!({
            "Timestamp": self.created,
            "EventType": "SubscriptionPayload",
            "Payload": {
                "Event": {
                    "Id": event_id.as_str(),
                    "Category": rule.kind.event_category(),
                    "SpaceId": self.space_id.as_str(),
                    "RelatedDocumentIds": self.related_document_ids,
                    "Occurred": self.created,
                    "Message": format!(
                        "{} found pending by octo-responder's sweep: no webhook arrived for it",
                        self.interruption_id
                    ),
                    "Username": Value::Null,
                }
            }
        });
        let mut attributes = rule.attributes().to_vec();
        attributes.push((EVENT_ID, event_id.to_string()));
        attributes.push((ORIGIN, Origin::Sweep.as_str().to_owned()));
        Ok(OutgoingMessage {
            body: body.to_string(),
            attributes,
            group_id: document.to_string(),
            deduplication_id: format!("sweep-{}", self.interruption_id),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::event_from_body;

    fn swept() -> SweptInterruption {
        SweptInterruption {
            interruption_id: OctopusId::parse("Interruptions-5001").unwrap(),
            space_id: SpaceId::parse("Spaces-1").unwrap(),
            related_document_ids: vec![
                "ServerTasks-2001".into(),
                "Deployments-1001".into(),
                "Projects-101".into(),
            ],
            created: "2026-09-10T08:15:03.412+00:00".into(),
        }
    }

    #[test]
    fn the_body_reads_back_as_the_event_process_message_expects_with_an_id_that_is_not_octopus_s() {
        let rule = Rule::from_query([("type", "Guidance"), ("action", "Retry"), ("maximumretry", "2")]).unwrap();

        let message = swept().message(&rule).unwrap();

        let event = event_from_body(&message.body).unwrap();
        assert_eq!(event.id.as_str(), "SweepEvents-5001");
        assert!(!event.id.has_prefix("Events-"));
        assert_eq!(event.category, "GuidedFailureInterruptionRaised");
        assert_eq!(event.space_id.as_str(), "Spaces-1");
        assert_eq!(event.document_id.as_str(), "ServerTasks-2001");
        assert_eq!(event.occurred.as_deref(), Some("2026-09-10T08:15:03.412+00:00"));
    }

    #[test]
    fn the_attributes_carry_the_rule_the_event_id_and_the_sweep_origin_and_the_group_is_the_task() {
        let rule = Rule::from_query([("type", "Result"), ("action", "Proceed")]).unwrap();

        let message = swept().message(&rule).unwrap();

        let attribute = |name: &str| {
            message
                .attributes
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(attribute("Type"), Some("Result"));
        assert_eq!(attribute("Action"), Some("Proceed"));
        assert_eq!(attribute("MaximumRetry"), Some("1"));
        assert_eq!(attribute("EventId"), Some("SweepEvents-5001"));
        assert_eq!(attribute("Origin"), Some("sweep"));
        assert_eq!(message.group_id, "ServerTasks-2001");
        assert_eq!(message.deduplication_id, "sweep-Interruptions-5001");
        let parsed = Rule::from_attributes(attribute).unwrap();
        assert_eq!(parsed, rule);
    }

    #[test]
    fn an_interruption_relating_to_no_task_is_not_queued() {
        let mut orphan = swept();
        orphan.related_document_ids = vec!["Projects-101".into()];
        let rule = Rule::from_query([("type", "Result"), ("action", "Abort")]).unwrap();
        assert_eq!(
            orphan.message(&rule),
            Err(SweptError::NoDocument("Interruptions-5001".into()))
        );
    }
}
