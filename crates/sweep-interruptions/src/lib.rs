//! sweep-interruptions: on a schedule, answer what no webhook brought. Octopus does not promise
//! webhook delivery (one failed call stops the rest of a batch, never re-sent), so every few
//! minutes this function reads the subscriptions that point at the responder (the one place
//! rules are written), lists each space's pending interruptions, and queues to process-message
//! those a subscription would have sent, that process-message would answer, and whose webhook
//! had its chance: same queue, same contract, same answerer, with `Origin=sweep`.
//!
//! Read top-down: `subscriptions` (which point at us, with which rule) and `matching` (would one
//! have sent this interruption) feed `plan` (queue it or why not); `summary` is what a sweep
//! reports; `sweeper` runs one sweep against Octopus and the queue; `config` reads the
//! environment.

pub mod config;
pub mod matching;
pub mod plan;
pub mod subscriptions;
pub mod summary;
mod sweeper;

pub use config::{Config, SweepSettings};
pub use plan::{NotQueued, Planned, Window};
pub use summary::Summary;
pub use sweeper::{SweepError, Sweeper};
