//! accept-message driven through its handler with API Gateway v2 events (fixtures and built
//! ones), publishing to a real SQS queue on a moto server on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use accept_message::{Acceptor, Config, SqsPublisher, WebhookAuth};
use aws_sdk_sqs::types::Message;
use base64::Engine;
use harness::apigw::WebhookRequest;
use harness::{Moto, sqs};
use lambda_http::http::{HeaderName, StatusCode};
use lambda_http::{Body, Response};
use serde_json::Value;

const TOKEN: &str = "fixture-webhook-token";
const HEADER: &str = "x-octopus-webhook-token";
const GUIDED_FAILURE: &str = include_str!("fixtures/subscription-guided-failure.json");
const MANUAL_INTERVENTION: &str = include_str!("fixtures/subscription-manual-intervention.json");
const APIGW_RETRY: &str = include_str!("fixtures/apigw-v2-guided-failure-retry.json");

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
    let auth = WebhookAuth::new(HeaderName::from_static(HEADER), Some(TOKEN.to_owned().into()));
    Setup {
        sqs,
        queue_url,
        acceptor: Acceptor::new(publisher, auth),
    }
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

fn authed(query: &str, body: &str) -> WebhookRequest {
    WebhookRequest::post(query, body).header(HEADER, TOKEN)
}

fn attribute<'a>(message: &'a Message, name: &str) -> Option<&'a str> {
    message.message_attributes.as_ref()?.get(name)?.string_value.as_deref()
}

#[tokio::test]
async fn queues_a_guided_failure_with_the_canonical_rule_attributes_and_answers_202() {
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
async fn handles_the_api_gateway_fixture_as_lambda_delivers_it() {
    let setup = setup(false).await;
    let request = lambda_http::request::from_str(APIGW_RETRY).unwrap();

    let (status, _) = answer(setup.acceptor.handle(request).await);

    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(setup.queued().await.len(), 1);
}

#[tokio::test]
async fn defaults_maximum_retry_to_one_when_the_url_leaves_it_out() {
    let setup = setup(false).await;

    let (status, _) = setup
        .send(authed("type=Result&action=Proceed", MANUAL_INTERVENTION))
        .await;

    assert_eq!(status, StatusCode::ACCEPTED);
    let queued = setup.queued().await;
    assert_eq!(attribute(&queued[0], "Type"), Some("Result"));
    assert_eq!(attribute(&queued[0], "Action"), Some("Proceed"));
    assert_eq!(attribute(&queued[0], "MaximumRetry"), Some("1"));
}

#[tokio::test]
async fn the_queue_never_holds_the_webhook_secret_that_octopus_echoes() {
    let setup = setup(false).await;
    assert!(MANUAL_INTERVENTION.contains(TOKEN), "the fixture echoes the secret");

    let (status, _) = setup
        .send(authed("type=Result&action=Proceed", MANUAL_INTERVENTION))
        .await;

    assert_eq!(status, StatusCode::ACCEPTED);
    let queued = setup.queued().await;
    let body = queued[0].body().unwrap();
    assert!(!body.contains(TOKEN), "secret leaked into the queue: {body}");
    assert!(!body.contains("WebhookHeaderValue"));
    assert!(
        body.contains("WebhookHeaderKey"),
        "the rest of the subscription is kept"
    );
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
async fn answers_401_and_queues_nothing_when_the_header_is_missing_or_wrong() {
    let setup = setup(false).await;

    let missing = setup
        .send(WebhookRequest::post("type=Result&action=Proceed", MANUAL_INTERVENTION))
        .await;
    let wrong = setup
        .send(WebhookRequest::post("type=Result&action=Proceed", MANUAL_INTERVENTION).header(HEADER, "guess"))
        .await;

    assert_eq!(missing.0, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.0, StatusCode::UNAUTHORIZED);
    assert!(wrong.1["error"].as_str().unwrap().contains(HEADER));
    assert!(setup.queued().await.is_empty());
}

#[tokio::test]
async fn the_header_name_matches_in_any_letter_case() {
    let setup = setup(false).await;

    let (status, _) = setup
        .send(
            WebhookRequest::post("type=Result&action=Proceed", MANUAL_INTERVENTION)
                .header("X-OCTOPUS-Webhook-Token", TOKEN),
        )
        .await;

    assert_eq!(status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn answers_400_naming_what_is_accepted_for_a_bad_webhook_url() {
    let setup = setup(false).await;
    let cases = [
        ("", "`type` is required"),
        ("action=Retry", "`type` is required"),
        ("type=Deploy&action=Retry", "`type` must be Guidance or Result"),
        ("type=Guidance", "use one of Fail, Retry, Ignore, Exclude"),
        (
            "type=Guidance&action=Proceed",
            "must be one of Fail, Retry, Ignore, Exclude",
        ),
        ("type=Guidance&action=Retry&maximumretry=11", "from 0 to 10"),
        ("type=Guidance&action=Retry&maximumretry=abc", "from 0 to 10"),
    ];

    for (query, expected) in cases {
        let (status, body) = setup.send(authed(query, GUIDED_FAILURE)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        let error = body["error"].as_str().unwrap();
        assert!(error.contains(expected), "{query}: {error}");
    }
    assert!(setup.queued().await.is_empty());
}

#[tokio::test]
async fn answers_400_for_a_body_that_is_not_a_subscription_payload() {
    let setup = setup(false).await;
    let cases = [
        ("", "not valid UTF-8 JSON"),
        ("<xml/>", "not valid UTF-8 JSON"),
        (
            "{\"Payload\": {}}",
            "expected Payload.Event with Id, Category, SpaceId, RelatedDocumentIds",
        ),
        (
            r#"{"Payload":{"Event":{"Id":"Events-1","Category":"GuidedFailureInterruptionRaised","SpaceId":"Spaces-1","RelatedDocumentIds":["Projects-1"]}}}"#,
            "names no ServerTasks-, Deployments- or RunbookRuns- document",
        ),
    ];

    for (body, expected) in cases {
        let (status, answer) = setup.send(authed("type=Guidance&action=Fail", body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(answer["error"].as_str().unwrap().contains(expected), "{answer}");
    }
    assert!(setup.queued().await.is_empty());
}

#[tokio::test]
async fn answers_413_for_a_body_over_256_kib() {
    let setup = setup(false).await;
    let padding = "x".repeat(accept_message::MAX_BODY_BYTES);
    let body = GUIDED_FAILURE.replacen(
        "\"Timestamp\"",
        &format!("\"Padding\": \"{padding}\", \"Timestamp\""),
        1,
    );

    let (status, answer) = setup.send(authed("type=Guidance&action=Fail", &body)).await;

    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(answer["error"].as_str().unwrap().contains("at most 262144 bytes"));
    assert!(setup.queued().await.is_empty());
}

#[tokio::test]
async fn answers_413_when_the_body_fits_but_the_message_with_its_attributes_would_not() {
    let setup = setup(false).await;
    let event = r#"{"Id":"Events-1","Category":"GuidedFailureInterruptionRaised","SpaceId":"Spaces-1","RelatedDocumentIds":["ServerTasks-1"]}"#;
    let frame = format!(r#"{{"Payload":{{"Event":{event}}},"Padding":""}}"#);
    let padding = "x".repeat(accept_message::MAX_BODY_BYTES - frame.len() - 10);
    let body = format!(r#"{{"Payload":{{"Event":{event}}},"Padding":"{padding}"}}"#);
    assert!(body.len() <= accept_message::MAX_BODY_BYTES);

    let (status, answer) = setup.send(authed("type=Guidance&action=Fail", &body)).await;

    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("fit on the queue"));
    assert!(setup.queued().await.is_empty());
}

#[tokio::test]
async fn answers_405_to_anything_but_post() {
    let setup = setup(false).await;

    let (status, body) = setup
        .send(authed("type=Guidance&action=Fail", GUIDED_FAILURE).method("GET"))
        .await;

    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(body["error"].as_str().unwrap().contains("only POST"));
    assert!(setup.queued().await.is_empty());
}

#[tokio::test]
async fn answers_200_ignored_and_queues_nothing_for_an_event_of_the_other_kind() {
    let setup = setup(false).await;

    let (status, body) = setup.send(authed("type=Result&action=Proceed", GUIDED_FAILURE)).await;

    assert_eq!(status, StatusCode::OK);
    assert!(
        body["ignored"]
            .as_str()
            .unwrap()
            .contains("GuidedFailureInterruptionRaised")
    );
    assert!(setup.queued().await.is_empty());
}

#[tokio::test]
async fn answers_200_ignored_for_another_category_even_when_it_regards_no_task() {
    let setup = setup(false).await;
    let body = r#"{"Payload":{"Event":{"Id":"Events-5","Category":"MachineHealthChanged","SpaceId":"Spaces-1",
        "RelatedDocumentIds":["Machines-3"]}}}"#;

    let (status, answer) = setup.send(authed("type=Guidance&action=Retry", body)).await;

    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(answer["ignored"].as_str().unwrap().contains("MachineHealthChanged"));
    assert!(setup.queued().await.is_empty());
}

#[tokio::test]
async fn decodes_a_base64_encoded_body() {
    let setup = setup(false).await;
    let mut request = authed(
        "type=Guidance&action=Ignore",
        &base64::engine::general_purpose::STANDARD.encode(GUIDED_FAILURE),
    );
    request.is_base64_encoded = true;

    let (status, _) = setup.send(request).await;

    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(attribute(&setup.queued().await[0], "Action"), Some("Ignore"));
}

#[tokio::test]
async fn answers_503_without_detail_when_the_queue_is_unavailable() {
    let moto = Moto::shared().expect("moto server");
    let sqs = aws_sdk_sqs::Client::new(&moto.sdk_config().await);
    let missing_queue = format!("{}/123456789012/no-such-queue", moto.endpoint());
    let auth = WebhookAuth::new(HeaderName::from_static(HEADER), Some(TOKEN.to_owned().into()));
    let acceptor = Acceptor::new(SqsPublisher::new(sqs, missing_queue), auth);

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
