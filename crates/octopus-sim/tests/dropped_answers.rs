//! The "apply, then drop the response" fault: the server acts, the client never hears back.
#![allow(clippy::expect_used)]

mod common;

use common::{Api, error_message};
use octopus_sim::{Fault, FaultKind, Method};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_dropped_submit_errors_on_the_client_yet_is_applied_and_recorded() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");
    let id = api.sim.raise_guided_failure(&t, &[]).interruption_id;
    api.take("Spaces-1", &id).await;
    api.sim
        .inject(Fault::apply_then_drop().method(Method::POST).path_contains("/submit"));

    let url = format!("{}/api/Spaces-1/interruptions/{id}/submit", api.sim.base_url());
    let sent = api
        .http
        .post(&url)
        .header("X-Octopus-ApiKey", api.sim.api_key())
        .json(&json!({"Guidance": "Fail", "Notes": "auto"}))
        .send()
        .await;

    let err = sent.expect_err("the client gets no response");
    assert!(err.is_request() && err.status().is_none(), "{err:?}");
    assert!(!err.is_timeout(), "{err:?}");
    let seen = api.sim.interruption(&id).expect("exists");
    assert_eq!(seen["IsPending"], false);
    assert_eq!(seen["Form"]["Values"]["Guidance"], "Fail");
    let subs = api.sim.submissions();
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].interruption_id, id);
    assert_eq!(subs[0].values.get("Notes"), Some(&Some("auto".to_owned())));
    let last = api.sim.requests().pop().expect("logged");
    assert_eq!((last.method.as_str(), last.status), ("POST", 200));
    assert!(last.path.ends_with("/submit"));
}

#[tokio::test]
async fn the_client_retrying_a_dropped_submit_is_told_it_is_no_longer_pending() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");
    let id = api.sim.raise_manual_intervention(&t).interruption_id;
    api.take("Spaces-1", &id).await;
    api.sim
        .inject(Fault::new(FaultKind::ApplyThenDrop).path_contains("/submit"));
    let url = format!("{}/api/Spaces-1/interruptions/{id}/submit", api.sim.base_url());
    let first = api
        .http
        .post(&url)
        .header("X-Octopus-ApiKey", api.sim.api_key())
        .json(&json!({"Result": "Proceed"}))
        .send()
        .await;
    assert!(first.is_err());

    let retry = api.submit("Spaces-1", &id, json!({"Result": "Proceed"})).await;

    assert_eq!(retry.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_message(&retry.body), "The interruption is not pending input");
    assert_eq!(api.sim.submissions().len(), 1);
    assert_eq!(api.get("/api/Spaces-1/interruptions").await.status, StatusCode::OK);
}
