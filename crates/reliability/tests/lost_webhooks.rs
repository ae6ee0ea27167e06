//! Lost webhooks and the sweep: one webhook in ten never reaches accept-message while
//! sweep-interruptions runs on its schedule (every second round of the scenario) against
//! subscriptions carrying the webhooks' rules. Every interruption is still answered exactly once
//! by its rule (Retry loops keep their budget), the sweep queues exactly the interruptions lost
//! webhooks left waiting and none still within its grace period, and a lost webhook delivered
//! late, while the sweep's record of its interruption is on the queue, answers nothing twice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use reliability::{Config, Report, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenth_of_webhooks_lost_every_interruption_answered_once_by_the_sweep_racing_late_ones_on_a_fifo_queue() {
    let report = run(&Config::lost_webhooks(true)).await.unwrap();
    println!("{}", report.summary());
    assert_invariants(&report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenth_of_webhooks_lost_every_interruption_answered_once_by_the_sweep_racing_late_ones_on_a_standard_queue() {
    let report = run(&Config::lost_webhooks(false)).await.unwrap();
    println!("{}", report.summary());
    assert_invariants(&report);
}

fn assert_invariants(report: &Report) {
    // The scenario checks each sweep queued exactly the lost webhooks' interruptions still
    // pending (none delivered, none within the grace period, none left to a person), the
    // sweep's metric lines against its summaries, and SweptRecords against the records with
    // Origin=sweep; any mismatch is a problem.
    assert!(report.problems.is_empty(), "{:#?}", report.problems);
    assert_eq!((report.lost, report.duplicates), (0, 0), "answered exactly once");
    assert_eq!(report.answered_once, report.expected_answered);
    assert!(report.left_to_person > 0, "and the sweep left those to a person too");
    assert_eq!(
        (report.queue_left, report.dlq),
        (0, 0),
        "no poison here, so nothing dead-lettered"
    );
    assert_eq!((report.accepted_not_processed, report.half_written), (0, 0));

    let sweep = report.sweep.as_ref().expect("sweep figures");
    let share = 100.0 * sweep.lost as f64 / sweep.first_deliveries as f64;
    assert!((5.0..=15.0).contains(&share), "{share:.1} % lost, configured 10 %");
    assert!(
        sweep.sweeps >= 2,
        "the sweep ran on its schedule: {} sweeps",
        sweep.sweeps
    );
    // A lost webhook's interruption is answered before a sweep only in a Retry loop, by a
    // record of the guided failure before it that found it pending (the second record of a
    // race, say): the rule and the budget are the same, so that is its answer.
    assert!(
        sweep.enqueued_distinct + sweep.answered_before_a_sweep >= sweep.lost_never_delivered,
        "the sweep queued every lost webhook's interruption still pending"
    );
    assert_eq!(
        sweep.lost_never_delivered_swept + sweep.answered_before_a_sweep,
        sweep.lost_never_delivered
    );
    assert!(sweep.late > 0, "some lost webhooks came late");
    assert_eq!(sweep.races, sweep.late, "each while the sweep's record was queued");
    assert!(
        report.metrics.answered_elsewhere + report.metrics.nothing_pending > 0,
        "the second records of races found their interruption answered: {:?}",
        report.metrics
    );
    assert!(
        sweep.not_enqueued.get("within_grace").copied().unwrap_or(0) > 0,
        "pending interruptions whose webhook may still come were left to it: {:?}",
        sweep.not_enqueued
    );
    assert_eq!(sweep.metrics.enqueued as usize, sweep.enqueued);
    assert_eq!(sweep.metrics.sweeps as usize, sweep.sweeps);
    assert_eq!(report.metrics.swept_records as usize, sweep.swept_records);
    assert!(sweep.swept_records >= sweep.enqueued_distinct);
    assert!(
        sweep.answered_by_sweep_records > 0 && sweep.answered_by_sweep_records <= sweep.swept_records,
        "answers with the sweep's Notes: {}",
        sweep.answered_by_sweep_records
    );
    let submitted = &report.metrics.submitted;
    for action in ["Retry", "Fail", "Proceed"] {
        assert!(
            submitted.get(action).copied().unwrap_or(0) > 0,
            "no {action} in {submitted:?}"
        );
    }
    assert!(
        report.metrics.budget_spent > 0,
        "Retry loops ended in Fail: the budget held"
    );
}
