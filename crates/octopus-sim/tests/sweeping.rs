//! What a sweep over a space reads: every pending interruption (no `regarding`), the spaces, the
//! subscriptions, and the 403s when the responder lacks a permission; tenanted targets.
#![allow(clippy::expect_used)]

mod common;

use std::time::{Duration, SystemTime};

use common::{Api, error_message, item_ids, keys};
use octopus_sim::{Permission, SubscriptionFilter, SubscriptionSpec};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Follows `Page.Next` from `first`, returning every page's item ids.
async fn all_pages(api: &Api, first: &str) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut next = Some(first.to_owned());
    while let Some(path) = next {
        let page = api.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        pages.push(item_ids(&page.body));
        next = page.body["Links"]["Page.Next"].as_str().map(str::to_owned);
    }
    pages
}

fn responder_subscription(uri: &str) -> SubscriptionSpec {
    SubscriptionSpec {
        name: "Interruption responder".into(),
        webhook_uri: uri.into(),
        header_key: Some("X-Responder-Token".into()),
        header_value: Some("s3cret".into()),
        filter: SubscriptionFilter {
            event_categories: vec![
                "GuidedFailureInterruptionRaised".into(),
                "ManualInterventionInterruptionRaised".into(),
            ],
            ..SubscriptionFilter::default()
        },
        ..SubscriptionSpec::default()
    }
}

#[tokio::test]
async fn lists_every_pending_interruption_of_a_space_without_regarding_newest_created_first_in_pages() {
    let api = Api::start().await;
    let (a, b) = (api.sim.add_deployment("Spaces-1"), api.sim.add_runbook_run("Spaces-1"));
    let elsewhere = api.sim.add_space();
    api.sim.raise_guided_failure(&api.sim.add_deployment(&elsewhere), &[]);
    let oldest = api.sim.raise_guided_failure(&a, &[]).interruption_id;
    let done = api.sim.raise_guided_failure(&a, &[]).interruption_id;
    api.sim.complete_elsewhere(&done, &[("Guidance", "Fail")]);
    let manual = api.sim.raise_manual_intervention(&a).interruption_id;
    let run = api.sim.raise_guided_failure(&b, &[]).interruption_id;
    let back_dated = api.sim.raise_guided_failure(&b, &[]).interruption_id;
    api.sim
        .set_created(&back_dated, SystemTime::now() - Duration::from_secs(3600));

    let pages = all_pages(&api, "/api/Spaces-1/interruptions?pendingOnly=true&take=2").await;

    assert_eq!(
        pages,
        [vec![run, manual], vec![oldest, back_dated.clone()]],
        "newest created first, the back-dated one last"
    );
    let first = api.get("/api/Spaces-1/interruptions?pendingOnly=true&take=2").await;
    assert_eq!(first.body["TotalResults"], 4);
    assert_eq!(
        first.body["Links"]["Page.Next"],
        "/api/Spaces-1/interruptions?skip=2&take=2&pendingOnly=True"
    );
    let everything = api.get("/api/Spaces-1/interruptions?take=10").await;
    assert_eq!(everything.body["TotalResults"], 5);
    assert!(item_ids(&everything.body).contains(&done));
}

#[tokio::test]
async fn lists_spaces_alphabetically_in_pages_with_a_next_link() {
    let api = Api::start().await;
    let zulu = api.sim.add_space_named("Zulu Team");
    let alpha = api.sim.add_space_named("Alpha");
    let unnamed = api.sim.add_space();

    let first = api.get("/api/spaces?take=2").await;

    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.body["ItemType"], "Space");
    assert_eq!(first.body["TotalResults"], 4);
    assert_eq!(item_ids(&first.body), [alpha.clone(), "Spaces-1".to_owned()]);
    assert_eq!(first.body["Links"]["Page.Next"], "/api/spaces?skip=2&take=2");
    let pages = all_pages(&api, "/api/spaces?take=2").await;
    assert_eq!(pages[1], [unnamed.clone(), zulu.clone()]);
    let default = &first.body["Items"][1];
    for key in ["Id", "IsDefault", "Links", "Name", "Slug", "TaskQueueStopped"] {
        assert!(keys(default).contains(&key.to_owned()), "{key}");
    }
    assert_eq!(default["Name"], "Default");
    assert_eq!(default["IsDefault"], true);
    assert_eq!(default["TaskQueueStopped"], false);
    assert_eq!(default["Links"]["Self"], "/api/spaces/Spaces-1");
    let z = api.get(&format!("/api/spaces/{zulu}")).await;
    assert_eq!(
        (z.body["Slug"].as_str(), z.body["IsDefault"].as_bool()),
        (Some("zulu-team"), Some(false))
    );
    assert_eq!(api.get("/api/spaces/all").await.body.as_array().map(Vec::len), Some(4));
    assert_eq!(api.get("/api/spaces/Spaces-99").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        api.send(Method::GET, "/api/spaces", None, None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn serves_subscriptions_paged_all_and_by_id_without_echoing_a_sensitive_header_value() {
    let api = Api::start().await;
    let other_space = api.sim.add_space();
    let responder = api
        .sim
        .add_subscription("Spaces-1", responder_subscription("https://r.example.com/hook"));
    let audit = api.sim.add_subscription(
        "Spaces-1",
        SubscriptionSpec {
            name: "Audit".into(),
            is_disabled: true,
            ..SubscriptionSpec::default()
        },
    );
    let b = api.sim.add_subscription(
        "Spaces-1",
        SubscriptionSpec {
            name: "B".into(),
            ..SubscriptionSpec::default()
        },
    );
    api.sim
        .add_subscription(&other_space, responder_subscription("https://x.example.com"));
    assert!(responder.starts_with("Subscriptions-"));

    let pages = all_pages(&api, "/api/Spaces-1/subscriptions?take=2").await;
    let all = api.get("/api/Spaces-1/subscriptions/all").await;
    let one = api.get(&format!("/api/Spaces-1/subscriptions/{responder}")).await;

    assert_eq!(pages, [vec![audit, b], vec![responder.clone()]]);
    let first = api.get("/api/Spaces-1/subscriptions?take=2").await;
    assert_eq!(first.body["ItemType"], "Subscription");
    assert_eq!(first.body["TotalResults"], 3);
    assert_eq!(all.body.as_array().map(Vec::len), Some(3));
    let s = &one.body;
    assert_eq!(
        keys(s),
        [
            "EventNotificationSubscription",
            "Id",
            "IsDisabled",
            "Links",
            "Name",
            "SpaceId",
            "Type"
        ]
    );
    assert_eq!(
        (s["Type"].as_str(), s["IsDisabled"].as_bool()),
        (Some("Event"), Some(false))
    );
    assert_eq!(s["Links"]["Self"], format!("/api/Spaces-1/subscriptions/{responder}"));
    let ens = &s["EventNotificationSubscription"];
    assert_eq!(ens["WebhookURI"], "https://r.example.com/hook");
    assert_eq!(ens["WebhookHeaderKey"], "X-Responder-Token");
    assert_eq!(
        ens["WebhookHeaderValue"],
        json!({"IsSensitive": true, "Value": null, "SensitiveValue": {"HasValue": true, "Hint": null, "NewValue": null}})
    );
    assert!(!one.body.to_string().contains("s3cret"));
    assert_eq!(ens["WebhookTimeout"], "00:00:10");
    assert_eq!(ens["EmailPriority"], "Normal");
    assert_eq!(
        ens["Filter"]["EventCategories"][1],
        "ManualInterventionInterruptionRaised"
    );
    assert_eq!(ens["Filter"]["Tenants"], json!([]));
    assert_eq!(keys(&ens["Filter"]).len(), 10);
    assert!(ens["WebhookLastProcessedEventAutoId"].is_u64());
    let elsewhere = api.get(&format!("/api/{other_space}/subscriptions/{responder}")).await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    error_message(&elsewhere.body);
}

#[tokio::test]
async fn answers_the_header_value_as_a_plain_string_when_sensitive_values_are_off() {
    let api = Api::start().await;
    let id = api
        .sim
        .add_subscription("Spaces-1", responder_subscription("https://r.example.com/hook"));
    let unset = api.sim.add_subscription("Spaces-1", SubscriptionSpec::default());
    let path = |id: &str| format!("/api/Spaces-1/subscriptions/{id}");
    let sensitive_unset = api.get(&path(&unset)).await.body;
    assert_eq!(
        sensitive_unset["EventNotificationSubscription"]["WebhookHeaderValue"]["SensitiveValue"]["HasValue"],
        false
    );

    api.sim.set_sensitive_header_values(false);

    let plain = api.get(&path(&id)).await.body;
    assert_eq!(plain["EventNotificationSubscription"]["WebhookHeaderValue"], "s3cret");
    let plain_unset = api.get(&path(&unset)).await.body;
    assert_eq!(
        plain_unset["EventNotificationSubscription"]["WebhookHeaderValue"],
        Value::Null
    );
    assert_eq!(
        plain_unset["EventNotificationSubscription"]["WebhookHeaderKey"],
        Value::Null
    );
}

#[tokio::test]
async fn subscriptions_answer_403_when_the_responder_lacks_subscription_view() {
    let api = Api::start().await;
    let space = api.sim.add_space();
    let id = api.sim.add_subscription("Spaces-1", SubscriptionSpec::default());
    let routes = [
        "/api/Spaces-1/subscriptions".to_owned(),
        "/api/Spaces-1/subscriptions/all".to_owned(),
        format!("/api/Spaces-1/subscriptions/{id}"),
    ];

    api.sim.deny(Permission::SubscriptionView);

    for path in &routes {
        let r = api.get(path).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        assert!(error_message(&r.body).ends_with("Missing permission: SubscriptionView"));
        let other = api.send(Method::GET, path, Some(api.sim.other_api_key()), None).await;
        assert_eq!(other.status, StatusCode::OK, "{path}");
        let anonymous = api.send(Method::GET, path, None, None).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    api.sim.allow(Permission::SubscriptionView);
    api.sim.deny_in(&space, Permission::SubscriptionView);
    assert_eq!(api.get(&routes[0]).await.status, StatusCode::OK);
    let denied_here = api.get(&format!("/api/{space}/subscriptions")).await;
    assert_eq!(denied_here.status, StatusCode::FORBIDDEN);
    assert_eq!(
        api.get("/api/Spaces-9/subscriptions").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn denied_event_and_interruption_permissions_answer_403_on_their_routes() {
    let api = Api::start().await;
    let t = api.sim.add_deployment("Spaces-1");
    let raised = api.sim.raise_guided_failure(&t, &[]);
    let id = raised.interruption_id;

    api.sim.deny(Permission::InterruptionSubmit);
    let take = api.take("Spaces-1", &id).await;
    assert_eq!(take.status, StatusCode::FORBIDDEN);
    assert!(error_message(&take.body).contains("InterruptionSubmit"));
    assert_eq!(api.get("/api/Spaces-1/interruptions").await.status, StatusCode::OK);

    api.sim.deny(Permission::InterruptionView);
    api.sim.deny(Permission::EventView);
    for path in [
        "/api/Spaces-1/interruptions".to_owned(),
        format!("/api/Spaces-1/interruptions/{id}"),
        "/api/Spaces-1/events".to_owned(),
        "/api/events".to_owned(),
        format!("/api/events/{}", raised.event_id),
    ] {
        assert_eq!(api.get(&path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    api.sim.allow(Permission::InterruptionSubmit);
    assert_eq!(api.take("Spaces-1", &id).await.status, StatusCode::OK);
    assert!(api.sim.submissions().is_empty());
}

#[tokio::test]
async fn a_tenanted_deployment_relates_its_interruptions_and_events_to_the_tenant() {
    let api = Api::start().await;
    let t = api.sim.add_tenanted_deployment("Spaces-1", "Tenants-7");
    let plain = api.sim.add_deployment("Spaces-1");

    let gf = api.sim.raise_guided_failure(&t, &[]);
    let mi = api.sim.raise_manual_intervention(&plain);

    assert_eq!(t.tenant_id.as_deref(), Some("Tenants-7"));
    assert_eq!(plain.tenant_id, None);
    let deployment = t.deployment_id.as_deref().expect("deployment");
    let i = api.sim.interruption(&gf.interruption_id).expect("exists");
    assert_eq!(
        i["RelatedDocumentIds"],
        json!([t.task_id, deployment, t.project_id, t.environment_id, "Tenants-7"])
    );
    let event = api.get(&format!("/api/events/{}", gf.event_id)).await.body;
    let related = event["RelatedDocumentIds"].as_array().expect("array");
    assert_eq!(related[0], deployment);
    assert!(related.contains(&json!("Tenants-7")));
    let by_tenant = api
        .get("/api/Spaces-1/interruptions?pendingOnly=true&regarding=Tenants-7")
        .await;
    assert_eq!(item_ids(&by_tenant.body), [gf.interruption_id]);
    let untenanted = api.sim.interruption(&mi.interruption_id).expect("exists");
    assert_eq!(untenanted["RelatedDocumentIds"].as_array().map(Vec::len), Some(4));
}
