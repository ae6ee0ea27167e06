//! canary-check: the CodeDeploy lifecycle hook of every function's deployment.
//!
//! CodeDeploy runs it twice per deployment of accept-message, process-message or
//! sweep-interruptions: `BeforeAllowTraffic`, when the new version is published but `live` still
//! points at the old one, and `AfterAllowTraffic`, once `live` has moved. Each time it reads which
//! function and version the deployment is about ([`hook::Deployments`]), invokes that version
//! directly with synthetic events ([`probes`]) that touch no Octopus state, checks every answer,
//! and reports `Succeeded` or `Failed` to CodeDeploy. A `Failed` report fails the deployment, and
//! CodeDeploy moves `live` back to the version it had: a bad version is caught before it takes
//! traffic, however rare webhooks are.
//!
//! Reading top-down: [`config`] (what it is told), [`probes`] (the synthetic events and what
//! each answer must be), [`hook`] (one lifecycle event, start to report), [`aws`] (CodeDeploy and
//! Lambda through the AWS SDK).

pub mod aws;
pub mod config;
pub mod hook;
pub mod probes;

pub use config::Config;
pub use hook::{Deployments, Hook, HookError, HookEvent, Invoker, Status, Target, Verdict, WebhookSecret};
