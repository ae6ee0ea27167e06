//! Scenario building on the state: spaces, deployments and runbook runs, raised interruptions, events.

use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;

use crate::clock::{format_iso, later_than};
use crate::state::{Button, Collection, Event, HeldEvent, Interruption, Kind, Message, MessageRef, Space, State};
use crate::types::{MaybeHeld, Raised, Target};

/// The default guided-failure buttons.
pub(crate) const DEFAULT_GUIDANCE: &[&str] = &["Fail", "Retry", "Ignore", "Exclude"];

fn number(id: &str) -> &str {
    id.rsplit('-').next().unwrap_or(id)
}

fn project_name(t: &Target) -> String {
    format!("Project {}", number(&t.project_id))
}

fn environment_name(t: &Target) -> String {
    format!("Environment {}", number(&t.environment_id))
}

fn release_version(t: &Target) -> String {
    format!("1.0.{}", t.release_id.as_deref().map_or("0", number))
}

fn runbook_name(t: &Target) -> String {
    format!("Runbook {}", t.runbook_id.as_deref().map_or("0", number))
}

/// Guided-failure buttons for the given values (`Exclude` gets its long text).
pub(crate) fn guidance_buttons(values: &[&str]) -> Vec<Button> {
    let values = if values.is_empty() { DEFAULT_GUIDANCE } else { values };
    values
        .iter()
        .map(|v| Button {
            text: if *v == "Exclude" {
                "Exclude machine from deployment".into()
            } else {
                (*v).into()
            },
            value: (*v).into(),
            requires_confirmation: false,
        })
        .collect()
}

fn manual_buttons() -> Vec<Button> {
    let button = |v: &str, confirm| Button {
        text: v.into(),
        value: v.into(),
        requires_confirmation: confirm,
    };
    vec![button("Proceed", false), button("Abort", true)]
}

impl Message {
    fn text(mut self, s: &str) -> Self {
        self.text.push_str(s);
        self.html.push_str(s);
        self
    }

    fn link(mut self, id: &str, s: &str) -> Self {
        let start = self.text.chars().count();
        self.refs.push(MessageRef {
            id: id.into(),
            start,
            len: s.chars().count(),
        });
        self.text.push_str(s);
        let kind = id.split('-').next().unwrap_or(id).to_ascii_lowercase();
        self.html.push_str(&format!("<a href='#/{kind}/{id}'>{s}</a>"));
        self
    }
}

impl State {
    /// Registers a new space (named `Space N` unless `name` is given) and returns its id.
    pub(crate) fn add_space(&mut self, name: Option<&str>) -> String {
        let id = self.alloc("Spaces");
        let name = name.map_or_else(|| format!("Space {}", number(&id)), str::to_owned);
        self.spaces.insert(id.clone(), Space { name });
        id
    }

    /// Registers `space` under a default name if it is not known yet.
    pub(crate) fn ensure_space(&mut self, space: &str) {
        if !self.spaces.contains_key(space) {
            let name = format!("Space {}", number(space));
            self.spaces.insert(space.to_owned(), Space { name });
        }
    }

    /// Allocates a deployment (or a runbook run) with its task, project and environment, and
    /// registers the project, environment and tenant under their generated names.
    pub(crate) fn add_target(&mut self, space: &str, runbook: bool, tenant: Option<&str>) -> Target {
        self.ensure_space(space);
        let (deployment_id, runbook_run_id, release_id, runbook_id) = if runbook {
            let run = self.alloc("RunbookRuns");
            (None, Some(run), None, Some(self.alloc("Runbooks")))
        } else {
            let dep = self.alloc("Deployments");
            (Some(dep), None, Some(self.alloc("Releases")), None)
        };
        let target = Target {
            space_id: space.to_owned(),
            deployment_id,
            runbook_run_id,
            task_id: self.alloc("ServerTasks"),
            project_id: self.alloc("Projects"),
            environment_id: self.alloc("Environments"),
            release_id,
            runbook_id,
            tenant_id: tenant.map(str::to_owned),
        };
        self.register_named(Collection::Projects, space, &target.project_id, &project_name(&target));
        self.register_named(
            Collection::Environments,
            space,
            &target.environment_id,
            &environment_name(&target),
        );
        if let Some(tenant) = tenant {
            self.register_named(
                Collection::Tenants,
                space,
                tenant,
                &format!("Tenant {}", number(tenant)),
            );
        }
        target
    }

    /// Event related ids: the run first, the task later (position-based pickers break).
    fn event_related(t: &Target) -> Vec<String> {
        let mut ids = vec![t.run_id().to_owned(), t.project_id.clone()];
        ids.extend(t.release_id.clone().or_else(|| t.runbook_id.clone()));
        ids.push(t.environment_id.clone());
        ids.extend(t.tenant_id.clone());
        ids.push(t.task_id.clone());
        if t.deployment_id.is_some() {
            ids.push(format!("Channels-{}", number(&t.project_id)));
        }
        ids.push("ProjectGroups-1".into());
        ids
    }

    fn event_message(t: &Target, what: &str) -> Message {
        let (project, env) = (project_name(t), environment_name(t));
        match &t.release_id {
            Some(release) => Message::default()
                .link(t.run_id(), &format!("Deploy to {env}"))
                .text(&format!(" {what} for "))
                .link(&t.project_id, &project)
                .text(" release ")
                .link(release, &release_version(t))
                .text(" to ")
                .link(&t.environment_id, &env),
            None => Message::default()
                .link(t.run_id(), &format!("Run {}", runbook_name(t)))
                .text(&format!(" {what} for "))
                .link(&t.project_id, &project)
                .text(" in ")
                .link(&t.environment_id, &env),
        }
    }

    fn push_event(&mut self, t: &Target, category: &str, message: Message, occurred: SystemTime) -> String {
        let seq = self.next_number("Events");
        let id = format!("Events-{seq}");
        self.events.push(Event {
            seq,
            id: id.clone(),
            space_id: t.space_id.clone(),
            category: category.into(),
            related: Self::event_related(t),
            occurred: format_iso(occurred),
            message,
        });
        id
    }

    /// Adds an event of any category regarding `t`.
    pub(crate) fn add_event(&mut self, t: &Target, category: &str) -> String {
        let message = Self::event_message(t, &format!("recorded {category}"));
        self.push_event(t, category, message, SystemTime::now())
    }

    /// Raises a pending interruption and its `...InterruptionRaised` event, or queues the event
    /// while `hold_events` is on.
    pub(crate) fn raise(&mut self, t: &Target, kind: Kind, buttons: Vec<Button>) -> MaybeHeld {
        self.raise_failure(t, kind, buttons, None)
    }

    /// Raises an interruption; a guided failure names `failure` (step, machine) in its
    /// Instructions, or a step "Run a script" on a machine of its own when `None`.
    pub(crate) fn raise_failure(
        &mut self,
        t: &Target,
        kind: Kind,
        buttons: Vec<Button>,
        failure: Option<(String, String)>,
    ) -> MaybeHeld {
        let id = self.alloc("Interruptions");
        let n = self.next_number("Correlations");
        let failure = match kind {
            Kind::GuidedFailure => Some(failure.unwrap_or_else(|| ("Run a script".to_owned(), format!("machine-{n}")))),
            Kind::ManualIntervention => None,
        };
        let (title, instructions, related, teams, category, what) = match kind {
            Kind::GuidedFailure => (
                match &t.release_id {
                    Some(_) => format!(
                        "Deploy {} release {} to {} requires failure guidance",
                        project_name(t),
                        release_version(t),
                        environment_name(t)
                    ),
                    None => format!(
                        "Run {} in {} requires failure guidance",
                        runbook_name(t),
                        environment_name(t)
                    ),
                },
                match failure.as_ref() {
                    // A wording that names no machine: a failure the responder cannot identify.
                    Some((step, machine)) if machine.is_empty() => {
                        format!("'{step}' in the current task failed. What would you like to do?")
                    }
                    Some((step, machine)) => format!(
                        "'{step} (type Run a Script) on {machine} ' in the current task failed. \
                         What would you like to do?"
                    ),
                    None => String::new(),
                },
                vec![t.task_id.clone(), t.run_id().into()],
                vec![],
                "GuidedFailureInterruptionRaised",
                "requires failure guidance",
            ),
            Kind::ManualIntervention => (
                format!("Approve {} in {}", project_name(t), environment_name(t)),
                "Confirm the change window before proceeding.".into(),
                vec![t.run_id().into(), t.task_id.clone()],
                vec!["Teams-21".into()],
                "ManualInterventionInterruptionRaised",
                "requires manual intervention",
            ),
        };
        let mut related = related;
        related.extend([t.project_id.clone(), t.environment_id.clone()]);
        related.extend(t.tenant_id.clone());
        let values = ["Instructions", "Notes", kind.button_element()]
            .into_iter()
            .map(|k| (k.to_owned(), None))
            .collect::<BTreeMap<_, _>>();
        let now = SystemTime::now();
        self.interruptions.push(Interruption {
            id: id.clone(),
            space_id: t.space_id.clone(),
            kind,
            title,
            instructions,
            created: now,
            pending: true,
            values,
            buttons,
            related,
            correlation_id: format!("{}_SIM{n:07}/{:032x}/{:032x}", t.task_id, mix(n), mix(n + 1)),
            responsible_user: None,
            responsible_teams: teams,
            cannot_take: BTreeSet::new(),
            linked: false,
            target: t.clone(),
            event_id: None,
            failure,
        });
        let message = Self::event_message(t, what);
        if self.hold_events {
            self.held.push(HeldEvent {
                interruption_id: id.clone(),
                target: t.clone(),
                category,
                message,
            });
            return MaybeHeld {
                interruption_id: id,
                event_id: None,
            };
        }
        let event_id = self.push_event(t, category, message, now);
        if let Some(i) = self.interruption_mut(&id) {
            i.event_id = Some(event_id.clone());
        }
        MaybeHeld {
            interruption_id: id,
            event_id: Some(event_id),
        }
    }

    /// Raises a manual intervention with Proceed/Abort.
    pub(crate) fn raise_manual(&mut self, t: &Target) -> MaybeHeld {
        self.raise(t, Kind::ManualIntervention, manual_buttons())
    }

    /// Appends the held events in the order they were raised, each `Occurred` now (and at least a
    /// millisecond after its interruption's `Created`), allocating their ids now.
    pub(crate) fn release_events(&mut self) -> Vec<Raised> {
        let held = std::mem::take(&mut self.held);
        let mut released = Vec::with_capacity(held.len());
        for h in held {
            let created = self.interruption(&h.interruption_id).map(|i| i.created);
            let occurred = created.map_or_else(SystemTime::now, later_than);
            let event_id = self.push_event(&h.target, h.category, h.message, occurred);
            if let Some(i) = self.interruption_mut(&h.interruption_id) {
                i.event_id = Some(event_id.clone());
            }
            released.push(Raised {
                event_id,
                interruption_id: h.interruption_id,
            });
        }
        released
    }

    /// Completes an interruption as answered by `by`, then plays out a Retry (see `retry_outcomes`).
    pub(crate) fn complete(&mut self, id: &str, values: &BTreeMap<String, Option<String>>, by: &str) -> bool {
        let Some(i) = self.interruption_mut(id) else {
            return false;
        };
        i.pending = false;
        i.responsible_user = Some(by.to_owned());
        for (key, slot) in i.values.iter_mut() {
            if let Some(v) = values.get(key) {
                slot.clone_from(v);
            }
        }
        let retried =
            i.kind == Kind::GuidedFailure && i.values.get("Guidance").cloned().flatten().as_deref() == Some("Retry");
        let (target, mut buttons, failure) = (i.target.clone(), i.buttons.clone(), i.failure.clone());
        if retried
            && let Some(remaining) = self.retry_outcomes.get_mut(&target.task_id)
            && *remaining > 0
        {
            *remaining -= 1;
            // Octopus stops offering Retry after 10 Retries of one failure.
            if self.retries_of(&target.task_id, failure.as_ref()) >= MAX_RETRIES_OF_ONE_FAILURE {
                buttons.retain(|b| b.value != "Retry");
            }
            self.raise_failure(&target, Kind::GuidedFailure, buttons, failure);
        }
        true
    }
}

/// After this many Retries of one failure Octopus no longer offers Retry (OctopusDeploy/Issues#2885).
pub(crate) const MAX_RETRIES_OF_ONE_FAILURE: usize = 10;

impl State {
    /// How often `failure` of `task` has been answered Retry.
    pub(crate) fn retries_of(&self, task: &str, failure: Option<&(String, String)>) -> usize {
        self.interruptions
            .iter()
            .filter(|i| i.target.task_id == task && !i.pending && i.failure.as_ref() == failure)
            .filter(|i| i.values.get("Guidance").cloned().flatten().as_deref() == Some("Retry"))
            .count()
    }
}

/// A cheap deterministic 128-bit scramble for correlation ids.
fn mix(n: u64) -> u128 {
    let mut z = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (u128::from(z) << 64) | u128::from(z ^ (z >> 31))
}
