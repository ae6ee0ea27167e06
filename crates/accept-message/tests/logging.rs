//! What accept-message logs, captured as the JSON lines Lambda would store. One test in its own
//! binary: tracing caches per call site whether anyone listens, and other tests running on other
//! threads of the same binary could race that cache.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use accept_message::{Acceptor, InMemoryPublisher, WebhookAuth};
use harness::apigw::WebhookRequest;
use lambda_http::http::HeaderName;

const TOKEN: &str = "fixture-webhook-token";
const HEADER: &str = "x-octopus-webhook-token";
const MANUAL_INTERVENTION: &str = include_str!("fixtures/subscription-manual-intervention.json");

#[tokio::test]
async fn logs_what_happened_but_never_the_secret_the_token_or_the_payload() {
    let auth = WebhookAuth::new(HeaderName::from_static(HEADER), Some(TOKEN.to_owned().into()));
    let acceptor = Acceptor::new(InMemoryPublisher::new(), auth);
    let (_guard, logs) = harness::logs::capture();
    let send = |request: WebhookRequest| acceptor.handle(request.to_request());

    let proceed = harness::apigw::rule_token("type=Result&action=Proceed", TOKEN).unwrap();
    send(WebhookRequest::signed(
        "type=Result&action=Proceed",
        MANUAL_INTERVENTION,
        HEADER,
        TOKEN,
    ))
    .await;
    send(WebhookRequest::post("type=Result&action=Proceed", MANUAL_INTERVENTION).header(HEADER, "guess")).await;
    send(WebhookRequest::post("type=Result&action=Proceed", MANUAL_INTERVENTION).header(HEADER, TOKEN)).await;
    send(WebhookRequest::signed(
        "type=Result&action=Proceed",
        "{\"not\": \"a payload\"}",
        HEADER,
        TOKEN,
    ))
    .await;

    let queued = logs.lines_with_message("webhook queued");
    assert_eq!(queued.len(), 1, "{}", logs.text());
    assert_eq!(queued[0]["fields"]["event_id"], "Events-98801");
    assert_eq!(queued[0]["fields"]["document_id"], "ServerTasks-2044");
    let refused = logs.lines_with_message("webhook refused");
    assert_eq!(refused.len(), 3, "{}", logs.text());
    assert_eq!(
        refused[0]["fields"]["rule"], "type=Result&action=Proceed",
        "a wrong value names its rule"
    );
    let text = logs.text();
    assert!(!text.contains(TOKEN), "the secret was logged");
    assert!(!text.contains(&proceed), "the rule's token was logged");
    assert!(!text.contains("guess"), "a wrong value was logged");
    assert!(
        !text.contains("requires manual intervention"),
        "payload content was logged"
    );
    assert!(!text.contains("WebhookHeaderKey"), "payload content was logged");
}
