//! Wrong webhook header values seen from outside: one of a token's length, one of another length,
//! the environment's secret itself and another rule's token get the same answer and the same
//! logged reason, and no value is logged.
//!
//! What this cannot show: that the comparison is constant-time. Answers and log lines are the
//! same whether the secret is compared in constant time or with `==`, and timing is not measured
//! here. That property is checked structurally in accept-message (`auth.rs`): the presented value
//! and the rule's token are reduced to SHA-256 digests compared with `subtle::ConstantTimeEq`, and
//! `every_presented_value_of_any_length_is_judged_by_exactly_one_constant_time_digest_comparison`
//! fails if `check` decides any other way.
//!
//! One test in its own binary: it captures logs, and tracing's per-call-site cache can be raced
//! by tests running on other threads of the same binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use harness::apigw::{WebhookRequest, rule_token};
use reliability::hostile::{GUIDED_FAILURE, answer};
use reliability::scenario::{HEADER, TOKEN};
use serde_json::Value;

#[tokio::test]
async fn wrong_values_of_the_same_and_of_another_length_the_secret_and_another_rule_s_token_get_one_answer_and_reason_and_are_not_logged()
 {
    let token = rule_token("type=Guidance&action=Fail", TOKEN).unwrap();
    let same_length: String = token.chars().rev().collect();
    assert_eq!(same_length.len(), token.len());
    let another_rule = rule_token("type=Guidance&action=Ignore", TOKEN).unwrap();
    let wrong = [same_length.as_str(), "short", TOKEN, another_rule.as_str()];
    let (_guard, logs) = harness::logs::capture();

    let mut answers = Vec::new();
    for value in wrong {
        answers.push(
            answer(WebhookRequest::post("type=Guidance&action=Fail", GUIDED_FAILURE).header(HEADER, value)).await,
        );
    }

    assert!(
        answers.iter().all(|a| *a == answers[0]),
        "one answer for all: {answers:?}"
    );
    assert_eq!(answers[0].0, 401);
    let refusals = logs.lines_with_message("webhook refused");
    let reasons: Vec<&Value> = refusals.iter().map(|l| &l["fields"]["reason"]).collect();
    assert_eq!(reasons, ["the webhook header value is not this rule's token"; 4]);
    let text = logs.text();
    for value in wrong {
        assert!(!text.contains(value), "a wrong value is never logged: {value}");
    }
}
