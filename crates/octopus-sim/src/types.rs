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
