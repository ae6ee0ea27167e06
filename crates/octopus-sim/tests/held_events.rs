//! Interruptions created before their `...InterruptionRaised` event (held events), and
//! back-dated interruptions.
#![allow(clippy::expect_used)]

mod common;

use std::time::{Duration, UNIX_EPOCH};

use common::{Api, item_ids};
use octopus_sim::Target;
use serde_json::json;

const GF: &str = "GuidedFailureInterruptionRaised";

fn count_path(t: &Target) -> String {
    format!(
        "/api/Spaces-1/events?regarding={}&eventCategories={GF}&take=0",
        t.task_id
    )
}

fn pending_path(t: &Target) -> String {
    format!("/api/Spaces-1/interruptions?pendingOnly=true&regarding={}", t.task_id)
}

#[tokio::test]
async fn a_held_event_is_missing_from_the_count_until_released_while_the_interruption_is_pending() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");
    api.sim.hold_events(true);

    let raised = api.sim.raise_guided_failure_maybe_held(&t, &[]);

    assert_eq!(raised.event_id, None);
    let id = raised.interruption_id;
    assert_eq!(api.get(&count_path(&t)).await.body["TotalResults"], 0);
    assert_eq!(item_ids(&api.get(&pending_path(&t)).await.body), vec![id.clone()]);
    assert_eq!(api.sim.held_interruption_ids(), vec![id.clone()]);
    assert_eq!(api.sim.raised_event_id(&id), None);

    let released = api.sim.release_events();

    assert_eq!(released.len(), 1);
    assert_eq!(released[0].interruption_id, id);
    assert_eq!(api.sim.raised_event_id(&id), Some(released[0].event_id.clone()));
    assert!(api.sim.held_interruption_ids().is_empty());
    let counted = api
        .get(&format!(
            "/api/Spaces-1/events?regarding={}&eventCategories={GF}",
            t.task_id
        ))
        .await;
    assert_eq!(item_ids(&counted.body), [released[0].event_id.clone()]);
    assert_eq!(item_ids(&api.get(&pending_path(&t)).await.body), vec![id.clone()]);
    let created = api.sim.interruption(&id).expect("exists")["Created"].clone();
    let occurred = counted.body["Items"][0]["Occurred"].clone();
    assert!(
        occurred.as_str().expect("occurred") > created.as_str().expect("created"),
        "{occurred} after {created}"
    );
}

#[tokio::test]
async fn the_old_raise_methods_give_an_empty_event_id_only_while_events_are_held() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");

    let normal = api.sim.raise_manual_intervention(&t);
    api.sim.hold_events(true);
    let held = api.sim.raise_manual_intervention(&t);
    api.sim.hold_events(false);
    let after = api.sim.raise_guided_failure(&t, &[]);

    assert!(normal.event_id.starts_with("Events-"));
    assert_eq!(held.event_id, "");
    assert!(after.event_id.starts_with("Events-"));
    assert_eq!(api.sim.held_interruption_ids(), vec![held.interruption_id.clone()]);
    let released = api.sim.release_events();
    assert_eq!(released[0].interruption_id, held.interruption_id);
}

#[tokio::test]
async fn the_guided_failure_a_retry_raises_is_held_too() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");
    api.sim.set_retry_outcome(&t, 1);
    let first = api.sim.raise_guided_failure(&t, &["Fail", "Retry"]);
    api.take("Spaces-1", &first.interruption_id).await;
    api.sim.hold_events(true);

    api.submit("Spaces-1", &first.interruption_id, json!({"Guidance": "Retry"}))
        .await;

    let pending = item_ids(&api.get(&pending_path(&t)).await.body);
    assert_eq!(pending.len(), 1);
    assert_ne!(pending[0], first.interruption_id);
    assert_eq!(api.sim.held_interruption_ids(), pending);
    assert_eq!(api.get(&count_path(&t)).await.body["TotalResults"], 1);
    api.sim.release_events();
    assert_eq!(api.get(&count_path(&t)).await.body["TotalResults"], 2);
    assert_eq!(
        api.sim.event_ids(&t.task_id, GF)[0],
        api.sim.raised_event_id(&pending[0]).expect("released")
    );
}

#[tokio::test]
async fn released_events_get_ids_after_the_events_appended_while_they_were_held() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");
    api.sim.hold_events(true);
    let held = api.sim.raise_guided_failure_maybe_held(&t, &[]);
    let meanwhile = api.sim.add_event(&t, "DeploymentResumed");

    let released = api.sim.release_events();

    let number = |id: &str| id.trim_start_matches("Events-").parse::<u64>().expect("number");
    assert!(number(&released[0].event_id) > number(&meanwhile));
    assert_eq!(released[0].interruption_id, held.interruption_id);
    let page = api.get(&format!("/api/Spaces-1/events?regarding={}", t.task_id)).await;
    assert_eq!(item_ids(&page.body), [released[0].event_id.clone(), meanwhile]);
    assert!(api.sim.release_events().is_empty());
}

#[tokio::test]
async fn a_back_dated_interruption_shows_its_created_time_and_lists_after_newer_ones() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");
    let old = api.sim.raise_guided_failure(&t, &[]).interruption_id;
    let new = api.sim.raise_guided_failure(&t, &[]).interruption_id;
    let jan_first_2026 = UNIX_EPOCH + Duration::from_millis(1_767_225_600_250);

    assert!(api.sim.set_created(&new, jan_first_2026));

    let seen = api.get(&format!("/api/Spaces-1/interruptions/{new}")).await;
    assert_eq!(seen.body["Created"], "2026-01-01T00:00:00.250+00:00");
    assert_eq!(item_ids(&api.get(&pending_path(&t)).await.body), [old, new]);
    assert!(!api.sim.set_created("Interruptions-0", jan_first_2026));
}
