//! For one pending interruption: queue it, by which rule, or why not. Only what process-message
//! would answer, and only once the webhook had its chance: created at least the grace period ago
//! and at most the maximum age ago (deploying the responder must not suddenly answer what people
//! left waiting for days), exactly one rule among the subscriptions that would have sent it (two
//! subscriptions with the same rule are one rule; different rules are a conflict a person
//! decides), and process-message's own verdict (`Verdict::of_rule`) to answer it.

use std::time::Duration;

use messaging::Rule;
use octopus::Interruption;
use process_message::{SkipReason, Verdict};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::matching::would_send;
use crate::subscriptions::RuleSubscription;

/// The age window of interruptions the sweep queues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Younger than this: the webhook may still come.
    pub grace: Duration,
    /// Older than this: left alone, whatever the rules say.
    pub max_age: Duration,
}

impl Default for Window {
    fn default() -> Self {
        Self {
            grace: Duration::from_secs(300),
            max_age: Duration::from_secs(86_400),
        }
    }
}

/// Why a pending interruption is not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotQueued {
    /// No subscription pointing at the responder would have sent it.
    NoRule,
    /// Subscriptions with different rules would have sent it: a person decides.
    Conflict,
    WithinGrace,
    TooOld,
    /// No readable `Created`: its age cannot be told.
    UnknownAge,
    /// Linked to another interruption (answered with it) or no longer pending.
    NotAnswerable,
    /// process-message would leave it to a person.
    LeftToAPerson(SkipReason),
}

impl NotQueued {
    /// A short, stable name for logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoRule => "no_rule",
            Self::Conflict => "conflict",
            Self::WithinGrace => "within_grace",
            Self::TooOld => "too_old",
            Self::UnknownAge => "unknown_age",
            Self::NotAnswerable => "not_answerable",
            Self::LeftToAPerson(reason) => reason.as_str(),
        }
    }
}

/// The verdict on one interruption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Planned {
    /// Queue it with `rule`, which `subscriptions` (their names) carry.
    Queue {
        rule: Rule,
        subscriptions: Vec<String>,
    },
    Skip(NotQueued),
}

/// Plans one interruption against the usable subscriptions of its space, at `now`.
pub fn plan(
    interruption: &Interruption,
    subscriptions: &[RuleSubscription],
    now: OffsetDateTime,
    window: Window,
) -> Planned {
    let matching: Vec<&RuleSubscription> = subscriptions.iter().filter(|s| would_send(s, interruption)).collect();
    let Some(first) = matching.first() else {
        return Planned::Skip(NotQueued::NoRule);
    };
    let rule = first.rule;
    let created = interruption
        .created
        .as_deref()
        .and_then(|c| OffsetDateTime::parse(c.trim(), &Rfc3339).ok());
    let Some(created) = created else {
        return Planned::Skip(NotQueued::UnknownAge);
    };
    let age = now - created;
    if age < window.grace {
        return Planned::Skip(NotQueued::WithinGrace);
    }
    if age > window.max_age {
        return Planned::Skip(NotQueued::TooOld);
    }
    // Only within the window is a conflict worth a person's attention.
    if matching.iter().any(|s| s.rule != rule) {
        return Planned::Skip(NotQueued::Conflict);
    }
    match Verdict::of_rule(interruption, &rule) {
        None => Planned::Skip(NotQueued::NotAnswerable),
        Some(Verdict::Skip(reason)) => Planned::Skip(NotQueued::LeftToAPerson(reason)),
        Some(Verdict::Answer { .. }) => Planned::Queue {
            rule,
            subscriptions: matching.iter().map(|s| s.name.clone()).collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use octopus::SubscriptionFilter;
    use serde_json::{Value, json};

    const NOW: &str = "2026-09-10T12:00:00+00:00";

    fn now() -> OffsetDateTime {
        OffsetDateTime::parse(NOW, &Rfc3339).unwrap()
    }

    fn rule_subscription(name: &str, query: &[(&str, &str)], projects: &[&str]) -> RuleSubscription {
        RuleSubscription {
            id: format!("Subscriptions-{name}"),
            name: name.to_owned(),
            rule: Rule::from_query(query.iter().copied()).unwrap(),
            filter: SubscriptionFilter {
                projects: projects.iter().map(|p| (*p).to_owned()).collect(),
                ..SubscriptionFilter::default()
            },
        }
    }

    fn interruption(created: Value, patch: Value) -> Interruption {
        let mut value = json!({
            "Id": "Interruptions-1", "IsPending": true, "Created": created, "CanTakeResponsibility": true,
            "Form": {"Elements": [{"Name": "Guidance", "Control": {"Buttons": [{"Value": "Fail"}, {"Value": "Retry"}]}}]},
            "RelatedDocumentIds": ["ServerTasks-2", "Projects-4"]
        });
        if let (Some(target), Some(patch)) = (value.as_object_mut(), patch.as_object()) {
            target.extend(patch.clone());
        }
        serde_json::from_value(value).unwrap()
    }

    fn ten_minutes_old() -> Value {
        json!("2026-09-10T11:50:00+00:00")
    }

    const RETRY: &[(&str, &str)] = &[("type", "Guidance"), ("action", "Retry")];
    const FAIL: &[(&str, &str)] = &[("type", "Guidance"), ("action", "Fail")];

    #[test]
    fn queues_an_answerable_interruption_past_the_grace_period_by_its_one_rule() {
        let subscriptions = [
            rule_subscription("retry", RETRY, &[]),
            rule_subscription("retry again", RETRY, &["Projects-4"]),
        ];
        let planned = plan(
            &interruption(ten_minutes_old(), json!({})),
            &subscriptions,
            now(),
            Window::default(),
        );
        let Planned::Queue { rule, subscriptions } = planned else {
            panic!("{planned:?}")
        };
        assert_eq!(rule.action, messaging::Action::Retry);
        assert_eq!(
            subscriptions,
            ["retry", "retry again"],
            "the same rule twice is one rule"
        );
    }

    #[test]
    fn two_subscriptions_with_different_rules_are_a_conflict_left_to_a_person() {
        let subscriptions = [
            rule_subscription("retry", RETRY, &[]),
            rule_subscription("fail", FAIL, &["Projects-4"]),
        ];
        let planned = plan(
            &interruption(ten_minutes_old(), json!({})),
            &subscriptions,
            now(),
            Window::default(),
        );
        assert_eq!(planned, Planned::Skip(NotQueued::Conflict));
    }

    #[test]
    fn nothing_is_queued_without_a_subscription_that_would_have_sent_it() {
        let other_project = [rule_subscription("retry", RETRY, &["Projects-9"])];
        let planned = plan(
            &interruption(ten_minutes_old(), json!({})),
            &other_project,
            now(),
            Window::default(),
        );
        assert_eq!(planned, Planned::Skip(NotQueued::NoRule));
    }

    #[test]
    fn within_the_grace_period_too_old_or_of_unknown_age_is_not_queued() {
        let subscriptions = [rule_subscription("retry", RETRY, &[])];
        let at = |created: Value| {
            plan(
                &interruption(created, json!({})),
                &subscriptions,
                now(),
                Window::default(),
            )
        };
        assert_eq!(
            at(json!("2026-09-10T11:56:00+00:00")),
            Planned::Skip(NotQueued::WithinGrace)
        );
        assert_eq!(at(json!("2026-09-09T11:59:00+00:00")), Planned::Skip(NotQueued::TooOld));
        assert_eq!(at(json!(null)), Planned::Skip(NotQueued::UnknownAge));
        assert_eq!(at(json!("last week")), Planned::Skip(NotQueued::UnknownAge));
        assert!(
            matches!(at(json!("2026-09-10T13:50:00+02:00")), Planned::Queue { .. }),
            "offsets count"
        );
    }

    #[test]
    fn what_process_message_would_leave_to_a_person_is_not_queued() {
        let subscriptions = [rule_subscription("retry", RETRY, &[])];
        let with = |patch: Value| {
            plan(
                &interruption(ten_minutes_old(), patch),
                &subscriptions,
                now(),
                Window::default(),
            )
        };
        assert_eq!(
            with(json!({"ResponsibleUserId": "Users-2", "HasResponsibility": false})),
            Planned::Skip(NotQueued::LeftToAPerson(SkipReason::HeldByAnotherUser))
        );
        assert_eq!(
            with(json!({"CanTakeResponsibility": false})),
            Planned::Skip(NotQueued::LeftToAPerson(SkipReason::CannotTakeResponsibility))
        );
        let exclude = [rule_subscription(
            "exclude",
            &[("type", "Guidance"), ("action", "Exclude")],
            &[],
        )];
        let worker = interruption(
            ten_minutes_old(),
            json!({"Form": {"Elements": [{"Name": "Guidance", "Control": {"Buttons": [{"Value": "Fail"}]}}]}}),
        );
        assert_eq!(
            plan(&worker, &exclude, now(), Window::default()),
            Planned::Skip(NotQueued::LeftToAPerson(SkipReason::ActionNotOffered))
        );
        assert!(
            matches!(
                plan(&worker, &subscriptions, now(), Window::default()),
                Planned::Queue { .. }
            ),
            "a Retry rule meeting a form without Retry gets its then answer, so it is queued"
        );
        assert_eq!(
            with(json!({"IsLinkedToOtherInterruption": true})),
            Planned::Skip(NotQueued::NotAnswerable)
        );
    }
}
