//! A typed client for the Octopus Deploy REST calls the responder makes: count events, list
//! pending interruptions, read one, take responsibility, submit. Every call has a timeout and
//! transient failures are retried with capped exponential backoff inside a caller's deadline.

mod api;
mod error;
mod http;
pub mod model;
mod retry;

pub use api::{Deadline, OctopusApi};
pub use error::OctopusError;
pub use http::{ClientError, HttpOctopus, Settings};
pub use model::{Interruption, Page};
pub use retry::Backoff;
