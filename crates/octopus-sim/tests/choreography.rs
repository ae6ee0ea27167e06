//! Faults that order what happens without measuring time: a person answering first, and a
//! barrier that only lets requests through once they overlap.
#![allow(clippy::expect_used)]

mod common;

use common::Api;
use octopus_sim::{Fault, Method};
use serde_json::json;

#[tokio::test]
async fn a_person_answers_first_when_the_fault_fires_so_the_submit_finds_it_answered() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");
    let id = api.sim.raise_manual_intervention(&t).interruption_id;
    api.take("Spaces-1", &id).await;
    api.sim.inject(
        Fault::answered_first(&[("Result", "Abort"), ("Notes", "a person decided")])
            .method(Method::POST)
            .path_contains("/submit"),
    );

    let url = format!("{}/api/Spaces-1/interruptions/{id}/submit", api.sim.base_url());
    let answer = api
        .http
        .post(&url)
        .header("X-Octopus-ApiKey", api.sim.api_key())
        .json(&json!({"Result": "Proceed", "Notes": "auto"}))
        .send()
        .await
        .expect("answered");

    assert_eq!(answer.status(), 400, "the interruption was no longer pending");
    let seen = api.sim.interruption(&id).expect("exists");
    assert_eq!(seen["Form"]["Values"]["Result"], "Abort");
    assert!(
        api.sim.submissions().is_empty(),
        "the person's answer is not a submission over HTTP"
    );
}

#[tokio::test]
async fn requests_that_overlap_pass_the_barrier_together() {
    let api = Api::start().await;
    api.sim.inject(Fault::barrier(2).method(Method::GET));
    let url = format!("{}/api/Spaces-1/interruptions", api.sim.base_url());
    let get = || api.http.get(&url).header("X-Octopus-ApiKey", api.sim.api_key()).send();

    let (first, second) = tokio::join!(get(), get());

    assert_eq!(first.expect("answered").status(), 200);
    assert_eq!(second.expect("answered").status(), 200);
    let third = get().await.expect("answered");
    assert_eq!(third.status(), 200, "the barrier fired for two requests only");
}

#[tokio::test]
async fn a_request_alone_at_the_barrier_is_abandoned_by_its_client_and_logged_as_client_closed() {
    let api = Api::start().await;
    api.sim.inject(Fault::barrier(2).method(Method::GET));
    let url = format!("{}/api/Spaces-1/interruptions", api.sim.base_url());
    let impatient = reqwest::Client::builder()
        .timeout(std::time::Duration::from_millis(200))
        .build()
        .expect("client");

    let alone = impatient
        .get(&url)
        .header("X-Octopus-ApiKey", api.sim.api_key())
        .send()
        .await;

    assert!(alone.expect_err("nobody else came").is_timeout());
    // The server notices the closed connection on its own schedule: poll its log (the gate
    // gives up after BARRIER_GIVE_UP, so this ends either way, with 504 in the other case).
    let logged = loop {
        if let Some(record) = api.sim.requests().pop() {
            break record;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    };
    assert_eq!(logged.status, octopus_sim::CLIENT_CLOSED);
}
