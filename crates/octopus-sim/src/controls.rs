//! More scenario controls on [`Simulator`]: held events, back-dated interruptions, named spaces,
//! tenanted deployments, subscriptions, denied permissions, named projects, environments and
//! tenants, and the server version.

use std::time::SystemTime;

use crate::simulator::Simulator;
use crate::state::Collection;
use crate::types::{Permission, Raised, SubscriptionSpec, Target};

impl Simulator {
    /// While on, raising an interruption (by the `raise_*` methods, or the guided failure a
    /// submitted Retry raises, see [`Simulator::set_retry_outcome`]) creates it at once but holds
    /// its `...InterruptionRaised` event back until [`Simulator::release_events`], as Octopus
    /// creates the interruption before it raises the event. Turning it off holds no new events
    /// and does not release the held ones.
    pub fn hold_events(&self, hold: bool) {
        self.shared.lock().hold_events = hold;
    }

    /// Appends the held events in the order their interruptions were raised and returns them.
    /// Their ids are allocated now (so they sort after every event already appended) and their
    /// `Occurred` is now, always at least a millisecond after the interruption's `Created`.
    pub fn release_events(&self) -> Vec<Raised> {
        self.shared.lock().release_events()
    }

    /// Ids of the interruptions whose event is held, oldest first.
    pub fn held_interruption_ids(&self) -> Vec<String> {
        let s = self.shared.lock();
        s.held.iter().map(|h| h.interruption_id.clone()).collect()
    }

    /// The id of the `...InterruptionRaised` event of an interruption; `None` while it is held or
    /// for an unknown interruption.
    pub fn raised_event_id(&self, interruption_id: &str) -> Option<String> {
        let s = self.shared.lock();
        s.interruption(interruption_id).and_then(|i| i.event_id.clone())
    }

    /// Back-dates (or moves) an interruption's `Created`; listings order by it, newest first.
    /// Its event keeps its `Occurred`. False if the id is unknown.
    pub fn set_created(&self, interruption_id: &str, created: SystemTime) -> bool {
        let mut s = self.shared.lock();
        s.interruption_mut(interruption_id)
            .map(|i| i.created = created)
            .is_some()
    }

    /// Adds a space with this name and returns its id.
    pub fn add_space_named(&self, name: &str) -> String {
        self.shared.lock().add_space(Some(name))
    }

    /// Like [`Simulator::add_deployment`], for `tenant_id` (e.g. `Tenants-1`): the tenant is in
    /// [`Target::tenant_id`] and in the `RelatedDocumentIds` of its interruptions (last) and events
    /// (after the environment).
    pub fn add_tenanted_deployment(&self, space: &str, tenant_id: &str) -> Target {
        self.shared.lock().add_target(space, false, Some(tenant_id))
    }

    /// Adds an event subscription to `space` and returns its `Subscriptions-N` id.
    pub fn add_subscription(&self, space: &str, spec: SubscriptionSpec) -> String {
        self.shared.lock().add_subscription(space, spec)
    }

    /// How subscriptions answer `WebhookHeaderValue`: the sensitive object that never echoes the
    /// value (on, the default, as Octopus 2026.1+ does) or a plain string (off, older servers).
    pub fn set_sensitive_header_values(&self, on: bool) {
        self.shared.lock().sensitive_header_values = on;
    }

    /// Takes `permission` from the responder user (`Users-1`) in every space: the routes needing
    /// it answer 403 with the Octopus error body, and `GET /api/users/Users-1/permissions` no
    /// longer lists it. `Users-2` and the administrator keep theirs.
    pub fn deny(&self, permission: Permission) {
        self.shared.lock().denied.push((permission, None));
    }

    /// Takes `permission` from the responder user in `space` only.
    pub fn deny_in(&self, space: &str, permission: Permission) {
        self.shared.lock().denied.push((permission, Some(space.to_owned())));
    }

    /// Gives `permission` back to the responder user everywhere. The responder never holds the
    /// administrative ones (`SubscriptionCreate`, `SubscriptionEdit`, `SubscriptionDelete`).
    pub fn allow(&self, permission: Permission) {
        self.shared.lock().denied.retain(|(p, _)| *p != permission);
    }

    /// Adds a project named `name` to `space` and returns its `Projects-N` id. Every deployment
    /// also has a project of its own, named `Project N`.
    pub fn add_project(&self, space: &str, name: &str) -> String {
        self.shared.lock().add_named(Collection::Projects, space, name)
    }

    /// Adds an environment named `name` to `space` and returns its `Environments-N` id. Every
    /// deployment also has an environment of its own, named `Environment N`.
    pub fn add_environment(&self, space: &str, name: &str) -> String {
        self.shared.lock().add_named(Collection::Environments, space, name)
    }

    /// Adds a tenant named `name` to `space` and returns its `Tenants-N` id (numbered from 701,
    /// apart from the ids tests pass to [`Simulator::add_tenanted_deployment`], which are listed
    /// as `Tenant N`).
    pub fn add_tenant(&self, space: &str, name: &str) -> String {
        self.shared.lock().add_named(Collection::Tenants, space, name)
    }

    /// The `Version` of `GET /api` (default `2026.3.0-sim`). It does not change how
    /// `WebhookHeaderValue` is answered: see [`Simulator::set_sensitive_header_values`].
    pub fn set_version(&self, version: &str) {
        self.shared.lock().version = version.to_owned();
    }
}
