//! How `HttpOctopus` reaches Octopus: through an explicit proxy (forwarding to an http server,
//! tunnelling to an https one) and with pooled connections that are not reused once they have
//! been idle longer than the idle timeout, as after a Lambda thaw.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use support::{KEY, KeepAliveOctopus, ONE, RecordingProxy, Seen, client_at, get_one};
use wiremock::MockServer;

/// Upper bound on waiting for something the client does on its own; only a failing test waits
/// this long.
const GUARD: Duration = Duration::from_secs(10);

#[tokio::test]
async fn an_explicit_proxy_carries_requests_for_an_http_server_and_the_server_is_not_contacted_directly() {
    // Arrange
    let proxy = RecordingProxy::start().await;
    let server = MockServer::start().await;
    let octopus = client_at(&server.uri(), |s| s.proxy = Some(proxy.url().clone()));

    // Act
    let interruption = get_one(&octopus).await;

    // Assert
    assert_eq!(interruption.unwrap().id, "Interruptions-7", "answered by the proxy");
    proxy.assert_carried_one_get_for(&server, ONE).await;
}

#[tokio::test]
async fn an_explicit_proxy_is_asked_for_a_tunnel_to_an_https_server_without_being_shown_the_api_key() {
    // Arrange
    let proxy = RecordingProxy::start().await;
    let octopus = client_at("https://octopus.example.com/vdir", |s| {
        s.proxy = Some(proxy.url().clone());
    });

    // Act
    let error = get_one(&octopus).await.unwrap_err();

    // Assert
    assert_eq!(error.cause(), "unreachable", "the proxy refused the tunnel: {error}");
    let heads = proxy.heads();
    assert_eq!(heads.len(), 1, "{heads:?}");
    assert!(
        heads[0].starts_with("CONNECT octopus.example.com:443 HTTP/1.1\r\n"),
        "{heads:?}"
    );
    assert!(!heads[0].contains(KEY), "{heads:?}");
    assert!(!heads[0].to_ascii_lowercase().contains("x-octopus-apikey"), "{heads:?}");
}

#[tokio::test]
async fn a_pooled_connection_idle_past_the_idle_timeout_is_closed_and_the_next_call_opens_a_new_one() {
    // Arrange
    let mut server = KeepAliveOctopus::start().await;
    let octopus = client_at(server.url(), |s| s.pool_idle_timeout = Duration::from_millis(1));
    get_one(&octopus).await.unwrap();
    assert_eq!(server.next().await, Seen::Served(1));

    // Act: the client's pool evicts the idle connection by itself, as across a Lambda freeze.
    let closed = tokio::time::timeout(GUARD, server.next()).await;
    let after_thaw = get_one(&octopus).await;

    // Assert
    assert_eq!(closed, Ok(Seen::Closed(1)), "the idle connection was not closed");
    assert!(after_thaw.is_ok(), "{after_thaw:?}");
    assert_eq!(server.next().await, Seen::Served(2));
}
