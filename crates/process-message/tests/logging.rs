//! What process-message logs, captured as the JSON lines Lambda would store. One test in its own
//! binary: tracing caches per call site whether anyone listens, and other tests running on other
//! threads of the same binary could race that cache.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

#[tokio::test]
async fn logs_one_line_per_decision_with_its_fields_and_never_the_api_key() {
    let w = world().await;
    let target = w.deployment();
    let raised = w.sim.raise_guided_failure(&target, &["Fail", "Retry"]);
    let (_guard, logs) = harness::logs::capture();

    w.run(vec![w.record("m-1", &raised.event_id, RETRY_3)]).await;

    let decisions = logs.lines_with_message("interruption decided");
    assert_eq!(decisions.len(), 1, "{}", logs.text());
    let fields = &decisions[0]["fields"];
    assert_eq!(fields["message_id"], "m-1");
    assert_eq!(fields["event_id"], raised.event_id.as_str());
    assert_eq!(fields["space_id"], "Spaces-1");
    assert_eq!(fields["document_id"], target.task_id.as_str());
    assert_eq!(fields["interruption_id"], raised.interruption_id.as_str());
    assert_eq!(fields["action"], "Retry");
    assert_eq!(fields["outcome"], "submitted");
    let summary = logs.lines_with_message("batch done");
    assert_eq!(summary.len(), 1);
    assert_eq!(summary[0]["fields"]["submitted"], "{\"Retry\": 1}");
    let text = logs.text();
    assert!(!text.contains(w.sim.api_key()), "the API key was logged");
    assert!(!text.contains("Subscription"), "payload content was logged");
}
