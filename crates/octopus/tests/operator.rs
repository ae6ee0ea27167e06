//! The operator CLI's calls against the Octopus simulator over real HTTP on loopback: the root
//! document, the API key's user and permissions, subscriptions created, read back, updated and
//! deleted (and refused), projects, environments and tenants looked up by name. A few answers no
//! simulator gives (a server ignoring `partialName`, fields the client does not model) come
//! from wiremock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use messaging::{OctopusId, SpaceId};
use octopus::{
    Backoff, Deadline, EventNotificationWrite, HeaderValueWrite, HttpOctopus, Named, OctopusError, Settings,
    Subscription, SubscriptionFilter, SubscriptionWrite,
};
use octopus_sim::{Fault, Method, Permission, RequestRecord, Simulator};
use secrecy::SecretString;
use serde_json::json;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const WEBHOOK: &str = "https://hooks.example.com/octopus/webhook?type=Guidance&action=Retry";

#[tokio::test]
async fn an_administrator_creates_reads_back_updates_and_deletes_a_subscription() {
    // Arrange
    let sim = Simulator::start().await.unwrap();
    let admin = client(&sim, sim.admin_api_key());
    let project = sim.add_project("Spaces-1", "Web App");

    // Act
    let created = admin
        .create_subscription(&space("Spaces-1"), &retry_web_app(&project, None), plenty())
        .await
        .unwrap();
    let listed = admin.subscriptions(&space("Spaces-1"), plenty()).await.unwrap();
    let mut changed = retry_web_app(&project, None);
    changed.name = "Retry web app (paused)".into();
    changed.is_disabled = true;
    changed.event_notification_subscription.filter.environments = vec!["Environments-501".into()];
    let updated = admin
        .update_subscription(&space("Spaces-1"), &id(&created.id), &changed, plenty())
        .await
        .unwrap();
    let deleted = admin
        .delete_subscription(&space("Spaces-1"), &id(&created.id), plenty())
        .await;
    let after = admin.subscriptions(&space("Spaces-1"), plenty()).await.unwrap();

    // Assert
    assert!(created.id.starts_with("Subscriptions-"), "{}", created.id);
    let [read] = listed.as_slice() else {
        panic!("{listed:?}")
    };
    assert_eq!(read.name, "Retry web app");
    assert!(!read.is_disabled);
    let notification = &read.event_notification_subscription;
    assert_eq!(notification.webhook_uri.as_deref(), Some(WEBHOOK));
    assert_eq!(notification.webhook_header_key.as_deref(), Some("X-Responder-Token"));
    assert_eq!(notification.filter.projects, [project.as_str()]);
    assert_eq!(
        notification.filter.event_categories,
        ["GuidedFailureInterruptionRaised"]
    );
    assert_eq!((updated.id.as_str(), updated.is_disabled), (created.id.as_str(), true));
    assert_eq!(updated.name, "Retry web app (paused)");
    assert_eq!(
        updated.event_notification_subscription.filter.environments,
        ["Environments-501"]
    );
    deleted.unwrap();
    assert!(after.is_empty(), "{after:?}");
    assert_eq!(
        writes(&sim),
        [("POST", 201), ("PUT", 200), ("DELETE", 200)],
        "each write sent once"
    );
}

#[tokio::test]
async fn a_sensitive_header_value_is_never_echoed_but_reads_as_set_and_keep_keeps_it() {
    // Arrange
    let sim = Simulator::start().await.unwrap();
    let admin = client(&sim, sim.admin_api_key());
    let root = admin.root(plenty()).await.unwrap();
    let value = HeaderValueWrite::for_server(&root, SecretString::from("s3cret"));
    assert!(matches!(value, HeaderValueWrite::Sensitive(_)), "{value:?}");

    // Act
    let created = admin
        .create_subscription(&space("Spaces-1"), &retry_web_app("Projects-1", Some(value)), plenty())
        .await
        .unwrap();
    let kept = admin
        .update_subscription(
            &space("Spaces-1"),
            &id(&created.id),
            &retry_web_app("Projects-2", Some(HeaderValueWrite::Keep)),
            plenty(),
        )
        .await
        .unwrap();

    // Assert
    for read in [&created, &kept] {
        assert_eq!(read.header_value(), None);
        assert_eq!(read.header_value_is_set(), Some(true));
        assert!(read.event_notification_subscription.webhook_header_value.is_sensitive());
    }
    sim.set_sensitive_header_values(false);
    let echoed = only_subscription(&admin).await;
    assert_eq!(
        echoed.header_value(),
        Some("s3cret"),
        "the kept value is the one written"
    );
}

#[tokio::test]
async fn a_server_before_2026_1_takes_a_plain_header_value_and_echoes_it_in_clear() {
    // Arrange
    let sim = Simulator::start().await.unwrap();
    sim.set_version("2025.4.10333");
    sim.set_sensitive_header_values(false);
    let admin = client(&sim, sim.admin_api_key());
    let root = admin.root(plenty()).await.unwrap();
    let value = HeaderValueWrite::for_server(&root, SecretString::from("s3cret"));

    // Act
    let created = admin
        .create_subscription(&space("Spaces-1"), &retry_web_app("Projects-1", Some(value)), plenty())
        .await
        .unwrap();

    // Assert
    assert!(!root.sensitive_header_values());
    assert!(
        !created
            .event_notification_subscription
            .webhook_header_value
            .is_sensitive()
    );
    assert_eq!(created.header_value(), Some("s3cret"));
    assert_eq!(created.header_value_is_set(), Some(true));
}

#[tokio::test]
async fn a_second_subscription_with_the_same_name_is_refused_with_a_400_naming_the_problem() {
    // Arrange
    let sim = Simulator::start().await.unwrap();
    let admin = client(&sim, sim.admin_api_key());
    let first = retry_web_app("Projects-1", None);
    admin
        .create_subscription(&space("Spaces-1"), &first, plenty())
        .await
        .unwrap();
    let mut same_name = retry_web_app("Projects-2", None);
    same_name.name = "RETRY WEB APP".into();

    // Act
    let error = admin
        .create_subscription(&space("Spaces-1"), &same_name, plenty())
        .await
        .unwrap_err();

    // Assert
    assert_eq!(error.status(), Some(400), "{error}");
    assert_eq!(error.cause(), "rejected");
    let text = error.to_string();
    assert!(text.contains("There was a problem with your request."), "{text}");
    assert!(text.contains("'RETRY WEB APP' already exists"), "{text}");
    assert_eq!(writes(&sim), [("POST", 201), ("POST", 400)], "a 400 is not retried");
}

#[tokio::test]
async fn an_invalid_update_surfaces_the_errors_octopus_lists() {
    // Arrange
    let sim = Simulator::start().await.unwrap();
    let admin = client(&sim, sim.admin_api_key());
    let created = admin
        .create_subscription(&space("Spaces-1"), &retry_web_app("Projects-1", None), plenty())
        .await
        .unwrap();
    let mut nameless = retry_web_app("Projects-1", None);
    nameless.name = "   ".into();

    // Act
    let error = admin
        .update_subscription(&space("Spaces-1"), &id(&created.id), &nameless, plenty())
        .await
        .unwrap_err();

    // Assert
    assert_eq!(error.status(), Some(400));
    assert!(
        error
            .to_string()
            .contains("Please provide a name for the subscription."),
        "{error}"
    );
}

#[tokio::test]
async fn the_responder_s_key_is_refused_403_on_create_update_and_delete() {
    // Arrange
    let sim = Simulator::start().await.unwrap();
    let existing = client(&sim, sim.admin_api_key())
        .create_subscription(&space("Spaces-1"), &retry_web_app("Projects-1", None), plenty())
        .await
        .unwrap();
    let responder = client(&sim, sim.api_key());
    let write = retry_web_app("Projects-2", None);
    let (spaces_1, existing) = (space("Spaces-1"), id(&existing.id));

    // Act
    let errors = [
        responder
            .create_subscription(&spaces_1, &write, plenty())
            .await
            .unwrap_err(),
        responder
            .update_subscription(&spaces_1, &existing, &write, plenty())
            .await
            .unwrap_err(),
        responder
            .delete_subscription(&spaces_1, &existing, plenty())
            .await
            .unwrap_err(),
    ];

    // Assert
    for (error, permission) in errors
        .iter()
        .zip(["SubscriptionCreate", "SubscriptionEdit", "SubscriptionDelete"])
    {
        assert_eq!(error.cause(), "forbidden", "{error}");
        assert!(
            error
                .to_string()
                .ends_with(&format!("Missing permission: {permission}")),
            "{error}"
        );
    }
    assert_eq!(only_subscription(&responder).await.name, "Retry web app", "unchanged");
}

#[tokio::test]
async fn permissions_show_a_permission_denied_in_one_space_missing_there_only() {
    // Arrange
    let sim = Simulator::start().await.unwrap();
    let spaces_2 = space(&sim.add_space());
    sim.deny_in(spaces_2.as_str(), Permission::SubscriptionView);
    let responder = client(&sim, sim.api_key());
    let admin = client(&sim, sim.admin_api_key());

    // Act
    let me = responder.current_user(plenty()).await.unwrap();
    let mine = responder.permissions(&id(&me.id), plenty()).await.unwrap();
    let administrator = admin.current_user(plenty()).await.unwrap();
    let theirs = admin.permissions(&id(&administrator.id), plenty()).await.unwrap();

    // Assert
    assert_eq!(
        (me.id.as_str(), me.username.as_str()),
        (sim.responder_user_id(), "responder")
    );
    assert_eq!(administrator.id, sim.admin_user_id());
    let spaces_1 = space("Spaces-1");
    assert!(mine.has("SubscriptionView", &spaces_1));
    assert!(!mine.has("SubscriptionView", &spaces_2));
    assert!(mine.has("InterruptionSubmit", &spaces_2));
    assert!(!mine.restricted("InterruptionSubmit", &spaces_2));
    assert!(!mine.has("SubscriptionCreate", &spaces_1));
    for permission in [
        "SubscriptionView",
        "SubscriptionCreate",
        "SubscriptionEdit",
        "SubscriptionDelete",
    ] {
        for space in [&spaces_1, &spaces_2] {
            assert!(theirs.has(permission, space), "{permission} in {space}");
        }
    }
    assert!(theirs.has_system("AdministerSystem"));
}

#[tokio::test]
async fn named_finds_web_app_exactly_and_not_web_app_legacy_over_every_page() {
    // Arrange
    let sim = Simulator::start().await.unwrap();
    let web_app = sim.add_project("Spaces-1", "Web App");
    for other in ["Web App Legacy", "Old Web App", "Web Application"] {
        sim.add_project("Spaces-1", other);
    }
    let elsewhere = sim.add_space();
    sim.add_project(&elsewhere, "Web App");
    let production = sim.add_environment("Spaces-1", "Production");
    sim.add_environment("Spaces-1", "Production EU");
    let acme = sim.add_tenant("Spaces-1", "Acme");
    let octopus = client(&sim, sim.api_key());
    let spaces_1 = space("Spaces-1");

    // Act
    let projects = octopus
        .named(&spaces_1, Named::Projects, "web app", plenty())
        .await
        .unwrap();
    let environments = octopus
        .named(&spaces_1, Named::Environments, "Production", plenty())
        .await
        .unwrap();
    let tenants = octopus
        .named(&spaces_1, Named::Tenants, "Acme", plenty())
        .await
        .unwrap();
    let nothing = octopus
        .named(&spaces_1, Named::Projects, "Web", plenty())
        .await
        .unwrap();

    // Assert
    let ids = |found: &[octopus::NamedResource]| found.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&projects), [web_app]);
    assert_eq!(projects[0].name, "Web App");
    assert_eq!(ids(&environments), [production]);
    assert_eq!(ids(&tenants), [acme]);
    assert!(nothing.is_empty(), "{nothing:?}");
    let project_pages: Vec<RequestRecord> = sim
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/Spaces-1/projects")
        .collect();
    assert_eq!(project_pages.len(), 2 + 2, "four candidates each time, two a page");
    assert!(
        project_pages[0]
            .query
            .as_deref()
            .is_some_and(|q| q.contains("partialName=web+app") || q.contains("partialName=web%20app")),
        "{:?}",
        project_pages[0].query
    );
}

#[tokio::test]
async fn named_keeps_only_exact_matches_from_a_server_that_ignores_partial_name() {
    // Arrange
    let server = MockServer::start().await;
    let everything = json!({"Items": [
        {"Id": "Projects-1", "Name": "Web App Legacy"},
        {"Id": "Projects-2", "Name": "Web App"},
        {"Id": "Projects-3", "Name": "Billing"}
    ], "TotalResults": 3, "Links": {}});
    Mock::given(method("GET"))
        .and(path("/api/Spaces-1/projects"))
        .respond_with(ResponseTemplate::new(200).set_body_json(everything))
        .expect(1)
        .mount(&server)
        .await;
    let octopus = client_at(&server.uri(), "API-KEY");

    // Act
    let found = octopus
        .named(&space("Spaces-1"), Named::Projects, "Web App", plenty())
        .await
        .unwrap();

    // Assert
    let ids: Vec<&str> = found.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["Projects-2"]);
}

#[tokio::test]
async fn the_root_document_gives_the_version_and_whether_header_values_are_sensitive() {
    // Arrange
    let sim = Simulator::start().await.unwrap();
    let octopus = client(&sim, sim.api_key());

    // Act
    let default = octopus.root(plenty()).await.unwrap();
    sim.set_version("2025.4.10333");
    let older = octopus.root(plenty()).await.unwrap();
    sim.set_version("2026.1.3777");
    let first_sensitive = octopus.root(plenty()).await.unwrap();

    // Assert
    assert_eq!(default.application.as_deref(), Some("Octopus Deploy"));
    assert_eq!(default.api_version.as_deref(), Some("3.0.0"));
    assert_eq!(default.version.as_deref(), Some("2026.3.0-sim"));
    assert!(default.sensitive_header_values());
    assert!(!older.sensitive_header_values());
    assert_eq!(first_sensitive.version_numbers(), Some((2026, 1, 3777)));
    assert!(first_sensitive.sensitive_header_values());
    let roots = sim.requests().into_iter().filter(|r| r.path == "/api").count();
    assert_eq!(roots, 3);
}

#[tokio::test]
async fn a_create_whose_answer_is_lost_is_not_sent_again_and_says_it_may_have_been_applied() {
    // Arrange
    let sim = Simulator::start().await.unwrap();
    sim.inject(
        Fault::apply_then_drop()
            .method(Method::POST)
            .path_contains("/subscriptions"),
    );
    let admin = client(&sim, sim.admin_api_key());

    // Act
    let error = admin
        .create_subscription(&space("Spaces-1"), &retry_web_app("Projects-1", None), plenty())
        .await
        .unwrap_err();

    // Assert
    assert!(matches!(error, OctopusError::Transport { .. }), "{error:?}");
    assert!(error.may_have_been_applied());
    assert_eq!(writes(&sim), [("POST", 201)], "sent once");
    assert_eq!(only_subscription(&admin).await.name, "Retry web app", "and applied");
}

#[tokio::test]
async fn a_delete_whose_answer_is_lost_is_retried_and_the_404_that_follows_counts_as_done() {
    // Arrange
    let sim = Simulator::start().await.unwrap();
    let admin = client(&sim, sim.admin_api_key());
    let created = admin
        .create_subscription(&space("Spaces-1"), &retry_web_app("Projects-1", None), plenty())
        .await
        .unwrap();
    sim.inject(Fault::apply_then_drop().method(Method::DELETE));

    // Act
    let deleted = admin
        .delete_subscription(&space("Spaces-1"), &id(&created.id), plenty())
        .await;

    // Assert
    deleted.unwrap();
    assert_eq!(writes(&sim), [("POST", 201), ("DELETE", 200), ("DELETE", 404)]);
}

#[tokio::test]
async fn deleting_a_subscription_that_never_existed_is_a_404() {
    // Arrange
    let sim = Simulator::start().await.unwrap();
    let admin = client(&sim, sim.admin_api_key());

    // Act
    let error = admin
        .delete_subscription(&space("Spaces-1"), &id("Subscriptions-999"), plenty())
        .await
        .unwrap_err();

    // Assert
    assert_eq!(error.status(), Some(404), "{error}");
    assert_eq!(writes(&sim), [("DELETE", 404)]);
}

#[tokio::test]
async fn an_update_sends_back_the_fields_it_does_not_model_as_the_server_answered_them() {
    // Arrange
    let server = MockServer::start().await;
    let one = "/api/Spaces-1/subscriptions/Subscriptions-41";
    let current = json!({
        "Id": "Subscriptions-41", "Name": "Retry web app", "Type": "Event", "IsDisabled": false,
        "SpaceId": "Spaces-1", "EventNotificationSubscription": {
            "Filter": {}, "EmailTeams": ["Teams-7"], "EmailPriority": "High",
            "WebhookLastProcessedEventAutoId": 90210, "WebhookURI": "https://old.example.com"
        }
    });
    Mock::given(method("GET"))
        .and(path(one))
        .respond_with(ResponseTemplate::new(200).set_body_json(&current))
        .expect(1)
        .mount(&server)
        .await;
    let kept = json!({"Id": "Subscriptions-41", "SpaceId": "Spaces-1", "EventNotificationSubscription": {
        "EmailTeams": ["Teams-7"], "EmailPriority": "High", "WebhookLastProcessedEventAutoId": 90210,
        "WebhookURI": WEBHOOK, "WebhookTimeout": "00:00:10"
    }});
    Mock::given(method("PUT"))
        .and(path(one))
        .and(body_partial_json(kept))
        .respond_with(ResponseTemplate::new(200).set_body_json(&current))
        .expect(1)
        .mount(&server)
        .await;
    let octopus = client_at(&server.uri(), "API-KEY");

    // Act
    let updated = octopus
        .update_subscription(
            &space("Spaces-1"),
            &id("Subscriptions-41"),
            &retry_web_app("Projects-1", None),
            plenty(),
        )
        .await;

    // Assert: the PUT matched (checked when the server drops)
    assert_eq!(updated.unwrap().id, "Subscriptions-41");
}

/// The subscription a CLI would write for "retry guided failures of `project`".
fn retry_web_app(project: &str, header_value: Option<HeaderValueWrite>) -> SubscriptionWrite {
    SubscriptionWrite {
        name: "Retry web app".into(),
        event_notification_subscription: EventNotificationWrite {
            filter: SubscriptionFilter {
                event_categories: vec!["GuidedFailureInterruptionRaised".into()],
                projects: vec![project.into()],
                ..SubscriptionFilter::default()
            },
            webhook_uri: WEBHOOK.into(),
            webhook_header_key: Some("X-Responder-Token".into()),
            webhook_header_value: header_value,
            ..EventNotificationWrite::default()
        },
        ..SubscriptionWrite::default()
    }
}

/// The one subscription of `Spaces-1`, as `octopus` reads it.
async fn only_subscription(octopus: &HttpOctopus) -> Subscription {
    let mut all = octopus.subscriptions(&space("Spaces-1"), plenty()).await.unwrap();
    assert_eq!(all.len(), 1, "{all:?}");
    all.remove(0)
}

/// The subscription writes the simulator answered, in order: method and status.
fn writes(sim: &Simulator) -> Vec<(&'static str, u16)> {
    sim.requests()
        .into_iter()
        .filter(|r| r.path.contains("/subscriptions"))
        .filter_map(|r| {
            let method = ["POST", "PUT", "DELETE"].into_iter().find(|m| *m == r.method)?;
            Some((method, r.status))
        })
        .collect()
}

fn client(sim: &Simulator, api_key: &str) -> HttpOctopus {
    client_at(&sim.base_url(), api_key)
}

/// Short timeouts and backoff, two items a page.
fn client_at(url: &str, api_key: &str) -> HttpOctopus {
    let mut settings = Settings::new(url.parse().unwrap(), api_key.to_owned().into());
    settings.request_timeout = Duration::from_millis(500);
    settings.page_size = 2;
    settings.backoff = Backoff {
        initial: Duration::from_millis(10),
        max: Duration::from_millis(50),
        max_attempts: 4,
    };
    HttpOctopus::new(settings).unwrap()
}

fn plenty() -> Deadline {
    Deadline::after(Duration::from_secs(10))
}

fn space(id: &str) -> SpaceId {
    SpaceId::parse(id).unwrap()
}

fn id(id: &str) -> OctopusId {
    OctopusId::parse(id).unwrap()
}
