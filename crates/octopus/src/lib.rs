//! A typed client for the Octopus Deploy REST calls the responder makes: count events, list
//! pending interruptions, read one, take responsibility, submit. Every call has a timeout and
//! transient failures are retried with capped exponential backoff (or as `Retry-After` asks)
//! inside a caller's deadline. The API key goes only to the configured server: https (plain http
//! only on loopback), redirects never followed, proxies from the settings or the environment.
//!
//! The operator CLI's calls ride on the same machinery: the server's version, the API key's user
//! and permissions, subscriptions created, updated and deleted as code, and projects,
//! environments and tenants looked up by name.

mod api;
pub mod config;
mod error;
mod http;
pub mod model;
mod retry;

pub use api::{Deadline, OctopusApi};
pub use config::Connection;
pub use error::OctopusError;
pub use http::{ClientError, HttpOctopus, Settings};
pub use model::{
    EchoedHeaderValue, EventCount, EventNotificationWrite, HeaderValueWrite, Interruption, Named, NamedResource, Page,
    PermissionScope, RootDocument, Space, Subscription, SubscriptionFilter, SubscriptionWrite, User, UserPermissions,
};
pub use retry::Backoff;
