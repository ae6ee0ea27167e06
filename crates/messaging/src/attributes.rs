//! Names of the SQS message attributes. `Type`, `Action` and `MaximumRetry` are the original
//! OctoSubscriber contract (String attributes); `EventId` is ours and optional on read.

/// The interruption kind: `Guidance` or `Result`.
pub const TYPE: &str = "Type";
/// The answer: `Fail|Retry|Ignore|Exclude` or `Proceed|Abort`.
pub const ACTION: &str = "Action";
/// Retries allowed per deployment, `0..=10`.
pub const MAXIMUM_RETRY: &str = "MaximumRetry";
/// The Octopus event id (`Events-N`) that raised the interruption.
pub const EVENT_ID: &str = "EventId";
