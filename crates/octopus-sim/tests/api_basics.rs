//! Authentication, root documents, spaces, and the 404/405 fallbacks.
#![allow(clippy::expect_used)]

mod common;

use common::{Api, error_message};
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn rejects_requests_without_an_api_key() {
    let api = Api::start().await;
    let r = api.send(Method::GET, "/api/Spaces-1/interruptions", None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(error_message(&r.body).contains("You must be logged in"));
}

#[tokio::test]
async fn rejects_an_unknown_api_key() {
    let api = Api::start().await;
    let r = api
        .send(Method::GET, "/api/Spaces-1/events", Some("API-NOTAKEY"), None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(error_message(&r.body).contains("valid API key"));
}

#[tokio::test]
async fn accepts_the_api_key_as_a_query_parameter() {
    let api = Api::start().await;
    let path = format!("/api/Spaces-1/events?apikey={}", api.sim.api_key());
    let r = api.send(Method::GET, &path, None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["ItemType"], "Event");
}

#[tokio::test]
async fn serves_the_root_document_without_a_key() {
    let api = Api::start().await;
    let r = api.send(Method::GET, "/api", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["Application"], "Octopus Deploy");
    assert_eq!(r.body["ApiVersion"], "3.0.0");
    assert!(r.body["Version"].is_string());
    let links = &r.body["Links"];
    assert!(
        links["Interruptions"]
            .as_str()
            .is_some_and(|l| l.starts_with("/api/Spaces-1/interruptions{"))
    );
    assert!(links["Events"].as_str().is_some_and(|l| l.starts_with("/api/events{")));
}

#[tokio::test]
async fn identifies_the_caller_at_users_me() {
    let api = Api::start().await;
    let r = api.get("/api/users/me").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["Id"], "Users-1");
    assert_eq!(r.body["Username"], "responder");
    let other = api
        .send(Method::GET, "/api/users/me", Some(api.sim.other_api_key()), None)
        .await;
    assert_eq!(other.body["Id"], api.sim.other_user_id());
}

#[tokio::test]
async fn answers_unknown_routes_with_a_404_error_body() {
    let api = Api::start().await;
    let r = api.get("/api/Spaces-1/nothing/here").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    error_message(&r.body);
}

#[tokio::test]
async fn answers_a_wrong_method_with_405() {
    let api = Api::start().await;
    let r = api
        .send(
            Method::DELETE,
            "/api/Spaces-1/interruptions",
            Some(api.sim.api_key()),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    error_message(&r.body);
}

#[tokio::test]
async fn answers_404_for_an_unknown_space() {
    let api = Api::start().await;
    for path in [
        "/api/Spaces-99/events",
        "/api/Spaces-99/interruptions",
        "/api/Spaces-99",
    ] {
        let r = api.get(path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        error_message(&r.body);
    }
    assert_eq!(api.get("/api/Spaces-1").await.status, StatusCode::OK);
}

#[tokio::test]
async fn keeps_each_space_to_itself() {
    let api = Api::start().await;
    let space = api.sim.add_space();
    assert_ne!(space, "Spaces-1");
    let target = api.sim.add_deployment(&space);
    let raised = api.sim.raise_guided_failure(&target, &[]);
    let own = api.get(&format!("/api/{space}/interruptions")).await;
    assert_eq!(own.body["TotalResults"], 1);
    let default = api.get("/api/Spaces-1/interruptions").await;
    assert_eq!(default.body["TotalResults"], 0);
    let elsewhere = api
        .get(&format!("/api/Spaces-1/interruptions/{}", raised.interruption_id))
        .await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    assert!(!error_message(&elsewhere.body).is_empty());
    let events = api.get(&format!("/api/{space}/events")).await;
    assert_eq!(events.body["TotalResults"], 1);
}
