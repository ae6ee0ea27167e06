//! Duplicates and races: the same webhook delivered several times (FIFO and standard queues),
//! the same records answered by two invocations at once, two events of one deployment in one
//! batch. Exactly one submit per interruption, and never a Retry past the budget.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use octopus::{Deadline, HttpOctopus};
use octopus_sim::{Fault, Simulator};
use process_message::{Handler, Options};
use reliability::races::{RaceConfig, concurrent_invocations, record, settings};
use reliability::{Config, run};

fn responder(sim: &Simulator) -> Handler<HttpOctopus> {
    Handler::new(HttpOctopus::new(settings(sim).unwrap()).unwrap(), Options::default())
        .with_metrics(std::sync::Arc::new(|_: &str| {}))
}

fn deadline() -> Deadline {
    Deadline::after(Duration::from_secs(20))
}

/// `(interruption id, answer)` of every submission, in order.
fn answers(sim: &Simulator) -> Vec<(String, String)> {
    sim.submissions()
        .into_iter()
        .map(|s| {
            let value = ["Guidance", "Result"]
                .iter()
                .find_map(|e| s.values.get(*e).cloned().flatten())
                .unwrap_or_default();
            (s.interruption_id, value)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_webhook_delivered_three_times_and_again_a_round_later_is_answered_once_on_a_fifo_queue() {
    let report = run(&Config::duplicates(true)).await.unwrap();
    println!("{}", report.summary());

    assert!(report.webhooks >= 3 * report.events, "{} webhooks", report.webhooks);
    assert!(report.problems.is_empty(), "{:#?}", report.problems);
    assert_eq!((report.lost, report.duplicates, report.dlq), (0, 0, 0));
    assert_eq!(report.answered_once, report.expected_answered);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_webhook_delivered_three_times_and_again_a_round_later_is_answered_once_on_a_standard_queue() {
    let report = run(&Config::duplicates(false)).await.unwrap();
    println!("{}", report.summary());

    assert!(report.webhooks >= 3 * report.events, "{} webhooks", report.webhooks);
    assert!(report.records > report.events, "the standard queue kept the copies");
    assert!(report.problems.is_empty(), "{:#?}", report.problems);
    assert_eq!((report.lost, report.duplicates, report.dlq), (0, 0, 0));
    assert_eq!(report.answered_once, report.expected_answered);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_invocations_answering_the_same_records_at_once_submit_once_per_interruption() {
    let report = concurrent_invocations(&RaceConfig::standard()).await.unwrap();
    println!("{}", report.summary());

    assert!(report.problems.is_empty(), "{:#?}", report.problems);
    assert_eq!((report.lost, report.duplicates), (0, 0));
    assert_eq!(report.answered_once, report.expected_answered);
    assert!(
        report.metrics.answered_elsewhere + report.metrics.nothing_pending > 0,
        "the invocations did meet: {:?}",
        report.metrics
    );
}

#[tokio::test]
async fn two_events_of_one_deployment_in_one_batch_are_answered_in_turn_once_each() {
    let sim = Simulator::start().await.unwrap();
    let looping = sim.add_deployment("Spaces-1");
    sim.set_retry_outcome(&looping, 5);
    let first = sim.raise_guided_failure(&looping, &[]);
    let both = sim.add_deployment("Spaces-1");
    let manual = sim.raise_manual_intervention(&both);
    let failure = sim.raise_guided_failure(&both, &[]);
    let retry = "type=Guidance&action=Retry&maximumretry=2";
    let batch = vec![
        record(&sim, "loop-1", &first.event_id, retry).unwrap(),
        record(&sim, "loop-1-again", &first.event_id, retry).unwrap(),
        record(&sim, "manual", &manual.event_id, "type=Result&action=Proceed").unwrap(),
        record(&sim, "failure", &failure.event_id, "type=Guidance&action=Ignore").unwrap(),
    ];

    let response = responder(&sim).process_batch(batch, deadline()).await.unwrap();

    assert!(response.batch_item_failures.is_empty());
    let answered = answers(&sim);
    let loop_answers: Vec<&str> = answered
        .iter()
        .filter(|(id, _)| ![&manual.interruption_id, &failure.interruption_id].contains(&id))
        .map(|(_, value)| value.as_str())
        .collect();
    // The copy of the first event finds the guided failure the Retry raised, and answers it
    // with its own count: still one answer per interruption, and the budget holds.
    assert_eq!(loop_answers, ["Retry", "Retry"]);
    assert!(answered.contains(&(manual.interruption_id.clone(), "Proceed".to_owned())));
    assert!(answered.contains(&(failure.interruption_id.clone(), "Ignore".to_owned())));
    let ids: std::collections::HashSet<_> = answered.iter().map(|(id, _)| id).collect();
    assert_eq!(ids.len(), answered.len(), "one submit per interruption: {answered:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_copy_answered_by_a_second_invocation_while_the_first_is_slow_never_retries_past_the_budget() {
    let sim = Simulator::start().await.unwrap();
    let target = sim.add_deployment("Spaces-1");
    sim.set_retry_outcome(&target, 5);
    let first = sim.raise_guided_failure(&target, &[]);
    let query = "type=Guidance&action=Retry&maximumretry=1";
    let copy = record(&sim, "m-1", &first.event_id, query).unwrap();
    // One invocation's listing is slow; the other answers the first guided failure (Retry)
    // meanwhile, and Octopus raises the second, which is over the budget of one retry.
    sim.inject(
        Fault::delay(Duration::from_millis(600)).path_contains(format!("interruptions?regarding={}&", target.task_id)),
    );
    let (one, two) = (responder(&sim), responder(&sim));

    let (a, b) = tokio::join!(
        one.process_batch(vec![copy.clone()], deadline()),
        two.process_batch(vec![copy], deadline())
    );

    assert!(a.unwrap().batch_item_failures.is_empty());
    assert!(b.unwrap().batch_item_failures.is_empty());
    let values: Vec<String> = answers(&sim).into_iter().map(|(_, v)| v).collect();
    assert_eq!(
        values,
        ["Retry", "Fail"],
        "the second guided failure is over the budget"
    );
    sim.shutdown().await;
}
