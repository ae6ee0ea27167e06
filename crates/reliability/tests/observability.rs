//! Observability: the CloudWatch Embedded Metric Format lines process-message writes, summed
//! as CloudWatch would, match what the Octopus simulator and the queue saw: answers submitted by
//! action, spent retry budgets, interruptions left to a person by reason, records failed by cause.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use reliability::{Config, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_summed_metric_lines_match_what_octopus_received_and_what_the_queue_saw() {
    let config = Config::observability();
    let report = run(&config).await.unwrap();
    println!("{}", report.summary());
    println!("{:#?}", report.metrics);

    // The scenario checks Submitted by Action and BudgetSpent against Octopus's submissions,
    // Skipped by Reason against the records of deployments left to a person, Failed against
    // the records the pollers saw fail, bad_record against the poison receipts, Records.
    assert!(report.problems.is_empty(), "{:#?}", report.problems);
    let metrics = &report.metrics;
    assert_eq!(metrics.submitted_total() as usize, report.answered_once);
    for action in ["Retry", "Fail", "Ignore", "Exclude", "Proceed", "Abort"] {
        assert!(
            metrics.submitted.contains_key(action),
            "{action}: {:?}",
            metrics.submitted
        );
    }
    assert!(metrics.budget_spent > 0);
    for reason in [
        "held_by_another_user",
        "cannot_take_responsibility",
        "action_not_offered",
    ] {
        assert!(metrics.skipped.contains_key(reason), "{reason}: {:?}", metrics.skipped);
    }
    assert_eq!(
        metrics.skipped.values().sum::<u64>() as usize,
        report.left_to_person,
        "each left once"
    );
    assert!(
        metrics.failed.get("server_error").copied().unwrap_or(0) > 0,
        "{:?}",
        metrics.failed
    );
    assert_eq!(
        metrics.failed.get("bad_record").copied(),
        Some(u64::from(config.max_receive_count) * config.poison as u64)
    );
    assert_eq!(metrics.records as usize, report.records);
    assert_eq!(metrics.failed_total() as usize, report.failed_receipts);
}
