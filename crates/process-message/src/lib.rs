//! process-message: for each queued webhook, find the pending interruption of that deployment
//! and answer it by the rule in the message attributes, then report the records that failed so
//! SQS redelivers them (and, past the redrive limit, moves them to the dead-letter queue).

mod batch;
pub mod config;
pub mod decision;
pub mod metrics;
pub mod record;
mod responder;
pub mod tally;

pub use batch::BatchError;
pub use config::{Config, Options};
pub use decision::{Decision, SkipReason, Verdict};
pub use metrics::MetricsSink;
pub use record::{Job, RecordError};
pub use responder::{AnswerError, InterruptionOutcome, RecordReport, Responder};
pub use tally::Tally;
