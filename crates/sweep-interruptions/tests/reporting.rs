//! What a sweep reports and refuses: subscriptions it does not use and why, a dry run, and an
//! Octopus that fails or refuses (nothing queued, a line that says what to fix).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use octopus_sim::{Fault, Permission, SubscriptionFilter, SubscriptionSpec};

#[tokio::test]
async fn subscriptions_pointing_elsewhere_are_ignored_and_disabled_invalid_or_unevaluable_ones_are_reported() {
    let w = world().await;
    w.subscribe(
        "Spaces-1",
        "chat",
        "https://chat.example.com/hook?type=Result&action=Proceed",
        SubscriptionFilter::default(),
    );
    w.sim.add_subscription(
        "Spaces-1",
        SubscriptionSpec {
            name: "switched off".into(),
            is_disabled: true,
            webhook_uri: format!("{WEBHOOK}?type=Result&action=Proceed"),
            ..SubscriptionSpec::default()
        },
    );
    w.subscribe_rule("Spaces-1", "typo", "type=Result&action=Proceeed", MANUAL_INTERVENTION);
    let by_group = SubscriptionFilter {
        project_groups: vec!["ProjectGroups-1".into()],
        ..SubscriptionFilter::default()
    };
    w.subscribe(
        "Spaces-1",
        "by group",
        &format!("{WEBHOOK}?type=Result&action=Proceed"),
        by_group,
    );
    w.lost_manual_intervention("Spaces-1", TEN_MINUTES);

    let summary = w.sweep().await.unwrap();

    assert_eq!(summary.subscriptions_seen, 4);
    assert_eq!(summary.subscriptions_usable, 0);
    assert!(summary.enqueued.is_empty());
    let reported: Vec<(&str, &str)> = summary.unusable.iter().map(|u| (u.name.as_str(), u.reason)).collect();
    assert_eq!(
        reported,
        [
            ("by group", "unsupported_filter"),
            ("switched off", "disabled"),
            ("typo", "invalid_rule")
        ]
    );
    let typo = summary.unusable.iter().find(|u| u.name == "typo").unwrap();
    assert!(typo.detail.contains("must be one of Proceed, Abort"), "{}", typo.detail);
    let group = summary.unusable.iter().find(|u| u.name == "by group").unwrap();
    assert!(group.detail.contains("ProjectGroups"), "{}", group.detail);
    assert_eq!(
        w.metric("SubscriptionsUnusable", Some(("Reason", "unsupported_filter"))),
        1
    );
    assert_eq!(w.metric("SubscriptionsUnusable", Some(("Reason", "invalid_rule"))), 1);
    assert!(w.queued().await.is_empty());
}

#[tokio::test]
async fn a_dry_run_reports_what_it_would_queue_and_queues_nothing() {
    let w = world_with(settings(true), None).await;
    w.subscribe_rule("Spaces-1", "proceed", "type=Result&action=Proceed", MANUAL_INTERVENTION);
    let (_, lost) = w.lost_manual_intervention("Spaces-1", TEN_MINUTES);

    let summary = w.sweep().await.unwrap();

    assert!(summary.dry_run);
    let would: Vec<_> = summary.enqueued.iter().map(|q| q.interruption_id.as_str()).collect();
    assert_eq!(would, [lost.as_str()]);
    assert!(w.queued().await.is_empty());
    assert_eq!(w.sim.interruption(&lost).unwrap()["IsPending"], true);
}

#[tokio::test]
async fn a_rejected_api_key_fails_the_sweep_saying_what_to_set_and_queues_nothing() {
    let w = world_with(settings(false), Some("API-NOTAVALIDKEY0000000000")).await;

    let error = w.sweep().await.unwrap_err();

    let text = error.to_string();
    assert!(
        text.contains("Octopus refused the API key: set OCTOPUS_API_KEY"),
        "{text}"
    );
    assert_eq!(w.requests_to("/api/spaces"), 1, "not retried");
    assert_eq!(w.metric("SweepsFailed", None), 1);
}

#[tokio::test]
async fn a_key_without_subscription_view_fails_the_sweep_naming_the_permission_and_queues_nothing() {
    let w = world().await;
    let second = w.sim.add_space();
    w.subscribe_rule("Spaces-1", "proceed", "type=Result&action=Proceed", MANUAL_INTERVENTION);
    w.lost_manual_intervention("Spaces-1", TEN_MINUTES);
    w.sim.deny_in(&second, Permission::SubscriptionView);

    let error = w.sweep().await.unwrap_err();

    let text = error.to_string();
    assert!(text.contains("grant it SubscriptionView"), "{text}");
    assert!(text.contains(&second), "names the space: {text}");
    assert!(
        w.queued().await.is_empty(),
        "nothing half-done: Spaces-1's interruption waits for the next sweep"
    );
}

#[tokio::test]
async fn octopus_5xx_and_429_are_retried_within_the_sweep() {
    let w = world().await;
    w.subscribe_rule("Spaces-1", "proceed", "type=Result&action=Proceed", MANUAL_INTERVENTION);
    let (_, lost) = w.lost_manual_intervention("Spaces-1", TEN_MINUTES);
    w.sim.inject(Fault::status(503).path_contains("/subscriptions"));
    w.sim
        .inject(Fault::too_many_requests(0).path_contains("/interruptions"));

    let summary = w.sweep().await.unwrap();

    assert_eq!(summary.enqueued[0].interruption_id, lost);
    let statuses: Vec<u16> = w.sim.requests().iter().map(|r| r.status).collect();
    assert!(statuses.contains(&503) && statuses.contains(&429), "{statuses:?}");
}

#[tokio::test]
async fn an_octopus_that_stays_down_fails_the_sweep_with_nothing_queued() {
    let w = world().await;
    w.subscribe_rule("Spaces-1", "proceed", "type=Result&action=Proceed", MANUAL_INTERVENTION);
    w.lost_manual_intervention("Spaces-1", TEN_MINUTES);
    w.sim.set_outage(true);

    let error = w.sweep().await.unwrap_err();

    assert!(
        error
            .to_string()
            .contains("nothing was queued, the next sweep tries again"),
        "{error}"
    );
    assert!(w.queued().await.is_empty());
}

/// The event the canary check (a deployment's lifecycle hook) invokes a new version with, or the
/// schedule's, with an invocation deadline 20 s away.
fn invocation(payload: serde_json::Value) -> lambda_runtime::LambdaEvent<serde_json::Value> {
    let mut context = lambda_runtime::Context::default();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    context.deadline = u64::try_from(now_ms).unwrap() + 20_000;
    lambda_runtime::LambdaEvent::new(payload, context)
}

#[tokio::test]
async fn an_invocation_asking_for_a_dry_run_queues_nothing_and_no_event_undoes_a_configured_one() {
    let w = world().await;
    w.subscribe_rule("Spaces-1", "proceed", "type=Result&action=Proceed", MANUAL_INTERVENTION);
    let (_, lost) = w.lost_manual_intervention("Spaces-1", TEN_MINUTES);

    let summary = w
        .sweeper
        .handle(invocation(serde_json::json!({"dryRun": true})))
        .await
        .unwrap();

    assert!(summary.dry_run);
    assert_eq!(summary.enqueued.len(), 1, "reported what it would queue");
    assert!(w.queued().await.is_empty());
    assert_eq!(w.sim.interruption(&lost).unwrap()["IsPending"], true);

    let configured_dry = world_with(settings(true), None).await;
    configured_dry.subscribe_rule("Spaces-1", "proceed", "type=Result&action=Proceed", MANUAL_INTERVENTION);
    configured_dry.lost_manual_intervention("Spaces-1", TEN_MINUTES);
    let summary = configured_dry
        .sweeper
        .handle(invocation(serde_json::json!({"dryRun": false})))
        .await
        .unwrap();
    assert!(summary.dry_run);
    assert!(configured_dry.queued().await.is_empty());

    // The schedule's event (EventBridge Scheduler sends the target's input, `{}` here) sweeps for real.
    let summary = w.sweeper.handle(invocation(serde_json::json!({}))).await.unwrap();
    assert!(!summary.dry_run);
    assert_eq!(w.queued().await.len(), 1);
}
