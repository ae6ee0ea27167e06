//! The sweep tells a person about interruptions it leaves to one (held by another user, the
//! answer not offered, conflicting rules) once, however many sweeps see them; a dry run tells
//! nobody, and an interruption still within the grace period is not the sweep's yet.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use notify::Reason;

#[tokio::test]
async fn a_held_interruption_no_webhook_brought_is_told_once_over_several_sweeps() {
    let w = world().await;
    w.subscribe_rule("Spaces-1", "retry", "type=Guidance&action=Retry", GUIDED_FAILURE);
    let (target, held) = w.lost_guided_failure("Spaces-1", TEN_MINUTES);
    assert!(w.sim.take_responsibility_as_other_user(&held));

    let first = w.sweep().await.unwrap();
    let second = w.sweep().await.unwrap();

    let notices = w.told.notices();
    assert_eq!(notices.len(), 1, "{notices:#?}");
    assert_eq!(notices[0].reason, Reason::HeldByAnotherUser);
    assert_eq!(notices[0].interruption_id, held);
    assert_eq!(
        notices[0].link,
        format!("{}/app#/Spaces-1/tasks/{}", w.sim.base_url(), target.task_id)
    );
    assert_eq!((first.people_told, second.people_told), (1, 0));
    assert_eq!(w.metric("PeopleTold", None), 1);
    assert!(w.queued().await.is_empty(), "left to the person who holds it");
}

#[tokio::test]
async fn conflicting_rules_are_told_as_such_and_the_interruption_is_not_queued() {
    let w = world().await;
    w.subscribe_rule("Spaces-1", "approve", "type=Result&action=Proceed", MANUAL_INTERVENTION);
    w.subscribe_rule("Spaces-1", "abort", "type=Result&action=Abort", MANUAL_INTERVENTION);
    let (_, pending) = w.lost_manual_intervention("Spaces-1", TEN_MINUTES);

    w.sweep().await.unwrap();

    let notices = w.told.notices();
    assert_eq!(notices.len(), 1, "{notices:#?}");
    assert_eq!(notices[0].reason, Reason::ConflictingRules);
    assert_eq!(notices[0].interruption_id, pending);
    assert!(
        notices[0].detail.contains("make exactly one rule match"),
        "{}",
        notices[0].detail
    );
    assert!(w.queued().await.is_empty());
}

#[tokio::test]
async fn a_dry_run_sweep_tells_nobody_and_the_grace_period_is_respected() {
    let dry = world_with(settings(true), None).await;
    dry.subscribe_rule("Spaces-1", "retry", "type=Guidance&action=Retry", GUIDED_FAILURE);
    let (_, held) = dry.lost_guided_failure("Spaces-1", TEN_MINUTES);
    assert!(dry.sim.take_responsibility_as_other_user(&held));
    dry.sweep().await.unwrap();
    assert!(dry.told.notices().is_empty(), "{:#?}", dry.told.notices());

    let w = world().await;
    w.subscribe_rule("Spaces-1", "retry", "type=Guidance&action=Retry", GUIDED_FAILURE);
    let (_, fresh) = w.lost_guided_failure("Spaces-1", Duration::from_secs(5));
    assert!(w.sim.take_responsibility_as_other_user(&fresh));
    let summary = w.sweep().await.unwrap();
    assert_eq!(summary.not_enqueued.get("within_grace"), Some(&1));
    assert!(w.told.notices().is_empty(), "its webhook may still come");
}
