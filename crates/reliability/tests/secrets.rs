//! Secrets: during a representative run (faults, an SQS outage, poison, duplicates, refused
//! webhooks) neither the webhook secret, nor any rule's token (which Octopus echoes in every
//! payload), nor the Octopus API key appears in anything the handlers log, in the metric lines,
//! or on a queue.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use harness::apigw::{WebhookRequest, rule_token};
use octopus_sim::Simulator;
use reliability::hostile;
use reliability::scenario::{Config, HEADER, TOKEN, every_rule_token, run};

#[tokio::test]
async fn neither_the_webhook_secret_nor_a_rule_s_token_nor_the_api_key_is_logged_or_queued_during_a_representative_run()
{
    let api_key = Simulator::start().await.unwrap().api_key().to_owned();
    let (_guard, logs) = harness::logs::capture();

    let report = run(&Config::representative()).await.unwrap();
    // Webhooks that are refused, with the secret or a token where it does not belong or nearly
    // right.
    let (acceptor, _) = hostile::acceptor();
    let fail = rule_token("type=Guidance&action=Fail", TOKEN).unwrap();
    let ignore = rule_token("type=Guidance&action=Ignore", TOKEN).unwrap();
    let payload = r#"{"Payload":{"Event":{"Id":"Events-1 TOKEN","Category":"GuidedFailureInterruptionRaised","SpaceId":"Spaces-1","RelatedDocumentIds":["ServerTasks-1"]},"Subscription":{"WebhookHeaderValue":{"Value":"TOKEN"}}}}"#
        .replace("TOKEN", TOKEN);
    for request in [
        WebhookRequest::post(&format!("type=Guidance&action=Fail&token={TOKEN}"), payload.clone()),
        WebhookRequest::post("type=Guidance&action=Fail", payload.clone()).header(HEADER, &format!("{TOKEN}x")),
        WebhookRequest::post("type=Guidance&action=Fail", payload.clone()).header(HEADER, &TOKEN[1..]),
        WebhookRequest::post("type=Guidance&action=Nope", payload.clone()).header(HEADER, TOKEN),
        WebhookRequest::post("type=Guidance&action=Fail", payload.clone()).header(HEADER, TOKEN),
        WebhookRequest::post("type=Guidance&action=Fail", payload.clone()).header(HEADER, &ignore),
        WebhookRequest::post("type=Guidance&action=Fail", payload.clone()).header(HEADER, &fail[1..]),
        WebhookRequest::post(&format!("type=Guidance&action=Fail&token={fail}"), payload.clone()),
    ] {
        let status = acceptor.handle(request.to_request()).await.status();
        assert!(status.is_client_error(), "{status}");
    }

    println!("{}", report.summary());
    assert!(report.problems.is_empty(), "{:#?}", report.problems);
    assert!(report.faults.sqs_refused > 0 && report.faults.octopus_5xx > 0 && report.dlq > 0);
    let text = logs.text();
    assert!(
        logs.lines_with_message("webhook queued").len() > 10,
        "the handlers did log"
    );
    assert!(!logs.lines_with_message("interruption decided").is_empty());
    assert!(!logs.lines_with_message("record refused").is_empty());
    assert!(!logs.lines_with_message("webhook not queued").is_empty());
    assert!(!logs.lines_with_message("webhook refused").is_empty());
    let tokens = every_rule_token();
    assert_eq!(tokens.len(), 49);
    for secret in [TOKEN, api_key.as_str()]
        .into_iter()
        .chain(tokens.iter().map(String::as_str))
    {
        assert_eq!(text.matches(secret).count(), 0, "{secret} was logged");
        let queued = report.contents.iter().filter(|c| c.contains(secret)).count();
        assert_eq!(queued, 0, "{secret} reached a queue");
        assert_eq!(report.emf_lines.iter().filter(|l| l.contains(secret)).count(), 0);
    }
    assert!(
        report.contents.len() > report.events,
        "every queued message was scanned"
    );
    assert!(report.contents.iter().all(|c| !c.contains("WebhookHeaderValue")));
}
