//! Answering one record: read what Octopus has now (the retry count and the pending
//! interruptions, concurrently), decide, then take responsibility and submit where the verdict
//! says so. Three sequential round trips; two when responsibility is already ours; one more
//! only when the listing shows a guided failure raised after this record's event.

use futures::future::join_all;
use messaging::{Action, OctopusId};
use octopus::{Deadline, EventCount, Interruption, OctopusApi, OctopusError};

use crate::config::Options;
use crate::decision::{Budget, Decision, SkipReason, Verdict, not_yet_counted, raised_after};
use crate::failure::Failure;
use crate::notices::{Telling, notice, reason_to_tell};
use crate::outcome::{AnswerError, Answered, InterruptionOutcome, RecordFailure, RecordReport};
use crate::record::Job;

/// Submits sent for one interruption at most, when the earlier ones may not have been applied.
const MAX_SUBMITS: u32 = 3;

/// One structured line per decision: message, event, space, document, interruption, action, outcome.
macro_rules! log_decision {
    ($level:ident, $fields:expr, $outcome:expr) => {{
        let (message_id, origin, event, interruption_id, decision) = $fields;
        tracing::$level!(
            message_id = %message_id, origin = %origin, event_id = %event.id, space_id = %event.space_id,
            document_id = %event.document_id, interruption_id = %interruption_id,
            action = decision.action.map_or("none", |a| a.as_str()), budget_spent = decision.budget_spent, outcome = $outcome.as_str(), "interruption decided"
        )
    }};
}

/// Four hex digits that differ between submits of this process and, almost surely, between
/// processes: the tail of the Notes that lets a read-back recognise its own submit.
fn answer_tag() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{:04x}", (seed ^ n.wrapping_mul(0x9E37_79B9)) & 0xffff)
}

/// The budget `interruption` has used under a Retry rule: its failure's Retry answers in the
/// task's history when the failure can be identified, else the task-wide count.
fn budget_of(interruption: &Interruption, history: &[Interruption], retry: bool, count: Option<&EventCount>) -> Budget {
    if !retry {
        return Budget::NotCounted;
    }
    match Failure::of(interruption) {
        Some(failure) => {
            let retried = history
                .iter()
                .filter(|earlier| !earlier.is_pending && earlier.id != interruption.id)
                .filter(|earlier| {
                    earlier
                        .submitted("Guidance")
                        .is_some_and(|v| v.eq_ignore_ascii_case("Retry"))
                })
                .filter(|earlier| Failure::of(earlier).as_ref() == Some(&failure))
                .count() as u64;
            Budget::Failure { failure, retried }
        }
        None => Budget::Task {
            guided_failures: count.map_or(0, |c| c.total),
        },
    }
}

/// Answers records with the Octopus client it was lent at cold start.
#[derive(Debug)]
pub struct Responder<O> {
    pub(crate) octopus: O,
    pub(crate) options: Options,
    /// Who hears about interruptions left to a person, and the server their links point at.
    notifier: notify::Notifier,
    server_url: String,
}

impl<O: OctopusApi> Responder<O> {
    /// A responder that tells nobody.
    pub fn new(octopus: O, options: Options) -> Self {
        Self {
            octopus,
            options,
            notifier: notify::Notifier::off(),
            server_url: String::new(),
        }
    }

    /// Tells a person through `notifier` when it leaves an interruption to one or answers with a
    /// spent budget, with links to tasks on `server_url`.
    pub fn with_notifier(mut self, notifier: notify::Notifier, server_url: &str) -> Self {
        self.notifier = notifier;
        self.server_url = server_url.to_owned();
        self
    }

    /// Answers the pending interruptions a job is about, each by its own decision. On failure,
    /// what was already done (answers submitted for sibling interruptions) comes with the error.
    ///
    /// A Retry rule reads the task's whole interruption history (answered ones keep their
    /// values), which is also where the pending ones come from, and, concurrently, the task-wide
    /// count of guided failures, used only for a failure that cannot be identified.
    pub async fn answer(&self, job: &Job, deadline: Deadline) -> Result<RecordReport, RecordFailure> {
        let (space, document) = (&job.event.space_id, &job.event.document_id);
        let kind = job.rule.kind;
        let occurred = job.event.occurred.as_deref();
        let retry = job.rule.action == Action::Retry;
        let (count, listed) = if retry {
            let (count, history) = tokio::join!(
                self.octopus
                    .count_events(space, document, kind.event_category(), deadline),
                self.octopus.interruptions_regarding(space, document, deadline)
            );
            (Some(count?), history?)
        } else {
            (
                None,
                self.octopus.pending_interruptions(space, document, deadline).await?,
            )
        };
        let pending: Vec<&Interruption> = listed
            .iter()
            .filter(|i| i.is_pending && !i.is_linked_to_other_interruption && i.element(kind.as_str()).is_some())
            .collect();
        let mut count = count;
        // A failure that cannot be identified is counted task-wide. When such a one was raised
        // after this record's event (the next round, reached by a copy of an older record), the
        // concurrent count may predate it: count again, after the listing.
        let task_wide_newer = retry
            && pending
                .iter()
                .any(|i| Failure::of(i).is_none() && raised_after(i, occurred));
        if task_wide_newer {
            count = Some(
                self.octopus
                    .count_events(space, document, kind.event_category(), deadline)
                    .await?,
            );
        }
        let budgets: Vec<Budget> = pending
            .iter()
            .map(|i| budget_of(i, &listed, retry, count.as_ref()))
            .collect();
        // The event that brought this record is itself a guided failure regarding the document:
        // a count of 0 means Octopus has not caught up, so nothing is decided on this reading.
        if count.as_ref().is_some_and(|c| c.total == 0) {
            return Err(AnswerError::Uncounted {
                category: kind.event_category(),
                document: document.to_string(),
            }
            .into());
        }
        let answers = pending.iter().zip(&budgets).map(|(interruption, budget)| {
            let decision = Decision::new(
                &job.rule,
                &job.source_note(),
                budget,
                &interruption.offered(kind.as_str()),
            );
            let unproven = matches!(budget, Budget::Task { .. })
                && count
                    .as_ref()
                    .is_some_and(|c| not_yet_counted(interruption, occurred, c));
            self.act(job, decision, interruption, unproven, deadline)
        });
        let mut report = RecordReport::default();
        let mut first_error = None;
        for result in join_all(answers).await {
            match result {
                Ok(answered) => report.answers.push(answered),
                Err(error) => first_error = first_error.or(Some(error)),
            }
        }
        if let Some(error) = first_error {
            return Err(RecordFailure {
                error: error.into(),
                done: Some(report),
            });
        }
        if report.answers.is_empty() {
            tracing::info!(
                message_id = %job.message_id, origin = %job.origin, event_id = %job.event.id, space_id = %space,
                document_id = %document, action = %job.rule.action, outcome = "nothing_pending",
                "no pending interruption of this kind"
            );
        }
        Ok(report)
    }

    async fn act(
        &self,
        job: &Job,
        decision: Decision,
        interruption: &Interruption,
        unproven: bool,
        deadline: Deadline,
    ) -> Result<Answered, OctopusError> {
        let kind = job.rule.kind;
        let verdict = decision
            .action
            .and_then(|action| Verdict::of(interruption, kind, action));
        let outcome = match (decision.action, verdict) {
            _ if unproven => InterruptionOutcome::LeftToItsOwnRecord,
            (None, _) => InterruptionOutcome::Skipped(SkipReason::LeftByRule),
            (Some(_), None) => InterruptionOutcome::Skipped(SkipReason::ActionNotOffered),
            (Some(_), Some(Verdict::Skip(reason))) => InterruptionOutcome::Skipped(reason),
            (Some(_), Some(Verdict::Answer { .. })) if self.options.dry_run => InterruptionOutcome::DryRun,
            (Some(_), Some(Verdict::Answer { take_responsibility })) => {
                self.submit(job, &decision, &interruption.id, take_responsibility, deadline)
                    .await?
            }
        };
        let fields = (&job.message_id, job.origin, &job.event, &interruption.id, &decision);
        match outcome {
            // A person has to act on these: say so loudly.
            InterruptionOutcome::Skipped(
                SkipReason::ActionNotOffered | SkipReason::CannotTakeResponsibility | SkipReason::LeftByRule,
            ) => {
                log_decision!(warn, fields, outcome)
            }
            _ => log_decision!(info, fields, outcome),
        }
        let told = self.tell(job, interruption, &decision, outcome).await;
        Ok(Answered {
            interruption_id: interruption.id.clone(),
            decision,
            outcome,
            told,
        })
    }

    /// Tells a person about an outcome that needs one, once (the notifier's ledger), never in a
    /// dry run. A notice that could not be sent is logged; the answer stands.
    async fn tell(
        &self,
        job: &Job,
        interruption: &Interruption,
        decision: &Decision,
        outcome: InterruptionOutcome,
    ) -> Telling {
        let Some(reason) = reason_to_tell(decision, outcome).filter(|_| !self.options.dry_run) else {
            return Telling::NotNeeded;
        };
        let notice = notice(job, interruption, decision, reason, &self.server_url);
        match self.notifier.tell(&notice).await {
            Ok(told) => told.into(),
            Err(error) => {
                tracing::warn!(message_id = %job.message_id, interruption_id = %interruption.id, reason = reason.as_str(),
                    error = %error, cause = error.cause(), "could not tell a person");
                Telling::Failed(error.cause())
            }
        }
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
        if take_responsibility && let Err(error) = self.octopus.take_responsibility(space, &id, deadline).await {
            // Refused because it was answered meanwhile (a copy of this record, or a person)?
            return match self.octopus.interruption(space, &id, deadline).await {
                Ok(now) if !now.is_pending => Ok(InterruptionOutcome::AnsweredElsewhere),
                _ => Err(error),
            };
        }
        let Some(mut values) = decision.form_values(job.rule.kind) else {
            return Ok(InterruptionOutcome::Skipped(SkipReason::LeftByRule));
        };
        // Notes unique to this submit, so that reading back can tell our answer from one a
        // concurrent copy of this very record gave.
        let notes = format!("{} Answer {}.", decision.notes, answer_tag());
        values.insert("Notes".to_owned(), notes.clone().into());
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
                    && now.form.values.get("Notes").and_then(|n| n.as_str()) == Some(notes.as_str());
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
        async fn interruptions_regarding(
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

        let outcomes: Vec<_> = report
            .answers
            .iter()
            .map(|a| (a.interruption_id.as_str(), a.outcome))
            .collect();
        assert_eq!(outcomes, [("Interruptions-1", InterruptionOutcome::Submitted)]);
        let writes = responder.octopus.writes.lock().unwrap().clone();
        assert_eq!(
            writes,
            ["responsible Interruptions-1", "submit Interruptions-1 \"Retry\""]
        );
    }
}
