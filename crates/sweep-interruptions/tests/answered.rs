//! The safety net end to end on loopback: a webhook that never arrived, a sweep that queues its
//! interruption, and process-message answering it from the same queue by the same rules, with
//! Notes that say the sweep found it. A late webhook racing the sweep is still answered once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use accept_message::{Acceptor, SqsPublisher, WebhookAuth};
use common::*;
use harness::apigw::{WebhookRequest, rule_token};
use harness::sqs;
use lambda_http::http::{HeaderName, StatusCode};
use octopus::{Deadline, HttpOctopus};
use process_message::{Handler, Options};

const HEADER: &str = "x-octopus-webhook-token";
/// The environment's webhook secret; the webhook presents its rule's token, derived from it.
const TOKEN: &str = "a-webhook-token-long-enough-to-pass";

/// Drains the queue through process-message, as the event source mapping would.
async fn answer_queue(w: &World) -> sqs::PumpStats {
    let handler = Handler::new(
        HttpOctopus::new(octopus_settings(&w.sim, w.sim.api_key())).unwrap(),
        Options::default(),
    )
    .with_metrics(telemetry::no_sink());
    sqs::pump(&w.sqs, &w.queue_url, 10, 20, |event| {
        let handler = &handler;
        async move {
            let response = handler
                .process_batch(event.records, Deadline::after(Duration::from_secs(20)))
                .await
                .unwrap();
            response
                .batch_item_failures
                .into_iter()
                .map(|f| f.item_identifier)
                .collect()
        }
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_lost_webhook_is_answered_after_one_sweep_by_its_subscription_s_rule_with_notes_that_say_so() {
    let w = world().await;
    w.subscribe_rule(
        "Spaces-1",
        "retry twice",
        "type=Guidance&action=Retry&maximumretry=2",
        GUIDED_FAILURE,
    );
    let (_, interruption) = w.lost_guided_failure("Spaces-1", TEN_MINUTES);

    w.sweep().await.unwrap();
    let stats = answer_queue(&w).await;

    assert_eq!((stats.records, stats.failed), (1, 0));
    let submissions = w.sim.submissions();
    assert_eq!(submissions.len(), 1);
    assert_eq!(submissions[0].interruption_id, interruption);
    assert_eq!(submissions[0].values["Guidance"].as_deref(), Some("Retry"));
    let notes = submissions[0].values["Notes"].clone().unwrap();
    assert!(notes.contains("Retry 1 of 2 for "), "{notes}");
    assert!(notes.contains("Found by the sweep: no webhook arrived"), "{notes}");
}

#[tokio::test]
async fn a_late_webhook_and_the_sweep_racing_for_one_interruption_answer_it_once() {
    let w = world().await;
    w.subscribe_rule("Spaces-1", "proceed", "type=Result&action=Proceed", MANUAL_INTERVENTION);
    let target = w.sim.add_deployment("Spaces-1");
    let raised = w.sim.raise_manual_intervention(&target);
    w.age(&raised.interruption_id, TEN_MINUTES);
    let auth = WebhookAuth::new(HeaderName::from_static(HEADER), Some(TOKEN.to_owned().into()));
    let acceptor = Acceptor::new(SqsPublisher::new(w.sqs.clone(), w.queue_url.clone()), auth);
    let token = rule_token("type=Result&action=Proceed", TOKEN).unwrap();
    let body = w
        .sim
        .webhook_body(&raised.event_id, HEADER, &token)
        .unwrap()
        .to_string();

    w.sweep().await.unwrap();
    let late = acceptor
        .handle(WebhookRequest::signed("type=Result&action=Proceed", body, HEADER, TOKEN).to_request())
        .await;
    let stats = answer_queue(&w).await;

    assert_eq!(late.status(), StatusCode::ACCEPTED);
    assert_eq!(
        (stats.records, stats.failed),
        (2, 0),
        "both copies reached process-message"
    );
    assert_eq!(w.sim.submissions().len(), 1, "answered once");
    assert_eq!(
        w.sweep().await.unwrap().pending_seen,
        0,
        "and the next sweep finds nothing"
    );
}
