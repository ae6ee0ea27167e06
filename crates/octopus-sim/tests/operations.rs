//! Faults, outage, latency, the request log, webhook bodies, and shutdown.
#![allow(clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Api, error_message, keys};
use octopus_sim::{Fault, FaultKind, Method};
use reqwest::StatusCode;

#[tokio::test]
async fn injected_429_carries_retry_after() {
    let api = Api::start().await;
    api.sim
        .inject(Fault::too_many_requests(7).path_contains("/interruptions"));
    let r = api.get("/api/Spaces-1/interruptions?pendingOnly=true").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers["retry-after"], "7");
    assert!(r.headers.contains_key("octopus-ratelimit"));
    error_message(&r.body);
    let after = api.get("/api/Spaces-1/interruptions").await;
    assert_eq!(after.status, StatusCode::OK);
}

#[tokio::test]
async fn injected_status_fires_its_times_on_matching_requests_only() {
    let api = Api::start().await;
    api.sim.inject(Fault {
        method: Some(Method::GET),
        path_contains: Some("/events".into()),
        times: 2,
        kind: FaultKind::Status(500),
    });
    api.sim.inject(Fault::status(502));
    assert_eq!(api.get("/api/Spaces-1/events").await.status, 500);
    assert_eq!(api.get("/api/Spaces-1/interruptions").await.status, 502);
    assert_eq!(api.get("/api/Spaces-1/events").await.status, 500);
    assert_eq!(api.get("/api/Spaces-1/events").await.status, 200);
    assert_eq!(api.get("/api/Spaces-1/interruptions").await.status, 200);
}

#[tokio::test]
async fn a_delay_fault_holds_the_answer_then_handles_it() {
    let api = Api::start().await;
    api.sim.inject(Fault::delay(Duration::from_millis(30)));
    let r = api.get("/api/Spaces-1/events").await;
    assert_eq!(r.status, StatusCode::OK);
    let record = api.sim.requests().pop().expect("recorded");
    assert!(record.finished - record.started >= Duration::from_millis(30));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(5))
        .build()
        .expect("client");
    api.sim.inject(Fault::delay(Duration::from_millis(40)));
    let timed_out = client.get(format!("{}/api", api.sim.base_url())).send().await;
    assert!(timed_out.is_err_and(|e| e.is_timeout()));
}

#[tokio::test]
async fn outage_answers_503() {
    let api = Api::start().await;
    api.sim.set_outage(true);
    for path in ["/api", "/api/Spaces-1/events", "/nowhere"] {
        let r = api.get(path).await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        error_message(&r.body);
    }
    api.sim.set_outage(false);
    assert_eq!(api.get("/api").await.status, StatusCode::OK);
}

#[tokio::test]
async fn latency_is_added_to_every_request() {
    let api = Api::start().await;
    api.sim.set_latency(Duration::from_millis(15));
    api.get("/api").await;
    api.get("/nowhere").await;
    for r in api.sim.requests() {
        assert!(r.finished - r.started >= Duration::from_millis(15));
    }
}

#[tokio::test]
async fn records_every_request_with_method_path_query_and_status() {
    let api = Api::start().await;
    api.get("/api/Spaces-1/interruptions?pendingOnly=true").await;
    api.send(
        reqwest::Method::PUT,
        "/api/Spaces-1/interruptions/Interruptions-1/responsible",
        None,
        None,
    )
    .await;
    let log = api.sim.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].path, "/api/Spaces-1/interruptions");
    assert_eq!(log[0].query.as_deref(), Some("pendingOnly=true"));
    assert_eq!(log[0].status, 200);
    assert_eq!((log[1].method.as_str(), log[1].status), ("PUT", 401));
    assert!(log[0].finished <= log[1].started);
}

#[tokio::test]
async fn webhook_body_is_shaped_like_the_subscription_fixture() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");
    let raised = api.sim.raise_guided_failure(&t, &[]);
    let body = api
        .sim
        .webhook_body(&raised.event_id, "X-Responder-Token", "s3cret")
        .expect("known event");
    assert_eq!(keys(&body), ["EventType", "Payload", "Timestamp"]);
    assert_eq!(body["EventType"], "SubscriptionPayload");
    let payload = &body["Payload"];
    assert_eq!(
        keys(payload),
        [
            "BatchId",
            "BatchProcessingDate",
            "Event",
            "EventNumberInBatch",
            "ServerAuditUri",
            "ServerUri",
            "Subscription",
            "TotalEventsInBatch",
        ]
    );
    let sub = &payload["Subscription"]["EventNotificationSubscription"];
    assert_eq!(sub["WebhookHeaderKey"], "X-Responder-Token");
    assert_eq!(sub["WebhookHeaderValue"]["IsSensitive"], false);
    assert_eq!(sub["WebhookHeaderValue"]["Value"], "s3cret");
    assert_eq!(payload["Event"]["Id"], raised.event_id.as_str());
    assert_eq!(payload["Event"]["Category"], "GuidedFailureInterruptionRaised");
    let from_api = api.get(&format!("/api/events/{}", raised.event_id)).await;
    assert_eq!(payload["Event"], from_api.body);
    assert!(api.sim.webhook_body("Events-0", "k", "v").is_none());
}

#[tokio::test]
async fn shutdown_stops_the_server() {
    let api = Api::start().await;
    let url = format!("{}/api", api.sim.base_url());
    assert!(reqwest::get(&url).await.is_ok());
    api.sim.clone().shutdown().await;
    let fresh = reqwest::Client::new();
    assert!(fresh.get(&url).send().await.is_err());
}
