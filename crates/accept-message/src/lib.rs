//! accept-message: turns an authenticated, well-formed Octopus subscription webhook into one SQS
//! message carrying the answering rule as attributes. Everything else gets a clear 4xx and
//! nothing is queued; an event that is valid but not for this rule gets a 200 so Octopus keeps
//! sending the rest of its batch.

pub mod auth;
pub mod config;
pub mod handler;
mod response;

pub use auth::{AuthFailure, Authorized, Presented, WebhookAuth};
pub use config::{Config, MIN_TOKEN_CHARS, TokenConfig, TokenError};
pub use handler::{Acceptor, MAX_BODY_BYTES};
pub use queue::{InMemoryPublisher, MessagePublisher, OutgoingMessage, PublishError, SqsPublisher};
