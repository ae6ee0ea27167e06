//! Timing-safe token comparison seen from outside: a wrong secret of the token's length and one of
//! another length get the same answer through the same path, and neither is logged. One test in
//! its own binary: it captures logs, and tracing's per-call-site cache can be raced by tests
//! running on other threads of the same binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use harness::apigw::WebhookRequest;
use reliability::hostile::{GUIDED_FAILURE, answer};
use reliability::scenario::{HEADER, TOKEN};
use serde_json::Value;

#[tokio::test]
async fn a_wrong_secret_of_the_same_length_and_one_of_another_length_take_the_same_path() {
    let same_length: String = TOKEN.chars().rev().collect();
    assert_eq!(same_length.len(), TOKEN.len());
    let (_guard, logs) = harness::logs::capture();

    let same =
        answer(WebhookRequest::post("type=Guidance&action=Fail", GUIDED_FAILURE).header(HEADER, &same_length)).await;
    let other = answer(WebhookRequest::post("type=Guidance&action=Fail", GUIDED_FAILURE).header(HEADER, "short")).await;

    assert_eq!(same, other, "one answer for both");
    assert_eq!(same.0, 401);
    let refusals = logs.lines_with_message("webhook refused");
    let reasons: Vec<&Value> = refusals.iter().map(|l| &l["fields"]["reason"]).collect();
    assert_eq!(
        reasons,
        ["the webhook header value is wrong", "the webhook header value is wrong"]
    );
    let text = logs.text();
    assert!(
        !text.contains(&same_length) && !text.contains("short"),
        "a wrong value is never logged"
    );
}
