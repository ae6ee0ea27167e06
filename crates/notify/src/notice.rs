//! What a person is told: one short message, what (the interruption's title, the failing step
//! and machine where known, the project and environment ids), why, and a link to the task in
//! Octopus. Nothing secret, no payload.

/// The longest subject SNS accepts (for email subscriptions) is 100 characters.
pub const MAX_SUBJECT: usize = 100;

/// Why the responder stepped back: a short, stable name, which also keys the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// Another user holds responsibility for the interruption.
    HeldByAnotherUser,
    /// The form does not offer the rule's answer.
    ActionNotOffered,
    /// Octopus does not let the responder's user take responsibility.
    CannotTakeResponsibility,
    /// The retry budget is spent and the rule says `then=Leave`.
    LeftByRule,
    /// The retry budget is spent and the responder answered with the rule's `then`.
    BudgetSpent,
    /// More than one subscription's rule matches the interruption (found by the sweep).
    ConflictingRules,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HeldByAnotherUser => "held_by_another_user",
            Self::ActionNotOffered => "action_not_offered",
            Self::CannotTakeResponsibility => "cannot_take_responsibility",
            Self::LeftByRule => "left_by_rule",
            Self::BudgetSpent => "budget_spent",
            Self::ConflictingRules => "conflicting_rules",
        }
    }

    /// Whether the interruption still waits for a person (every reason but a spent budget,
    /// which the responder answered).
    pub fn waits_for_a_person(self) -> bool {
        !matches!(self, Self::BudgetSpent)
    }
}

/// One message to a person about one interruption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub space_id: String,
    pub interruption_id: String,
    pub reason: Reason,
    /// The interruption's title, e.g. `Deploy Web App release 1.4.2 to Production requires failure guidance`.
    pub title: String,
    /// The failing step and machine, when the form names them (`'Deploy web' on web-03`).
    pub failure: Option<String>,
    /// The project, environment and tenant ids the interruption regards.
    pub regarding: Vec<String>,
    /// What the responder did or why it stepped back, in a sentence.
    pub detail: String,
    /// `<server>/app#/<space>/tasks/<task>`, or the server's own page when the task is unknown.
    pub link: String,
}

impl Notice {
    /// What the ledger keys this notice by: at most one message per interruption and reason.
    pub fn key(&self) -> String {
        format!("{}/{}/{}", self.space_id, self.interruption_id, self.reason.as_str())
    }

    pub fn subject(&self) -> String {
        let lead = if self.reason.waits_for_a_person() {
            "a person is needed"
        } else {
            "retry budget spent"
        };
        let subject = format!("octo-responder: {lead}: {}", self.title);
        // SNS refuses control characters in a subject.
        let subject: String = subject.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        if subject.chars().count() <= MAX_SUBJECT {
            subject
        } else {
            format!("{}...", subject.chars().take(MAX_SUBJECT - 3).collect::<String>())
        }
    }

    pub fn body(&self) -> String {
        let mut body = format!("{}\n\n", self.title);
        if let Some(failure) = &self.failure {
            body.push_str(&format!("Failure: {failure}\n"));
        }
        if !self.regarding.is_empty() {
            body.push_str(&format!("Regarding: {}\n", self.regarding.join(", ")));
        }
        body.push_str(&format!("Why: {} ({})\n", self.detail, self.reason.as_str()));
        if self.reason.waits_for_a_person() {
            body.push_str("The interruption waits for a person to answer it in Octopus.\n");
        }
        body.push_str(&format!(
            "Interruption: {} in {}\nOpen the task: {}\n",
            self.interruption_id, self.space_id, self.link
        ));
        body
    }

    /// `<server>/app#/<space>/tasks/<task>`, from a server URL with or without a trailing
    /// slash (and with a path, for a server behind one); the server's tasks page without a task.
    pub fn task_link(server_url: &str, space_id: &str, task_id: Option<&str>) -> String {
        let server = server_url.trim_end_matches('/');
        match task_id {
            Some(task) => format!("{server}/app#/{space_id}/tasks/{task}"),
            None => format!("{server}/app#/{space_id}/tasks"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn notice(reason: Reason) -> Notice {
        Notice {
            space_id: "Spaces-1".into(),
            interruption_id: "Interruptions-5001".into(),
            reason,
            title: "Deploy Web App release 1.4.2 to Production requires failure guidance".into(),
            failure: Some("'Deploy web' on web-03".into()),
            regarding: vec!["Projects-1".into(), "Environments-2".into()],
            detail: "Exclude instead of Retry: 'Deploy web' on web-03 was retried 2 of 2 times".into(),
            link: Notice::task_link("https://octopus.example.com/", "Spaces-1", Some("ServerTasks-2001")),
        }
    }

    #[test]
    fn a_notice_says_what_why_and_where_to_look() {
        let notice = notice(Reason::BudgetSpent);
        let body = notice.body();
        assert!(body.starts_with("Deploy Web App release 1.4.2 to Production requires failure guidance\n"));
        assert!(body.contains("Failure: 'Deploy web' on web-03\n"));
        assert!(body.contains("Regarding: Projects-1, Environments-2\n"));
        assert!(body.contains(
            "Why: Exclude instead of Retry: 'Deploy web' on web-03 was retried 2 of 2 times (budget_spent)\n"
        ));
        assert!(body.contains("Open the task: https://octopus.example.com/app#/Spaces-1/tasks/ServerTasks-2001\n"));
        assert!(!body.contains("waits for a person"), "a spent budget was answered");
        assert!(
            notice
                .subject()
                .starts_with("octo-responder: retry budget spent: Deploy Web App")
        );
    }

    #[test]
    fn a_notice_for_an_interruption_left_pending_says_a_person_must_answer_it() {
        let notice = notice(Reason::HeldByAnotherUser);
        assert!(notice.body().contains("waits for a person to answer it in Octopus"));
        assert!(notice.subject().starts_with("octo-responder: a person is needed: "));
        assert_eq!(notice.key(), "Spaces-1/Interruptions-5001/held_by_another_user");
    }

    #[test]
    fn a_long_or_multi_line_title_is_cut_to_a_subject_sns_accepts() {
        let mut notice = notice(Reason::LeftByRule);
        notice.title = format!("first line\n{}", "x".repeat(300));
        let subject = notice.subject();
        assert_eq!(subject.chars().count(), MAX_SUBJECT);
        assert!(!subject.contains('\n'));
        assert!(subject.ends_with("..."));
    }

    #[test]
    fn the_link_points_at_the_task_or_at_the_tasks_page_when_the_task_is_unknown() {
        assert_eq!(
            Notice::task_link(
                "https://octopus.example.com/octopus/",
                "Spaces-2",
                Some("ServerTasks-9")
            ),
            "https://octopus.example.com/octopus/app#/Spaces-2/tasks/ServerTasks-9"
        );
        assert_eq!(
            Notice::task_link("https://octopus.example.com", "Spaces-2", None),
            "https://octopus.example.com/app#/Spaces-2/tasks"
        );
    }
}
