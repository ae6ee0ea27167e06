//! Load: at least 2,000 webhooks for at least 200 deployments through accept-message, a moto
//! FIFO queue, the emulated event source mapping and process-message to the Octopus simulator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use reliability::{Config, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_webhooks_for_260_deployments_answer_every_interruption_exactly_once_and_lose_nothing() {
    let report = run(&Config::load()).await.unwrap();
    println!("{}", report.summary());

    assert!(report.webhooks >= 2000, "{} webhooks", report.webhooks);
    assert!(report.deployments >= 200);
    assert!(report.problems.is_empty(), "{:#?}", report.problems);
    assert_eq!(report.lost, 0);
    assert_eq!(report.duplicates, 0);
    assert_eq!(report.answered_once, report.expected_answered);
    assert_eq!(
        (report.queue_left, report.dlq),
        (0, 0),
        "queue and dead-letter queue empty"
    );
    assert_eq!(report.accepted_not_processed, 0);
    let submitted = &report.metrics.submitted;
    for action in ["Retry", "Fail", "Ignore", "Exclude", "Proceed", "Abort"] {
        assert!(
            submitted.get(action).copied().unwrap_or(0) > 0,
            "no {action} in {submitted:?}"
        );
    }
    assert!(report.metrics.budget_spent > 0, "some Retry loops end in Fail");
    assert!(report.left_to_person > 0);
    assert!(
        report.statuses.get(&200).copied().unwrap_or(0) > 0,
        "other-kind webhooks ignored"
    );
}
