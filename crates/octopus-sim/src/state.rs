//! The simulated server's state, and the shared handle to it (a std mutex never held across `.await`).

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use crate::faults::Fault;
use crate::types::{Permission, RequestRecord, Submission, SubscriptionSpec, Target};

pub(crate) const DEFAULT_SPACE: &str = "Spaces-1";
pub(crate) const RESPONDER_ID: &str = "Users-1";
pub(crate) const RESPONDER_KEY: &str = "API-SIMRESPONDER00000000001";
pub(crate) const OTHER_ID: &str = "Users-2";
pub(crate) const OTHER_KEY: &str = "API-SIMOTHERUSER00000000002";
pub(crate) const ADMIN_ID: &str = "Users-3";
pub(crate) const ADMIN_KEY: &str = "API-SIMADMINISTRATOR0000003";
/// What `GET /api` answers as `Version` until `Simulator::set_version`.
pub(crate) const DEFAULT_VERSION: &str = "2026.3.0-sim";

/// An account that can call the API.
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub(crate) id: String,
    pub(crate) username: String,
    pub(crate) display_name: String,
    pub(crate) api_key: String,
    pub(crate) is_service: bool,
}

/// The two interruption types the simulator raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    GuidedFailure,
    ManualIntervention,
}

impl Kind {
    pub(crate) fn type_name(self) -> &'static str {
        match self {
            Kind::GuidedFailure => "GuidedFailure",
            Kind::ManualIntervention => "ManualIntervention",
        }
    }

    /// The name of the form element holding the submit buttons.
    pub(crate) fn button_element(self) -> &'static str {
        match self {
            Kind::GuidedFailure => "Guidance",
            Kind::ManualIntervention => "Result",
        }
    }
}

/// One button of a `SubmitButtonGroup`.
#[derive(Debug, Clone)]
pub(crate) struct Button {
    pub(crate) text: String,
    pub(crate) value: String,
    pub(crate) requires_confirmation: bool,
}

/// A link inside an event message.
#[derive(Debug, Clone)]
pub(crate) struct MessageRef {
    pub(crate) id: String,
    pub(crate) start: usize,
    pub(crate) len: usize,
}

/// An event message with its HTML form and references.
#[derive(Debug, Clone, Default)]
pub(crate) struct Message {
    pub(crate) text: String,
    pub(crate) html: String,
    pub(crate) refs: Vec<MessageRef>,
}

/// An audit event.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub(crate) seq: u64,
    pub(crate) id: String,
    pub(crate) space_id: String,
    pub(crate) category: String,
    pub(crate) related: Vec<String>,
    pub(crate) occurred: String,
    pub(crate) message: Message,
}

/// A space: its name (the id is the key of `State::spaces`).
#[derive(Debug, Clone)]
pub(crate) struct Space {
    pub(crate) name: String,
}

/// An `...InterruptionRaised` event waiting for `release_events` (id allocated on release).
#[derive(Debug, Clone)]
pub(crate) struct HeldEvent {
    pub(crate) interruption_id: String,
    pub(crate) target: Target,
    pub(crate) category: &'static str,
    pub(crate) message: Message,
}

/// An event subscription.
#[derive(Debug, Clone)]
pub(crate) struct Subscription {
    pub(crate) id: String,
    pub(crate) space_id: String,
    pub(crate) spec: SubscriptionSpec,
    /// `WebhookTimeout` as last written (`00:00:10` unless written otherwise).
    pub(crate) webhook_timeout: String,
    pub(crate) last_processed: SystemTime,
    pub(crate) last_processed_auto_id: u64,
}

/// Which collection of named documents: `/api/{space}/projects`, `environments` or `tenants`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Collection {
    Projects,
    Environments,
    Tenants,
}

/// A project, environment or tenant: all a filter names, and all a lookup by name reads.
#[derive(Debug, Clone)]
pub(crate) struct NamedDoc {
    pub(crate) collection: Collection,
    pub(crate) id: String,
    pub(crate) space_id: String,
    pub(crate) name: String,
}

/// A guided failure or manual intervention.
#[derive(Debug, Clone)]
pub(crate) struct Interruption {
    pub(crate) id: String,
    pub(crate) space_id: String,
    pub(crate) kind: Kind,
    pub(crate) title: String,
    pub(crate) instructions: String,
    pub(crate) created: SystemTime,
    pub(crate) pending: bool,
    pub(crate) values: BTreeMap<String, Option<String>>,
    pub(crate) buttons: Vec<Button>,
    pub(crate) related: Vec<String>,
    pub(crate) correlation_id: String,
    pub(crate) responsible_user: Option<String>,
    pub(crate) responsible_teams: Vec<String>,
    /// Users who may not take responsibility.
    pub(crate) cannot_take: BTreeSet<String>,
    pub(crate) linked: bool,
    pub(crate) target: Target,
    /// A guided failure's step and machine, as its Instructions name them.
    pub(crate) failure: Option<(String, String)>,
    /// The `...InterruptionRaised` event, `None` while it is held.
    pub(crate) event_id: Option<String>,
}

/// Everything the simulator knows.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) users: Vec<User>,
    pub(crate) spaces: BTreeMap<String, Space>,
    pub(crate) events: Vec<Event>,
    pub(crate) interruptions: Vec<Interruption>,
    /// While true, raising an interruption queues its event in `held`.
    pub(crate) hold_events: bool,
    pub(crate) held: Vec<HeldEvent>,
    pub(crate) subscriptions: Vec<Subscription>,
    /// Projects, environments and tenants, in the order they were added.
    pub(crate) named: Vec<NamedDoc>,
    /// `Version` of the root document.
    pub(crate) version: String,
    /// `WebhookHeaderValue` as the 2026.1+ sensitive object (true) or a plain string.
    pub(crate) sensitive_header_values: bool,
    /// Permissions the responder lacks: everywhere (`None`) or in one space.
    pub(crate) denied: Vec<(Permission, Option<String>)>,
    /// Task id -> how many more guided failures a submitted Retry raises.
    pub(crate) retry_outcomes: HashMap<String, u32>,
    pub(crate) submissions: Vec<Submission>,
    pub(crate) steals: Vec<String>,
    pub(crate) requests: Vec<RequestRecord>,
    pub(crate) latency: Duration,
    pub(crate) outage: bool,
    pub(crate) faults: VecDeque<Fault>,
    /// Barriers of `Fault::barrier`, by id, created when their first request arrives.
    pub(crate) barriers: HashMap<u64, Arc<crate::observe::Gate>>,
    counters: HashMap<&'static str, u64>,
}

/// First number handed out per id prefix; distinct ranges make mixed-up ids fail loudly.
const FIRST_IDS: &[(&str, u64)] = &[
    ("Spaces", 2),
    ("Subscriptions", 41),
    ("Projects", 101),
    ("Channels", 151),
    ("Releases", 201),
    ("RunbookRuns", 301),
    ("Runbooks", 351),
    ("Environments", 501),
    ("Tenants", 701),
    ("Deployments", 1001),
    ("ServerTasks", 2001),
    ("Interruptions", 5001),
    ("Events", 90001),
];

impl State {
    pub(crate) fn new() -> Self {
        let user = |id: &str, name: &str, display: &str, key: &str, service| User {
            id: id.into(),
            username: name.into(),
            display_name: display.into(),
            api_key: key.into(),
            is_service: service,
        };
        Self {
            users: vec![
                user(RESPONDER_ID, "responder", "Octo Responder", RESPONDER_KEY, true),
                user(OTHER_ID, "other.person", "Other Person", OTHER_KEY, false),
                user(ADMIN_ID, "admin", "Octopus Administrator", ADMIN_KEY, false),
            ],
            spaces: BTreeMap::from([(DEFAULT_SPACE.to_owned(), Space { name: "Default".into() })]),
            events: Vec::new(),
            interruptions: Vec::new(),
            hold_events: false,
            held: Vec::new(),
            subscriptions: Vec::new(),
            named: Vec::new(),
            version: DEFAULT_VERSION.to_owned(),
            sensitive_header_values: true,
            denied: Vec::new(),
            retry_outcomes: HashMap::new(),
            submissions: Vec::new(),
            steals: Vec::new(),
            requests: Vec::new(),
            latency: Duration::ZERO,
            outage: false,
            faults: VecDeque::new(),
            barriers: HashMap::new(),
            counters: FIRST_IDS.iter().copied().collect(),
        }
    }

    /// The next number for `prefix`.
    pub(crate) fn next_number(&mut self, prefix: &'static str) -> u64 {
        let n = self.counters.entry(prefix).or_insert(1);
        let current = *n;
        *n += 1;
        current
    }

    /// The next `Prefix-N` id.
    pub(crate) fn alloc(&mut self, prefix: &'static str) -> String {
        format!("{prefix}-{}", self.next_number(prefix))
    }

    pub(crate) fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    pub(crate) fn user_by_key(&self, key: &str) -> Option<&User> {
        self.users.iter().find(|u| u.api_key == key)
    }

    pub(crate) fn interruption(&self, id: &str) -> Option<&Interruption> {
        self.interruptions.iter().find(|i| i.id == id)
    }

    pub(crate) fn interruption_mut(&mut self, id: &str) -> Option<&mut Interruption> {
        self.interruptions.iter_mut().find(|i| i.id == id)
    }

    pub(crate) fn event(&self, id: &str) -> Option<&Event> {
        self.events.iter().find(|e| e.id == id)
    }
}

/// Cheap-to-clone handle to the state.
#[derive(Debug, Clone)]
pub(crate) struct Shared(Arc<Mutex<State>>);

impl Shared {
    pub(crate) fn new(state: State) -> Self {
        Self(Arc::new(Mutex::new(state)))
    }

    /// Locks the state; a panic elsewhere while locked does not poison the simulator.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
