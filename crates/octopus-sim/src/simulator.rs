//! The public `Simulator` handle: starting and stopping the server, and driving the scenario.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::conn::{Cut, CuttableListener};
use crate::faults::Fault;
use crate::json;
use crate::routes::router;
use crate::scenario::guidance_buttons;
use crate::state::{ADMIN_ID, ADMIN_KEY, OTHER_ID, OTHER_KEY, RESPONDER_ID, RESPONDER_KEY, Shared, State};
use crate::types::{MaybeHeld, Raised, RequestRecord, Submission, Target};
use crate::webhook;

/// Stops the server when the last `Simulator` clone is dropped (the sender drops with it).
struct Server {
    stop: Mutex<Option<oneshot::Sender<()>>>,
    task: Mutex<Option<JoinHandle<()>>>,
}

/// A running simulated Octopus server. Clones share the same server and state.
#[derive(Clone)]
pub struct Simulator {
    pub(crate) shared: Shared,
    base_url: Arc<str>,
    server: Arc<Server>,
}

impl fmt::Debug for Simulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulator")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Simulator {
    /// Binds `127.0.0.1:0` and serves the API from a tokio task.
    pub async fn start() -> std::io::Result<Simulator> {
        let listener = CuttableListener(TcpListener::bind(("127.0.0.1", 0)).await?);
        let addr = listener.0.local_addr()?;
        let shared = Shared::new(State::new());
        let app = router(shared.clone()).into_make_service_with_connect_info::<Cut>();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::warn!(error = %e, "octopus-sim server stopped with an error");
            }
        });
        Ok(Simulator {
            shared,
            base_url: format!("http://{addr}").into(),
            server: Arc::new(Server {
                stop: Mutex::new(Some(stop)),
                task: Mutex::new(Some(task)),
            }),
        })
    }

    /// `http://127.0.0.1:PORT` (no `/api`).
    pub fn base_url(&self) -> String {
        self.base_url.to_string()
    }

    /// The API key of the responder user `Users-1` (username `responder`).
    pub fn api_key(&self) -> &str {
        RESPONDER_KEY
    }

    /// The responder's user id, `Users-1`.
    pub fn responder_user_id(&self) -> &str {
        RESPONDER_ID
    }

    /// A person, `Users-2`, who can hold responsibility.
    pub fn other_user_id(&self) -> &str {
        OTHER_ID
    }

    /// The API key of `Users-2`.
    pub fn other_api_key(&self) -> &str {
        OTHER_KEY
    }

    /// The administrator, `Users-3` (username `admin`): every permission in every space,
    /// including `SubscriptionCreate`, `SubscriptionEdit` and `SubscriptionDelete`.
    pub fn admin_user_id(&self) -> &str {
        ADMIN_ID
    }

    /// The API key of the administrator `Users-3`.
    pub fn admin_api_key(&self) -> &str {
        ADMIN_KEY
    }

    /// Adds a space named `Space N` (`Spaces-1`, named `Default`, exists already) and returns its id.
    pub fn add_space(&self) -> String {
        self.shared.lock().add_space(None)
    }

    /// Allocates `Deployments-N`, `ServerTasks-N`, a project, release and environment.
    pub fn add_deployment(&self, space: &str) -> Target {
        self.shared.lock().add_target(space, false, None)
    }

    /// Allocates `RunbookRuns-N`, `ServerTasks-N`, a project, runbook and environment.
    pub fn add_runbook_run(&self, space: &str) -> Target {
        self.shared.lock().add_target(space, true, None)
    }

    /// Raises a pending guided failure and its `GuidedFailureInterruptionRaised` event.
    /// An empty `buttons` means Fail, Retry, Ignore, Exclude.
    ///
    /// While events are held ([`Simulator::hold_events`]) `event_id` is empty: use
    /// [`Simulator::raise_guided_failure_maybe_held`] to get an `Option` instead.
    pub fn raise_guided_failure(&self, target: &Target, buttons: &[&str]) -> Raised {
        unheld(self.raise_guided_failure_maybe_held(target, buttons))
    }

    /// Raises a pending guided failure of `step` on `machine` (named in its Instructions, as
    /// Octopus does) and its event; an empty `machine` gives Instructions that name no machine
    /// (wording a responder cannot identify a failure by). A Retry of it that fails again (see `set_retry_outcome`)
    /// raises the same failure; after 10 Retries of one failure Retry is no longer offered.
    /// An empty `buttons` means Fail, Retry, Ignore, Exclude.
    pub fn raise_guided_failure_on(&self, target: &Target, step: &str, machine: &str, buttons: &[&str]) -> Raised {
        let buttons = guidance_buttons(buttons);
        let failure = Some((step.to_owned(), machine.to_owned()));
        unheld(
            self.shared
                .lock()
                .raise_failure(target, crate::state::Kind::GuidedFailure, buttons, failure),
        )
    }

    /// Raises a pending manual intervention and its `ManualInterventionInterruptionRaised` event.
    ///
    /// While events are held `event_id` is empty: see [`Simulator::raise_manual_intervention_maybe_held`].
    pub fn raise_manual_intervention(&self, target: &Target) -> Raised {
        unheld(self.raise_manual_intervention_maybe_held(target))
    }

    /// Raises a pending guided failure; its event is appended now, or held (`event_id: None`)
    /// while [`Simulator::hold_events`] is on.
    pub fn raise_guided_failure_maybe_held(&self, target: &Target, buttons: &[&str]) -> MaybeHeld {
        let buttons = guidance_buttons(buttons);
        self.shared
            .lock()
            .raise(target, crate::state::Kind::GuidedFailure, buttons)
    }

    /// Raises a pending manual intervention; its event is appended now, or held (`event_id: None`).
    pub fn raise_manual_intervention_maybe_held(&self, target: &Target) -> MaybeHeld {
        self.shared.lock().raise_manual(target)
    }

    /// Adds an event of any category (e.g. `DeploymentResumed`) regarding `target`.
    pub fn add_event(&self, target: &Target, category: &str) -> String {
        self.shared.lock().add_event(target, category)
    }

    /// After a Retry on `target`'s task, raise a new guided failure this many more times.
    pub fn set_retry_outcome(&self, target: &Target, fails_again: u32) {
        self.shared
            .lock()
            .retry_outcomes
            .insert(target.task_id.clone(), fails_again);
    }

    /// The webhook POST body for `event_id`, or `None` for an unknown event.
    pub fn webhook_body(&self, event_id: &str, header_key: &str, header_value: &str) -> Option<Value> {
        let s = self.shared.lock();
        let event = s.event(event_id)?;
        Some(webhook::body(event, &self.base_url, header_key, header_value))
    }

    fn with_interruption(&self, id: &str, f: impl FnOnce(&mut crate::state::Interruption)) -> bool {
        self.shared.lock().interruption_mut(id).map(f).is_some()
    }

    /// `Users-2` takes responsibility (no checks). False if the id is unknown.
    pub fn take_responsibility_as_other_user(&self, interruption_id: &str) -> bool {
        self.with_interruption(interruption_id, |i| {
            i.responsible_user = Some(OTHER_ID.into());
        })
    }

    /// Whether the responder user may take responsibility. False if the id is unknown.
    pub fn set_can_take_responsibility(&self, interruption_id: &str, can: bool) -> bool {
        self.with_interruption(interruption_id, |i| {
            if can {
                i.cannot_take.remove(RESPONDER_ID);
            } else {
                i.cannot_take.insert(RESPONDER_ID.into());
            }
        })
    }

    /// Sets `IsLinkedToOtherInterruption`. False if the id is unknown.
    pub fn set_linked(&self, interruption_id: &str, linked: bool) -> bool {
        self.with_interruption(interruption_id, |i| i.linked = linked)
    }

    /// `Users-2` answered it: not pending any more, values set, a Retry plays out as usual.
    /// Not recorded in [`Simulator::submissions`]. False if the id is unknown.
    pub fn complete_elsewhere(&self, interruption_id: &str, values: &[(&str, &str)]) -> bool {
        let values: BTreeMap<String, Option<String>> = values
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Some((*v).to_owned())))
            .collect();
        self.shared.lock().complete(interruption_id, &values, OTHER_ID)
    }

    /// The interruption as the responder user would see it.
    pub fn interruption(&self, id: &str) -> Option<Value> {
        let s = self.shared.lock();
        s.interruption(id).map(|i| json::interruption(i, RESPONDER_ID))
    }

    /// Ids of the events of `category` that regard `document_id`, newest first: what a
    /// subscription would have delivered, e.g. the guided failure a submitted Retry raised.
    pub fn event_ids(&self, document_id: &str, category: &str) -> Vec<String> {
        let s = self.shared.lock();
        s.events
            .iter()
            .rev()
            .filter(|e| e.category == category && e.related.iter().any(|d| d == document_id))
            .map(|e| e.id.clone())
            .collect()
    }

    /// All interruption ids, oldest first.
    pub fn interruption_ids(&self) -> Vec<String> {
        let s = self.shared.lock();
        s.interruptions.iter().map(|i| i.id.clone()).collect()
    }

    /// Successful submits received over HTTP, in order.
    pub fn submissions(&self) -> Vec<Submission> {
        self.shared.lock().submissions.clone()
    }

    /// Interruption ids whose responsibility was taken over HTTP from another user.
    pub fn responsibility_steals(&self) -> Vec<String> {
        self.shared.lock().steals.clone()
    }

    /// Every request answered so far, in completion order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.lock().requests.clone()
    }

    /// Latency added to every request.
    pub fn set_latency(&self, latency: Duration) {
        self.shared.lock().latency = latency;
    }

    /// Queues a fault; faults fire in order on matching requests, each `times` times.
    pub fn inject(&self, fault: Fault) {
        if fault.times > 0 {
            self.shared.lock().faults.push_back(fault);
        }
    }

    /// While on, every request gets 503.
    pub fn set_outage(&self, on: bool) {
        self.shared.lock().outage = on;
    }

    /// Stops the server (for every clone) and waits for it, at most two seconds.
    pub async fn shutdown(self) {
        let stop = self.server.stop.lock().unwrap_or_else(PoisonError::into_inner).take();
        drop(stop);
        let task = self.server.task.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(mut task) = task
            && tokio::time::timeout(Duration::from_secs(2), &mut task).await.is_err()
        {
            task.abort();
        }
    }
}

/// The old `Raised` shape: an empty `event_id` while the event is held.
fn unheld(r: MaybeHeld) -> Raised {
    Raised {
        event_id: r.event_id.unwrap_or_default(),
        interruption_id: r.interruption_id,
    }
}
