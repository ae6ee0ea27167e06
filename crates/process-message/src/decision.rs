//! The decisions, free of I/O: which answer the rule gives once the retry budget is counted,
//! the Notes that say why, and whether a given interruption is ours to answer.

use messaging::{Action, InterruptionKind, OctopusId, Origin, Rule};
use octopus::{EventCount, Interruption};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The answer for this record and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub action: Action,
    /// The retry budget is spent: the rule said Retry, the answer is Fail.
    pub budget_spent: bool,
    pub notes: String,
}

impl Decision {
    /// `guided_failures` is how many guided failures the deployment has raised, this one
    /// included (counted only for Retry rules). `maximumretry=1` allows one retry, as before.
    /// The Notes end with where the record came from: the webhook's event, or the sweep.
    pub fn new(rule: &Rule, event_id: &OctopusId, origin: Origin, guided_failures: Option<u64>) -> Self {
        let max = u64::from(rule.maximum_retry.get());
        let source = match origin {
            Origin::Webhook => format!("Event {event_id}."),
            Origin::Sweep => "Found by the sweep: no webhook arrived for this interruption.".to_owned(),
        };
        match (rule.action, guided_failures) {
            (Action::Retry, Some(count)) if count > max => Self {
                action: Action::Fail,
                budget_spent: true,
                notes: format!(
                    "octo-responder: Fail instead of Retry: retry budget spent (guided failure {count} of this \
                     deployment, maximumretry={max}). Rule: {rule}. {source}"
                ),
            },
            (Action::Retry, count) => Self {
                action: Action::Retry,
                budget_spent: false,
                notes: format!(
                    "octo-responder: Retry, attempt {} of {max} (rule: {rule}). {source}",
                    count.unwrap_or(1).max(1)
                ),
            },
            (action, _) => Self {
                action,
                budget_spent: false,
                notes: format!("octo-responder: {action} (rule: {rule}). {source}"),
            },
        }
    }

    /// The form values to submit: `{"<Type>": "<Action>", "Notes": "..."}`.
    pub fn form_values(&self, kind: InterruptionKind) -> serde_json::Map<String, serde_json::Value> {
        let mut values = serde_json::Map::new();
        values.insert(kind.as_str().to_owned(), self.action.as_str().into());
        values.insert("Notes".to_owned(), self.notes.clone().into());
        values
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
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HeldByAnotherUser => "held_by_another_user",
            Self::ActionNotOffered => "action_not_offered",
            Self::CannotTakeResponsibility => "cannot_take_responsibility",
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
        }
    }

    fn event() -> OctopusId {
        OctopusId::parse("Events-7").unwrap()
    }

    #[test]
    fn retries_while_the_count_is_within_the_budget() {
        let decision = Decision::new(
            &rule(InterruptionKind::Guidance, Action::Retry, 3),
            &event(),
            Origin::Webhook,
            Some(3),
        );
        assert_eq!(decision.action, Action::Retry);
        assert!(!decision.budget_spent);
        assert!(decision.notes.contains("attempt 3 of 3"), "{}", decision.notes);
        assert!(decision.notes.contains("Events-7"));
    }

    #[test]
    fn fails_once_the_count_exceeds_maximum_retry_and_says_so() {
        let decision = Decision::new(
            &rule(InterruptionKind::Guidance, Action::Retry, 1),
            &event(),
            Origin::Webhook,
            Some(2),
        );
        assert_eq!(decision.action, Action::Fail);
        assert!(decision.budget_spent);
        assert!(
            decision.notes.contains("Fail instead of Retry: retry budget spent"),
            "{}",
            decision.notes
        );
        assert!(decision.notes.contains("guided failure 2"));
    }

    #[test]
    fn notes_of_a_record_the_sweep_queued_say_so_instead_of_naming_an_event() {
        let rule = rule(InterruptionKind::Result, Action::Proceed, 1);
        let decision = Decision::new(&rule, &event(), Origin::Sweep, None);
        assert!(
            decision.notes.contains("Found by the sweep: no webhook arrived"),
            "{}",
            decision.notes
        );
        assert!(!decision.notes.contains("Events-7"), "{}", decision.notes);
    }

    #[test]
    fn maximum_retry_zero_fails_the_first_failure() {
        let decision = Decision::new(
            &rule(InterruptionKind::Guidance, Action::Retry, 0),
            &event(),
            Origin::Webhook,
            Some(1),
        );
        assert_eq!(decision.action, Action::Fail);
    }

    #[test]
    fn other_actions_are_answered_as_the_rule_says() {
        let decision = Decision::new(
            &rule(InterruptionKind::Result, Action::Proceed, 1),
            &event(),
            Origin::Webhook,
            None,
        );
        assert_eq!(decision.action, Action::Proceed);
        let values = decision.form_values(InterruptionKind::Result);
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
