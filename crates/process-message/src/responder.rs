//! Answering one record: read what Octopus has now (the retry count and the pending
//! interruptions, concurrently), decide, then take responsibility and submit where the verdict
//! says so. Three sequential round trips; two when responsibility is already ours; one more
//! only when the listing shows a guided failure raised after this record's event.

use futures::future::join_all;
use messaging::{Action, OctopusId};
use octopus::{Deadline, EventCount, Interruption, OctopusApi, OctopusError};

use crate::config::Options;
use crate::decision::{Decision, SkipReason, Verdict, not_yet_counted, raised_after};
use crate::outcome::{AnswerError, InterruptionOutcome, RecordFailure, RecordReport};
use crate::record::Job;

/// Submits sent for one interruption at most, when the earlier ones may not have been applied.
const MAX_SUBMITS: u32 = 3;

/// One structured line per decision: message, event, space, document, interruption, action, outcome.
macro_rules! log_decision {
    ($level:ident, $fields:expr, $outcome:expr) => {{
        let (message_id, origin, event, interruption_id, decision) = $fields;
        tracing::$level!(
            message_id = %message_id, origin = %origin, event_id = %event.id, space_id = %event.space_id,
            document_id = %event.document_id, interruption_id = %interruption_id, action = %decision.action,
            budget_spent = decision.budget_spent, outcome = $outcome.as_str(), "interruption decided"
        )
    }};
}

/// Answers records with the Octopus client it was lent at cold start.
#[derive(Debug)]
pub struct Responder<O> {
    pub(crate) octopus: O,
    pub(crate) options: Options,
}

impl<O: OctopusApi> Responder<O> {
    pub fn new(octopus: O, options: Options) -> Self {
        Self { octopus, options }
    }

    /// Answers the pending interruptions a job is about. On failure, what was already done
    /// (answers submitted for sibling interruptions) comes with the error.
    pub async fn answer(&self, job: &Job, deadline: Deadline) -> Result<RecordReport, RecordFailure> {
        let (space, document) = (&job.event.space_id, &job.event.document_id);
        let kind = job.rule.kind;
        let occurred = job.event.occurred.as_deref();
        let count = async {
            match job.rule.action {
                Action::Retry => self
                    .octopus
                    .count_events(space, document, kind.event_category(), deadline)
                    .await
                    .map(Some),
                _ => Ok(None),
            }
        };
        let (count, pending) = tokio::join!(count, self.octopus.pending_interruptions(space, document, deadline));
        let (mut count, pending) = (count?, pending?);
        // A listing that holds a guided failure raised after this record's event (the next round,
        // reached by a copy of an older record) may hold one the concurrent count missed: count
        // again, after the listing. The usual record pays nothing for this.
        let newer = |i: &Interruption| Verdict::of(i, kind, job.rule.action).is_some() && raised_after(i, occurred);
        if count.is_some() && pending.iter().any(newer) {
            count = Some(
                self.octopus
                    .count_events(space, document, kind.event_category(), deadline)
                    .await?,
            );
        }
        if count.as_ref().is_some_and(|c| c.total == 0) {
            return Err(AnswerError::Uncounted {
                category: kind.event_category(),
                document: document.to_string(),
            }
            .into());
        }
        let decision = Decision::new(&job.rule, &job.event.id, job.origin, count.as_ref().map(|c| c.total));
        let answers = pending.iter().filter_map(|interruption| {
            let verdict = Verdict::of(interruption, kind, decision.action)?;
            Some(self.act(job, &decision, interruption, verdict, count.as_ref(), deadline))
        });
        let mut outcomes = Vec::new();
        let mut first_error = None;
        for result in join_all(answers).await {
            match result {
                Ok(outcome) => outcomes.push(outcome),
                Err(error) => first_error = first_error.or(Some(error)),
            }
        }
        let report = RecordReport { decision, outcomes };
        if let Some(error) = first_error {
            return Err(RecordFailure {
                error: error.into(),
                done: Some(report),
            });
        }
        if report.outcomes.is_empty() {
            tracing::info!(
                message_id = %job.message_id, origin = %job.origin, event_id = %job.event.id, space_id = %space,
                document_id = %document,
                action = %report.decision.action, outcome = "nothing_pending", "no pending interruption of this kind"
            );
        }
        Ok(report)
    }

    async fn act(
        &self,
        job: &Job,
        decision: &Decision,
        interruption: &Interruption,
        verdict: Verdict,
        count: Option<&EventCount>,
        deadline: Deadline,
    ) -> Result<(String, InterruptionOutcome), OctopusError> {
        let unproven = count.is_some_and(|c| not_yet_counted(interruption, job.event.occurred.as_deref(), c));
        let outcome = match verdict {
            _ if unproven => InterruptionOutcome::LeftToItsOwnRecord,
            Verdict::Skip(reason) => InterruptionOutcome::Skipped(reason),
            Verdict::Answer { .. } if self.options.dry_run => InterruptionOutcome::DryRun,
            Verdict::Answer { take_responsibility } => {
                self.submit(job, decision, &interruption.id, take_responsibility, deadline)
                    .await?
            }
        };
        let fields = (&job.message_id, job.origin, &job.event, &interruption.id, decision);
        match outcome {
            // A person has to act on these: say so loudly.
            InterruptionOutcome::Skipped(SkipReason::ActionNotOffered | SkipReason::CannotTakeResponsibility) => {
                log_decision!(warn, fields, outcome)
            }
            _ => log_decision!(info, fields, outcome),
        }
        Ok((interruption.id.clone(), outcome))
    }

    /// Takes responsibility where needed, then submits. A submit that failed may still have been
    /// applied (a timeout, a dropped response, a 5xx), so it is never simply sent again: the
    /// interruption is read first. Answered with our Notes while we hold it after such a
    /// failure: ours, submitted. Answered otherwise: someone else did. Still pending: submit again.
    async fn submit(
        &self,
        job: &Job,
        decision: &Decision,
        raw_id: &str,
        take_responsibility: bool,
        deadline: Deadline,
    ) -> Result<InterruptionOutcome, OctopusError> {
        let space = &job.event.space_id;
        let id = OctopusId::parse(raw_id).ok_or_else(|| OctopusError::Decode {
            method: "GET",
            path: format!("/{space}/interruptions"),
            detail: format!("interruption id {raw_id:?} is not an Octopus id"),
        })?;
        if take_responsibility {
            self.octopus.take_responsibility(space, &id, deadline).await?;
        }
        let values = decision.form_values(job.rule.kind);
        let mut sent = 0;
        loop {
            sent += 1;
            let error = match self.octopus.submit(space, &id, &values, deadline).await {
                Ok(_) => return Ok(InterruptionOutcome::Submitted),
                Err(error) => error,
            };
            tracing::warn!(interruption_id = %id, error = %error, attempt = sent,
                "submit failed; reading the interruption to see whether it was applied");
            let Ok(now) = self.octopus.interruption(space, &id, deadline).await else {
                return Err(error);
            };
            if !now.is_pending {
                // Only a submit that may have been applied can be the answer now shown: one that
                // Octopus refused (e.g. 400, already submitted) was not, even when a copy of this
                // record, with the same Notes, answered meanwhile.
                let ours = error.may_have_been_applied()
                    && now.has_responsibility
                    && now.form.values.get("Notes").and_then(|n| n.as_str()) == Some(decision.notes.as_str());
                if ours {
                    tracing::info!(interruption_id = %id, "the submit's answer was lost, but Octopus shows it applied");
                    return Ok(InterruptionOutcome::Submitted);
                }
                return Ok(InterruptionOutcome::AnsweredElsewhere);
            }
            if !error.is_retryable() || sent >= MAX_SUBMITS {
                return Err(error);
            }
            tracing::info!(interruption_id = %id, attempt = sent, "the interruption is still pending; submitting again");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::time::Duration;

    use messaging::{DocumentId, SpaceId, payload::event_from_body};
    use serde_json::{Map, Value, json};

    /// Octopus answering from canned data and recording the calls that change something.
    struct FakeOctopus {
        guided_failures: u64,
        pending: Vec<Interruption>,
        writes: Mutex<Vec<String>>,
    }

    impl OctopusApi for FakeOctopus {
        async fn count_events(
            &self,
            _: &SpaceId,
            _: &DocumentId,
            _: &str,
            _: Deadline,
        ) -> Result<EventCount, OctopusError> {
            Ok(EventCount {
                total: self.guided_failures,
                newest_occurred: None,
            })
        }
        async fn pending_interruptions(
            &self,
            _: &SpaceId,
            _: &DocumentId,
            _: Deadline,
        ) -> Result<Vec<Interruption>, OctopusError> {
            Ok(self.pending.clone())
        }
        async fn interruption(&self, _: &SpaceId, _: &OctopusId, _: Deadline) -> Result<Interruption, OctopusError> {
            Ok(self.pending[0].clone())
        }
        async fn take_responsibility(&self, _: &SpaceId, id: &OctopusId, _: Deadline) -> Result<(), OctopusError> {
            self.writes.lock().unwrap().push(format!("responsible {id}"));
            Ok(())
        }
        async fn submit(
            &self,
            _: &SpaceId,
            id: &OctopusId,
            values: &Map<String, Value>,
            _: Deadline,
        ) -> Result<Interruption, OctopusError> {
            self.writes
                .lock()
                .unwrap()
                .push(format!("submit {id} {}", values["Guidance"]));
            Ok(self.pending[0].clone())
        }
    }

    fn guided_failure() -> Interruption {
        serde_json::from_value(json!({
            "Id": "Interruptions-1", "IsPending": true, "CanTakeResponsibility": true,
            "Form": {"Elements": [{"Name": "Guidance", "Control": {"Buttons": [{"Value": "Fail"}, {"Value": "Retry"}]}}]}
        }))
        .unwrap()
    }

    fn retry_job() -> Job {
        let body = r#"{"Payload":{"Event":{"Id":"Events-1","Category":"GuidedFailureInterruptionRaised",
            "SpaceId":"Spaces-1","RelatedDocumentIds":["ServerTasks-1"]}}}"#;
        Job {
            message_id: "m-1".to_owned(),
            rule: messaging::Rule::from_query([("type", "Guidance"), ("action", "Retry")]).unwrap(),
            event: event_from_body(body).unwrap(),
            origin: messaging::Origin::Webhook,
        }
    }

    fn responder(guided_failures: u64) -> Responder<FakeOctopus> {
        let octopus = FakeOctopus {
            guided_failures,
            pending: vec![guided_failure()],
            writes: Mutex::new(Vec::new()),
        };
        Responder::new(octopus, Options::default())
    }

    #[tokio::test]
    async fn never_answers_retry_when_octopus_counts_no_guided_failure_at_all() {
        let responder = responder(0);

        let result = responder
            .answer(&retry_job(), Deadline::after(Duration::from_secs(5)))
            .await;

        let error = result.unwrap_err().error;
        assert!(matches!(error, AnswerError::Uncounted { .. }));
        assert!(error.is_retryable(), "handed back to be tried again, then to the DLQ");
        assert!(responder.octopus.writes.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn answers_retry_with_a_count_and_takes_responsibility_first() {
        let responder = responder(1);

        let report = responder
            .answer(&retry_job(), Deadline::after(Duration::from_secs(5)))
            .await
            .unwrap();

        assert_eq!(
            report.outcomes,
            [("Interruptions-1".to_owned(), InterruptionOutcome::Submitted)]
        );
        let writes = responder.octopus.writes.lock().unwrap().clone();
        assert_eq!(
            writes,
            ["responsible Interruptions-1", "submit Interruptions-1 \"Retry\""]
        );
    }
}
