//! The whole path on loopback: accept-message's handler -> a moto SQS queue -> an emulated event
//! source mapping -> process-message -> the Octopus simulator over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use accept_message::{Acceptor, SqsPublisher, WebhookAuth};
use common::*;
use harness::apigw::{WebhookRequest, rule_token};
use harness::{Moto, sqs};
use lambda_http::http::{HeaderName, StatusCode};

struct Pipeline {
    world: World,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    dlq_url: String,
    acceptor: Acceptor<SqsPublisher>,
}

async fn pipeline(fifo: bool, max_receive_count: u32) -> Pipeline {
    let moto = Moto::shared().unwrap();
    let sqs = aws_sdk_sqs::Client::new(&moto.sdk_config().await);
    let (queue_url, dlq_url) = moto.create_queue_pair(&sqs, fifo, max_receive_count).await.unwrap();
    let auth = WebhookAuth::new(
        HeaderName::from_static("x-octopus-webhook-token"),
        Some(TOKEN.to_owned().into()),
    );
    Pipeline {
        world: world().await,
        acceptor: Acceptor::new(SqsPublisher::new(sqs.clone(), queue_url.clone()), auth),
        sqs,
        queue_url,
        dlq_url,
    }
}

impl Pipeline {
    /// Posts the webhook a subscription for the rule in `query` sends: the rule's token in the
    /// header, echoed back in the payload.
    async fn webhook(&self, query: &str, event_id: &str) -> StatusCode {
        let token = rule_token(query, TOKEN).unwrap();
        let body = self
            .world
            .sim
            .webhook_body(event_id, HEADER, &token)
            .unwrap()
            .to_string();
        let request = WebhookRequest::signed(query, body, HEADER, TOKEN);
        self.acceptor.handle(request.to_request()).await.status()
    }

    async fn drain(&self) -> sqs::PumpStats {
        let responder = &self.world.responder;
        sqs::pump(&self.sqs, &self.queue_url, 10, 20, |event| async move {
            failed(responder.process_batch(event.records, deadline()).await.unwrap())
        })
        .await
        .unwrap()
    }
}

#[tokio::test]
async fn a_webhook_travels_through_the_queue_to_an_answered_interruption() {
    let p = pipeline(true, 3).await;
    let target = p.world.deployment();
    let raised = p.world.sim.raise_guided_failure(&target, &[]);

    assert_eq!(
        p.webhook("type=Guidance&action=Retry&maximumretry=2", &raised.event_id)
            .await,
        StatusCode::ACCEPTED
    );
    let stats = p.drain().await;

    assert_eq!((stats.records, stats.deleted, stats.failed), (1, 1, 0));
    let answer = &p.world.submitted(&raised.interruption_id, "Guidance")[0];
    assert_eq!(answer.0, "Retry");
    assert!(answer.1.contains("Retry 1 of 2 for "), "{}", answer.1);
    assert_eq!(sqs::depth(&p.sqs, &p.queue_url).await.unwrap(), 0);
}

#[tokio::test]
async fn a_webhook_octopus_sends_twice_is_answered_once_on_a_fifo_queue() {
    let p = pipeline(true, 3).await;
    let target = p.world.deployment();
    let raised = p.world.sim.raise_manual_intervention(&target);

    for _ in 0..3 {
        assert_eq!(
            p.webhook("type=Result&action=Proceed", &raised.event_id).await,
            StatusCode::ACCEPTED
        );
    }
    let stats = p.drain().await;

    assert_eq!(stats.records, 1, "de-duplicated on the event id");
    assert_eq!(p.world.sim.submissions().len(), 1);
}

#[tokio::test]
async fn a_webhook_sent_twice_to_a_standard_queue_is_still_answered_once() {
    let p = pipeline(false, 3).await;
    let target = p.world.deployment();
    let raised = p.world.sim.raise_manual_intervention(&target);

    p.webhook("type=Result&action=Proceed", &raised.event_id).await;
    p.webhook("type=Result&action=Proceed", &raised.event_id).await;
    let stats = p.drain().await;

    assert_eq!((stats.records, stats.failed), (2, 0));
    assert_eq!(p.world.sim.submissions().len(), 1, "the second found nothing pending");
    assert_eq!(sqs::depth(&p.sqs, &p.queue_url).await.unwrap(), 0);
}

#[tokio::test]
async fn a_retry_loop_is_retried_then_failed_once_the_budget_is_spent() {
    let p = pipeline(true, 3).await;
    let target = p.world.deployment();
    p.world.sim.set_retry_outcome(&target, 10);
    let first = p.world.sim.raise_guided_failure(&target, &[]);
    let query = "type=Guidance&action=Retry&maximumretry=2";

    let mut event_id = first.event_id.clone();
    let mut answers = Vec::new();
    for _ in 0..3 {
        p.webhook(query, &event_id).await;
        p.drain().await;
        let last = p.world.sim.submissions().last().cloned().unwrap();
        answers.push(last.values["Guidance"].clone().unwrap());
        event_id = p
            .world
            .sim
            .event_ids(&target.task_id, "GuidedFailureInterruptionRaised")[0]
            .clone();
    }

    assert_eq!(answers, ["Retry", "Retry", "Fail"]);
}

#[tokio::test]
async fn a_record_that_keeps_failing_ends_in_the_dead_letter_queue_and_nothing_else_does() {
    let p = pipeline(false, 2).await;
    let (a, b) = (p.world.deployment(), p.world.deployment());
    let (raised_a, raised_b) = (
        p.world.sim.raise_manual_intervention(&a),
        p.world.sim.raise_manual_intervention(&b),
    );
    p.world.sim.set_can_take_responsibility(&raised_b.interruption_id, true);
    p.world.sim.inject(
        octopus_sim::Fault::status(403)
            .path_contains(format!("regarding={}", a.task_id))
            .times(1000),
    );

    p.webhook("type=Result&action=Proceed", &raised_a.event_id).await;
    p.webhook("type=Result&action=Proceed", &raised_b.event_id).await;
    p.drain().await;

    assert_eq!(sqs::depth(&p.sqs, &p.queue_url).await.unwrap(), 0);
    let dead = sqs::receive(&p.sqs, &p.dlq_url, 10, 0).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert!(dead[0].body().unwrap().contains(&raised_a.event_id));
    assert_eq!(p.world.submitted(&raised_b.interruption_id, "Result").len(), 1);
    assert!(
        !dead[0].body().unwrap().contains(TOKEN),
        "the secret never reaches the queue"
    );
    let token = rule_token("type=Result&action=Proceed", TOKEN).unwrap();
    assert!(
        !dead[0].body().unwrap().contains(&token),
        "nor does the rule's token Octopus echoes"
    );
}
