//! The synthetic events each function's new version is invoked with, and what each answer must
//! be. None of them touches Octopus state: they are about a server task that cannot exist
//! (`ServerTasks-999999999` by default), under a manual-intervention rule
//! (`type=Result&action=Proceed`), for which process-message finds nothing pending and answers
//! nothing; a Retry rule would count the task's guided failures, find none and hand the message
//! back. The sweep is asked for a dry run, so it reads but queues and tells nothing.
//!
//! - accept-message: a webhook without a token must be refused (401), and the same webhook
//!   presenting the rule's token must be queued (202). This proves the version starts, reads its
//!   secret, authenticates per rule, and can send to its queue.
//! - process-message: one SQS record for that webhook must leave no `batchItemFailures` and no
//!   function error. A version that fails every record fails here, although such failures never
//!   count as Lambda `Errors`.
//! - sweep-interruptions: `{"dryRun": true}` must answer a summary of a dry run.

use aws_lambda_events::sqs::{SqsEvent, SqsMessage, SqsMessageAttribute};
use messaging::{EVENT_ID, OctopusId, Rule, SpaceId};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Which of the responder's functions a deployment is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    AcceptMessage,
    ProcessMessage,
    SweepInterruptions,
}

/// The rule of every synthetic webhook and record.
pub const RULE_QUERY: &str = "type=Result&action=Proceed";

/// What the synthetic events are made of.
#[derive(Debug, Clone)]
pub struct Synthetic {
    pub space: SpaceId,
    pub task: OctopusId,
    /// `Events-canary-<deployment id>`: the events' id, so a log line or a dead letter names the
    /// deployment that sent it.
    pub event_id: String,
    pub header_name: String,
    /// The token of [`RULE_QUERY`] under the environment's webhook secret.
    pub token: String,
    pub now: OffsetDateTime,
}

impl Synthetic {
    /// The token of [`RULE_QUERY`] under `secret`, as an Octopus subscription for it presents.
    pub fn rule_token(secret: &[u8]) -> String {
        let rule = Rule::from_query(query_pairs(RULE_QUERY)).unwrap_or_else(|_| unreachable!("a valid rule"));
        rule.token(secret)
    }

    /// The events' id for a deployment: an Octopus-shaped id made of its letters and digits.
    pub fn event_id_for(deployment_id: &str) -> String {
        let safe: String = deployment_id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .take(60)
            .collect();
        format!("Events-canary-{safe}")
    }

    /// The subscription payload Octopus would post for a manual intervention on the task.
    pub fn webhook_body(&self) -> String {
        let now = self.now.format(&Rfc3339).unwrap_or_default();
        json!({
            "Timestamp": now,
            "EventType": "SubscriptionPayload",
            "Payload": {
                "ServerUri": "https://canary-check.invalid",
                "Event": {
                    "Id": self.event_id,
                    "Category": "ManualInterventionInterruptionRaised",
                    "SpaceId": self.space.as_str(),
                    "RelatedDocumentIds": [self.task.as_str()],
                    "Occurred": now,
                    "Message": "octo-responder canary check: a server task that does not exist, nothing to answer",
                }
            }
        })
        .to_string()
    }

    /// An API Gateway HTTP API (payload 2.0) event posting the webhook, with `token` in the
    /// header when given.
    pub fn webhook_event(&self, token: Option<&str>) -> Value {
        let mut headers = serde_json::Map::new();
        headers.insert("content-type".to_owned(), json!("application/json"));
        headers.insert("host".to_owned(), json!("canary-check.invalid"));
        if let Some(token) = token {
            headers.insert(self.header_name.to_ascii_lowercase(), json!(token));
        }
        let epoch_ms = u64::try_from(self.now.unix_timestamp()).unwrap_or_default() * 1000;
        json!({
            "version": "2.0",
            "routeKey": "POST /octopus/webhook",
            "rawPath": "/octopus/webhook",
            "rawQueryString": RULE_QUERY,
            "headers": headers,
            "requestContext": {
                "accountId": "canary-check", "apiId": "canary-check",
                "domainName": "canary-check.invalid", "domainPrefix": "canary-check",
                "http": {"method": "POST", "path": "/octopus/webhook", "protocol": "HTTP/1.1",
                         "sourceIp": "127.0.0.1", "userAgent": "octo-responder-canary-check"},
                "requestId": self.event_id, "routeKey": "POST /octopus/webhook",
                "stage": "$default", "timeEpoch": epoch_ms
            },
            "body": self.webhook_body(),
            "isBase64Encoded": false
        })
    }

    /// An SQS event with one record, as accept-message would have queued the webhook.
    pub fn sqs_event(&self) -> Value {
        let rule = Rule::from_query(query_pairs(RULE_QUERY)).unwrap_or_else(|_| unreachable!("a valid rule"));
        let mut attributes: Vec<(&str, String)> = rule.attributes();
        attributes.push((EVENT_ID, self.event_id.clone()));
        let mut record = SqsMessage::default();
        record.message_id = Some(self.event_id.clone());
        record.receipt_handle = Some(format!("canary-check-{}", self.event_id));
        record.body = Some(self.webhook_body());
        record.event_source = Some("aws:sqs".to_owned());
        record.message_attributes = attributes
            .into_iter()
            .map(|(name, value)| {
                let mut attribute = SqsMessageAttribute::default();
                attribute.string_value = Some(value);
                attribute.data_type = Some("String".to_owned());
                (name.to_owned(), attribute)
            })
            .collect();
        let mut event = SqsEvent::default();
        event.records = vec![record];
        serde_json::to_value(event).unwrap_or(Value::Null)
    }
}

fn query_pairs(query: &str) -> impl Iterator<Item = (&str, &str)> {
    query.split('&').filter_map(|pair| pair.split_once('='))
}

/// What an answer must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// An API Gateway response with this status code.
    Status(u16),
    /// A partial batch response without failures.
    NoBatchItemFailures,
    /// A sweep summary of a dry run.
    DryRunSummary,
}

/// One synthetic invocation and what its answer must be.
#[derive(Debug, Clone)]
pub struct Probe {
    pub name: &'static str,
    pub event: Value,
    pub expect: Expect,
}

/// What an invocation answered: the function's error type when it reported one, and the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoked {
    pub function_error: Option<String>,
    pub payload: String,
}

/// The probes for a function, in the order they run.
pub fn probes(kind: Kind, synthetic: &Synthetic) -> Vec<Probe> {
    match kind {
        Kind::AcceptMessage => vec![
            Probe {
                name: "a webhook without a token is refused",
                event: synthetic.webhook_event(None),
                expect: Expect::Status(401),
            },
            Probe {
                name: "a webhook with its rule's token is queued",
                event: synthetic.webhook_event(Some(&synthetic.token)),
                expect: Expect::Status(202),
            },
        ],
        Kind::ProcessMessage => vec![Probe {
            name: "a record about a task that does not exist is taken without failure",
            event: synthetic.sqs_event(),
            expect: Expect::NoBatchItemFailures,
        }],
        Kind::SweepInterruptions => vec![Probe {
            name: "a dry-run sweep answers its summary",
            event: json!({"dryRun": true}),
            expect: Expect::DryRunSummary,
        }],
    }
}

impl Probe {
    /// `Ok` when the answer is what the probe expects, else why not (quoting at most 300
    /// characters of the answer: the functions never answer secrets).
    pub fn check(&self, invoked: &Invoked) -> Result<(), String> {
        let quoted = || invoked.payload.chars().take(300).collect::<String>();
        if let Some(error) = &invoked.function_error {
            return Err(format!("the function reported an error ({error}): {}", quoted()));
        }
        let answer: Value =
            serde_json::from_str(&invoked.payload).map_err(|_| format!("the answer is not JSON: {}", quoted()))?;
        match self.expect {
            Expect::Status(status) => match answer["statusCode"].as_u64() {
                Some(got) if got == u64::from(status) => Ok(()),
                got => Err(format!("expected status {status}, got {got:?}: {}", quoted())),
            },
            Expect::NoBatchItemFailures => match answer["batchItemFailures"].as_array() {
                Some(failures) if failures.is_empty() => Ok(()),
                Some(failures) => Err(format!("{} record(s) failed: {}", failures.len(), quoted())),
                None => Err(format!("not a partial batch response: {}", quoted())),
            },
            Expect::DryRunSummary => match answer["dryRun"].as_bool() {
                Some(true) => Ok(()),
                Some(false) => Err(format!("the sweep did not run dry: {}", quoted())),
                None => Err(format!("not a sweep summary: {}", quoted())),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn synthetic() -> Synthetic {
        Synthetic {
            space: SpaceId::parse("Spaces-1").unwrap(),
            task: OctopusId::parse("ServerTasks-999999999").unwrap(),
            event_id: Synthetic::event_id_for("d-ABCDEF123"),
            header_name: "X-Octopus-Webhook-Token".into(),
            token: Synthetic::rule_token(b"an-environment-secret"),
            now: OffsetDateTime::from_unix_timestamp(1_790_000_000).unwrap(),
        }
    }

    fn answer(payload: &str) -> Invoked {
        Invoked {
            function_error: None,
            payload: payload.to_owned(),
        }
    }

    #[test]
    fn the_rule_token_is_the_hmac_of_the_canonical_query() {
        // printf '%s' 'type=Result&action=Proceed' | openssl dgst -sha256 -hmac token
        assert_eq!(
            Synthetic::rule_token(b"token"),
            "a291e97628bf83586e99a716159c99a95105065861f9d899e178989d49426ec1"
        );
    }

    #[test]
    fn the_webhook_is_a_manual_intervention_on_the_task_with_the_token_only_when_signed() {
        let synthetic = synthetic();
        let signed = synthetic.webhook_event(Some(&synthetic.token));
        assert_eq!(signed["headers"]["x-octopus-webhook-token"], json!(synthetic.token));
        assert!(
            synthetic.webhook_event(None)["headers"]
                .get("x-octopus-webhook-token")
                .is_none()
        );
        let body: Value = serde_json::from_str(signed["body"].as_str().unwrap()).unwrap();
        let event = &body["Payload"]["Event"];
        assert_eq!(event["Category"], "ManualInterventionInterruptionRaised");
        assert_eq!(event["RelatedDocumentIds"], json!(["ServerTasks-999999999"]));
        assert_eq!(event["Id"], "Events-canary-d-ABCDEF123");
        assert!(messaging::payload::event_from_body(signed["body"].as_str().unwrap()).is_ok());
    }

    #[test]
    fn the_record_carries_the_rule_and_the_event_id_as_attributes() {
        let event = synthetic().sqs_event();
        let attributes = &event["Records"][0]["messageAttributes"];
        assert_eq!(attributes["Type"]["stringValue"], "Result");
        assert_eq!(attributes["Action"]["stringValue"], "Proceed");
        assert_eq!(attributes["EventId"]["stringValue"], "Events-canary-d-ABCDEF123");
    }

    #[test]
    fn an_event_id_keeps_only_what_an_octopus_id_may_hold() {
        let id = Synthetic::event_id_for("d-AB/C\"D E");
        assert_eq!(id, "Events-canary-d-ABCDE");
        assert!(OctopusId::parse(&id).is_some());
    }

    #[test]
    fn each_answer_passes_only_when_it_is_what_the_probe_expects() {
        let synthetic = synthetic();
        let [refused, queued] = probes(Kind::AcceptMessage, &synthetic).try_into().unwrap();
        assert_eq!(refused.check(&answer(r#"{"statusCode":401}"#)), Ok(()));
        assert!(refused.check(&answer(r#"{"statusCode":202}"#)).is_err());
        assert_eq!(queued.check(&answer(r#"{"statusCode":202}"#)), Ok(()));
        assert!(
            queued
                .check(&answer(r#"{"statusCode":503}"#))
                .unwrap_err()
                .contains("503")
        );

        let [record] = probes(Kind::ProcessMessage, &synthetic).try_into().unwrap();
        assert_eq!(record.check(&answer(r#"{"batchItemFailures":[]}"#)), Ok(()));
        let failed = record
            .check(&answer(r#"{"batchItemFailures":[{"itemIdentifier":"m-1"}]}"#))
            .unwrap_err();
        assert!(failed.contains("1 record(s) failed"), "{failed}");
        assert!(record.check(&answer("null")).is_err());

        let [sweep] = probes(Kind::SweepInterruptions, &synthetic).try_into().unwrap();
        assert_eq!(sweep.event, json!({"dryRun": true}));
        assert_eq!(sweep.check(&answer(r#"{"dryRun":true,"spaces":2}"#)), Ok(()));
        assert!(sweep.check(&answer(r#"{"dryRun":false}"#)).is_err());
    }

    #[test]
    fn a_function_error_fails_every_probe_whatever_the_payload() {
        let synthetic = synthetic();
        for kind in [Kind::AcceptMessage, Kind::ProcessMessage, Kind::SweepInterruptions] {
            for probe in probes(kind, &synthetic) {
                let invoked = Invoked {
                    function_error: Some("Unhandled".into()),
                    payload:
                        r#"{"errorType":"Runtime.ExitError","statusCode":401,"batchItemFailures":[],"dryRun":true}"#
                            .into(),
                };
                assert!(probe.check(&invoked).unwrap_err().contains("Unhandled"));
            }
        }
    }
}
