//! Plain public data types returned by or passed to the simulator.

use std::collections::BTreeMap;
use std::time::Instant;

/// A deployment or runbook run with its server task, as allocated by the simulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub space_id: String,
    /// `Deployments-N` for a deployment, `None` for a runbook run.
    pub deployment_id: Option<String>,
    /// `RunbookRuns-N` for a runbook run, `None` for a deployment.
    pub runbook_run_id: Option<String>,
    pub task_id: String,
    pub project_id: String,
    pub environment_id: String,
    /// `Releases-N` for a deployment.
    pub release_id: Option<String>,
    /// `Runbooks-N` for a runbook run.
    pub runbook_id: Option<String>,
    /// The tenant of a tenanted deployment (see `Simulator::add_tenanted_deployment`).
    pub tenant_id: Option<String>,
}

impl Target {
    /// The deployment id, or the runbook run id for a runbook run.
    pub fn run_id(&self) -> &str {
        self.deployment_id
            .as_deref()
            .or(self.runbook_run_id.as_deref())
            .unwrap_or_default()
    }
}

/// What raising an interruption created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raised {
    pub event_id: String,
    pub interruption_id: String,
}

/// What raising an interruption created, when its event may be held back (see
/// `Simulator::hold_events`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaybeHeld {
    pub interruption_id: String,
    /// `None` while the `...InterruptionRaised` event is held: its id is allocated when
    /// `Simulator::release_events` appends it.
    pub event_id: Option<String>,
}

/// A successful `POST .../submit` received over HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub interruption_id: String,
    pub user_id: String,
    /// The submitted body (string and null values only).
    pub values: BTreeMap<String, Option<String>>,
}

/// One HTTP request the simulator answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
    pub started: Instant,
    pub finished: Instant,
}

/// The event filter of a subscription: each non-empty list narrows the events delivered
/// (AND between lists, OR within one); an empty list does not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscriptionFilter {
    pub event_categories: Vec<String>,
    pub projects: Vec<String>,
    pub environments: Vec<String>,
    pub tenants: Vec<String>,
    pub project_groups: Vec<String>,
    /// Tenant tags.
    pub tags: Vec<String>,
    pub document_types: Vec<String>,
    pub event_groups: Vec<String>,
    pub users: Vec<String>,
    pub event_agents: Vec<String>,
}

/// An event (webhook) subscription to add with `Simulator::add_subscription`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscriptionSpec {
    pub name: String,
    pub is_disabled: bool,
    pub webhook_uri: String,
    /// `WebhookHeaderKey`; `None` answers `null`.
    pub header_key: Option<String>,
    /// `WebhookHeaderValue`; how it is answered depends on `Simulator::set_sensitive_header_values`.
    pub header_value: Option<String>,
    pub filter: SubscriptionFilter,
}

/// A permission a simulated user holds. The responder (`Users-1`) and `Users-2` hold the views
/// and the interruption permissions; the administrator (`Users-3`) holds every one. Only the
/// responder loses one, by `Simulator::deny` or `Simulator::deny_in`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Permission {
    /// Reading events (`/api/events`, `/api/{space}/events`).
    EventView,
    /// Listing and reading interruptions and who holds them.
    InterruptionView,
    /// Taking responsibility for and submitting interruptions.
    InterruptionSubmit,
    /// Reading subscriptions.
    SubscriptionView,
    /// Creating subscriptions (administrator only).
    SubscriptionCreate,
    /// Changing subscriptions (administrator only).
    SubscriptionEdit,
    /// Deleting subscriptions (administrator only).
    SubscriptionDelete,
    /// Listing projects.
    ProjectView,
    /// Listing environments.
    EnvironmentView,
    /// Listing tenants.
    TenantView,
}

impl Permission {
    /// Every permission the simulator knows, in the order `GET /api/users/{id}/permissions` lists them.
    pub const ALL: [Permission; 10] = [
        Permission::EventView,
        Permission::InterruptionView,
        Permission::InterruptionSubmit,
        Permission::SubscriptionView,
        Permission::SubscriptionCreate,
        Permission::SubscriptionEdit,
        Permission::SubscriptionDelete,
        Permission::ProjectView,
        Permission::EnvironmentView,
        Permission::TenantView,
    ];

    /// The Octopus permission name, e.g. `SubscriptionView`.
    pub fn name(self) -> &'static str {
        match self {
            Permission::EventView => "EventView",
            Permission::InterruptionView => "InterruptionView",
            Permission::InterruptionSubmit => "InterruptionSubmit",
            Permission::SubscriptionView => "SubscriptionView",
            Permission::SubscriptionCreate => "SubscriptionCreate",
            Permission::SubscriptionEdit => "SubscriptionEdit",
            Permission::SubscriptionDelete => "SubscriptionDelete",
            Permission::ProjectView => "ProjectView",
            Permission::EnvironmentView => "EnvironmentView",
            Permission::TenantView => "TenantView",
        }
    }

    /// Whether only the administrator holds it.
    pub(crate) fn administrative(self) -> bool {
        matches!(
            self,
            Permission::SubscriptionCreate | Permission::SubscriptionEdit | Permission::SubscriptionDelete
        )
    }
}
