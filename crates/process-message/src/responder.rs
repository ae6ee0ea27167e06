//! Answering one record: read what Octopus has now (the retry count and the pending
//! interruptions, concurrently), decide, then take responsibility and submit where the verdict
//! says so. Three sequential round trips; two when responsibility is already ours; one more
//! only when the listing shows a guided failure raised after this record's event.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use futures::future::join_all;
use lambda_runtime::LambdaEvent;
use messaging::{Action, OctopusId};
use octopus::{Deadline, Interruption, OctopusApi, OctopusError};

use crate::batch::BatchError;
use crate::config::Options;
use crate::decision::{Decision, SkipReason, Verdict, raised_after};
use crate::metrics::{MetricsSink, stdout_sink};
use crate::record::Job;

/// Why a record was not answered.
#[derive(Debug, thiserror::Error)]
pub enum AnswerError {
    #[error(transparent)]
    Octopus(#[from] OctopusError),
    /// The event that brought this record is itself a guided failure regarding the document, so
    /// a count of 0 means Octopus has not indexed it yet or the filter did not match. Retry is
    /// never answered without a count: the record is handed back and tried again.
    #[error(
        "Octopus counts no {category} event regarding {document}, not even this one; not answering without a count"
    )]
    Uncounted { category: &'static str, document: String },
}

impl AnswerError {
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Octopus(e) => e.is_retryable(),
            Self::Uncounted { .. } => true,
        }
    }

    /// A short, stable name for logs and metrics.
    pub fn cause(&self) -> &'static str {
        match self {
            Self::Octopus(e) => e.cause(),
            Self::Uncounted { .. } => "uncounted_event",
        }
    }
}

/// What happened to one interruption.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InterruptionOutcome {
    Submitted,
    /// The submit failed but the interruption is no longer pending: someone else answered it.
    AnsweredElsewhere,
    Skipped(SkipReason),
    /// `DRY_RUN`: decided and logged, nothing sent.
    DryRun,
}

impl InterruptionOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::AnsweredElsewhere => "answered_elsewhere",
            Self::Skipped(reason) => reason.as_str(),
            Self::DryRun => "dry_run",
        }
    }
}

/// What one record did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordReport {
    pub decision: Decision,
    /// `(interruption id, outcome)` for each interruption of the rule's kind; empty when none was pending.
    pub outcomes: Vec<(String, InterruptionOutcome)>,
}

/// One structured line per decision: message, event, space, document, interruption, action, outcome.
macro_rules! log_decision {
    ($level:ident, $fields:expr, $outcome:expr) => {{
        let (message_id, event, interruption_id, decision) = $fields;
        tracing::$level!(
            message_id = %message_id, event_id = %event.id, space_id = %event.space_id,
            document_id = %event.document_id, interruption_id = %interruption_id, action = %decision.action,
            budget_spent = decision.budget_spent, outcome = $outcome.as_str(), "interruption decided"
        )
    }};
}

/// The process-message handler with the Octopus client it was lent at cold start.
pub struct Responder<O> {
    pub(crate) octopus: O,
    pub(crate) options: Options,
    pub(crate) metrics: MetricsSink,
}

impl<O: std::fmt::Debug> std::fmt::Debug for Responder<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Responder")
            .field("octopus", &self.octopus)
            .field("options", &self.options)
            .finish()
    }
}

impl<O: OctopusApi> Responder<O> {
    /// A responder writing its metrics to stdout in Embedded Metric Format.
    pub fn new(octopus: O, options: Options) -> Self {
        Self {
            octopus,
            options,
            metrics: stdout_sink(),
        }
    }

    /// Sends the EMF lines elsewhere (a buffer in tests, nowhere in the demo).
    pub fn with_metrics(mut self, sink: MetricsSink) -> Self {
        self.metrics = sink;
        self
    }

    /// The Lambda handler: every record is answered or reported failed within the invocation.
    pub async fn handle(&self, event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, BatchError> {
        let deadline = deadline_of(event.context.deadline, self.options.safety_margin);
        tracing::debug!(
            records = event.payload.records.len(),
            deadline_ms = event.context.deadline,
            budget_ms = deadline.remaining().as_millis() as u64,
            "batch received"
        );
        self.process_batch(event.payload.records, deadline).await
    }

    /// Answers the pending interruptions a job is about.
    pub async fn answer(&self, job: &Job, deadline: Deadline) -> Result<RecordReport, AnswerError> {
        let (space, document) = (&job.event.space_id, &job.event.document_id);
        let kind = job.rule.kind;
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
        let newer = |i: &Interruption| {
            Verdict::of(i, kind, job.rule.action).is_some() && raised_after(i, job.event.occurred.as_deref())
        };
        if count.is_some() && pending.iter().any(newer) {
            count = Some(
                self.octopus
                    .count_events(space, document, kind.event_category(), deadline)
                    .await?,
            );
        }
        if count == Some(0) {
            return Err(AnswerError::Uncounted {
                category: kind.event_category(),
                document: document.to_string(),
            });
        }
        let decision = Decision::new(&job.rule, &job.event.id, count);
        let answers = pending.iter().filter_map(|interruption| {
            let verdict = Verdict::of(interruption, kind, decision.action)?;
            Some(self.act(job, &decision, interruption, verdict, deadline))
        });
        let outcomes = join_all(answers).await.into_iter().collect::<Result<Vec<_>, _>>()?;
        if outcomes.is_empty() {
            tracing::info!(
                message_id = %job.message_id, event_id = %job.event.id, space_id = %space, document_id = %document,
                action = %decision.action, outcome = "nothing_pending", "no pending interruption of this kind"
            );
        }
        Ok(RecordReport { decision, outcomes })
    }

    async fn act(
        &self,
        job: &Job,
        decision: &Decision,
        interruption: &Interruption,
        verdict: Verdict,
        deadline: Deadline,
    ) -> Result<(String, InterruptionOutcome), OctopusError> {
        let outcome = match verdict {
            Verdict::Skip(reason) => InterruptionOutcome::Skipped(reason),
            Verdict::Answer { .. } if self.options.dry_run => InterruptionOutcome::DryRun,
            Verdict::Answer { take_responsibility } => {
                self.submit(job, decision, &interruption.id, take_responsibility, deadline)
                    .await?
            }
        };
        let fields = (&job.message_id, &job.event, &interruption.id, decision);
        match outcome {
            // A person has to act on these: say so loudly.
            InterruptionOutcome::Skipped(SkipReason::ActionNotOffered | SkipReason::CannotTakeResponsibility) => {
                log_decision!(warn, fields, outcome)
            }
            _ => log_decision!(info, fields, outcome),
        }
        Ok((interruption.id.clone(), outcome))
    }

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
        let attempt = async {
            if take_responsibility {
                self.octopus.take_responsibility(space, &id, deadline).await?;
            }
            self.octopus
                .submit(space, &id, &decision.form_values(job.rule.kind), deadline)
                .await
        };
        match attempt.await {
            Ok(_) => Ok(InterruptionOutcome::Submitted),
            Err(error) => match self.octopus.interruption(space, &id, deadline).await {
                Ok(now) if !now.is_pending => Ok(InterruptionOutcome::AnsweredElsewhere),
                _ => Err(error),
            },
        }
    }
}

/// Lambda's deadline for an invocation is milliseconds since the epoch; some local runtimes send
/// the function timeout instead (cargo lambda sends 600000). A value too small to be a timestamp
/// (before 2020) is therefore taken as a duration from now.
const EARLIEST_TIMESTAMP_MS: u64 = 1_577_836_800_000;

/// The invocation's deadline less a margin to report the batch.
fn deadline_of(deadline_ms: u64, margin: Duration) -> Deadline {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let remaining_ms = if deadline_ms < EARLIEST_TIMESTAMP_MS {
        deadline_ms
    } else {
        deadline_ms.saturating_sub(now_ms)
    };
    Deadline::after(Duration::from_millis(remaining_ms).saturating_sub(margin))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    use messaging::{DocumentId, SpaceId, payload::event_from_body};
    use serde_json::{Map, Value, json};

    /// Octopus answering from canned data and recording the calls that change something.
    struct FakeOctopus {
        guided_failures: u64,
        pending: Vec<Interruption>,
        writes: Mutex<Vec<String>>,
    }

    impl OctopusApi for FakeOctopus {
        async fn count_events(&self, _: &SpaceId, _: &DocumentId, _: &str, _: Deadline) -> Result<u64, OctopusError> {
            Ok(self.guided_failures)
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

        let error = result.unwrap_err();
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

    #[tokio::test]
    async fn a_deadline_given_as_a_timeout_by_a_local_runtime_counts_from_now() {
        let remaining = deadline_of(600_000, Duration::from_secs(2)).remaining();
        assert!(
            remaining <= Duration::from_secs(598) && remaining > Duration::from_secs(597),
            "{remaining:?}"
        );
    }

    #[tokio::test]
    async fn the_deadline_keeps_a_margin_before_the_invocation_ends() {
        let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        let deadline = deadline_of(now_ms + 10_000, Duration::from_secs(2));
        let remaining = deadline.remaining();
        assert!(
            remaining <= Duration::from_secs(8) && remaining > Duration::from_secs(7),
            "{remaining:?}"
        );
        assert_eq!(
            deadline_of(now_ms - 1, Duration::from_secs(2)).remaining(),
            Duration::ZERO
        );
    }
}
