//! `HttpOctopus` against a mock Octopus server: routes, query strings, the API key header, request
//! bodies, paging, retries of transient failures (and `Retry-After`), timeouts, redirects (never
//! followed) and the classification of errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant, SystemTime};

use messaging::{DocumentId, OctopusId, SpaceId};
use octopus::{Backoff, ClientError, Deadline, HttpOctopus, Interruption, OctopusApi, OctopusError, Settings};
use reqwest::Url;
use serde_json::{Map, Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockBuilder, MockServer, Request, ResponseTemplate};

const KEY: &str = "API-SECRETKEY0123456789ABCDEF";
const EVENTS: &str = "/api/Spaces-1/events";
const INTERRUPTIONS: &str = "/api/Spaces-1/interruptions";
const ONE: &str = "/api/Spaces-1/interruptions/Interruptions-7";
const GUIDED_FAILURE: &str = "GuidedFailureInterruptionRaised";

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

/// A client for `url` with small timeouts and backoff (3 attempts), adjusted by `tweak`.
fn client_at(url: &str, tweak: impl FnOnce(&mut Settings)) -> HttpOctopus {
    let mut settings = Settings::new(Url::parse(url).unwrap(), KEY.to_owned().into());
    settings.request_timeout = ms(500);
    settings.connect_timeout = ms(300);
    settings.backoff.initial = ms(10);
    settings.backoff.max = ms(50);
    settings.backoff.max_attempts = 3;
    settings.page_size = 2;
    tweak(&mut settings);
    HttpOctopus::new(settings).unwrap()
}

fn client(server: &MockServer) -> HttpOctopus {
    client_at(&server.uri(), |_| {})
}

fn attempts(server: &MockServer, max_attempts: u32) -> HttpOctopus {
    client_at(&server.uri(), |s| s.backoff.max_attempts = max_attempts)
}

fn plenty() -> Deadline {
    Deadline::after(Duration::from_secs(10))
}

fn space() -> SpaceId {
    SpaceId::parse("Spaces-1").unwrap()
}

fn task() -> DocumentId {
    DocumentId::select(&["ServerTasks-42"]).unwrap()
}

async fn count(octopus: &HttpOctopus) -> Result<u64, OctopusError> {
    let counted = octopus.count_events(&space(), &task(), GUIDED_FAILURE, plenty()).await;
    counted.map(|c| c.total)
}

async fn pending(octopus: &HttpOctopus) -> Result<Vec<Interruption>, OctopusError> {
    octopus.pending_interruptions(&space(), &task(), plenty()).await
}

async fn get_one(octopus: &HttpOctopus, deadline: Deadline) -> Result<Interruption, OctopusError> {
    let id = OctopusId::parse("Interruptions-7").unwrap();
    octopus.interruption(&space(), &id, deadline).await
}

/// A request to `route` that carries the API key.
fn api(verb: &str, route: &str) -> MockBuilder {
    Mock::given(method(verb))
        .and(path(route))
        .and(header("X-Octopus-ApiKey", KEY))
}

/// Answers every matching request with `reply`, expecting exactly `times` of them.
async fn mount(server: &MockServer, mock: MockBuilder, reply: ResponseTemplate, times: u64) {
    mock.respond_with(reply).expect(times).mount(server).await;
}

/// Answers only the first matching request with `reply`; later mounts answer the rest.
async fn mount_first(server: &MockServer, mock: MockBuilder, reply: ResponseTemplate) {
    mock.respond_with(reply).up_to_n_times(1).expect(1).mount(server).await;
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn interruption(id: &str, pending: bool) -> Value {
    json!({
        "Id": id, "Title": "Deploy requires failure guidance", "Type": "GuidedFailure", "IsPending": pending,
        "Form": {"Values": {"Guidance": null, "Notes": null}, "Elements": [
            {"Name": "Guidance", "Control": {"Type": "SubmitButtonGroup", "Buttons": [
                {"Text": "Fail", "Value": "Fail"}, {"Text": "Retry", "Value": "Retry"}]}}]},
        "RelatedDocumentIds": ["Deployments-9", "ServerTasks-42"], "TaskId": "ServerTasks-42",
        "ResponsibleUserId": null, "CanTakeResponsibility": true, "HasResponsibility": false
    })
}

fn found() -> ResponseTemplate {
    ok(interruption("Interruptions-7", true))
}

fn page(ids: &[&str], next: Option<&str>) -> ResponseTemplate {
    let mut links = json!({"Self": INTERRUPTIONS});
    if let Some(next) = next {
        links["Page.Next"] = json!(next);
    }
    let items: Vec<Value> = ids.iter().map(|id| interruption(id, true)).collect();
    ok(json!({"ItemType": "Interruption", "TotalResults": 5, "ItemsPerPage": 2, "Items": items, "Links": links}))
}

fn octopus_error(status: u16, message: &str, errors: &[&str]) -> ResponseTemplate {
    let body = json!({"ErrorMessage": message, "Errors": errors, "FullException": null});
    ResponseTemplate::new(status).set_body_json(body)
}

/// `Some(timed_out)` for a transport error, `None` for any other.
fn timed_out(error: &OctopusError) -> Option<bool> {
    match error {
        OctopusError::Transport { timed_out, .. } => Some(*timed_out),
        _ => None,
    }
}

/// A local URL on which nothing listens: a socket bound to a port but never listening, so
/// connections are refused, and kept (returned) so no other process can take the port meanwhile.
fn refusing_url() -> (tokio::net::TcpSocket, String) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let url = format!("http://{}", socket.local_addr().unwrap());
    (socket, url)
}

#[tokio::test]
async fn counting_events_asks_for_one_event_of_the_category_regarding_the_document_and_returns_total_results() {
    // Arrange
    let server = MockServer::start().await;
    let mock = api("GET", EVENTS)
        .and(query_param("regarding", "ServerTasks-42"))
        .and(query_param("eventCategories", GUIDED_FAILURE))
        .and(query_param("take", "1"));
    let reply = ok(json!({"ItemType": "Event", "TotalResults": 4, "Items": [{"Id": "Events-1"}]}));
    mount(&server, mock, reply, 1).await;

    // Act
    let total = count(&client(&server)).await;

    // Assert
    assert_eq!(total, Ok(4));
}

#[tokio::test]
async fn counting_events_accepts_total_results_given_as_a_string() {
    // Arrange
    let server = MockServer::start().await;
    let reply = ok(json!({"TotalResults": "12", "Items": []}));
    mount(&server, api("GET", EVENTS), reply, 1).await;

    // Act
    let total = count(&client(&server)).await;

    // Assert
    assert_eq!(total, Ok(12));
}

#[tokio::test]
async fn pending_interruptions_follow_page_next_advancing_skip_by_the_items_read_until_it_is_absent() {
    // Arrange
    let server = MockServer::start().await;
    let next = Some("/api/Spaces-1/interruptions?skip=2&take=2");
    let pages = [
        ("0", page(&["Interruptions-1", "Interruptions-2"], next)),
        ("2", page(&["Interruptions-3", "Interruptions-4"], next)),
        ("4", page(&["Interruptions-5"], None)),
    ];
    for (skip, reply) in pages {
        let mock = api("GET", INTERRUPTIONS)
            .and(query_param("pendingOnly", "true"))
            .and(query_param("regarding", "ServerTasks-42"))
            .and(query_param("skip", skip))
            .and(query_param("take", "2"));
        mount(&server, mock, reply, 1).await;
    }

    // Act
    let all = pending(&client(&server)).await.unwrap();

    // Assert
    let ids: Vec<String> = all.iter().map(|i| i.id.clone()).collect();
    let expected: Vec<String> = (1..=5).map(|n| format!("Interruptions-{n}")).collect();
    assert_eq!(ids, expected);
    assert_eq!(all[0].offered("Guidance"), ["Fail", "Retry"]);
}

#[tokio::test]
async fn a_server_under_a_virtual_directory_is_called_below_it() {
    // Arrange
    let server = MockServer::start().await;
    mount(&server, api("GET", &format!("/octopus{ONE}")), found(), 1).await;
    let octopus = client_at(&format!("{}/octopus", server.uri()), |_| {});

    // Act
    let interruption = get_one(&octopus, plenty()).await.unwrap();

    // Assert
    assert_eq!(interruption.id, "Interruptions-7");
}

#[tokio::test]
async fn a_server_url_with_a_trailing_slash_and_a_query_is_called_below_its_virtual_directory_without_the_query() {
    // Arrange
    let server = MockServer::start().await;
    let mock = api("GET", &format!("/octopus{ONE}")).and(|request: &Request| request.url.query().is_none());
    mount(&server, mock, found(), 1).await;
    let octopus = client_at(&format!("{}/octopus/?token=abc", server.uri()), |_| {});

    // Act
    let interruption = get_one(&octopus, plenty()).await;

    // Assert
    assert_eq!(interruption.unwrap().id, "Interruptions-7");
}

#[tokio::test]
async fn a_server_url_already_ending_in_api_is_not_given_a_second_api_segment() {
    // Arrange
    let server = MockServer::start().await;
    mount(&server, api("GET", ONE), found(), 1).await;
    let octopus = client_at(&format!("{}/api/", server.uri()), |_| {});

    // Act
    let interruption = get_one(&octopus, plenty()).await;

    // Assert
    assert_eq!(interruption.unwrap().id, "Interruptions-7");
}

#[tokio::test]
async fn taking_responsibility_puts_to_responsible_without_a_body() {
    // Arrange
    let server = MockServer::start().await;
    let mock = api("PUT", &format!("{ONE}/responsible")).and(|request: &Request| request.body.is_empty());
    mount(&server, mock, ok(json!({"Id": "Users-1", "Username": "responder"})), 1).await;
    let id = OctopusId::parse("Interruptions-7").unwrap();

    // Act
    let taken = client(&server).take_responsibility(&space(), &id, plenty()).await;

    // Assert
    assert_eq!(taken, Ok(()));
}

#[tokio::test]
async fn taking_responsibility_accepts_an_empty_success_answer() {
    // Arrange
    let server = MockServer::start().await;
    mount(
        &server,
        api("PUT", &format!("{ONE}/responsible")),
        ResponseTemplate::new(204),
        1,
    )
    .await;
    let id = OctopusId::parse("Interruptions-7").unwrap();

    // Act
    let taken = client(&server).take_responsibility(&space(), &id, plenty()).await;

    // Assert
    assert_eq!(taken, Ok(()));
}

#[tokio::test]
async fn submitting_posts_the_values_as_json_and_returns_the_interruption() {
    // Arrange
    let server = MockServer::start().await;
    let values = json!({"Guidance": "Retry", "Notes": "auto-retry by responder (attempt 1/3)"});
    let mock = api("POST", &format!("{ONE}/submit")).and(body_json(&values));
    mount(&server, mock, ok(interruption("Interruptions-7", false)), 1).await;
    let values: Map<String, Value> = serde_json::from_value(values).unwrap();
    let id = OctopusId::parse("Interruptions-7").unwrap();

    // Act
    let submitted = client(&server).submit(&space(), &id, &values, plenty()).await.unwrap();

    // Assert
    assert_eq!(submitted.id, "Interruptions-7");
    assert!(!submitted.is_pending);
}

#[tokio::test]
async fn a_503_then_a_200_is_retried_once_and_succeeds() {
    // Arrange
    let server = MockServer::start().await;
    mount_first(&server, api("GET", ONE), ResponseTemplate::new(503)).await;
    mount(&server, api("GET", ONE), found(), 1).await;

    // Act
    let result = get_one(&client(&server), plenty()).await;

    // Assert
    assert_eq!(result.unwrap().id, "Interruptions-7");
}

#[tokio::test]
async fn a_429_is_retried_after_the_seconds_of_its_retry_after() {
    // Arrange
    let server = MockServer::start().await;
    let limited = octopus_error(429, "Too many requests", &[]).insert_header("Retry-After", "1");
    mount_first(&server, api("GET", ONE), limited).await;
    mount(&server, api("GET", ONE), found(), 1).await;
    let started = Instant::now();

    // Act
    let result = get_one(&client(&server), plenty()).await;

    // Assert
    assert!(result.is_ok(), "{result:?}");
    assert!(started.elapsed() >= ms(900), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_429_whose_retry_after_is_a_date_already_past_is_retried_at_once() {
    // Arrange
    let server = MockServer::start().await;
    let limited = ResponseTemplate::new(429).insert_header("Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT");
    mount_first(&server, api("GET", ONE), limited).await;
    mount(&server, api("GET", ONE), found(), 1).await;
    // The exponential backoff would wait 7.5-10 s: past the deadline, so no retry without the date.
    let slow_backoff = Backoff {
        initial: Duration::from_secs(10),
        max: Duration::from_secs(10),
        max_attempts: 3,
    };
    let octopus = client_at(&server.uri(), |s| s.backoff = slow_backoff);

    // Act
    let result = get_one(&octopus, Deadline::after(Duration::from_secs(5))).await;

    // Assert
    assert_eq!(result.unwrap().id, "Interruptions-7");
}

#[tokio::test]
async fn a_429_whose_retry_after_is_a_date_an_hour_away_is_not_retried_and_carries_the_wait() {
    // Arrange
    let server = MockServer::start().await;
    let in_an_hour = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(3600));
    let limited = ResponseTemplate::new(429).insert_header("Retry-After", in_an_hour.as_str());
    mount(&server, api("GET", ONE), limited, 1).await;

    // Act
    let error = get_one(&client(&server), plenty()).await.unwrap_err();

    // Assert
    let OctopusError::Status {
        status: 429,
        retry_after: Some(wait),
        ..
    } = error
    else {
        panic!("{error:?}");
    };
    assert!(
        wait > Duration::from_secs(3500) && wait <= Duration::from_secs(3600),
        "{wait:?}"
    );
}

#[tokio::test]
async fn a_429_with_an_unreadable_retry_after_falls_back_to_the_exponential_backoff() {
    // Arrange
    let server = MockServer::start().await;
    let limited = ResponseTemplate::new(429).insert_header("Retry-After", "soon");
    mount_first(&server, api("GET", ONE), limited).await;
    mount(&server, api("GET", ONE), found(), 1).await;

    // Act
    let result = get_one(&client(&server), plenty()).await;

    // Assert
    assert_eq!(result.unwrap().id, "Interruptions-7");
}

#[tokio::test]
async fn a_redirect_is_not_followed_so_its_target_never_sees_the_api_key_and_the_error_names_only_its_host() {
    // Arrange
    let server = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    let port = elsewhere.address().port();
    let location = format!("http://localhost:{port}/collect/Interruptions-7?token=SECRET-QUERY");
    let moved = ResponseTemplate::new(302).insert_header("Location", location.as_str());
    mount(&server, api("GET", ONE), moved, 1).await;
    mount(&elsewhere, Mock::given(|_: &Request| true), found(), 0).await;

    // Act
    let error = get_one(&client(&server), plenty()).await.unwrap_err();

    // Assert
    let text = error.to_string();
    assert!(
        matches!(error, OctopusError::Redirected { status: 302, .. }),
        "{error:?}"
    );
    assert!(!error.is_retryable());
    assert_eq!(error.cause(), "redirected");
    assert!(
        text.contains("302 redirecting to localhost: set OCTOPUS_SERVER_URL"),
        "{text}"
    );
    for hidden in ["SECRET-QUERY", "collect", &port.to_string()] {
        assert!(!text.contains(hidden), "{hidden} in {text}");
    }
    assert_eq!(elsewhere.received_requests().await.unwrap().len(), 0);
}

#[tokio::test]
async fn a_submit_answered_303_is_not_repeated_as_a_get() {
    // Arrange
    let server = MockServer::start().await;
    let see_other = ResponseTemplate::new(303).insert_header("Location", ONE);
    mount(&server, api("POST", &format!("{ONE}/submit")), see_other, 1).await;
    mount(&server, api("GET", ONE), found(), 0).await;
    let values: Map<String, Value> = serde_json::from_value(json!({"Guidance": "Retry"})).unwrap();
    let id = OctopusId::parse("Interruptions-7").unwrap();

    // Act
    let error = client(&server)
        .submit(&space(), &id, &values, plenty())
        .await
        .unwrap_err();

    // Assert
    assert!(
        matches!(
            error,
            OctopusError::Redirected {
                method: "POST",
                status: 303,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("303 redirecting to 127.0.0.1:"), "{error}");
    let methods: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.method.to_string())
        .collect();
    assert_eq!(methods, ["POST"]);
}

#[test]
fn a_plain_http_server_url_on_a_host_other_than_loopback_is_refused_when_the_client_is_built() {
    for url in ["http://octopus.example.com", "http://192.0.2.10:8080/octopus"] {
        // Arrange
        let settings = Settings::new(Url::parse(url).unwrap(), KEY.to_owned().into());

        // Act
        let built = HttpOctopus::new(settings);

        // Assert
        assert!(matches!(built, Err(ClientError::InsecureServerUrl(_))), "{url}");
    }
}

#[tokio::test]
async fn a_response_slower_than_the_request_timeout_is_retried() {
    // Arrange
    let server = MockServer::start().await;
    mount_first(&server, api("GET", ONE), found().set_delay(ms(1500))).await;
    mount(&server, api("GET", ONE), found(), 1).await;

    // Act
    let result = get_one(&client(&server), plenty()).await;

    // Assert
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn timing_out_on_every_attempt_ends_in_a_timed_out_transport_error() {
    // Arrange
    let server = MockServer::start().await;
    mount(&server, api("GET", ONE), found().set_delay(ms(1500)), 2).await;

    // Act
    let error = get_one(&attempts(&server, 2), plenty()).await.unwrap_err();

    // Assert
    assert_eq!(timed_out(&error), Some(true), "{error:?}");
    assert!(error.is_retryable());
    assert_eq!(error.cause(), "timeout");
}

#[tokio::test]
async fn authentication_permission_lookup_and_validation_errors_are_not_retried_and_carry_octopus_messages() {
    for status in [401, 403, 404, 400] {
        // Arrange
        let server = MockServer::start().await;
        let message = format!("Octopus says no ({status})");
        let reply = octopus_error(
            status,
            &message,
            &["Guidance must be one of Fail, Retry", "Notes too long"],
        );
        mount(&server, api("GET", ONE), reply, 1).await;

        // Act
        let error = get_one(&client(&server), plenty()).await.unwrap_err();

        // Assert
        let text = error.to_string();
        assert_eq!(error.status(), Some(status));
        assert!(!error.is_retryable(), "{status}");
        assert!(text.contains(&message), "{text}");
        let errors = "(Guidance must be one of Fail, Retry; Notes too long)";
        assert!(text.contains(errors), "{text}");
        server.verify().await;
    }
}

#[tokio::test]
async fn retries_stop_when_the_attempts_are_spent() {
    // Arrange
    let server = MockServer::start().await;
    mount(&server, api("GET", ONE), ResponseTemplate::new(500), 4).await;

    // Act
    let error = get_one(&attempts(&server, 4), plenty()).await.unwrap_err();

    // Assert
    assert_eq!(error.status(), Some(500));
    assert_eq!(error.cause(), "server_error");
}

#[tokio::test]
async fn retries_stop_when_the_deadline_is_too_close_for_the_next_backoff() {
    // Arrange
    let server = MockServer::start().await;
    mount(&server, api("GET", ONE), ResponseTemplate::new(503), 1).await;
    // The first backoff is 750-1000 ms (jitter): more than the 500 ms left.
    let slow_backoff = Backoff {
        initial: ms(1000),
        ..Backoff::default()
    };
    let octopus = client_at(&server.uri(), |s| s.backoff = slow_backoff);
    let started = Instant::now();

    // Act
    let error = get_one(&octopus, Deadline::after(ms(500))).await.unwrap_err();

    // Assert
    assert_eq!(error.status(), Some(503));
    assert!(started.elapsed() < ms(500), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_retry_after_longer_than_the_time_left_is_not_waited_for() {
    // Arrange
    let server = MockServer::start().await;
    let limited = ResponseTemplate::new(429).insert_header("Retry-After", "5");
    mount(&server, api("GET", ONE), limited, 1).await;
    let started = Instant::now();

    // Act
    let error = get_one(&client(&server), Deadline::after(ms(2000))).await.unwrap_err();

    // Assert
    assert_eq!(error.status(), Some(429));
    assert!(started.elapsed() < ms(1000), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_spent_deadline_sends_no_request() {
    // Arrange
    let server = MockServer::start().await;
    mount(&server, api("GET", ONE), found(), 0).await;

    // Act
    let spent = Deadline::after(Duration::ZERO);
    let error = get_one(&client(&server), spent).await.unwrap_err();

    // Assert
    assert_eq!(timed_out(&error), Some(true), "{error:?}");
}

#[tokio::test]
async fn a_refused_connection_is_a_retryable_transport_error_that_did_not_time_out() {
    // Arrange
    let (_bound, url) = refusing_url();
    let octopus = client_at(&url, |_| {});

    // Act
    let error = get_one(&octopus, plenty()).await.unwrap_err();

    // Assert
    assert_eq!(timed_out(&error), Some(false), "{error:?}");
    assert!(error.is_retryable());
    assert_eq!(error.cause(), "unreachable");
}

#[tokio::test]
async fn a_successful_response_that_is_not_json_is_a_decode_error_and_not_retried() {
    // Arrange
    let server = MockServer::start().await;
    let html = ResponseTemplate::new(200).set_body_string("<html>Octopus is starting</html>");
    mount(&server, api("GET", ONE), html, 1).await;

    // Act
    let error = get_one(&client(&server), plenty()).await.unwrap_err();

    // Assert
    assert!(matches!(error, OctopusError::Decode { .. }), "{error:?}");
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn the_api_key_never_appears_in_error_text_or_in_the_client_debug_output() {
    // Arrange
    let server = MockServer::start().await;
    mount(&server, api("GET", ONE), octopus_error(401, "Bad key", &[]), 1).await;
    mount(
        &server,
        api("GET", EVENTS),
        ResponseTemplate::new(200).set_body_string("nope"),
        1,
    )
    .await;
    mount(&server, api("GET", INTERRUPTIONS), found().set_delay(ms(1500)), 1).await;
    let octopus = attempts(&server, 1);
    let (_bound, url) = refusing_url();
    let refused = client_at(&url, |s| s.backoff.max_attempts = 1);

    // Act
    let errors = [
        get_one(&octopus, plenty()).await.unwrap_err(),
        count(&octopus).await.unwrap_err(),
        pending(&octopus).await.unwrap_err(),
        get_one(&refused, plenty()).await.unwrap_err(),
    ];

    // Assert
    let causes: Vec<&str> = errors.iter().map(OctopusError::cause).collect();
    assert_eq!(causes, ["unauthorized", "bad_response", "timeout", "unreachable"]);
    for error in &errors {
        assert!(!error.to_string().contains(KEY), "{error}");
        assert!(!format!("{error:?}").contains(KEY), "{error:?}");
    }
    assert!(!format!("{octopus:?}").contains(KEY));
}

#[tokio::test]
async fn a_submit_that_may_have_been_applied_is_not_sent_again_by_the_client() {
    // Arrange: a 502 from a gateway and a timeout, each after the request reached the server
    let id = OctopusId::parse("Interruptions-7").unwrap();
    let values: Map<String, Value> = serde_json::from_value(json!({"Guidance": "Retry"})).unwrap();
    for reply in [
        ResponseTemplate::new(502),
        ok(interruption("Interruptions-7", false)).set_delay(ms(2_000)),
    ] {
        let server = MockServer::start().await;
        mount(&server, api("POST", &format!("{ONE}/submit")), reply, 1).await;

        // Act
        let error = client(&server)
            .submit(&space(), &id, &values, plenty())
            .await
            .unwrap_err();

        // Assert: one POST only (checked when the server drops); the caller decides what next
        assert!(error.may_have_been_applied(), "{error}");
    }
}

#[tokio::test]
async fn a_submit_refused_with_429_is_sent_again_because_octopus_did_not_act_on_it() {
    // Arrange
    let server = MockServer::start().await;
    let submit = api("POST", &format!("{ONE}/submit"));
    mount_first(
        &server,
        submit,
        ResponseTemplate::new(429).insert_header("Retry-After", "0"),
    )
    .await;
    mount(
        &server,
        api("POST", &format!("{ONE}/submit")),
        ok(interruption("Interruptions-7", false)),
        1,
    )
    .await;
    let id = OctopusId::parse("Interruptions-7").unwrap();
    let values: Map<String, Value> = serde_json::from_value(json!({"Guidance": "Retry"})).unwrap();

    // Act
    let submitted = client(&server).submit(&space(), &id, &values, plenty()).await;

    // Assert
    assert!(!submitted.unwrap().is_pending);
}

#[tokio::test]
async fn counting_events_reads_when_the_newest_counted_event_occurred() {
    // Arrange
    let server = MockServer::start().await;
    let body = json!({"TotalResults": 3, "Items": [{"Id": "Events-9", "Occurred": "2026-09-10T08:15:03.538+00:00"}]});
    mount(&server, api("GET", EVENTS), ok(body), 1).await;

    // Act
    let counted = client(&server)
        .count_events(&space(), &task(), GUIDED_FAILURE, plenty())
        .await
        .unwrap();

    // Assert
    assert_eq!(counted.total, 3);
    assert_eq!(
        counted.newest_occurred.as_deref(),
        Some("2026-09-10T08:15:03.538+00:00")
    );
}

#[tokio::test]
async fn the_task_s_history_lists_every_interruption_regarding_it_without_pending_only_over_all_pages() {
    // Arrange
    let server = MockServer::start().await;
    let first = api("GET", INTERRUPTIONS)
        .and(query_param("regarding", "ServerTasks-42"))
        .and(query_param("skip", "0"));
    mount(
        &server,
        first,
        page(&["Interruptions-3", "Interruptions-2"], Some("/next")),
        1,
    )
    .await;
    let second = api("GET", INTERRUPTIONS).and(query_param("skip", "2"));
    mount(&server, second, page(&["Interruptions-1"], None), 1).await;

    // Act
    let all = client(&server)
        .interruptions_regarding(&space(), &task(), plenty())
        .await
        .unwrap();

    // Assert
    let ids: Vec<&str> = all.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["Interruptions-3", "Interruptions-2", "Interruptions-1"]);
    let asked = server.received_requests().await.unwrap();
    assert!(
        asked
            .iter()
            .all(|r| !r.url.query().unwrap_or_default().contains("pendingOnly"))
    );
}

#[tokio::test]
async fn a_listing_whose_next_page_never_ends_is_an_error_not_a_partial_list() {
    // Arrange: every page offers a next one
    let server = MockServer::start().await;
    let endless = api("GET", INTERRUPTIONS).respond_with(page(&["Interruptions-1", "Interruptions-2"], Some("/next")));
    endless.mount(&server).await;

    // Act
    let listed = pending(&client(&server)).await;

    // Assert
    let error = listed.unwrap_err();
    assert!(
        error.to_string().contains("refusing to act on a partial list"),
        "{error}"
    );
    assert!(!error.is_retryable());
}
