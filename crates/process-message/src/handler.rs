//! The Lambda handler: a batch as the SQS event source mapping delivers it. Records of
//! different deployments are answered concurrently (bounded), records of one deployment in
//! order, and every record that did not succeed is reported by its message id, so SQS
//! redelivers it and, past the redrive limit, moves it to the dead-letter queue. Nothing is
//! dropped silently. Each batch ends with one `batch done` line and its EMF metrics.

use std::collections::HashMap;

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use futures::StreamExt;
use lambda_runtime::LambdaEvent;
use octopus::{Deadline, OctopusApi};
use tracing::Instrument;

use crate::config::Options;
use crate::metrics::{Dimensions, MetricsSink, emf_lines, stdout_sink};
use crate::record::Job;
use crate::responder::Responder;
use crate::tally::Tally;

/// A batch that cannot be answered record by record.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// Without a message id a failure could not be reported, so the whole batch is returned.
    #[error("record {index} of the batch has no messageId; failing the whole batch so that nothing is lost")]
    MissingMessageId { index: usize },
}

/// process-message: the responder it was lent at cold start, and where its metrics go.
pub struct Handler<O> {
    responder: Responder<O>,
    metrics: MetricsSink,
    dimensions: Dimensions,
}

impl<O: std::fmt::Debug> std::fmt::Debug for Handler<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handler")
            .field("responder", &self.responder)
            .finish_non_exhaustive()
    }
}

impl<O: OctopusApi> Handler<O> {
    /// A handler writing its metrics to stdout in Embedded Metric Format.
    pub fn new(octopus: O, options: Options) -> Self {
        Self {
            responder: Responder::new(octopus, options),
            metrics: stdout_sink(),
            dimensions: Dimensions::local("process-message"),
        }
    }

    /// The environment and function name every metric line carries.
    pub fn with_dimensions(mut self, dimensions: Dimensions) -> Self {
        self.dimensions = dimensions;
        self
    }

    /// Tells a person through `notifier` (links to tasks on `server_url`) when an interruption
    /// is left to one or answered with a spent budget.
    pub fn with_notifier(mut self, notifier: notify::Notifier, server_url: &str) -> Self {
        self.responder = self.responder.with_notifier(notifier, server_url);
        self
    }

    /// Sends the EMF lines elsewhere (a buffer in tests, nowhere in the demo).
    pub fn with_metrics(mut self, sink: MetricsSink) -> Self {
        self.metrics = sink;
        self
    }

    /// The record-level responder (for callers that answer one job at a time).
    pub fn responder(&self) -> &Responder<O> {
        &self.responder
    }

    fn options(&self) -> &Options {
        &self.responder.options
    }

    /// The Lambda handler: every record is answered or reported failed within the invocation.
    pub async fn handle(&self, event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, BatchError> {
        let deadline = Deadline::of_invocation(event.context.deadline, self.options().safety_margin);
        tracing::debug!(
            records = event.payload.records.len(),
            deadline_ms = event.context.deadline,
            budget_ms = deadline.remaining().as_millis() as u64,
            "batch received"
        );
        self.process_batch(event.payload.records, deadline).await
    }

    /// Processes the records and returns the ids of those that failed.
    pub async fn process_batch(
        &self,
        records: Vec<SqsMessage>,
        deadline: Deadline,
    ) -> Result<SqsBatchResponse, BatchError> {
        let mut failed = Vec::new();
        let mut groups: Vec<Vec<Job>> = Vec::new();
        let mut group_of: HashMap<(String, String), usize> = HashMap::new();
        for (index, record) in records.iter().enumerate() {
            let message_id = record
                .message_id
                .as_deref()
                .filter(|id| !id.is_empty())
                .ok_or(BatchError::MissingMessageId { index })?;
            match Job::parse(message_id, record) {
                Ok(job) => {
                    let (space, document) = job.ordering_key();
                    let key = (space.to_owned(), document.to_owned());
                    let slot = *group_of.entry(key).or_insert_with(|| {
                        groups.push(Vec::new());
                        groups.len() - 1
                    });
                    groups[slot].push(job);
                }
                Err(error) => {
                    tracing::error!(message_id, error = %error, outcome = "failed", cause = "bad_record", "record refused");
                    failed.push(message_id.to_owned());
                }
            }
        }
        let mut tally = Tally::default();
        failed.iter().for_each(|_| tally.failed("bad_record"));
        let per_group: Vec<(Vec<String>, Tally)> = futures::stream::iter(groups)
            .map(|jobs| self.process_group(jobs, deadline))
            .buffer_unordered(self.options().max_concurrency)
            .collect()
            .await;
        for (group_failed, group_tally) in per_group {
            failed.extend(group_failed);
            tally.merge(group_tally);
        }
        tally.log();
        for line in emf_lines(&tally, &self.dimensions, telemetry::now_ms()) {
            (self.metrics)(&line);
        }
        let mut response = SqsBatchResponse::default();
        response.batch_item_failures = failed
            .into_iter()
            .map(|id| {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                failure
            })
            .collect();
        Ok(response)
    }

    /// One deployment's records, in order. After a transient failure the later records are
    /// handed back too, so they are retried after it and keep their order; a permanent failure
    /// does not hold them back.
    async fn process_group(&self, jobs: Vec<Job>, deadline: Deadline) -> (Vec<String>, Tally) {
        let mut failed = Vec::new();
        let mut tally = Tally::default();
        let mut held_back = false;
        for job in jobs {
            if held_back {
                tracing::warn!(message_id = %job.message_id, event_id = %job.event.id, outcome = "held_back",
                    "returned to the queue behind an earlier record of the same deployment");
                tally.failed("held_back");
                failed.push(job.message_id);
                continue;
            }
            if job.origin == messaging::Origin::Sweep {
                tally.swept_records += 1;
            }
            let span = tracing::info_span!("record", message_id = %job.message_id, origin = %job.origin, event_id = %job.event.id);
            match self.responder.answer(&job, deadline).instrument(span).await {
                Ok(report) => tally.answered(&report),
                Err(failure) => {
                    let error = &failure.error;
                    tracing::error!(
                        message_id = %job.message_id, event_id = %job.event.id, space_id = %job.event.space_id,
                        document_id = %job.event.document_id, error = %error, cause = error.cause(),
                        retryable = error.is_retryable(), outcome = "failed", "record failed"
                    );
                    held_back = error.is_retryable();
                    tally.failed_after(&failure);
                    failed.push(job.message_id);
                }
            }
        }
        (failed, tally)
    }
}

impl From<BatchError> for lambda_runtime::Diagnostic {
    fn from(error: BatchError) -> Self {
        Self {
            error_type: "BatchError".to_owned(),
            error_message: error.to_string(),
        }
    }
}
