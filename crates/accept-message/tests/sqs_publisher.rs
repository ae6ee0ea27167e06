//! accept-message's AWS adapters against a moto server on loopback: what the SQS publisher puts
//! on a real queue (attributes, FIFO keys, an unavailable queue) and the webhook secret read from
//! SSM. The handler's own decisions are tested without a queue in `handler.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use accept_message::{Acceptor, Config, SqsPublisher, WebhookAuth};
use aws_sdk_sqs::types::Message;
use harness::apigw::WebhookRequest;
use harness::{Moto, sqs};
use lambda_http::http::{HeaderName, StatusCode};
use lambda_http::{Body, Response};
use serde_json::Value;

const TOKEN: &str = "fixture-webhook-token";
const HEADER: &str = "x-octopus-webhook-token";
const GUIDED_FAILURE: &str = include_str!("fixtures/subscription-guided-failure.json");

struct Setup {
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    acceptor: Acceptor<SqsPublisher>,
}

async fn setup(fifo: bool) -> Setup {
    let moto = Moto::shared().expect("moto server");
    let sqs = aws_sdk_sqs::Client::new(&moto.sdk_config().await);
    let (queue_url, _dlq) = moto.create_queue_pair(&sqs, fifo, 3).await.expect("queue");
    let publisher = SqsPublisher::new(sqs.clone(), queue_url.clone());
    Setup {
        sqs,
        queue_url,
        acceptor: Acceptor::new(publisher, auth()),
    }
}

fn auth() -> WebhookAuth {
    WebhookAuth::new(HeaderName::from_static(HEADER), Some(TOKEN.to_owned().into()))
}

impl Setup {
    async fn send(&self, request: WebhookRequest) -> (StatusCode, Value) {
        answer(self.acceptor.handle(request.to_request()).await)
    }

    async fn queued(&self) -> Vec<Message> {
        sqs::receive(&self.sqs, &self.queue_url, 10, 0).await.expect("receive")
    }
}

fn answer(response: Response<Body>) -> (StatusCode, Value) {
    let status = response.status();
    let body: &[u8] = response.body().as_ref();
    (status, serde_json::from_slice(body).expect("JSON answer"))
}

/// A webhook presenting its rule's token.
fn authed(query: &str, body: &str) -> WebhookRequest {
    WebhookRequest::signed(query, body, HEADER, TOKEN)
}

fn attribute<'a>(message: &'a Message, name: &str) -> Option<&'a str> {
    message.message_attributes.as_ref()?.get(name)?.string_value.as_deref()
}

#[tokio::test]
async fn the_queue_receives_the_body_and_the_canonical_rule_attributes_and_the_answer_carries_its_message_id() {
    let setup = setup(false).await;

    let (status, body) = setup
        .send(authed("type=guidance&ACTION=retry&MaximumRetry=3", GUIDED_FAILURE))
        .await;

    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let queued = setup.queued().await;
    assert_eq!(queued.len(), 1);
    assert_eq!(body["messageId"].as_str(), queued[0].message_id.as_deref());
    assert_eq!(attribute(&queued[0], "Type"), Some("Guidance"));
    assert_eq!(attribute(&queued[0], "Action"), Some("Retry"));
    assert_eq!(attribute(&queued[0], "MaximumRetry"), Some("3"));
    assert_eq!(attribute(&queued[0], "EventId"), Some("Events-98765"));
    let queued_body: Value = serde_json::from_str(queued[0].body().unwrap()).unwrap();
    assert_eq!(queued_body["Payload"]["Event"]["Id"], "Events-98765");
}

#[tokio::test]
async fn a_fifo_queue_keeps_one_message_when_octopus_sends_the_same_event_twice() {
    let setup = setup(true).await;

    let first = setup.send(authed("type=Guidance&action=Retry", GUIDED_FAILURE)).await;
    let second = setup.send(authed("type=Guidance&action=Retry", GUIDED_FAILURE)).await;

    assert_eq!((first.0, second.0), (StatusCode::ACCEPTED, StatusCode::ACCEPTED));
    let queued = setup.queued().await;
    assert_eq!(queued.len(), 1, "de-duplicated on the event id");
    let system = queued[0].attributes.as_ref().unwrap();
    let group = system.get(&aws_sdk_sqs::types::MessageSystemAttributeName::MessageGroupId);
    assert_eq!(group.map(String::as_str), Some("ServerTasks-2041"));
}

#[tokio::test]
async fn answers_503_without_detail_when_the_queue_is_unavailable() {
    let moto = Moto::shared().expect("moto server");
    let sqs = aws_sdk_sqs::Client::new(&moto.sdk_config().await);
    let missing_queue = format!("{}/123456789012/no-such-queue", moto.endpoint());
    let acceptor = Acceptor::new(SqsPublisher::new(sqs, missing_queue), auth());

    let (status, body) = answer(
        acceptor
            .handle(authed("type=Guidance&action=Fail", GUIDED_FAILURE).to_request())
            .await,
    );

    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["error"], "the queue is unavailable; send the webhook again later");
}

#[tokio::test]
async fn reads_the_webhook_token_from_an_ssm_secure_string_at_cold_start() {
    let moto = Moto::shared().expect("moto server");
    let aws = moto.sdk_config().await;
    let name = format!("/octo-responder/test/{}", harness::moto::unique_name("token"));
    aws_sdk_ssm::Client::new(&aws)
        .put_parameter()
        .name(&name)
        .value("from-ssm-secure-string")
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .unwrap();
    let env = |key: &str| match key {
        "QUEUE_URL" => Some("http://unused".to_owned()),
        "WEBHOOK_TOKEN_PARAMETER" => Some(name.clone()),
        _ => None,
    };

    let config = Config::from_lookup(&env).unwrap();
    let token = config.token.resolve(&aws).await.unwrap();

    let auth = WebhookAuth::new(config.header_name, token);
    assert_eq!(auth.secret(), Some("from-ssm-secure-string"));
}
