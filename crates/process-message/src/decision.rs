//! The decisions, free of I/O: which answer the rule gives an interruption once its failure's
//! retry budget is counted, the Notes that say why, and whether it is ours to answer.

use messaging::{Action, InterruptionKind, Rule};

use crate::failure::Failure;
use octopus::{EventCount, Interruption};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// How much of a Retry rule's budget one interruption has used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Budget {
    /// Not a Retry rule: nothing is counted.
    NotCounted,
    /// The failure (a step on a machine) and how often the task's history shows it answered Retry.
    Failure { failure: Failure, retried: u64 },
    /// The failure could not be identified: the task's guided failures, this one included (the
    /// task-wide count, which never allows more retries than a per-failure one).
    Task { guided_failures: u64 },
}

/// The answer for one interruption and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// `None`: the rule leaves it to a person (`then=Leave` once the budget is spent).
    pub action: Option<Action>,
    /// The retry budget is spent: the rule said Retry, the answer is its `then`.
    pub budget_spent: bool,
    pub notes: String,
}

impl Decision {
    /// The answer `rule` gives an interruption whose form offers `offered`, with `budget` used.
    /// `maximumretry=N` allows N Retries of each failure, then the rule's `then` answer (Fail
    /// when that is not offered). Octopus stops offering Retry after ten Retries of one failure:
    /// that spends the budget too. The Notes say which failure and which attempt, and end with
    /// `source`: where the record came from (`Job::source_note`).
    pub fn new(rule: &Rule, source: &str, budget: &Budget, offered: &[&str]) -> Self {
        let max = u64::from(rule.maximum_retry.get());
        let offers = |action: Action| offered.iter().any(|o| o.eq_ignore_ascii_case(action.as_str()));
        if rule.action != Action::Retry {
            return Self {
                action: Some(rule.action),
                budget_spent: false,
                notes: format!("octo-responder: {} (rule: {rule}). {source}", rule.action),
            };
        }
        let spent = match budget {
            _ if !offers(Action::Retry) => Some(match budget {
                Budget::Failure { failure, .. } => format!("Octopus no longer offers Retry for {failure}"),
                _ => "Octopus no longer offers Retry for this failure".to_owned(),
            }),
            Budget::Failure { failure, retried } if *retried >= max => Some(format!(
                "retry budget spent: {failure} was retried {retried} of {max} times"
            )),
            Budget::Task { guided_failures } if *guided_failures > max => Some(format!(
                "retry budget spent (guided failure {guided_failures} of this task, maximumretry={max})"
            )),
            _ => None,
        };
        let Some(why) = spent else {
            let attempt = match budget {
                Budget::Failure { failure, retried } => format!("Retry {} of {max} for {failure}", retried + 1),
                Budget::Task { guided_failures } => format!(
                    "Retry, attempt {} of {max} for this task (its failure could not be identified)",
                    guided_failures.max(&1)
                ),
                Budget::NotCounted => format!("Retry, attempt 1 of {max}"),
            };
            return Self {
                action: Some(Action::Retry),
                budget_spent: false,
                notes: format!("octo-responder: {attempt} (rule: {rule}). {source}"),
            };
        };
        let (action, notes) = match rule.then.action() {
            None => (None, format!("octo-responder: left to a person: {why} (then=Leave)")),
            Some(then) if offers(then) => (Some(then), format!("octo-responder: {then} instead of Retry: {why}")),
            Some(then) => (
                Some(Action::Fail),
                format!("octo-responder: Fail instead of Retry: {why}; {then} is not offered for this failure"),
            ),
        };
        Self {
            action,
            budget_spent: true,
            notes: format!("{notes}. Rule: {rule}. {source}"),
        }
    }

    /// The form values to submit: `{"<Type>": "<Action>", "Notes": "..."}`; `None` when the
    /// decision is to answer nothing.
    pub fn form_values(&self, kind: InterruptionKind) -> Option<serde_json::Map<String, serde_json::Value>> {
        let action = self.action?;
        let mut values = serde_json::Map::new();
        values.insert(kind.as_str().to_owned(), action.as_str().into());
        values.insert("Notes".to_owned(), self.notes.clone().into());
        Some(values)
    }
}

/// Whether `interruption` may have been raised after the event this record carries: then a
/// retry count read alongside the listing may predate it (a copy of an older record racing the
/// next round) and has to be read again. Octopus creates an interruption before it raises the
/// event about it, so the record's own interruption is never newer; a missing or unreadable
/// timestamp counts as newer, which costs one more read and never a wrong answer.
pub fn raised_after(interruption: &Interruption, event_occurred: Option<&str>) -> bool {
    match (instant(interruption.created.as_deref()), instant(event_occurred)) {
        (Some(created), Some(occurred)) => created > occurred,
        _ => true,
    }
}

/// Whether `interruption` was created after this record's event and the retry count does not
/// provably include its own event yet: Octopus creates an interruption before it raises the
/// event about it, so a count read in between would answer Retry once too often. Proof is the
/// newest counted event having occurred at or after the interruption's creation. Such an
/// interruption is left to the record its own event brings. Where a time is missing or
/// unreadable, nothing can be proven either way and the interruption is answered as before.
pub fn not_yet_counted(interruption: &Interruption, event_occurred: Option<&str>, count: &EventCount) -> bool {
    let created = instant(interruption.created.as_deref());
    let (Some(created), Some(occurred)) = (created, instant(event_occurred)) else {
        return false;
    };
    created > occurred && instant(count.newest_occurred.as_deref()).is_none_or(|newest| newest < created)
}

fn instant(value: Option<&str>) -> Option<OffsetDateTime> {
    value.and_then(|v| OffsetDateTime::parse(v.trim(), &Rfc3339).ok())
}

/// Why an interruption that fits the rule's kind is left for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// Another user holds responsibility: never taken from them.
    HeldByAnotherUser,
    /// The form does not offer the action (e.g. Exclude on a worker failure).
    ActionNotOffered,
    /// Octopus says the responder's user may not take it (e.g. not in the responsible team).
    CannotTakeResponsibility,
    /// The retry budget is spent and the rule says `then=Leave`.
    LeftByRule,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HeldByAnotherUser => "held_by_another_user",
            Self::ActionNotOffered => "action_not_offered",
            Self::CannotTakeResponsibility => "cannot_take_responsibility",
            Self::LeftByRule => "left_by_rule",
        }
    }
}

/// What to do with one listed interruption that fits the rule's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Skip(SkipReason),
    Answer { take_responsibility: bool },
}

impl Verdict {
    /// `None` when the interruption is not this rule's to consider: not pending, linked to
    /// another interruption (answered with it), or without a form element named after the kind.
    /// The verdict on `interruption` for `rule` before any budget is counted: the rule's action,
    /// or for a Retry rule whose form no longer offers Retry, the rule's `then` answer (Fail
    /// when that is not offered; left to a person for `then=Leave`). What the sweep asks.
    pub fn of_rule(interruption: &Interruption, rule: &Rule) -> Option<Self> {
        let offered = interruption.offered(rule.kind.as_str());
        let offers = |action: Action| offered.iter().any(|o| o.eq_ignore_ascii_case(action.as_str()));
        let action = match rule.then.action() {
            _ if rule.action != Action::Retry || offers(Action::Retry) => rule.action,
            Some(then) if offers(then) => then,
            Some(_) => Action::Fail,
            None => {
                return Self::of(interruption, rule.kind, Action::Fail).map(|verdict| match verdict {
                    Self::Answer { .. } => Self::Skip(SkipReason::LeftByRule),
                    skip => skip,
                });
            }
        };
        Self::of(interruption, rule.kind, action)
    }

    pub fn of(interruption: &Interruption, kind: InterruptionKind, action: Action) -> Option<Self> {
        if !interruption.is_pending
            || interruption.is_linked_to_other_interruption
            || interruption.element(kind.as_str()).is_none()
        {
            return None;
        }
        Some(if !interruption.offered(kind.as_str()).contains(&action.as_str()) {
            Self::Skip(SkipReason::ActionNotOffered)
        } else if interruption.held_by_someone_else() {
            Self::Skip(SkipReason::HeldByAnotherUser)
        } else if !interruption.has_responsibility && !interruption.can_take_responsibility {
            Self::Skip(SkipReason::CannotTakeResponsibility)
        } else {
            Self::Answer {
                take_responsibility: !interruption.has_responsibility,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use messaging::MaximumRetry;
    use serde_json::json;

    fn rule(kind: InterruptionKind, action: Action, max: u8) -> Rule {
        Rule {
            kind,
            action,
            maximum_retry: MaximumRetry::new(max).unwrap(),
            then: messaging::Then::default(),
        }
    }

    const ALL: &[&str] = &["Fail", "Retry", "Ignore", "Exclude"];

    fn failure(retried: u64) -> Budget {
        Budget::Failure {
            failure: Failure {
                step: "Deploy web".into(),
                machine: "web-03".into(),
            },
            retried,
        }
    }

    fn retry(max: u8, then: &str) -> Rule {
        let max = max.to_string();
        Rule::from_query([
            ("type", "Guidance"),
            ("action", "Retry"),
            ("maximumretry", max.as_str()),
            ("then", then),
        ])
        .unwrap()
    }

    fn decide(rule: &Rule, budget: &Budget, offered: &[&str]) -> Decision {
        Decision::new(rule, "Event Events-7.", budget, offered)
    }

    #[test]
    fn retries_a_failure_while_its_own_retries_are_within_the_budget_naming_it_and_the_attempt() {
        let decision = decide(&retry(3, "Fail"), &failure(1), ALL);
        assert_eq!(decision.action, Some(Action::Retry));
        assert!(!decision.budget_spent);
        assert!(
            decision.notes.contains("Retry 2 of 3 for 'Deploy web' on web-03"),
            "{}",
            decision.notes
        );
        assert!(decision.notes.contains("Events-7"));
    }

    #[test]
    fn a_failure_retried_maximumretry_times_gets_the_then_answer_and_says_why() {
        let decision = decide(&retry(1, "Exclude"), &failure(1), ALL);
        assert_eq!(decision.action, Some(Action::Exclude));
        assert!(decision.budget_spent);
        assert!(
            decision.notes.contains(
                "Exclude instead of Retry: retry budget spent: 'Deploy web' on web-03 was retried 1 of 1 times"
            ),
            "{}",
            decision.notes
        );
        let default = decide(&retry(1, "Fail"), &failure(1), ALL);
        assert_eq!(
            default.action,
            Some(Action::Fail),
            "without then, Fail as the original did"
        );
    }

    #[test]
    fn a_then_answer_the_form_does_not_offer_becomes_fail_and_the_notes_say_so() {
        let decision = decide(&retry(1, "Exclude"), &failure(1), &["Fail", "Retry", "Ignore"]);
        assert_eq!(decision.action, Some(Action::Fail));
        assert!(
            decision.notes.contains("Exclude is not offered for this failure"),
            "{}",
            decision.notes
        );
    }

    #[test]
    fn then_leave_answers_nothing() {
        let decision = decide(&retry(2, "Leave"), &failure(2), ALL);
        assert_eq!(decision.action, None);
        assert!(decision.budget_spent);
        assert_eq!(decision.form_values(InterruptionKind::Guidance), None);
        assert!(decision.notes.contains("left to a person"), "{}", decision.notes);
    }

    #[test]
    fn a_form_without_retry_has_spent_the_budget_whatever_the_count() {
        let decision = decide(&retry(10, "Ignore"), &failure(0), &["Fail", "Ignore", "Exclude"]);
        assert_eq!(decision.action, Some(Action::Ignore));
        assert!(
            decision
                .notes
                .contains("Octopus no longer offers Retry for 'Deploy web' on web-03"),
            "{}",
            decision.notes
        );
    }

    #[test]
    fn an_unidentified_failure_falls_back_to_the_task_wide_count() {
        let within = decide(&retry(3, "Fail"), &Budget::Task { guided_failures: 3 }, ALL);
        assert_eq!(within.action, Some(Action::Retry));
        assert!(within.notes.contains("attempt 3 of 3"), "{}", within.notes);
        let spent = decide(&retry(1, "Fail"), &Budget::Task { guided_failures: 2 }, ALL);
        assert_eq!(spent.action, Some(Action::Fail));
        assert!(
            spent
                .notes
                .contains("Fail instead of Retry: retry budget spent (guided failure 2"),
            "{}",
            spent.notes
        );
    }

    #[test]
    fn maximum_retry_zero_fails_the_first_failure() {
        assert_eq!(decide(&retry(0, "Fail"), &failure(0), ALL).action, Some(Action::Fail));
        let task = decide(&retry(0, "Fail"), &Budget::Task { guided_failures: 1 }, ALL);
        assert_eq!(task.action, Some(Action::Fail));
    }

    #[test]
    fn the_notes_end_with_where_the_record_came_from() {
        let rule = rule(InterruptionKind::Result, Action::Proceed, 1);
        let source = "Found by the sweep: no webhook arrived for this interruption (message 5e1f0c2a).";
        let decision = Decision::new(&rule, source, &Budget::NotCounted, &["Proceed", "Abort"]);
        assert!(decision.notes.ends_with(source), "{}", decision.notes);
    }

    #[test]
    fn other_actions_are_answered_as_the_rule_says() {
        let rule = rule(InterruptionKind::Result, Action::Proceed, 1);
        let decision = decide(&rule, &Budget::NotCounted, &["Proceed", "Abort"]);
        assert_eq!(decision.action, Some(Action::Proceed));
        let values = decision.form_values(InterruptionKind::Result).unwrap();
        assert_eq!(values["Result"], "Proceed");
        assert!(values["Notes"].as_str().unwrap().starts_with("octo-responder: Proceed"));
    }

    fn interruption(element: &str, buttons: &[&str], responsible: Option<&str>, has: bool, can: bool) -> Interruption {
        let buttons: Vec<_> = buttons.iter().map(|b| json!({"Text": b, "Value": b})).collect();
        serde_json::from_value(json!({
            "Id": "Interruptions-1", "IsPending": true, "IsLinkedToOtherInterruption": false,
            "Form": {"Values": {}, "Elements": [{"Name": element, "Control": {"Type": "SubmitButtonGroup", "Buttons": buttons}}]},
            "ResponsibleUserId": responsible, "HasResponsibility": has, "CanTakeResponsibility": can
        }))
        .unwrap()
    }

    #[test]
    fn an_interruption_created_after_the_event_or_with_unknown_times_counts_as_raised_after_it() {
        let mut i = interruption("Guidance", &["Retry"], None, false, true);
        let occurred = Some("2026-09-10T08:15:03.538+00:00");
        i.created = Some("2026-09-10T08:15:03.412+00:00".into());
        assert!(!raised_after(&i, occurred), "the event's own interruption");
        i.created = Some("2026-09-10T10:15:03.412+02:00".into());
        assert!(!raised_after(&i, occurred), "offsets are compared as instants");
        i.created = Some("2026-09-10T08:15:09.0000000+00:00".into());
        assert!(raised_after(&i, occurred), "the next round's interruption");
        assert!(raised_after(&i, None));
        i.created = Some("yesterday".into());
        assert!(raised_after(&i, occurred));
    }

    #[test]
    fn a_newer_interruption_counts_only_once_the_newest_counted_event_is_at_or_after_its_creation() {
        let mut next_round = interruption("Guidance", &["Retry"], None, false, true);
        next_round.created = Some("2026-09-10T08:20:00.000+00:00".into());
        let occurred = Some("2026-09-10T08:15:03.538+00:00");
        let count = |newest: Option<&str>| EventCount {
            total: 1,
            newest_occurred: newest.map(str::to_owned),
        };
        assert!(
            not_yet_counted(&next_round, occurred, &count(occurred)),
            "its event is not counted yet"
        );
        assert!(not_yet_counted(&next_round, occurred, &count(None)));
        assert!(!not_yet_counted(
            &next_round,
            occurred,
            &count(Some("2026-09-10T08:20:00.000+00:00"))
        ));
        assert!(!not_yet_counted(
            &next_round,
            occurred,
            &count(Some("2026-09-10T08:20:00.100+00:00"))
        ));
        let mut own = next_round.clone();
        own.created = Some("2026-09-10T08:15:03.412+00:00".into());
        assert!(
            !not_yet_counted(&own, occurred, &count(occurred)),
            "the record's own interruption"
        );
        assert!(
            !not_yet_counted(&next_round, None, &count(None)),
            "no time to compare: answered as before"
        );
    }

    #[test]
    fn answers_a_free_interruption_offering_the_action_taking_responsibility_first() {
        let i = interruption("Guidance", &["Fail", "Retry"], None, false, true);
        assert_eq!(
            Verdict::of(&i, InterruptionKind::Guidance, Action::Retry),
            Some(Verdict::Answer {
                take_responsibility: true
            })
        );
    }

    #[test]
    fn does_not_take_responsibility_again_when_already_ours() {
        let i = interruption("Guidance", &["Retry"], Some("Users-1"), true, true);
        assert_eq!(
            Verdict::of(&i, InterruptionKind::Guidance, Action::Retry),
            Some(Verdict::Answer {
                take_responsibility: false
            })
        );
    }

    #[test]
    fn leaves_an_interruption_held_by_another_user_or_not_offering_the_action() {
        let held = interruption("Guidance", &["Retry"], Some("Users-2"), false, true);
        assert_eq!(
            Verdict::of(&held, InterruptionKind::Guidance, Action::Retry),
            Some(Verdict::Skip(SkipReason::HeldByAnotherUser))
        );
        let worker = interruption("Guidance", &["Fail", "Retry", "Ignore"], None, false, true);
        assert_eq!(
            Verdict::of(&worker, InterruptionKind::Guidance, Action::Exclude),
            Some(Verdict::Skip(SkipReason::ActionNotOffered))
        );
        let team_only = interruption("Result", &["Proceed", "Abort"], None, false, false);
        assert_eq!(
            Verdict::of(&team_only, InterruptionKind::Result, Action::Proceed),
            Some(Verdict::Skip(SkipReason::CannotTakeResponsibility))
        );
    }

    #[test]
    fn for_a_rule_a_form_without_retry_is_judged_by_the_then_answer() {
        let retry_then =
            |then: &str| Rule::from_query([("type", "Guidance"), ("action", "Retry"), ("then", then)]).unwrap();
        let no_retry = interruption("Guidance", &["Fail", "Ignore"], None, false, true);
        let answer = Some(Verdict::Answer {
            take_responsibility: true,
        });
        assert_eq!(Verdict::of_rule(&no_retry, &retry_then("Ignore")), answer);
        assert_eq!(
            Verdict::of_rule(&no_retry, &retry_then("Exclude")),
            answer,
            "Fail instead"
        );
        assert_eq!(
            Verdict::of_rule(&no_retry, &retry_then("Leave")),
            Some(Verdict::Skip(SkipReason::LeftByRule))
        );
        let with_retry = interruption("Guidance", &["Fail", "Retry"], Some("Users-2"), false, true);
        assert_eq!(
            Verdict::of_rule(&with_retry, &retry_then("Leave")),
            Some(Verdict::Skip(SkipReason::HeldByAnotherUser))
        );
    }

    #[test]
    fn never_answers_an_interruption_of_the_other_kind_a_linked_or_a_finished_one() {
        let manual = interruption("Result", &["Proceed", "Abort"], None, false, true);
        assert_eq!(Verdict::of(&manual, InterruptionKind::Guidance, Action::Fail), None);
        let mut linked = interruption("Guidance", &["Fail"], None, false, true);
        linked.is_linked_to_other_interruption = true;
        assert_eq!(Verdict::of(&linked, InterruptionKind::Guidance, Action::Fail), None);
        let mut done = interruption("Guidance", &["Fail"], None, false, true);
        done.is_pending = false;
        assert_eq!(Verdict::of(&done, InterruptionKind::Guidance, Action::Fail), None);
    }
}
