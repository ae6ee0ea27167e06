//! process-message's batch contract: partial batch responses, ordering per deployment,
//! concurrency across deployments, retries of transient Octopus failures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use aws_lambda_events::sqs::SqsEvent;
use aws_lambda_events::sqs::SqsMessage;
use common::*;
use octopus::{Deadline, HttpOctopus};
use octopus_sim::{Fault, Method, Raised};
use process_message::{Handler, Options};

const FIXTURE: &str = include_str!("fixtures/sqs-batch-original-producer.json");

#[tokio::test]
async fn a_fixture_batch_from_the_original_producer_fails_its_poison_record_and_an_uncounted_retry() {
    let w = world().await;
    let event: SqsEvent = serde_json::from_str(FIXTURE).unwrap();

    let failed = w.run(event.records).await;

    // The poison record is refused; the Retry regards a task this Octopus has no events for, so
    // it is handed back rather than answered without a count.
    assert_eq!(
        failed,
        [
            "7b1f0c9e-3d2a-4e5f-9a8b-1c2d3e4f5a6b",
            "2e1424d4-f796-459a-8184-9c92662be6da"
        ]
    );
    let listing = w
        .sim
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/Spaces-1/interruptions")
        .unwrap();
    assert!(listing.query.unwrap().contains("regarding=ServerTasks-2041"));
    assert!(w.sim.submissions().is_empty());
}

#[tokio::test]
async fn one_bad_record_never_fails_the_others() {
    let w = world().await;
    let target = w.deployment();
    let raised = w.sim.raise_guided_failure(&target, &[]);
    let poison = harness::sqs::record(
        "bad",
        &[("Type", "Guidance"), ("Action", "Retry"), ("MaximumRetry", "x")],
        "{}",
    );

    let failed = w.run(vec![poison, w.record("good", &raised.event_id, RETRY_3)]).await;

    assert_eq!(failed, ["bad"]);
    assert_eq!(w.submitted(&raised.interruption_id, "Guidance").len(), 1);
}

#[tokio::test]
async fn a_record_without_a_message_id_fails_the_whole_batch_so_nothing_is_lost() {
    let w = world().await;
    let target = w.deployment();
    let raised = w.sim.raise_guided_failure(&target, &[]);
    let mut record = w.record("x", &raised.event_id, RETRY_3);
    record.message_id = None;

    let result = w.responder.process_batch(vec![record], deadline()).await;

    let error = result.unwrap_err().to_string();
    assert!(error.contains("no messageId"), "{error}");
}

#[tokio::test]
async fn transient_server_errors_are_retried_within_the_invocation() {
    let w = world().await;
    let target = w.deployment();
    let raised = w.sim.raise_guided_failure(&target, &[]);
    w.sim
        .inject(Fault::status(503).path_contains("/interruptions?").times(2));

    let failed = w.run(vec![w.record("m-1", &raised.event_id, RETRY_3)]).await;

    assert!(failed.is_empty());
    assert_eq!(w.requests_to("GET", "/interruptions"), 3);
    assert_eq!(w.submitted(&raised.interruption_id, "Guidance").len(), 1);
}

#[tokio::test]
async fn a_429_is_retried_after_its_retry_after() {
    let w = world().await;
    let target = w.deployment();
    let raised = w.sim.raise_manual_intervention(&target);
    w.sim.inject(Fault::too_many_requests(1).path_contains("/submit"));
    let started = std::time::Instant::now();

    let failed = w.run(vec![w.record("m-1", &raised.event_id, PROCEED)]).await;

    assert!(failed.is_empty());
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited for Retry-After"
    );
    assert_eq!(w.requests_to("POST", "/submit"), 2);
}

#[tokio::test]
async fn a_slow_answer_times_out_and_is_retried() {
    let w = world().await;
    let target = w.deployment();
    let raised = w.sim.raise_manual_intervention(&target);
    w.sim
        .inject(Fault::delay(Duration::from_millis(900)).path_contains("/interruptions?"));

    let failed = w.run(vec![w.record("m-1", &raised.event_id, PROCEED)]).await;

    assert!(failed.is_empty());
    assert_eq!(w.submitted(&raised.interruption_id, "Result").len(), 1);
}

#[tokio::test]
async fn an_outage_of_one_deployments_calls_reports_only_its_records() {
    let w = world().await;
    let (a, b) = (w.deployment(), w.deployment());
    let (raised_a, raised_b) = (w.sim.raise_manual_intervention(&a), w.sim.raise_manual_intervention(&b));
    w.sim.inject(
        Fault::status(502)
            .path_contains(format!("regarding={}", a.task_id))
            .times(100),
    );

    let failed = w
        .run(vec![
            w.record("a", &raised_a.event_id, PROCEED),
            w.record("b", &raised_b.event_id, PROCEED),
        ])
        .await;

    assert_eq!(failed, ["a"]);
    assert_eq!(w.submitted(&raised_b.interruption_id, "Result").len(), 1);
}

#[tokio::test]
async fn retries_stop_at_the_deadline_and_the_record_is_handed_back() {
    let w = world().await;
    let target = w.deployment();
    let raised = w.sim.raise_manual_intervention(&target);
    w.sim.set_outage(true);

    let response = w
        .responder
        .process_batch(
            vec![w.record("m-1", &raised.event_id, PROCEED)],
            Deadline::after(Duration::from_millis(100)),
        )
        .await
        .unwrap();

    assert_eq!(failed(response), ["m-1"]);
    assert!(w.sim.requests().len() < 4, "no retry that the deadline could not fit");
}

#[tokio::test]
async fn a_rejected_api_key_fails_the_record_without_retrying() {
    let w = world().await;
    let responder = Handler::new(
        HttpOctopus::new(settings(&w.sim, "API-WRONG")).unwrap(),
        Options::default(),
    );
    let target = w.deployment();
    let raised = w.sim.raise_manual_intervention(&target);

    let response = responder
        .process_batch(vec![w.record("m-1", &raised.event_id, PROCEED)], deadline())
        .await
        .unwrap();

    assert_eq!(failed(response), ["m-1"]);
    assert_eq!(w.sim.requests().len(), 1, "401 is not retried");
    assert_eq!(w.sim.requests()[0].status, 401);
}

/// A manual intervention then a guided failure of one deployment, queued in that order.
fn two_records_of_one_deployment(w: &World) -> (Raised, Raised, Vec<SqsMessage>) {
    let target = w.deployment();
    let manual = w.sim.raise_manual_intervention(&target);
    let failure = w.sim.raise_guided_failure(&target, &[]);
    let records = vec![
        w.record("first", &manual.event_id, PROCEED),
        w.record(
            "second",
            &failure.event_id,
            &[("Type", "Guidance"), ("Action", "Ignore")],
        ),
    ];
    (manual, failure, records)
}

#[tokio::test]
async fn records_of_one_deployment_are_answered_in_order() {
    let w = world().await;
    let (manual, failure, records) = two_records_of_one_deployment(&w);

    let failed = w.run(records).await;

    assert!(failed.is_empty());
    let order: Vec<_> = w.sim.submissions().into_iter().map(|s| s.interruption_id).collect();
    assert_eq!(order, [manual.interruption_id, failure.interruption_id]);
}

#[tokio::test]
async fn after_a_transient_failure_later_records_of_that_deployment_are_handed_back_too() {
    let w = world().await;
    let (_, _, records) = two_records_of_one_deployment(&w);
    w.sim.inject(
        Fault::status(503)
            .method(Method::POST)
            .path_contains("/submit")
            .times(100),
    );

    let failed = w.run(records).await;

    assert_eq!(failed, ["first", "second"]);
    let listings_for_second = w
        .sim
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/interruptions"))
        .count();
    assert_eq!(listings_for_second, 1, "the second record was not started");
}

#[tokio::test]
async fn records_of_different_deployments_are_answered_concurrently() {
    let w = world().await;
    // The first two listings are only answered once both have arrived (504 otherwise).
    w.sim.inject(Fault::barrier(2).path_contains("/interruptions?"));
    let records: Vec<_> = (0..4)
        .map(|n| {
            let target = w.deployment();
            let raised = w.sim.raise_manual_intervention(&target);
            w.record(&format!("m-{n}"), &raised.event_id, PROCEED)
        })
        .collect();

    let failed = w.run(records).await;

    assert!(failed.is_empty());
    let listings: Vec<u16> = w
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/interruptions"))
        .map(|r| r.status)
        .collect();
    assert_eq!(listings, [200; 4], "two listings of different deployments overlapped");
    assert_eq!(w.sim.submissions().len(), 4);
}

/// Invokes the Lambda handler with one manual-intervention record and a deadline `offset_ms`
/// from now (negative: already past).
async fn invoke_with_deadline(w: &World, offset_ms: i64) -> (aws_lambda_events::sqs::SqsBatchResponse, Raised) {
    let target = w.deployment();
    let raised = w.sim.raise_manual_intervention(&target);
    let mut event = SqsEvent::default();
    event.records = vec![w.record("m-1", &raised.event_id, PROCEED)];
    let mut context = lambda_runtime::Context::default();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    context.deadline = (now_ms + offset_ms) as u64;
    let response = w
        .responder
        .handle(lambda_runtime::LambdaEvent::new(event, context))
        .await
        .unwrap();
    (response, raised)
}

#[tokio::test]
async fn the_lambda_handler_answers_within_the_invocation_deadline() {
    let w = world().await;

    let (response, raised) = invoke_with_deadline(&w, 30_000).await;

    assert!(response.batch_item_failures.is_empty());
    assert_eq!(w.submitted(&raised.interruption_id, "Result").len(), 1);
}

#[tokio::test]
async fn the_lambda_handler_hands_everything_back_when_the_invocation_has_no_time_left() {
    let w = world().await;

    let (response, _) = invoke_with_deadline(&w, -1).await;

    assert_eq!(failed(response), ["m-1"]);
    assert!(w.sim.submissions().is_empty());
}

#[tokio::test]
async fn the_embedded_metrics_count_what_octopus_received() {
    let w = world().await;
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = std::sync::Arc::clone(&lines);
    let responder = Handler::new(
        HttpOctopus::new(settings(&w.sim, w.sim.api_key())).unwrap(),
        Options::default(),
    )
    .with_metrics(std::sync::Arc::new(move |line: &str| {
        sink.lock().unwrap().push(line.to_owned())
    }));
    let (a, b, c) = (w.deployment(), w.deployment(), w.deployment());
    let retry = w.sim.raise_guided_failure(&a, &[]);
    let proceed = w.sim.raise_manual_intervention(&b);
    let held = w.sim.raise_manual_intervention(&c);
    w.sim.take_responsibility_as_other_user(&held.interruption_id);
    let records = vec![
        w.record("a", &retry.event_id, RETRY_3),
        w.record("b", &proceed.event_id, PROCEED),
        w.record("c", &held.event_id, PROCEED),
        harness::sqs::record("d", &[("Type", "Guidance")], "{}"),
    ];

    responder.process_batch(records, deadline()).await.unwrap();

    let lines: Vec<serde_json::Value> = lines
        .lock()
        .unwrap()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let metric = |key: &str, value: &str, name: &str| {
        lines
            .iter()
            .find(|l| l[key] == value)
            .map(|l| l[name].as_u64().unwrap())
            .unwrap_or(0)
    };
    let submitted_by_sim = |value: &str| {
        w.sim
            .submissions()
            .iter()
            .filter(|s| s.values.values().any(|v| v.as_deref() == Some(value)))
            .count() as u64
    };
    assert_eq!(metric("Action", "Retry", "Submitted"), submitted_by_sim("Retry"));
    assert_eq!(metric("Action", "Proceed", "Submitted"), submitted_by_sim("Proceed"));
    assert_eq!(submitted_by_sim("Retry") + submitted_by_sim("Proceed"), 2);
    assert_eq!(metric("Reason", "held_by_another_user", "Skipped"), 1);
    assert_eq!(metric("Cause", "bad_record", "Failed"), 1);
    assert_eq!(lines[0]["Records"], 4);
}
