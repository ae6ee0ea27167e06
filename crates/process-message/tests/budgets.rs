//! Rules people mean: a retry budget per failing step and machine, read from the task's own
//! history of answers, and the rule's `then` answer once a failure's budget is spent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

fn rule(query: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut attributes = vec![("Type", "Guidance"), ("Action", "Retry")];
    attributes.extend_from_slice(query);
    attributes
}

/// The answers submitted so far: `(interruption, value, notes)`.
fn answers(w: &World) -> Vec<(String, String, String)> {
    w.sim
        .submissions()
        .into_iter()
        .map(|s| {
            let value = s.values["Guidance"].clone().unwrap_or_default();
            let notes = s.values.get("Notes").cloned().flatten().unwrap_or_default();
            (s.interruption_id, value, notes)
        })
        .collect()
}

#[tokio::test]
async fn two_machines_failing_in_one_round_are_both_retried_with_maximumretry_1() {
    let w = world().await;
    let target = w.deployment();
    let web1 = w.sim.raise_guided_failure_on(&target, "Deploy web", "web-01", &[]);
    let web2 = w.sim.raise_guided_failure_on(&target, "Deploy web", "web-02", &[]);

    let failed = w
        .run(vec![
            w.record("m-1", &web1.event_id, &rule(&[("MaximumRetry", "1")])),
            w.record("m-2", &web2.event_id, &rule(&[("MaximumRetry", "1")])),
        ])
        .await;

    assert!(failed.is_empty());
    let answered = answers(&w);
    assert_eq!(answered.len(), 2);
    for (_, value, notes) in &answered {
        assert_eq!(value, "Retry", "{notes}");
        assert!(notes.contains("Retry 1 of 1 for 'Deploy web' on web-0"), "{notes}");
    }
}

#[tokio::test]
async fn the_same_machine_failing_again_gets_the_then_answer_while_another_machine_is_retried() {
    let w = world().await;
    let target = w.deployment();
    w.sim.set_retry_outcome(&target, 1); // web-01's retry fails again
    let first = w.sim.raise_guided_failure_on(&target, "Deploy web", "web-01", &[]);
    let exclude = rule(&[("MaximumRetry", "1"), ("Then", "Exclude")]);
    w.run(vec![w.record("m-1", &first.event_id, &exclude)]).await;
    let again = w.sim.interruption_ids().pop().unwrap();
    let other = w.sim.raise_guided_failure_on(&target, "Deploy web", "web-02", &[]);

    let failed = w.run(vec![w.record("m-2", &other.event_id, &exclude)]).await;

    assert!(failed.is_empty());
    let answered = answers(&w);
    let of = |id: &str| answered.iter().find(|(i, _, _)| i == id).cloned().unwrap();
    assert_eq!(of(&first.interruption_id).1, "Retry");
    let (_, value, notes) = of(&again);
    assert_eq!(value, "Exclude");
    assert!(
        notes.contains("Exclude instead of Retry: retry budget spent: 'Deploy web' on web-01 was retried 1 of 1 times"),
        "{notes}"
    );
    assert_eq!(of(&other.interruption_id).1, "Retry", "web-02 has its own budget");
    assert_eq!(w.metric("BudgetSpent", None), 1);
}

#[tokio::test]
async fn a_retry_spent_on_one_step_is_not_taken_from_another_step() {
    let w = world().await;
    let target = w.deployment();
    let step_a = w.sim.raise_guided_failure_on(&target, "Migrate database", "db-01", &[]);
    w.run(vec![w.record("m-1", &step_a.event_id, &rule(&[("MaximumRetry", "1")]))])
        .await;
    let step_b = w.sim.raise_guided_failure_on(&target, "Warm cache", "db-01", &[]);

    w.run(vec![w.record("m-2", &step_b.event_id, &rule(&[("MaximumRetry", "1")]))])
        .await;

    let values: Vec<String> = answers(&w).into_iter().map(|(_, value, _)| value).collect();
    assert_eq!(values, ["Retry", "Retry"]);
}

#[tokio::test]
async fn failures_that_cannot_be_identified_share_the_task_wide_count_as_before() {
    let w = world().await;
    let target = w.deployment();
    let first = w.sim.raise_guided_failure_on(&target, "Deploy", "", &[]);
    let second = w.sim.raise_guided_failure_on(&target, "Deploy", "", &[]);

    w.run(vec![w.record("m-2", &second.event_id, &rule(&[("MaximumRetry", "1")]))])
        .await;

    let answered = answers(&w);
    assert_eq!(answered.len(), 2, "{answered:?}");
    for (_, value, notes) in answered {
        assert_eq!(
            value, "Fail",
            "two guided failures in the task, maximumretry=1: {notes}"
        );
        assert!(notes.contains("guided failure 2 of this task"), "{notes}");
    }
    let _ = first;
}

#[tokio::test]
async fn a_then_answer_the_form_does_not_offer_becomes_fail_with_notes_that_say_why() {
    let w = world().await;
    let target = w.deployment();
    // A worker failure: no Exclude. Retried once already is simulated by maximumretry=0.
    let worker = w
        .sim
        .raise_guided_failure_on(&target, "Run script", "worker-1", &["Fail", "Retry", "Ignore"]);

    w.run(vec![w.record(
        "m-1",
        &worker.event_id,
        &rule(&[("MaximumRetry", "0"), ("Then", "Exclude")]),
    )])
    .await;

    let (_, value, notes) = answers(&w).pop().unwrap();
    assert_eq!(value, "Fail");
    assert!(notes.contains("Exclude is not offered for this failure"), "{notes}");
}

#[tokio::test]
async fn then_ignore_is_answered_and_then_leave_answers_nothing_and_counts_it_left_by_rule() {
    let w = world().await;
    let ignored = w
        .sim
        .raise_guided_failure_on(&w.deployment(), "Smoke test", "web-01", &[]);
    let left = w
        .sim
        .raise_guided_failure_on(&w.deployment(), "Smoke test", "web-02", &[]);

    w.run(vec![
        w.record(
            "m-1",
            &ignored.event_id,
            &rule(&[("MaximumRetry", "0"), ("Then", "ignore")]),
        ),
        w.record(
            "m-2",
            &left.event_id,
            &rule(&[("MaximumRetry", "0"), ("Then", "Leave")]),
        ),
    ])
    .await;

    let answered = answers(&w);
    assert_eq!(answered.len(), 1);
    assert_eq!(
        (answered[0].0.as_str(), answered[0].1.as_str()),
        (ignored.interruption_id.as_str(), "Ignore")
    );
    assert_eq!(w.sim.interruption(&left.interruption_id).unwrap()["IsPending"], true);
    assert_eq!(w.metric("Skipped", Some(("Reason", "left_by_rule"))), 1);
    assert_eq!(w.metric("BudgetSpent", None), 2);
}

#[tokio::test]
async fn a_form_without_retry_after_ten_retries_of_one_failure_gets_the_then_answer() {
    let w = world().await;
    let target = w.deployment();
    w.sim.set_retry_outcome(&target, 10);
    let mut event = w.sim.raise_guided_failure_on(&target, "Flaky", "web-01", &[]).event_id;
    let ten_then_exclude = rule(&[("MaximumRetry", "10"), ("Then", "Exclude")]);
    for n in 0..11 {
        w.run(vec![w.record(&format!("m-{n}"), &event, &ten_then_exclude)])
            .await;
        if let Some(next) = w
            .sim
            .event_ids(&target.task_id, "GuidedFailureInterruptionRaised")
            .first()
        {
            event = next.clone();
        }
    }

    let values: Vec<String> = answers(&w).into_iter().map(|(_, value, _)| value).collect();
    let mut expected = vec!["Retry".to_owned(); 10];
    expected.push("Exclude".to_owned());
    assert_eq!(values, expected);
    let (_, _, notes) = answers(&w).pop().unwrap();
    assert!(notes.contains("'Flaky' on web-01"), "{notes}");
}

#[tokio::test]
async fn a_retry_rule_without_then_answers_fail_once_the_budget_is_spent_as_the_original_urls_did() {
    let w = world().await;
    let target = w.deployment();
    w.sim.set_retry_outcome(&target, 1);
    let first = w.sim.raise_guided_failure_on(&target, "Deploy web", "web-01", &[]);
    w.run(vec![w.record("m-1", &first.event_id, &rule(&[("MaximumRetry", "1")]))])
        .await;
    let again = w.sim.event_ids(&target.task_id, "GuidedFailureInterruptionRaised")[0].clone();

    w.run(vec![w.record("m-2", &again, &rule(&[("MaximumRetry", "1")]))])
        .await;

    let values: Vec<String> = answers(&w).into_iter().map(|(_, value, _)| value).collect();
    assert_eq!(values, ["Retry", "Fail"]);
}
