//! The reliability suite of octo-responder (issue 4), test-only and never shipped: load, faults,
//! duplicates and races, lost webhooks and the sweep, hostile input, secrets and metrics, against
//! the real parts on loopback (a moto SQS queue with its dead-letter queue, the Octopus simulator
//! over HTTP, both handlers through their entry points, sweep-interruptions on its schedule). The tests in `tests/` assert the invariants; the `reliability`
//! binary runs the same scenarios and publishes their figures in `docs/reliability.md`.

pub mod esm;
pub mod hostile;
pub mod logs;
pub mod lost;
pub mod metrics;
pub mod plan;
pub mod publisher;
pub mod races;
pub mod report;
pub mod scenario;
pub mod stats;

pub use report::Report;
pub use scenario::{Config, run};

/// Whatever went wrong setting a scenario up or talking to SQS.
pub type Error = Box<dyn std::error::Error + Send + Sync>;
