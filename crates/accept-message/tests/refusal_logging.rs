//! What accept-message logs when it refuses a body whose fields have the wrong JSON type: the
//! field and what is accepted, never the value sent. One test in its own binary: tracing caches
//! per call site whether anyone listens, and other tests running on other threads of the same
//! binary could race that cache.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use accept_message::{Acceptor, InMemoryPublisher, WebhookAuth};
use harness::apigw::WebhookRequest;
use lambda_http::http::HeaderName;
use serde_json::json;

const TOKEN: &str = "fixture-webhook-token";
const HEADER: &str = "x-octopus-webhook-token";
/// Looks like a credential, and is longer than the 64 characters a bad id is quoted to.
const SECRET_LOOKING: &str = "ghp_7f3a9c1eSECRETsecretSECRETsecret0123456789abcdefABCDEF0123456789abcdef";

#[tokio::test]
async fn a_value_of_the_wrong_type_is_neither_answered_nor_logged_only_its_field_is_named() {
    let auth = WebhookAuth::new(HeaderName::from_static(HEADER), Some(TOKEN.to_owned().into()));
    let acceptor = Acceptor::new(InMemoryPublisher::new(), auth);
    let number = 98_765_432_123_456_789_u64;
    let bodies = [
        json!({"Payload": {"Event": {"Id": "Events-1", "Category": "GuidedFailureInterruptionRaised",
            "SpaceId": "Spaces-1", "RelatedDocumentIds": SECRET_LOOKING}}}),
        json!({"Payload": SECRET_LOOKING}),
        json!({"Payload": {"Event": {"Id": number, "Category": "GuidedFailureInterruptionRaised",
            "SpaceId": "Spaces-1", "RelatedDocumentIds": ["ServerTasks-1"]}}}),
    ];
    let (_guard, logs) = harness::logs::capture();

    let mut answers = Vec::new();
    for body in &bodies {
        let request = WebhookRequest::signed("type=Guidance&action=Fail", body.to_string(), HEADER, TOKEN);
        let response = acceptor.handle(request.to_request()).await;
        assert_eq!(response.status(), 400);
        answers.push(String::from_utf8_lossy(response.body().as_ref()).into_owned());
    }

    let refusals = logs.lines_with_message("webhook refused");
    let reasons: Vec<&str> = refusals
        .iter()
        .map(|line| line["fields"]["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons.len(), 3, "{}", logs.text());
    assert!(reasons[0].contains("Payload.Event.RelatedDocumentIds must be an array of document ids"));
    assert!(reasons[1].contains("Payload must be an object"));
    assert!(reasons[2].contains("Payload.Event.Id must be a string"));
    let text = logs.text();
    for leaked in [SECRET_LOOKING.to_owned(), number.to_string()] {
        assert!(!text.contains(&leaked), "the value was logged: {text}");
        assert!(
            answers.iter().all(|a| !a.contains(&leaked)),
            "the value was answered: {answers:?}"
        );
    }
}
