//! When a person is told, and what: a pending interruption the responder leaves to a person
//! (held by another user, the answer not offered, not takeable, `then=Leave`) or one it
//! answered with a spent retry budget. Never in `DRY_RUN`, never for an interruption someone
//! else answered. The notifier (`notify`) keeps it to one message per interruption and reason.

use notify::{Notice, Reason};
use octopus::Interruption;

use crate::decision::{Decision, SkipReason};
use crate::failure::Failure;
use crate::outcome::InterruptionOutcome;
use crate::record::Job;

/// What became of telling a person about one interruption.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Telling {
    /// Nothing to tell (answered within the budget, answered elsewhere, dry run, ...).
    NotNeeded,
    Sent,
    /// Told before, by this record's earlier delivery, a copy of it, or the sweep.
    AlreadyTold,
    /// Notifications are off.
    Off,
    /// The notice could not be sent (the cause); the answer stands.
    Failed(&'static str),
}

impl From<notify::Told> for Telling {
    fn from(told: notify::Told) -> Self {
        match told {
            notify::Told::Sent => Self::Sent,
            notify::Told::AlreadyTold => Self::AlreadyTold,
            notify::Told::Off => Self::Off,
        }
    }
}

impl SkipReason {
    /// The reason a person is told.
    pub fn for_a_person(self) -> Reason {
        match self {
            Self::HeldByAnotherUser => Reason::HeldByAnotherUser,
            Self::ActionNotOffered => Reason::ActionNotOffered,
            Self::CannotTakeResponsibility => Reason::CannotTakeResponsibility,
            Self::LeftByRule => Reason::LeftByRule,
        }
    }
}

/// Why a person should hear about this outcome, if at all.
pub fn reason_to_tell(decision: &Decision, outcome: InterruptionOutcome) -> Option<Reason> {
    match outcome {
        InterruptionOutcome::Skipped(reason) => Some(reason.for_a_person()),
        InterruptionOutcome::Submitted if decision.budget_spent => Some(Reason::BudgetSpent),
        _ => None,
    }
}

/// The notice for `interruption` as one record decided it: why it was left, or the Notes of
/// the answer given with a spent budget.
pub fn notice(job: &Job, interruption: &Interruption, decision: &Decision, reason: Reason, server_url: &str) -> Notice {
    let detail = match reason {
        Reason::LeftByRule | Reason::BudgetSpent | Reason::ConflictingRules => {
            decision.notes.trim_start_matches("octo-responder: ").to_owned()
        }
        _ => why_left(reason, interruption, decision.action.map(|a| a.as_str())),
    };
    about(interruption, job.event.space_id.as_str(), reason, detail, server_url)
}

/// Why an interruption was left to a person, in a sentence, with the answer the rule would have
/// given when known.
pub fn why_left(reason: Reason, interruption: &Interruption, answer: Option<&str>) -> String {
    let would = answer
        .map(|a| format!("; the rule would answer {a}"))
        .unwrap_or_default();
    match reason {
        Reason::HeldByAnotherUser => format!(
            "another user ({}) holds responsibility for it, and the responder never takes it from them{would}",
            interruption.responsible_user_id.as_deref().unwrap_or("unknown")
        ),
        Reason::ActionNotOffered => match answer {
            Some(answer) => format!("the form does not offer {answer}, the rule's answer"),
            None => "the form does not offer the rule's answer".to_owned(),
        },
        Reason::CannotTakeResponsibility => {
            format!("Octopus does not let the responder's user take responsibility for it (a team restriction?){would}")
        }
        Reason::LeftByRule => "the retry budget is spent and the rule says then=Leave".to_owned(),
        Reason::BudgetSpent => format!("the retry budget is spent{would}"),
        Reason::ConflictingRules => "subscriptions pointing at the responder match it with different rules, so it \
                                     answers none of them; make exactly one rule match"
            .to_owned(),
    }
}

/// A notice about `interruption` in `space_id`: its title, failure, the project, environment
/// and tenant it regards, `detail`, and a link to its task on `server_url`.
pub fn about(interruption: &Interruption, space_id: &str, reason: Reason, detail: String, server_url: &str) -> Notice {
    let task = interruption.task_id.as_deref().or_else(|| {
        interruption
            .related_document_ids
            .iter()
            .map(String::as_str)
            .find(|id| id.starts_with("ServerTasks-"))
    });
    let regarding = interruption
        .related_document_ids
        .iter()
        .filter(|id| {
            ["Projects-", "Environments-", "Tenants-"]
                .iter()
                .any(|p| id.starts_with(p))
        })
        .cloned()
        .collect();
    Notice {
        space_id: space_id.to_owned(),
        interruption_id: interruption.id.clone(),
        reason,
        title: interruption.title.clone(),
        failure: Failure::of(interruption).map(|f| f.to_string()),
        regarding,
        detail,
        link: Notice::task_link(server_url, space_id, task),
    }
}
