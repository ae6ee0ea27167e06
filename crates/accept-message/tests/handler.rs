//! accept-message driven through its handler with API Gateway v2 events (fixtures and built
//! ones), publishing to an in-memory publisher: every decision of the handler, without a queue.
//! Each webhook presents its rule's token (`WebhookRequest::signed`) unless it is meant to be
//! refused. The SQS adapter's own tests (what reaches a real queue) are in `sqs_publisher.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use accept_message::{Acceptor, InMemoryPublisher, OutgoingMessage, WebhookAuth};
use base64::Engine;
use harness::apigw::WebhookRequest;
use lambda_http::http::{HeaderName, StatusCode};
use lambda_http::{Body, Response};
use serde_json::{Value, json};

/// The environment's webhook secret; each rule's token is derived from it.
const TOKEN: &str = "fixture-webhook-token";
const HEADER: &str = "x-octopus-webhook-token";
const GUIDED_FAILURE: &str = include_str!("fixtures/subscription-guided-failure.json");
const MANUAL_INTERVENTION: &str = include_str!("fixtures/subscription-manual-intervention.json");
const APIGW_RETRY: &str = include_str!("fixtures/apigw-v2-guided-failure-retry.json");
/// Looks like a credential, and is longer than the 64 characters a bad id is quoted to.
const SECRET_LOOKING: &str = "ghp_7f3a9c1eSECRETsecretSECRETsecret0123456789abcdefABCDEF0123456789abcdef";

struct Setup {
    publisher: InMemoryPublisher,
    acceptor: Acceptor<InMemoryPublisher>,
}

fn setup() -> Setup {
    let publisher = InMemoryPublisher::new();
    let auth = WebhookAuth::new(HeaderName::from_static(HEADER), Some(TOKEN.to_owned().into()));
    Setup {
        acceptor: Acceptor::new(publisher.clone(), auth),
        publisher,
    }
}

impl Setup {
    async fn send(&self, request: WebhookRequest) -> (StatusCode, Value) {
        answer(self.acceptor.handle(request.to_request()).await)
    }

    fn queued(&self) -> Vec<OutgoingMessage> {
        self.publisher.messages()
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

/// A webhook with a URL that is not a rule, so it has no token: the secret is presented.
fn unsigned(query: &str, body: &str) -> WebhookRequest {
    WebhookRequest::post(query, body).header(HEADER, TOKEN)
}

/// The token of the rule in `query`.
fn token(query: &str) -> String {
    harness::apigw::rule_token(query, TOKEN).expect("a rule")
}

fn attribute<'a>(message: &'a OutgoingMessage, name: &str) -> Option<&'a str> {
    message
        .attributes
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.as_str())
}

/// A minimal guided-failure payload around `event`.
fn payload(event: Value) -> String {
    json!({"Payload": {"Event": event}}).to_string()
}

fn event(related: Value) -> Value {
    json!({"Id": "Events-1", "Category": "GuidedFailureInterruptionRaised", "SpaceId": "Spaces-1",
           "RelatedDocumentIds": related})
}

#[tokio::test]
async fn queues_a_guided_failure_with_the_canonical_rule_attributes_and_answers_202() {
    let setup = setup();

    let (status, body) = setup
        .send(authed("type=guidance&ACTION=retry&MaximumRetry=3", GUIDED_FAILURE))
        .await;

    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let queued = setup.queued();
    assert_eq!(queued.len(), 1);
    assert_eq!(body["messageId"], "in-memory-1");
    assert_eq!(attribute(&queued[0], "Type"), Some("Guidance"));
    assert_eq!(attribute(&queued[0], "Action"), Some("Retry"));
    assert_eq!(attribute(&queued[0], "MaximumRetry"), Some("3"));
    assert_eq!(attribute(&queued[0], "EventId"), Some("Events-98765"));
    assert_eq!(queued[0].group_id, "ServerTasks-2041");
    assert_eq!(queued[0].deduplication_id, "Events-98765");
    let queued_body: Value = serde_json::from_str(&queued[0].body).unwrap();
    assert_eq!(queued_body["Payload"]["Event"]["Id"], "Events-98765");
}

#[tokio::test]
async fn queues_the_then_answer_of_a_retry_rule_as_the_then_attribute() {
    let setup = setup();

    let (status, body) = setup
        .send(authed(
            "type=Guidance&action=Retry&maximumretry=2&then=exclude",
            GUIDED_FAILURE,
        ))
        .await;

    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let queued = setup.queued();
    assert_eq!(attribute(&queued[0], "Then"), Some("Exclude"));
    let (_, _) = setup.send(authed("type=Guidance&action=Retry", GUIDED_FAILURE)).await;
    assert_eq!(
        attribute(&setup.queued()[1], "Then"),
        Some("Fail"),
        "the original URLs keep their meaning"
    );
}

#[tokio::test]
async fn handles_the_api_gateway_fixture_as_lambda_delivers_it() {
    let setup = setup();
    let request = lambda_http::request::from_str(APIGW_RETRY).unwrap();

    let (status, _) = answer(setup.acceptor.handle(request).await);

    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(setup.queued().len(), 1);
}

#[tokio::test]
async fn defaults_maximum_retry_to_one_when_the_url_leaves_it_out() {
    let setup = setup();

    let (status, _) = setup
        .send(authed("type=Result&action=Proceed", MANUAL_INTERVENTION))
        .await;

    assert_eq!(status, StatusCode::ACCEPTED);
    let queued = setup.queued();
    assert_eq!(attribute(&queued[0], "Type"), Some("Result"));
    assert_eq!(attribute(&queued[0], "Action"), Some("Proceed"));
    assert_eq!(attribute(&queued[0], "MaximumRetry"), Some("1"));
}

#[tokio::test]
async fn the_queue_never_holds_the_header_value_that_octopus_echoes() {
    let setup = setup();
    let proceed = token("type=Result&action=Proceed");
    assert!(
        MANUAL_INTERVENTION.contains(&proceed),
        "the fixture echoes the rule's token"
    );

    let (status, _) = setup
        .send(authed("type=Result&action=Proceed", MANUAL_INTERVENTION))
        .await;

    assert_eq!(status, StatusCode::ACCEPTED);
    let body = &setup.queued()[0].body;
    assert!(!body.contains(&proceed), "the token leaked into the queue: {body}");
    assert!(!body.contains("WebhookHeaderValue"));
    assert!(
        body.contains("WebhookHeaderKey"),
        "the rest of the subscription is kept"
    );
}

#[tokio::test]
async fn answers_401_and_queues_nothing_when_the_header_is_missing_or_wrong() {
    let setup = setup();

    let missing = setup
        .send(WebhookRequest::post("type=Result&action=Proceed", MANUAL_INTERVENTION))
        .await;
    let wrong = setup
        .send(WebhookRequest::post("type=Result&action=Proceed", MANUAL_INTERVENTION).header(HEADER, "guess"))
        .await;

    assert_eq!(missing.0, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.0, StatusCode::UNAUTHORIZED);
    assert!(wrong.1["error"].as_str().unwrap().contains(HEADER));
    assert!(setup.queued().is_empty());
}

#[tokio::test]
async fn the_header_name_matches_in_any_letter_case() {
    let setup = setup();

    let (status, _) = setup
        .send(
            WebhookRequest::post("type=Result&action=Proceed", MANUAL_INTERVENTION)
                .header("X-OCTOPUS-Webhook-Token", &token("type=Result&action=Proceed")),
        )
        .await;

    assert_eq!(status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn answers_400_naming_what_is_accepted_for_a_bad_webhook_url() {
    let setup = setup();
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
        (
            "type=Guidance&action=Retry&then=Proceed",
            "`then` must be one of Fail, Exclude, Ignore, Leave",
        ),
        (
            "type=Guidance&action=Fail&then=Exclude",
            "`then` goes only with action=Retry",
        ),
        (
            "type=Result&action=Proceed&then=Fail",
            "`then` goes only with action=Retry",
        ),
    ];

    for (query, expected) in cases {
        let (status, body) = setup.send(unsigned(query, GUIDED_FAILURE)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        let error = body["error"].as_str().unwrap();
        assert!(error.contains(expected), "{query}: {error}");
    }
    assert!(setup.queued().is_empty());
}

#[tokio::test]
async fn answers_400_for_a_body_that_is_not_a_subscription_payload() {
    let setup = setup();
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
    assert!(setup.queued().is_empty());
}

#[tokio::test]
async fn a_value_of_the_wrong_type_is_refused_400_naming_the_field_and_what_is_accepted_but_never_the_value() {
    let setup = setup();
    let number = 98_765_432_123_456_789_u64;
    let cases = [
        (json!(SECRET_LOOKING).to_string(), "the body must be a JSON object"),
        (
            json!({"Payload": SECRET_LOOKING}).to_string(),
            "Payload must be an object",
        ),
        (
            json!({"Payload": {"Event": [SECRET_LOOKING]}}).to_string(),
            "Payload.Event must be an object",
        ),
        (
            payload(event(json!(SECRET_LOOKING))),
            "Payload.Event.RelatedDocumentIds must be an array of document ids",
        ),
        (
            payload(
                json!({"Id": {"Value": SECRET_LOOKING}, "Category": "GuidedFailureInterruptionRaised",
                "SpaceId": "Spaces-1", "RelatedDocumentIds": ["ServerTasks-1"]}),
            ),
            "Payload.Event.Id must be a string",
        ),
        (
            payload(json!({"Id": "Events-1", "Category": "GuidedFailureInterruptionRaised",
                "SpaceId": number, "RelatedDocumentIds": ["ServerTasks-1"]})),
            "Payload.Event.SpaceId must be a string",
        ),
    ];

    for (body, expected) in cases {
        let (status, answer) = setup.send(authed("type=Guidance&action=Fail", &body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let error = answer["error"].as_str().unwrap();
        assert!(error.contains(expected), "{error}");
        assert!(!error.contains(SECRET_LOOKING), "the value was echoed: {error}");
        assert!(!error.contains(&number.to_string()), "the value was echoed: {error}");
    }
    assert!(setup.queued().is_empty());
}

#[tokio::test]
async fn a_null_or_non_string_related_document_id_is_skipped_and_the_webhook_queued() {
    let setup = setup();
    let related = json!([null, "Deployments-7", 42, {"Id": "ServerTasks-1"}, null, "ServerTasks-9"]);

    let (status, answer) = setup
        .send(authed("type=Guidance&action=Fail", &payload(event(related))))
        .await;

    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    let queued = setup.queued();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].group_id, "ServerTasks-9");
}

#[tokio::test]
async fn related_document_ids_with_only_nulls_and_non_strings_are_refused_400_as_naming_no_document() {
    let setup = setup();

    let (status, answer) = setup
        .send(authed(
            "type=Guidance&action=Fail",
            &payload(event(json!([null, 42, {"Id": "ServerTasks-1"}]))),
        ))
        .await;

    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error = answer["error"].as_str().unwrap();
    assert!(
        error.contains("names no ServerTasks-, Deployments- or RunbookRuns- document"),
        "{error}"
    );
    assert!(setup.queued().is_empty());
}

#[tokio::test]
async fn answers_413_for_a_body_over_256_kib() {
    let setup = setup();
    let padding = "x".repeat(accept_message::MAX_BODY_BYTES);
    let body = GUIDED_FAILURE.replacen(
        "\"Timestamp\"",
        &format!("\"Padding\": \"{padding}\", \"Timestamp\""),
        1,
    );

    let (status, answer) = setup.send(authed("type=Guidance&action=Fail", &body)).await;

    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(answer["error"].as_str().unwrap().contains("at most 262144 bytes"));
    assert!(setup.queued().is_empty());
}

#[tokio::test]
async fn answers_413_when_the_body_fits_but_the_message_with_its_attributes_would_not() {
    let setup = setup();
    let event = r#"{"Id":"Events-1","Category":"GuidedFailureInterruptionRaised","SpaceId":"Spaces-1","RelatedDocumentIds":["ServerTasks-1"]}"#;
    let frame = format!(r#"{{"Payload":{{"Event":{event}}},"Padding":""}}"#);
    let padding = "x".repeat(accept_message::MAX_BODY_BYTES - frame.len() - 10);
    let body = format!(r#"{{"Payload":{{"Event":{event}}},"Padding":"{padding}"}}"#);
    assert!(body.len() <= accept_message::MAX_BODY_BYTES);

    let (status, answer) = setup.send(authed("type=Guidance&action=Fail", &body)).await;

    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("fit on the queue"));
    assert!(setup.queued().is_empty());
}

#[tokio::test]
async fn answers_405_to_anything_but_post() {
    let setup = setup();

    let (status, body) = setup
        .send(authed("type=Guidance&action=Fail", GUIDED_FAILURE).method("GET"))
        .await;

    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(body["error"].as_str().unwrap().contains("only POST"));
    assert!(setup.queued().is_empty());
}

#[tokio::test]
async fn answers_200_ignored_and_queues_nothing_for_an_event_of_the_other_kind() {
    let setup = setup();

    let (status, body) = setup.send(authed("type=Result&action=Proceed", GUIDED_FAILURE)).await;

    assert_eq!(status, StatusCode::OK);
    assert!(
        body["ignored"]
            .as_str()
            .unwrap()
            .contains("GuidedFailureInterruptionRaised")
    );
    assert!(setup.queued().is_empty());
}

#[tokio::test]
async fn answers_200_ignored_for_another_category_even_when_it_regards_no_task() {
    let setup = setup();
    let body = r#"{"Payload":{"Event":{"Id":"Events-5","Category":"MachineHealthChanged","SpaceId":"Spaces-1",
        "RelatedDocumentIds":["Machines-3"]}}}"#;

    let (status, answer) = setup.send(authed("type=Guidance&action=Retry", body)).await;

    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(answer["ignored"].as_str().unwrap().contains("MachineHealthChanged"));
    assert!(setup.queued().is_empty());
}

#[tokio::test]
async fn an_ignored_category_is_quoted_to_at_most_64_characters() {
    let setup = setup();
    let category = format!("Machine{}", "x".repeat(10_000));
    let body = payload(json!({"Id": "Events-5", "Category": category, "SpaceId": "Spaces-1",
        "RelatedDocumentIds": ["Machines-3"]}));

    let (status, answer) = setup.send(authed("type=Guidance&action=Retry", &body)).await;

    assert_eq!(status, StatusCode::OK, "{answer}");
    let ignored = answer["ignored"].as_str().unwrap();
    assert!(ignored.contains(&category[..64]), "{ignored}");
    assert!(!ignored.contains(&category[..65]), "{ignored}");
}

#[tokio::test]
async fn decodes_a_base64_encoded_body() {
    let setup = setup();
    let mut request = authed(
        "type=Guidance&action=Ignore",
        &base64::engine::general_purpose::STANDARD.encode(GUIDED_FAILURE),
    );
    request.is_base64_encoded = true;

    let (status, _) = setup.send(request).await;

    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(attribute(&setup.queued()[0], "Action"), Some("Ignore"));
}

/// A payload that echoes `echoed` as the subscription's header value (as Octopus servers before
/// 2026.1 do) and mentions `mentioned` in the event's message.
fn echoing(echoed: &str, mentioned: &str) -> String {
    let mut body: Value = serde_json::from_str(MANUAL_INTERVENTION).unwrap();
    body["Payload"]["Subscription"]["EventNotificationSubscription"]["WebhookHeaderValue"] = json!(echoed);
    body["Payload"]["Event"]["Message"] = json!(format!("sent with {mentioned}"));
    body.to_string()
}

#[tokio::test]
async fn a_webhook_presenting_its_own_rule_s_token_is_queued_202() {
    let setup = setup();

    let (status, body) = setup
        .send(
            WebhookRequest::post("type=Result&action=Proceed", MANUAL_INTERVENTION)
                .header(HEADER, &token("type=Result&action=Proceed")),
        )
        .await;

    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(setup.queued().len(), 1);
}

#[tokio::test]
async fn a_token_of_another_rule_is_refused_401_saying_how_to_get_this_rule_s_token() {
    let setup = setup();
    let retry = token("type=Guidance&action=Retry");

    let (status, body) = setup
        .send(WebhookRequest::post("type=Result&action=Proceed", MANUAL_INTERVENTION).header(HEADER, &retry))
        .await;
    let (more_retries, _) = setup
        .send(WebhookRequest::post("type=Guidance&action=Retry&maximumretry=2", GUIDED_FAILURE).header(HEADER, &retry))
        .await;

    assert_eq!(
        (status, more_retries),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    let error = body["error"].as_str().unwrap();
    assert!(error.contains("header value is not this rule's token"), "{error}");
    assert!(
        error.contains("octo-responder token --env <env> --rule 'type=Result&action=Proceed'"),
        "{error}"
    );
    assert!(!error.contains(&retry), "the value sent is never answered: {error}");
    assert!(setup.queued().is_empty());
}

#[tokio::test]
async fn the_same_rule_spelled_differently_shares_its_token_and_is_queued_202() {
    let setup = setup();
    let retry = token("type=Guidance&action=Retry");
    let spellings = [
        "type=Guidance&action=Retry",
        "TYPE=guidance&Action=RETRY",
        "action=Retry&type=Guidance",
        "type=Guidance&action=Retry&maximumretry=1",
        "type=Guidance&action=Retry&maximumretry=1&then=Fail",
        "then=fail&MaximumRetry=1&action=retry&type=GUIDANCE&source=octopus",
    ];

    for query in spellings {
        let (status, body) = setup
            .send(WebhookRequest::post(query, GUIDED_FAILURE).header(HEADER, &retry))
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{query}: {body}");
    }
    assert_eq!(setup.queued().len(), spellings.len());
}

#[tokio::test]
async fn the_shared_secret_itself_is_refused_401_by_default() {
    let setup = setup();

    let (status, body) = setup
        .send(WebhookRequest::post("type=Result&action=Proceed", MANUAL_INTERVENTION).header(HEADER, TOKEN))
        .await;

    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("not this rule's token"),
        "{body}"
    );
    assert!(setup.queued().is_empty());
}

#[tokio::test]
async fn without_the_header_a_bad_url_is_refused_401_and_with_any_header_value_400() {
    let setup = setup();

    let (missing, _) = setup
        .send(WebhookRequest::post("type=Guidance&action=Nope", GUIDED_FAILURE))
        .await;
    let (wrong, _) = setup
        .send(WebhookRequest::post("type=Guidance&action=Nope", GUIDED_FAILURE).header(HEADER, "guess"))
        .await;

    assert_eq!(missing, StatusCode::UNAUTHORIZED);
    assert_eq!(
        wrong,
        StatusCode::BAD_REQUEST,
        "the URL has no rule, so no token to compare with"
    );
    assert!(setup.queued().is_empty());
}

#[tokio::test]
async fn the_queued_body_holds_neither_the_rule_s_token_nor_the_secret() {
    let setup = setup();
    let proceed = token("type=Result&action=Proceed");
    let body = echoing(&proceed, &format!("{proceed} and {TOKEN}"));
    assert!(body.contains(&proceed) && body.contains(TOKEN));

    let (status, answer) = setup.send(authed("type=Result&action=Proceed", &body)).await;

    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    let queued = &setup.queued()[0].body;
    assert!(!queued.contains(&proceed), "the token reached the queue: {queued}");
    assert!(!queued.contains(TOKEN), "the secret reached the queue: {queued}");
    let queued: Value = serde_json::from_str(queued).unwrap();
    assert_eq!(queued["Payload"]["Event"]["Id"], "Events-98801", "the event is kept");
}
