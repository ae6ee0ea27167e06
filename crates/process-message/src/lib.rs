//! process-message: for each queued webhook, find the pending interruption of that deployment
//! and answer it by the rule in the message attributes, then report the records that failed so
//! SQS redelivers them (and, past the redrive limit, moves them to the dead-letter queue).
//!
//! Read top-down: `record` (a queued message as a job), `failure` (which step on which machine)
//! and `decision` (pure rules) are leaves;
//! `notices` says when and what a person is told; `outcome` names what answering did; `responder` answers one record through Octopus; `tally`
//! counts what a batch did and `metrics` renders that as EMF; `handler` is the Lambda handler
//! that runs a batch.

pub mod config;
pub mod decision;
pub mod failure;
mod handler;
pub mod metrics;
pub mod notices;
pub mod outcome;
pub mod record;
mod responder;
pub mod tally;

pub use config::{Config, Options};
pub use decision::{Decision, SkipReason, Verdict};
pub use handler::{BatchError, Handler};
pub use metrics::{Dimensions, MetricsSink};
pub use notices::Telling;
pub use outcome::{AnswerError, InterruptionOutcome, RecordFailure, RecordReport};
pub use record::{Job, RecordError};
pub use responder::Responder;
pub use tally::Tally;
