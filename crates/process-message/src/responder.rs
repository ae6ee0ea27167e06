//! Answering one record: read what Octopus has now (the retry count and the pending
//! interruptions, concurrently), decide, then take responsibility and submit where the verdict
//! says so. Three sequential round trips at most; two when responsibility is already ours.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use futures::future::join_all;
use lambda_runtime::LambdaEvent;
use messaging::{Action, OctopusId};
use octopus::{Deadline, Interruption, OctopusApi, OctopusError};

use crate::batch::BatchError;
use crate::config::Options;
use crate::decision::{Decision, SkipReason, Verdict};
use crate::record::Job;

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

/// The process-message handler with the Octopus client it was lent at cold start.
#[derive(Debug)]
pub struct Responder<O> {
    pub(crate) octopus: O,
    pub(crate) options: Options,
}

impl<O: OctopusApi> Responder<O> {
    pub fn new(octopus: O, options: Options) -> Self {
        Self { octopus, options }
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
    pub async fn answer(&self, job: &Job, deadline: Deadline) -> Result<RecordReport, OctopusError> {
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
        let decision = Decision::new(&job.rule, &job.event.id, count?);
        let pending = pending?;
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
        tracing::info!(
            message_id = %job.message_id, event_id = %job.event.id, space_id = %job.event.space_id,
            document_id = %job.event.document_id, interruption_id = %interruption.id,
            action = %decision.action, budget_spent = decision.budget_spent, outcome = outcome.as_str(),
            "interruption decided"
        );
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
