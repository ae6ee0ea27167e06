//! `HttpOctopus` without an explicit proxy honours `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY`.
//!
//! Environment variables are process-wide and setting them is `unsafe`, so each test runs the
//! client in a child process (this test binary again, running only `client_in_child_process`)
//! with the variables set for that child alone, while the proxy and server live in the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::Command;

use support::{KEY, ONE, RecordingProxy, client_at, get_one};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Names the server URL in the child; the child test does nothing without it.
const TARGET: &str = "OCTOPUS_PROXY_TEST_TARGET";
/// Every proxy variable, so that none from the surrounding environment leaks into the child.
const PROXY_VARIABLES: [&str; 9] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "REQUEST_METHOD",
];

/// Runs `client_in_child_process` against `target` with exactly the proxy variables `vars`,
/// and returns the outcome line it printed.
async fn call_in_child(target: &str, vars: &[(&str, &str)]) -> String {
    let mut child = Command::new(std::env::current_exe().unwrap());
    child.args([
        "client_in_child_process",
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    for name in PROXY_VARIABLES {
        child.env_remove(name);
    }
    child.env(TARGET, target).envs(vars.iter().copied());
    // Blocking, so off the runtime thread that serves the proxy meanwhile.
    let output = tokio::task::spawn_blocking(move || child.output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .find_map(|line| line.split_once("OUTCOME ").map(|(_, outcome)| outcome))
        .unwrap_or_else(|| panic!("no outcome in {stdout}"))
        .to_owned()
}

/// Not a test of its own: the client side of the tests below, run by `call_in_child`.
#[tokio::test]
#[ignore = "run in a child process by the proxy environment tests"]
async fn client_in_child_process() {
    let Ok(target) = std::env::var(TARGET) else {
        return;
    };
    let outcome = match get_one(&client_at(&target, |_| {})).await {
        Ok(interruption) => format!("answered {}", interruption.id),
        Err(error) => format!("failed {}: {error}", error.cause()),
    };
    // On a line of its own: libtest has already printed `test client_in_child_process ... `.
    println!("\nOUTCOME {outcome}");
}

#[tokio::test]
async fn http_proxy_from_the_environment_carries_requests_for_an_http_server() {
    // Arrange
    let proxy = RecordingProxy::start().await;
    let server = MockServer::start().await;

    // Act
    let outcome = call_in_child(&server.uri(), &[("HTTP_PROXY", proxy.url().as_str())]).await;

    // Assert
    assert_eq!(outcome, "answered Interruptions-7");
    proxy.assert_carried_one_get_for(&server, ONE).await;
}

#[tokio::test]
async fn https_proxy_from_the_environment_is_asked_for_a_tunnel_to_an_https_server_without_the_api_key() {
    // Arrange
    let proxy = RecordingProxy::start().await;

    // Act
    let outcome = call_in_child("https://octopus.example.com", &[("HTTPS_PROXY", proxy.url().as_str())]).await;

    // Assert
    assert!(outcome.starts_with("failed unreachable"), "{outcome}");
    let heads = proxy.heads();
    assert_eq!(heads.len(), 1, "{heads:?}");
    assert!(
        heads[0].starts_with("CONNECT octopus.example.com:443 HTTP/1.1\r\n"),
        "{heads:?}"
    );
    assert!(!heads[0].contains(KEY), "{heads:?}");
}

#[tokio::test]
async fn a_server_listed_in_no_proxy_is_called_directly() {
    // Arrange
    let proxy = RecordingProxy::start().await;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ONE))
        .and(header("X-Octopus-ApiKey", KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(support::interruption_json("Interruptions-7")))
        .expect(1)
        .mount(&server)
        .await;
    let vars = [
        ("HTTP_PROXY", proxy.url().as_str()),
        ("NO_PROXY", "localhost,127.0.0.1"),
    ];

    // Act
    let outcome = call_in_child(&server.uri(), &vars).await;

    // Assert
    assert_eq!(outcome, "answered Interruptions-7");
    assert_eq!(proxy.heads(), Vec::<String>::new());
}
