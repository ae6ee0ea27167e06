//! What answering one record did: the outcome for each interruption (and whether a person was
//! told), the record's report, and why a record failed. Leaf types, read by the tally, the metrics and the logs.

use octopus::OctopusError;

use crate::decision::{Decision, SkipReason};
use crate::notices::Telling;

/// What happened to one interruption.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InterruptionOutcome {
    Submitted,
    /// Not pending any more, and not by our answer: someone else answered it.
    AnsweredElsewhere,
    Skipped(SkipReason),
    /// A newer interruption whose event the retry count does not provably include yet: left to
    /// the record its own event brings, which counts it.
    LeftToItsOwnRecord,
    /// `DRY_RUN`: decided and logged, nothing sent.
    DryRun,
}

impl InterruptionOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::AnsweredElsewhere => "answered_elsewhere",
            Self::Skipped(reason) => reason.as_str(),
            Self::LeftToItsOwnRecord => "left_to_its_own_record",
            Self::DryRun => "dry_run",
        }
    }
}

/// One interruption of the rule's kind: what was decided for it and what came of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    pub interruption_id: String,
    pub decision: Decision,
    pub outcome: InterruptionOutcome,
    /// Whether a person was told about it.
    pub told: Telling,
}

/// What one record did: one entry per pending interruption of the rule's kind (none when
/// nothing was pending).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordReport {
    pub answers: Vec<Answered>,
}

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

/// A record that failed, with what it had already done: the answers submitted before a sibling
/// interruption's failure still count.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct RecordFailure {
    pub error: AnswerError,
    /// The outcomes reached before the failure, when it got that far.
    pub done: Option<RecordReport>,
}

impl From<AnswerError> for RecordFailure {
    fn from(error: AnswerError) -> Self {
        Self { error, done: None }
    }
}

impl From<OctopusError> for RecordFailure {
    fn from(error: OctopusError) -> Self {
        AnswerError::from(error).into()
    }
}
