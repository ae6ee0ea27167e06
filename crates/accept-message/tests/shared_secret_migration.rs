//! The migration from one shared webhook secret to a token per rule: the secret itself is
//! refused unless `ALLOW_SHARED_WEBHOOK_SECRET=true`, and then each webhook it authenticates is
//! accepted with a warning that names the rule and how to get its token, never the secret. One
//! test in its own binary: it captures logs, and tracing's per-call-site cache can be raced by
//! tests running on other threads of the same binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use accept_message::config::ALLOW_SHARED_WEBHOOK_SECRET;
use accept_message::{Acceptor, Config, InMemoryPublisher};
use harness::apigw::WebhookRequest;
use lambda_http::http::StatusCode;
use messaging::config::Pairs;

const SECRET: &str = "fixture-webhook-token";
const HEADER: &str = "x-octopus-webhook-token";
const MANUAL_INTERVENTION: &str = include_str!("fixtures/subscription-manual-intervention.json");

/// An acceptor configured as the function is, from its environment variables.
async fn acceptor(extra: &[(&str, &str)]) -> (Acceptor<InMemoryPublisher>, InMemoryPublisher) {
    let mut env = vec![("QUEUE_URL", "http://unused"), ("WEBHOOK_TOKEN", SECRET)];
    env.extend_from_slice(extra);
    let config = Config::from_lookup(&Pairs(&env)).unwrap();
    let secret = config
        .token
        .clone()
        .resolve(&aws_config::SdkConfig::builder().build())
        .await
        .unwrap();
    let publisher = InMemoryPublisher::new();
    (Acceptor::new(publisher.clone(), config.webhook_auth(secret)), publisher)
}

/// The webhook a subscription still configured with the shared secret sends: the secret in the
/// header, and echoed back in the payload.
fn with_the_secret() -> WebhookRequest {
    let mut body: serde_json::Value = serde_json::from_str(MANUAL_INTERVENTION).unwrap();
    body["Payload"]["Subscription"]["EventNotificationSubscription"]["WebhookHeaderValue"] = SECRET.into();
    WebhookRequest::post("type=Result&action=Proceed", body.to_string()).header(HEADER, SECRET)
}

#[tokio::test]
async fn the_shared_secret_is_refused_401_by_default_and_accepted_202_with_a_warning_during_a_migration() {
    let (strict, strict_queue) = acceptor(&[]).await;
    let (migrating, migrating_queue) = acceptor(&[(ALLOW_SHARED_WEBHOOK_SECRET, "true")]).await;
    let (_guard, logs) = harness::logs::capture();

    let refused = strict.handle(with_the_secret().to_request()).await.status();
    let accepted = migrating.handle(with_the_secret().to_request()).await.status();
    let token = migrating
        .handle(WebhookRequest::signed("type=Result&action=Proceed", MANUAL_INTERVENTION, HEADER, SECRET).to_request())
        .await
        .status();
    let wrong = migrating
        .handle(
            WebhookRequest::post("type=Result&action=Proceed", MANUAL_INTERVENTION)
                .header(HEADER, "guess")
                .to_request(),
        )
        .await
        .status();

    assert_eq!(refused, StatusCode::UNAUTHORIZED);
    assert!(strict_queue.messages().is_empty());
    assert_eq!(accepted, StatusCode::ACCEPTED);
    assert_eq!(
        token,
        StatusCode::ACCEPTED,
        "the rule's token works during the migration too"
    );
    assert_eq!(wrong, StatusCode::UNAUTHORIZED, "anything else is still refused");
    let warnings: Vec<serde_json::Value> = logs
        .text()
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|line| line["fields"]["outcome"] == "shared_secret_accepted")
        .collect();
    assert_eq!(
        warnings.len(),
        1,
        "one warning, for the webhook the secret authenticated: {}",
        logs.text()
    );
    assert_eq!(warnings[0]["level"], "WARN");
    assert_eq!(warnings[0]["fields"]["rule"], "type=Result&action=Proceed");
    assert_eq!(
        warnings[0]["fields"]["token_command"],
        "octo-responder token --env <env> --rule 'type=Result&action=Proceed'"
    );
    let message = warnings[0]["fields"]["message"].as_str().unwrap();
    assert!(
        message.contains("replace the subscription's webhook header value with this rule's token"),
        "{message}"
    );
    assert!(!logs.text().contains(SECRET), "the secret was logged: {}", logs.text());
    let queued = migrating_queue.messages();
    assert_eq!(queued.len(), 2);
    assert!(
        queued.iter().all(|m| !m.body.contains(SECRET)),
        "the secret reached the queue"
    );
}
