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
//! - Interruption lists are ordered by `Created`, newest first (ties: the later raised first), with
//!   or without `regarding`; [`Simulator::set_created`] back-dates one. Event lists stay in the
//!   order events were appended, newest first.
//! - Held events ([`Simulator::hold_events`]): the interruption exists at once, its
//!   `...InterruptionRaised` event only from [`Simulator::release_events`], which allocates the
//!   event id then (so ids and `WebhookLastProcessedEventAutoId`-style cursors stay in append
//!   order) and sets `Occurred` to the release time, at least 1 ms after `Created`. The old
//!   `raise_*` methods return an empty `event_id` for a held event; the `*_maybe_held` ones `None`.
//! - [`FaultKind::ApplyThenDrop`] handles the request, then fails the connection before the first
//!   response byte (the client reports a request error, hyper's "incomplete message"); the request
//!   log keeps the status the handler produced.
//! - Spaces and subscriptions list alphabetically by name (then id), as the swagger says; a new
//!   space is `Space N` unless named, `Spaces-1` is `Default`. A subscription's
//!   `WebhookLastProcessed*` cursor is fixed at creation (now, newest event). `WebhookHeaderValue`
//!   is the 2026.1+ sensitive object by default (the simulator reports version 2026.3), a plain
//!   string after [`Simulator::set_sensitive_header_values`]`(false)`; [`Simulator::webhook_body`]
//!   is unchanged (it echoes the value as a non-sensitive property).
//! - Permissions: only the responder (`Users-1`) can be denied one ([`Simulator::deny`],
//!   [`Simulator::deny_in`]); the route then answers 403 "You do not have permission to perform
//!   this action. Please contact your Octopus administrator. Missing permission: <Name>", checked
//!   after the 401 and the unknown-space / unknown-id 404s. `/api/events` is 403 if any space
//!   asked for (all by default) is denied `EventView`. Spaces need no permission.
//! - A tenanted deployment's tenant id is the last of the interruption's `RelatedDocumentIds` and
//!   follows the environment in its events'.

mod auth;
mod clock;
mod conn;
mod controls;
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
mod spaces;
mod state;
mod subscriptions;
mod types;
mod webhook;

pub use axum::http::Method;
pub use faults::{BARRIER_GIVE_UP, Fault, FaultKind};
pub use observe::CLIENT_CLOSED;
pub use simulator::Simulator;
pub use types::{
    MaybeHeld, Permission, Raised, RequestRecord, Submission, SubscriptionFilter, SubscriptionSpec, Target,
};
