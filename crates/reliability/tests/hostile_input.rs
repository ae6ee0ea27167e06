//! Hostile input, property-based: accept-message's query, header and body handling and
//! process-message's record parsing never panic; every bad webhook is a JSON 4xx with nothing
//! queued; every bad record is an isolated batch-item failure. 256 cases per property, more
//! with `PROPTEST_CASES` (`make fuzz`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;

use accept_message::{AuthFailure, MAX_BODY_BYTES, WebhookAuth};
use base64::Engine;
use harness::apigw::WebhookRequest;
use harness::apigw::rule_token;
use lambda_http::http::{HeaderMap, HeaderName, HeaderValue};
use messaging::Rule;
use proptest::prelude::*;
use reliability::hostile::{
    self, Auth, GUIDED_FAILURE, HostileWebhook, answer, check_batch, check_webhook, deeply_nested,
};
use reliability::scenario::{HEADER, TOKEN};
use serde_json::Value;

const FAIL: &str = "type=Guidance&action=Fail";

fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

fn webhook(body: &str) -> HostileWebhook {
    HostileWebhook {
        request: WebhookRequest::signed(FAIL, body, HEADER, TOKEN),
        auth: Auth::Right,
        body_len: body.len(),
    }
}

proptest! {
    #![proptest_config(hostile::config())]

    #[test]
    fn no_webhook_makes_accept_message_panic_and_every_refusal_is_a_json_4xx_with_nothing_queued(
        case in hostile::webhook()
    ) {
        let outcome = block_on(check_webhook(&case));
        prop_assert!(outcome.is_ok(), "{}", outcome.unwrap_err());
    }

    #[test]
    fn no_record_makes_process_message_panic_and_each_bad_one_fails_alone(
        records in proptest::collection::vec(hostile::record(), 0..12)
    ) {
        let outcome = block_on(check_batch(&records));
        prop_assert!(outcome.is_ok(), "{}", outcome.unwrap_err());
    }

    #[test]
    fn a_wrong_value_of_any_length_is_refused_with_the_same_answer(wrong in "[ -~]{0,80}") {
        prop_assume!(Some(&wrong) != rule_token(FAIL, TOKEN).as_ref());
        let auth = WebhookAuth::new(HeaderName::from_static("x-octopus-webhook-token"), Some(TOKEN.to_owned().into()));
        let mut headers = HeaderMap::new();
        headers.insert("x-octopus-webhook-token", HeaderValue::from_str(&wrong).unwrap());
        let fail = Rule::from_query([("type", "Guidance"), ("action", "Fail")]).unwrap();
        prop_assert_eq!(auth.check(&headers, &fail), Err(AuthFailure::Wrong));
        let request = WebhookRequest::post(FAIL, GUIDED_FAILURE).header(HEADER, &wrong);
        let (status, body, queued) = block_on(answer(request));
        prop_assert_eq!((status, queued), (401, 0));
        prop_assert_eq!(
            body["error"].as_str(),
            Some(
                "the x-octopus-webhook-token header value is not this rule's token: each rule has its own, derived \
                 from the environment's webhook secret and the rule (type=Guidance&action=Fail); set the \
                 subscription's webhook header value to the output of \
                 `octo-responder token --env <env> --rule 'type=Guidance&action=Fail'`"
            )
        );
    }

    /// Padded standard base64, as API Gateway encodes. (lambda_http panics on a body flagged
    /// base64 that is not, unpadded base64 included, before the handler is called.)
    #[test]
    fn a_base64_encoded_payload_is_read_like_the_plain_text(padding in "[ -~]{0,200}") {
        let mut payload: Value = serde_json::from_str(GUIDED_FAILURE).unwrap();
        payload["Padding"] = Value::String(padding);
        let text = payload.to_string();
        let encoded = base64::engine::general_purpose::STANDARD.encode(&text);
        let mut request = WebhookRequest::signed(FAIL, encoded, HEADER, TOKEN);
        request.is_base64_encoded = true;
        let (status, _, queued) = block_on(answer(request));
        prop_assert_eq!((status, queued), (202, 1));
    }
}

#[tokio::test]
async fn every_letter_case_of_the_header_name_authenticates() {
    for name in [
        HEADER.to_owned(),
        HEADER.to_ascii_uppercase(),
        HEADER.to_ascii_lowercase(),
        "x-OCTOPUS-webhook-TOKEN".to_owned(),
    ] {
        let (status, _, queued) = answer(WebhookRequest::signed(FAIL, GUIDED_FAILURE, &name, TOKEN)).await;
        assert_eq!((status, queued), (202, 1), "{name}");
    }
}

#[tokio::test]
async fn a_body_one_byte_over_the_limit_is_refused_413_plain_or_base64() {
    let mut payload: Value = serde_json::from_str(GUIDED_FAILURE).unwrap();
    let frame = payload.to_string().len() + r#","Padding":"""#.len();
    payload["Padding"] = Value::String("x".repeat(MAX_BODY_BYTES + 1 - frame));
    let body = payload.to_string();
    assert_eq!(body.len(), MAX_BODY_BYTES + 1);

    let plain = check_webhook(&webhook(&body)).await.unwrap();
    let mut encoded = webhook(&base64::engine::general_purpose::STANDARD.encode(&body));
    encoded.request.is_base64_encoded = true;
    encoded.body_len = body.len();
    let decoded = check_webhook(&encoded).await.unwrap();

    assert_eq!((plain.status, plain.published), (413, false));
    assert_eq!((decoded.status, decoded.published), (413, false));
}

#[tokio::test]
async fn deep_nesting_is_refused_400_without_a_stack_overflow_and_moderate_nesting_is_queued() {
    for depth in [200, 10_000, 40_000, 100_000] {
        for (objects, inside) in [(false, false), (true, false), (false, true), (true, true)] {
            let body = deeply_nested(depth, objects, inside);
            let expected = if body.len() > MAX_BODY_BYTES { 413 } else { 400 };
            let outcome = check_webhook(&webhook(&body)).await.unwrap();
            assert_eq!((outcome.status, outcome.published), (expected, false), "depth {depth}");
        }
    }
    let moderate = check_webhook(&webhook(&deeply_nested(100, true, true))).await.unwrap();
    assert_eq!((moderate.status, moderate.published), (202, true));
}

#[tokio::test]
async fn invalid_utf8_in_a_base64_body_is_refused_400_with_nothing_queued() {
    for bytes in [
        vec![0xff, 0xfe, 0xfd],
        b"{\"Payload\": \"\xc3\x28\"}".to_vec(),
        vec![0xed, 0xa0, 0x80],
    ] {
        let mut case = webhook(&base64::engine::general_purpose::STANDARD.encode(&bytes));
        case.request.is_base64_encoded = true;
        case.body_len = bytes.len();
        let outcome = check_webhook(&case).await.unwrap();
        assert_eq!((outcome.status, outcome.published), (400, false), "{bytes:?}");
    }
}
