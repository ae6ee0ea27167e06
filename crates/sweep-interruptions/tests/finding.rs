//! Which pending interruptions a sweep queues, against the Octopus simulator and a FIFO queue on
//! moto: only what a subscription pointing at the responder would have sent, what process-message
//! would answer, and what waited past the grace period and not past the maximum age.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use octopus_sim::SubscriptionFilter;

#[tokio::test]
async fn a_lost_webhook_s_interruption_is_queued_with_its_subscription_s_rule_as_a_webhook_would_be() {
    let w = world().await;
    w.subscribe_rule(
        "Spaces-1",
        "retry",
        "type=Guidance&action=Retry&maximumretry=3",
        GUIDED_FAILURE,
    );
    let (target, interruption) = w.lost_guided_failure("Spaces-1", TEN_MINUTES);

    let summary = w.sweep().await.unwrap();

    assert_eq!(summary.enqueued.len(), 1);
    assert_eq!(summary.enqueued[0].interruption_id, interruption);
    assert_eq!(summary.enqueued[0].subscriptions, ["retry"]);
    let queued = w.queued().await;
    assert_eq!(queued.len(), 1);
    let message = &queued[0];
    assert_eq!(attribute(message, "Type"), Some("Guidance"));
    assert_eq!(attribute(message, "Action"), Some("Retry"));
    assert_eq!(attribute(message, "MaximumRetry"), Some("3"));
    assert_eq!(attribute(message, "Origin"), Some("sweep"));
    let number = interruption.trim_start_matches("Interruptions-");
    assert_eq!(
        attribute(message, "EventId"),
        Some(format!("SweepEvents-{number}").as_str())
    );
    let system = message.attributes().unwrap();
    let group = system.get(&aws_sdk_sqs::types::MessageSystemAttributeName::MessageGroupId);
    assert_eq!(
        group.map(String::as_str),
        Some(target.task_id.as_str()),
        "ordered with the task's webhooks"
    );
    let event = messaging::payload::event_from_body(message.body().unwrap()).unwrap();
    assert_eq!(event.category, GUIDED_FAILURE);
    assert_eq!(event.document_id.as_str(), target.task_id);
    assert_eq!(w.metric("Enqueued", None), 1);
}

#[tokio::test]
async fn what_waited_too_little_too_long_or_that_process_message_would_leave_to_a_person_is_not_queued() {
    let w = world().await;
    w.subscribe_rule("Spaces-1", "retry", "type=Guidance&action=Exclude", GUIDED_FAILURE);
    let (_, fresh) = w.lost_guided_failure("Spaces-1", Duration::from_secs(60));
    let (_, stale) = w.lost_guided_failure("Spaces-1", Duration::from_secs(2 * 86_400));
    let (_, held) = w.lost_guided_failure("Spaces-1", TEN_MINUTES);
    w.sim.take_responsibility_as_other_user(&held);
    let (_, untakeable) = w.lost_guided_failure("Spaces-1", TEN_MINUTES);
    w.sim.set_can_take_responsibility(&untakeable, false);
    let (_, linked) = w.lost_guided_failure("Spaces-1", TEN_MINUTES);
    w.sim.set_linked(&linked, true);
    let worker = w.sim.add_deployment("Spaces-1");
    let no_exclude = w.sim.raise_guided_failure(&worker, &["Fail", "Retry", "Ignore"]);
    w.age(&no_exclude.interruption_id, TEN_MINUTES);
    let (_, answerable) = w.lost_guided_failure("Spaces-1", TEN_MINUTES);

    let summary = w.sweep().await.unwrap();

    assert_eq!(summary.pending_seen, 7);
    let queued: Vec<_> = summary.enqueued.iter().map(|q| q.interruption_id.as_str()).collect();
    assert_eq!(queued, [answerable.as_str()]);
    for (reason, count) in [
        ("within_grace", 1),
        ("too_old", 1),
        ("held_by_another_user", 1),
        ("cannot_take_responsibility", 1),
        ("not_answerable", 1),
        ("action_not_offered", 1),
    ] {
        assert_eq!(
            summary.not_enqueued.get(reason),
            Some(&count),
            "{reason}: {:?}",
            summary.not_enqueued
        );
        assert_eq!(
            w.metric("NotEnqueued", Some(("Reason", reason))),
            count as u64,
            "{reason}"
        );
    }
    assert_eq!(w.queued().await.len(), 1);
    let _ = (fresh, stale);
}

#[tokio::test]
async fn two_subscriptions_with_different_rules_are_a_conflict_and_the_same_rule_twice_is_one_rule() {
    let w = world().await;
    w.subscribe_rule("Spaces-1", "approve", "type=Result&action=Proceed", MANUAL_INTERVENTION);
    w.subscribe_rule(
        "Spaces-1",
        "approve again",
        "type=result&action=proceed&maximumretry=1",
        MANUAL_INTERVENTION,
    );
    let (_, agreed) = w.lost_manual_intervention("Spaces-1", TEN_MINUTES);
    let (target, _) = w.lost_manual_intervention("Spaces-1", TEN_MINUTES);
    let abort_for_that_project = SubscriptionFilter {
        event_categories: vec![MANUAL_INTERVENTION.to_owned()],
        projects: vec![target.project_id.clone()],
        ..SubscriptionFilter::default()
    };
    w.subscribe(
        "Spaces-1",
        "abort",
        &format!("{WEBHOOK}?type=Result&action=Abort"),
        abort_for_that_project,
    );

    let summary = w.sweep().await.unwrap();

    let queued: Vec<_> = summary.enqueued.iter().map(|q| q.interruption_id.as_str()).collect();
    assert_eq!(queued, [agreed.as_str()]);
    assert_eq!(summary.enqueued[0].subscriptions.len(), 2);
    assert_eq!(summary.conflicts.len(), 1);
    assert_eq!(summary.not_enqueued.get("conflict"), Some(&1));
    assert_eq!(w.metric("Conflicts", None), 1);
}

#[tokio::test]
async fn project_environment_and_tenant_filters_decide_which_interruptions_a_rule_covers() {
    let w = world().await;
    let covered = w.sim.add_tenanted_deployment("Spaces-1", "Tenants-7");
    let other_tenant = w.sim.add_tenanted_deployment("Spaces-1", "Tenants-8");
    let filter = SubscriptionFilter {
        event_categories: vec![MANUAL_INTERVENTION.to_owned()],
        projects: vec![covered.project_id.clone()],
        environments: vec![covered.environment_id.clone()],
        tenants: vec!["Tenants-7".to_owned()],
        ..SubscriptionFilter::default()
    };
    w.subscribe(
        "Spaces-1",
        "tenant 7",
        &format!("{WEBHOOK}?type=Result&action=Proceed"),
        filter,
    );
    let yes = w.sim.raise_manual_intervention(&covered).interruption_id;
    let no = w.sim.raise_manual_intervention(&other_tenant).interruption_id;
    w.age(&yes, TEN_MINUTES);
    w.age(&no, TEN_MINUTES);
    let other_project = w.sim.add_deployment("Spaces-1");
    let no_either = w.sim.raise_manual_intervention(&other_project).interruption_id;
    w.age(&no_either, TEN_MINUTES);

    let summary = w.sweep().await.unwrap();

    let queued: Vec<_> = summary.enqueued.iter().map(|q| q.interruption_id.as_str()).collect();
    assert_eq!(queued, [yes.as_str()]);
    assert_eq!(summary.not_enqueued.get("no_rule"), Some(&2));
}

#[tokio::test]
async fn an_interruption_of_the_other_kind_is_not_queued_by_a_rule_for_this_kind() {
    let w = world().await;
    w.subscribe(
        "Spaces-1",
        "unfiltered retry",
        &format!("{WEBHOOK}?type=Guidance&action=Retry"),
        SubscriptionFilter::default(),
    );
    let (_, manual) = w.lost_manual_intervention("Spaces-1", TEN_MINUTES);

    let summary = w.sweep().await.unwrap();

    assert!(summary.enqueued.is_empty(), "{manual} is a manual intervention");
    assert_eq!(summary.not_enqueued.get("no_rule"), Some(&1));
}

#[tokio::test]
async fn every_page_of_subscriptions_and_pending_interruptions_is_read_with_no_request_per_interruption() {
    let w = world().await; // two items per page
    for n in 0..3 {
        w.subscribe(
            "Spaces-1",
            &format!("elsewhere {n}"),
            "https://chat.example.com/hook",
            SubscriptionFilter::default(),
        );
    }
    w.subscribe_rule("Spaces-1", "proceed", "type=Result&action=Proceed", MANUAL_INTERVENTION);
    let lost: Vec<String> = (0..5)
        .map(|_| w.lost_manual_intervention("Spaces-1", TEN_MINUTES).1)
        .collect();

    let summary = w.sweep().await.unwrap();

    assert_eq!(summary.subscriptions_seen, 4);
    assert_eq!(summary.pending_seen, 5);
    assert_eq!(summary.enqueued.len(), 5, "{lost:?}");
    assert_eq!(w.requests_to("/subscriptions"), 2, "two pages of subscriptions");
    assert_eq!(
        w.requests_to("/interruptions"),
        3,
        "three pages of pending interruptions"
    );
    assert_eq!(
        w.sim.requests().len(),
        1 + 2 + 3,
        "spaces, subscriptions, pending: nothing per interruption"
    );
}

#[tokio::test]
async fn every_space_the_key_sees_is_swept_unless_sweep_spaces_names_some() {
    let all = world().await;
    let second = all.sim.add_space();
    for space in ["Spaces-1", second.as_str()] {
        all.subscribe_rule(space, "proceed", "type=Result&action=Proceed", MANUAL_INTERVENTION);
        all.lost_manual_intervention(space, TEN_MINUTES);
    }

    let summary = all.sweep().await.unwrap();

    assert_eq!((summary.spaces, summary.enqueued.len()), (2, 2));

    let mut only_first = settings(false);
    only_first.spaces = Some(vec![messaging::SpaceId::parse("Spaces-1").unwrap()]);
    let one = world_with(only_first, None).await;
    let other = one.sim.add_space();
    for space in ["Spaces-1", other.as_str()] {
        one.subscribe_rule(space, "proceed", "type=Result&action=Proceed", MANUAL_INTERVENTION);
        one.lost_manual_intervention(space, TEN_MINUTES);
    }

    let summary = one.sweep().await.unwrap();

    assert_eq!((summary.spaces, summary.enqueued.len()), (1, 1));
    assert_eq!(summary.enqueued[0].space_id, "Spaces-1");
    assert_eq!(one.requests_to("/api/spaces"), 0, "the named spaces are not listed");
}

#[tokio::test]
async fn a_space_with_no_subscription_to_the_responder_has_its_pending_interruptions_left_unread() {
    let w = world().await;
    w.lost_manual_intervention("Spaces-1", TEN_MINUTES);

    let summary = w.sweep().await.unwrap();

    assert_eq!(summary.pending_seen, 0);
    assert_eq!(
        w.requests_to("/interruptions"),
        0,
        "nothing to answer there: not listed"
    );
}
