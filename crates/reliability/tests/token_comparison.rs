//! Wrong webhook secrets seen from outside: one of the secret's length and one of another length
//! get the same answer and the same logged reason, and neither value is logged.
//!
//! What this cannot show: that the comparison is constant-time. Answers and log lines are the
//! same whether the secret is compared in constant time or with `==`, and timing is not measured
//! here. That property is checked structurally in accept-message (`auth.rs`): the presented value
//! and the secret are reduced to SHA-256 digests compared with `subtle::ConstantTimeEq`, and
//! `every_presented_value_of_any_length_is_judged_by_exactly_one_constant_time_digest_comparison`
//! fails if `check` decides any other way.
//!
//! One test in its own binary: it captures logs, and tracing's per-call-site cache can be raced
//! by tests running on other threads of the same binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use harness::apigw::WebhookRequest;
use reliability::hostile::{GUIDED_FAILURE, answer};
use reliability::scenario::{HEADER, TOKEN};
use serde_json::Value;

#[tokio::test]
async fn wrong_secrets_of_the_same_and_of_another_length_get_one_answer_and_reason_and_are_not_logged() {
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
