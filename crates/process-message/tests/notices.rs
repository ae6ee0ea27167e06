//! A person told when the responder steps back: one message per interruption and reason, with
//! what, why and a link to the task; none for a redelivered or duplicated record, none from a
//! dry run, none when the rule answered within its budget. The last test publishes to SNS on
//! moto behind a real DynamoDB ledger.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use notify::{Notifier, Reason};
use process_message::Options;

fn retry(max: &'static str, then: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("Type", "Guidance"),
        ("Action", "Retry"),
        ("MaximumRetry", max),
        ("Then", then),
    ]
}

#[tokio::test]
async fn an_interruption_held_by_another_user_is_told_once_with_what_why_and_a_link() {
    let (notifier, sent) = Notifier::in_memory();
    let w = world_telling(Options::default(), notifier).await;
    let target = w.deployment();
    let raised = w.sim.raise_guided_failure_on(&target, "Deploy web", "web-03", &[]);
    assert!(w.sim.take_responsibility_as_other_user(&raised.interruption_id));

    let record = w.record("m-1", &raised.event_id, RETRY_3);
    assert!(w.run(vec![record.clone()]).await.is_empty());
    // Redelivered, and a duplicate with another message id (the sweep's copy, say).
    assert!(w.run(vec![record]).await.is_empty());
    assert!(w.run(vec![w.record("m-2", &raised.event_id, RETRY_3)]).await.is_empty());

    let notices = sent.notices();
    assert_eq!(notices.len(), 1, "{notices:#?}");
    let notice = &notices[0];
    assert_eq!(notice.reason, Reason::HeldByAnotherUser);
    assert_eq!(notice.interruption_id, raised.interruption_id);
    assert!(notice.title.contains("requires failure guidance"), "{}", notice.title);
    assert_eq!(notice.failure.as_deref(), Some("'Deploy web' on web-03"));
    assert!(notice.regarding.contains(&target.project_id));
    assert!(notice.regarding.contains(&target.environment_id));
    assert_eq!(
        notice.link,
        format!("{}/app#/Spaces-1/tasks/{}", w.sim.base_url(), target.task_id)
    );
    assert!(notice.detail.contains("would answer Retry"), "{}", notice.detail);
    assert!(w.sim.submissions().is_empty(), "never taken from the user who holds it");
    assert_eq!(w.metric("PeopleTold", None), 1);
}

#[tokio::test]
async fn a_spent_budget_answered_with_then_is_told_and_a_retry_within_the_budget_is_not() {
    let (notifier, sent) = Notifier::in_memory();
    let w = world_telling(Options::default(), notifier).await;
    let target = w.deployment();
    w.sim.set_retry_outcome(&target, 1); // the retry fails again
    let first = w.sim.raise_guided_failure_on(&target, "Deploy web", "web-01", &[]);
    let exclude = retry("1", "Exclude");
    w.run(vec![w.record("m-1", &first.event_id, &exclude)]).await;
    assert!(sent.notices().is_empty(), "a retry within the budget tells nobody");
    let again = w.sim.interruption_ids().pop().unwrap();

    // The webhook for the second failure, and the same record redelivered.
    let event = w.sim.event_ids(&target.task_id, "GuidedFailureInterruptionRaised")[0].clone();
    let record = w.record("m-2", &event, &exclude);
    w.run(vec![record.clone()]).await;
    w.run(vec![record]).await;

    assert_eq!(w.submitted(&again, "Guidance").len(), 1);
    assert_eq!(w.submitted(&again, "Guidance")[0].0, "Exclude");
    let notices = sent.notices();
    assert_eq!(notices.len(), 1, "{notices:#?}");
    assert_eq!(notices[0].reason, Reason::BudgetSpent);
    assert_eq!(notices[0].interruption_id, again);
    assert!(
        notices[0]
            .detail
            .starts_with("Exclude instead of Retry: retry budget spent: 'Deploy web' on web-01"),
        "{}",
        notices[0].detail
    );
}

#[tokio::test]
async fn then_leave_leaves_the_spent_budget_to_a_person_and_tells_them_once() {
    let (notifier, sent) = Notifier::in_memory();
    let w = world_telling(Options::default(), notifier).await;
    let target = w.deployment();
    w.sim.set_retry_outcome(&target, 1);
    let first = w.sim.raise_guided_failure_on(&target, "Deploy web", "web-01", &[]);
    let leave = retry("1", "Leave");
    w.run(vec![w.record("m-1", &first.event_id, &leave)]).await;
    let again = w.sim.interruption_ids().pop().unwrap();
    let event = w.sim.event_ids(&target.task_id, "GuidedFailureInterruptionRaised")[0].clone();

    for message_id in ["m-2", "m-3"] {
        assert!(w.run(vec![w.record(message_id, &event, &leave)]).await.is_empty());
    }

    assert!(w.submitted(&again, "Guidance").is_empty(), "left to a person");
    let notices = sent.notices();
    assert_eq!(notices.len(), 1, "{notices:#?}");
    assert_eq!(notices[0].reason, Reason::LeftByRule);
    assert!(notices[0].detail.contains("(then=Leave)"), "{}", notices[0].detail);
}

#[tokio::test]
async fn a_form_without_the_rules_answer_is_told_as_not_offered() {
    let (notifier, sent) = Notifier::in_memory();
    let w = world_telling(Options::default(), notifier).await;
    let target = w.deployment();
    let raised = w
        .sim
        .raise_guided_failure_on(&target, "Deploy web", "web-01", &["Fail", "Retry"]);
    let ignore = [("Type", "Guidance"), ("Action", "Ignore"), ("MaximumRetry", "1")];

    w.run(vec![w.record("m-1", &raised.event_id, &ignore)]).await;

    let notices = sent.notices();
    assert_eq!(notices.len(), 1, "{notices:#?}");
    assert_eq!(notices[0].reason, Reason::ActionNotOffered);
    assert!(
        notices[0].detail.contains("does not offer Ignore"),
        "{}",
        notices[0].detail
    );
}

#[tokio::test]
async fn a_dry_run_tells_nobody() {
    let (notifier, sent) = Notifier::in_memory();
    let options = Options {
        dry_run: true,
        ..Options::default()
    };
    let w = world_telling(options, notifier).await;
    let target = w.deployment();
    let held = w.sim.raise_guided_failure_on(&target, "Deploy web", "web-01", &[]);
    assert!(w.sim.take_responsibility_as_other_user(&held.interruption_id));
    let other = w.deployment();
    let not_offered = w.sim.raise_guided_failure_on(&other, "Deploy web", "web-02", &["Fail"]);

    w.run(vec![
        w.record("m-1", &held.event_id, RETRY_3),
        w.record(
            "m-2",
            &not_offered.event_id,
            &[("Type", "Guidance"), ("Action", "Ignore"), ("MaximumRetry", "1")],
        ),
    ])
    .await;

    assert!(sent.notices().is_empty(), "{:#?}", sent.notices());
    assert_eq!(
        w.metric("Skipped", Some(("Reason", "held_by_another_user"))),
        1,
        "decided all the same"
    );
}

mod on_moto {
    use super::*;
    use harness::Moto;
    use harness::notices::NoticeChannel;

    #[tokio::test]
    async fn publishes_one_sns_message_for_a_held_interruption_across_redeliveries() {
        let config = Moto::shared().unwrap().sdk_config().await;
        let channel = NoticeChannel::create(&config, notify::KEY_ATTRIBUTE).await.unwrap();
        let notifier = Notifier::aws_with_config(channel.topic_arn.clone(), channel.table.clone(), config);
        let w = world_telling(Options::default(), notifier).await;
        let target = w.deployment();
        let raised = w.sim.raise_guided_failure_on(&target, "Deploy web", "web-03", &[]);
        assert!(w.sim.take_responsibility_as_other_user(&raised.interruption_id));
        let record = w.record("m-1", &raised.event_id, RETRY_3);

        assert!(w.run(vec![record.clone()]).await.is_empty());
        assert!(w.run(vec![record]).await.is_empty());

        let delivered = channel.delivered().await.unwrap();
        assert_eq!(delivered.len(), 1, "{delivered:#?}");
        let body = &delivered[0].body;
        assert!(body.contains("Failure: 'Deploy web' on web-03"), "{body}");
        assert!(
            body.contains(&format!("/app#/Spaces-1/tasks/{}", target.task_id)),
            "{body}"
        );
        assert!(!body.contains(w.sim.api_key()), "nothing secret");
        assert!(delivered[0].subject.starts_with("octo-responder: a person is needed: "));
        assert_eq!(w.metric("PeopleTold", None), 1);
    }
}
