//! The contract the functions share: the answering rule carried in the webhook URL and in the
//! queue message attributes, the subscription payload, Octopus document ids and config lookup.
//! No AWS SDK and no HTTP client live here, so both sides (and the tests) can depend on it cheaply.

pub mod attributes;
pub mod config;
pub mod ids;
pub mod outgoing;
pub mod payload;
pub mod rule;
pub mod swept;
mod token;

pub use attributes::{ACTION, EVENT_ID, MAXIMUM_RETRY, ORIGIN, Origin, THEN, TYPE};
pub use ids::{DocumentId, OctopusId, SpaceId};
pub use outgoing::OutgoingMessage;
pub use payload::{PayloadError, SubscriptionPayload, WebhookEvent};
pub use rule::{Action, InterruptionKind, MaximumRetry, Rule, RuleError, Then};
