//! Stateful simulator of the Octopus Deploy REST API parts the responder uses, served over real HTTP.
//!
//! [`Simulator::start`] binds `127.0.0.1:0` and serves the API from a tokio task. Tests and the local
//! demo drive the scenario (deployments, guided failures, manual interventions, faults) through the
//! Rust API and let the code under test talk to [`Simulator::base_url`] over HTTP.
//!
//! Choices made where the reference marks Octopus behaviour as uncertain:
//! - submit without responsibility answers 400; submit of a non-pending interruption answers 400
//!   "The interruption is not pending input"; a missing or unoffered button value answers 400 with
//!   `Errors` naming the allowed values.
//! - `PUT .../responsible` may take an interruption from another user (recorded as a steal).
//!   `GET .../responsible` answers 200 with the user, or 200 with `null` when nobody holds it.
//! - `RelatedDocumentIds` of raised events: deployment (or runbook run) first, task later; the
//!   `Interruptions-N` id is not included. No audit event is written for submissions or
//!   responsibility, and none (e.g. `DeploymentResumed`) is added automatically after a submit.
//! - Repeated query parameters (`a=X&a=Y`) are accepted as if comma separated; parameter names
//!   match case-insensitively. `Id`/`SpaceId` in a submit body are accepted and ignored.
//! - `GET /api` needs no API key (like a real server); everything else does.

mod auth;
mod clock;
mod error;
mod events;
mod faults;
mod interruptions;
mod json;
mod observe;
mod paging;
mod params;
mod routes;
mod rules;
mod scenario;
mod simulator;
mod state;
mod types;
mod webhook;

pub use axum::http::Method;
pub use faults::{Fault, FaultKind};
pub use simulator::Simulator;
pub use types::{Raised, RequestRecord, Submission, Target};
