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
//!   is the 2026.1+ sensitive object by default (the simulator reports version `2026.3.0-sim`,
//!   see [`Simulator::set_version`], which does not switch it), a plain string after
//!   [`Simulator::set_sensitive_header_values`]`(false)`; [`Simulator::webhook_body`] is unchanged
//!   (it echoes the value as a non-sensitive property).
//! - Subscriptions written over HTTP (`POST` 201, `PUT` 200, `DELETE` 200 with an empty body, as
//!   the swagger documents) are answered like added ones. `WebhookHeaderValue` may be written as a
//!   string, `null`, `{"HasValue", "NewValue"}` or the read shape sent back; `HasValue: true` with
//!   `NewValue: null` keeps the value. A 400 has `ErrorMessage` "There was a problem with your
//!   request." and `Errors` naming each problem: no `Name`, no `EventNotificationSubscription`,
//!   a `SpaceId` other than the route's, a field of the wrong type, or a name another subscription
//!   of the space has (ignoring case; the exact Octopus wording is not known). A `PUT` replaces
//!   the whole subscription except its cursor.
//! - Users: the responder `Users-1`, `Users-2` (a person) and the administrator `Users-3`
//!   ([`Simulator::admin_api_key`]). The first two hold the views (events, interruptions,
//!   subscriptions, projects, environments, tenants) and the interruption permissions in every
//!   space; only the administrator holds `SubscriptionCreate`/`Edit`/`Delete`.
//!   `GET /api/users/{id}/permissions` lists what a user holds, one unrestricted entry per space
//!   (`SpaceId` never null); it answers the caller's own, or anyone's for the administrator, and
//!   403 `UserView` otherwise.
//! - Permissions: only the responder can be denied one ([`Simulator::deny`],
//!   [`Simulator::deny_in`]); the route then answers 403 "You do not have permission to perform
//!   this action. Please contact your Octopus administrator. Missing permission: <Name>", checked
//!   after the 401 and the unknown-space / unknown-id 404s. `/api/events` is 403 if any space
//!   asked for (all by default) is denied `EventView`. Spaces need no permission.
//! - Projects, environments and tenants: each deployment's are listed as `Project N`,
//!   `Environment N` (and `Tenant N`); [`Simulator::add_project`] and its siblings add named ones.
//!   `partialName` is a case-insensitive substring filter. Projects and tenants list by name,
//!   environments in the order they were added.
//! - A tenanted deployment's tenant id is the last of the interruption's `RelatedDocumentIds` and
//!   follows the environment in its events'.

mod access;
mod auth;
mod clock;
mod conn;
mod controls;
mod error;
mod events;
mod faults;
mod interruptions;
mod json;
mod named;
mod observe;
mod paging;
mod params;
mod routes;
mod rules;
mod scenario;
mod simulator;
mod spaces;
mod state;
mod subscription_writes;
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
