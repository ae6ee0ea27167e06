//! What an operator reads and writes: subscriptions created, replaced and deleted over HTTP (and
//! refused), the administrator, each user's permissions, named projects, environments and
//! tenants, and the root document's version.
#![allow(clippy::expect_used)]

mod common;

use common::{Api, error_message, item_ids, keys};
use octopus_sim::{Permission, SubscriptionSpec};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn a_created_subscription_answers_201_and_reads_back_like_an_added_one() {
    let api = Api::start().await;
    let added = api.sim.add_subscription(
        "Spaces-1",
        SubscriptionSpec {
            name: "Added".into(),
            ..SubscriptionSpec::default()
        },
    );

    let created = api
        .admin(Method::POST, "/api/Spaces-1/subscriptions", Some(body("Written")))
        .await;

    assert_eq!(created.status, StatusCode::CREATED);
    let id = created.body["Id"].as_str().expect("Id").to_owned();
    assert!(id.starts_with("Subscriptions-"), "{id}");
    let one = api.get(&format!("/api/Spaces-1/subscriptions/{id}")).await;
    assert_eq!(one.body, created.body);
    let other = api.get(&format!("/api/Spaces-1/subscriptions/{added}")).await;
    assert_eq!(keys(&one.body), keys(&other.body));
    let (ens, other_ens) = (
        &one.body["EventNotificationSubscription"],
        &other.body["EventNotificationSubscription"],
    );
    assert_eq!(keys(ens), keys(other_ens));
    assert_eq!(ens["Filter"]["Projects"], json!(["Projects-101"]));
    assert_eq!(ens["Filter"]["Tenants"], json!([]));
    assert_eq!(ens["WebhookTimeout"], "00:00:30");
    assert_eq!(ens["WebhookHeaderValue"]["SensitiveValue"]["HasValue"], true);
    assert!(!one.body.to_string().contains("s3cret"));
    let listed = api.get("/api/Spaces-1/subscriptions").await;
    assert_eq!(item_ids(&listed.body), [added, id.clone()]);
    api.sim.set_sensitive_header_values(false);
    let plain = api.get(&format!("/api/Spaces-1/subscriptions/{id}")).await;
    assert_eq!(
        plain.body["EventNotificationSubscription"]["WebhookHeaderValue"],
        "s3cret"
    );
}

#[tokio::test]
async fn a_header_value_is_taken_as_a_string_or_either_sensitive_shape_and_kept_when_asked() {
    let api = Api::start().await;
    api.sim.set_sensitive_header_values(false);
    let mut plain = body("Plain");
    plain["EventNotificationSubscription"]["WebhookHeaderValue"] = json!("plain-token");
    let created = api
        .admin(Method::POST, "/api/Spaces-1/subscriptions", Some(plain))
        .await;
    let id = created.body["Id"].as_str().expect("Id").to_owned();
    let path = format!("/api/Spaces-1/subscriptions/{id}");
    let value = |reply: &common::Reply| reply.body["EventNotificationSubscription"]["WebhookHeaderValue"].clone();
    assert_eq!(value(&created), "plain-token");

    let mut keep = body("Plain");
    keep["EventNotificationSubscription"]["WebhookHeaderValue"] = json!({"HasValue": true, "NewValue": null});
    let kept = api.admin(Method::PUT, &path, Some(keep)).await;
    let mut echoed = api.get(&path).await.body;
    echoed["EventNotificationSubscription"]["WebhookHeaderValue"] =
        json!({"IsSensitive": true, "Value": null, "SensitiveValue": {"HasValue": true, "NewValue": "new"}});
    let read_shape = api.admin(Method::PUT, &path, Some(echoed)).await;
    let mut clear = body("Plain");
    clear["EventNotificationSubscription"]["WebhookHeaderValue"] = json!({"HasValue": false, "NewValue": null});
    let cleared = api.admin(Method::PUT, &path, Some(clear)).await;

    assert_eq!((kept.status, value(&kept)), (StatusCode::OK, json!("plain-token")));
    assert_eq!(value(&read_shape), "new");
    assert_eq!(value(&cleared), Value::Null);
}

#[tokio::test]
async fn a_body_octopus_would_refuse_is_a_400_listing_every_problem() {
    let api = Api::start().await;
    let created = api
        .admin(Method::POST, "/api/Spaces-1/subscriptions", Some(body("Taken")))
        .await;
    let id = created.body["Id"].as_str().expect("Id").to_owned();
    let mut wrong_types = body("Typed");
    wrong_types["IsDisabled"] = json!("no");
    wrong_types["SpaceId"] = json!("Spaces-2");
    wrong_types["EventNotificationSubscription"]["Filter"]["Projects"] = json!("Projects-1");
    wrong_types["EventNotificationSubscription"]["WebhookHeaderValue"] = json!(7);
    let cases = [
        (
            Method::POST,
            json!({"Name": " ", "Type": "Event"}),
            vec![
                "Please provide a name for the subscription.",
                "EventNotificationSubscription is required.",
            ],
        ),
        (
            Method::POST,
            json!([1]),
            vec!["No request body was supplied, or it is not a JSON object."],
        ),
        (
            Method::POST,
            wrong_types,
            vec![
                "SpaceId 'Spaces-2' is not the space of the route, Spaces-1.",
                "IsDisabled must be true or false.",
                "Filter.Projects must be a list of strings.",
                "WebhookHeaderValue must be a string or a sensitive value.",
            ],
        ),
        (
            Method::POST,
            body("taken"),
            vec!["A subscription with the name 'taken' already exists in this space. Please choose a different name."],
        ),
    ];

    for (method, sent, expected) in cases {
        let r = api
            .admin(method, "/api/Spaces-1/subscriptions", Some(sent.clone()))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{sent}");
        assert_eq!(error_message(&r.body), "There was a problem with your request.");
        assert_eq!(r.body["Errors"], json!(expected), "{sent}");
    }
    let renamed_to_itself = api
        .admin(
            Method::PUT,
            &format!("/api/Spaces-1/subscriptions/{id}"),
            Some(body("TAKEN")),
        )
        .await;
    assert_eq!(renamed_to_itself.status, StatusCode::OK, "its own name is not taken");
    assert_eq!(api.get("/api/Spaces-1/subscriptions").await.body["TotalResults"], 1);
}

#[tokio::test]
async fn only_the_administrator_may_write_subscriptions_and_unknown_ones_are_404_first() {
    let api = Api::start().await;
    let id = api.sim.add_subscription("Spaces-1", SubscriptionSpec::default());
    let one = format!("/api/Spaces-1/subscriptions/{id}");
    let writes = [
        (
            Method::POST,
            "/api/Spaces-1/subscriptions".to_owned(),
            "SubscriptionCreate",
        ),
        (Method::PUT, one.clone(), "SubscriptionEdit"),
        (Method::DELETE, one.clone(), "SubscriptionDelete"),
    ];

    for (method, path, permission) in &writes {
        for key in [api.sim.api_key(), api.sim.other_api_key()] {
            let r = api.send(method.clone(), path, Some(key), Some(body("Mine"))).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{method} {path}");
            assert!(error_message(&r.body).ends_with(&format!("Missing permission: {permission}")));
        }
        let anonymous = api.send(method.clone(), path, None, Some(body("Mine"))).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    }
    for (method, path) in [
        (Method::POST, "/api/Spaces-99/subscriptions"),
        (Method::PUT, "/api/Spaces-1/subscriptions/Subscriptions-999"),
        (Method::DELETE, "/api/Spaces-1/subscriptions/Subscriptions-999"),
        (Method::DELETE, &format!("/api/Spaces-99/subscriptions/{id}")),
    ] {
        let r = api
            .send(method.clone(), path, Some(api.sim.api_key()), Some(body("X")))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{method} {path}");
        error_message(&r.body);
    }
}

#[tokio::test]
async fn a_delete_answers_200_with_no_body_and_a_second_one_404() {
    let api = Api::start().await;
    let id = api.sim.add_subscription("Spaces-1", SubscriptionSpec::default());
    let path = format!("/api/Spaces-1/subscriptions/{id}");

    let first = api.admin(Method::DELETE, &path, None).await;
    let second = api.admin(Method::DELETE, &path, None).await;

    assert_eq!((first.status, first.body), (StatusCode::OK, Value::Null));
    assert_eq!(second.status, StatusCode::NOT_FOUND);
    assert_eq!(api.get(&path).await.status, StatusCode::NOT_FOUND);
    let logged: Vec<(String, u16)> = api
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.path == path)
        .map(|r| (r.method, r.status))
        .collect();
    assert_eq!(
        logged,
        [("DELETE".into(), 200), ("DELETE".into(), 404), ("GET".into(), 404)]
    );
}

#[tokio::test]
async fn each_key_is_its_user_at_users_me_and_the_administrator_is_users_3() {
    let api = Api::start().await;

    let me = api.admin(Method::GET, "/api/users/me", None).await;

    assert_eq!(me.body["Id"], api.sim.admin_user_id());
    assert_eq!(me.body["Id"], "Users-3");
    assert_eq!(me.body["Username"], "admin");
    assert_eq!(api.get("/api/users/me").await.body["Id"], api.sim.responder_user_id());
}

#[tokio::test]
async fn permissions_list_what_each_user_holds_less_what_was_denied_where() {
    let api = Api::start().await;
    let second = api.sim.add_space();
    api.sim.deny_in(&second, Permission::SubscriptionView);
    api.sim.deny(Permission::EventView);

    let mine = api.get("/api/users/Users-1/permissions").await;
    let as_admin = api.admin(Method::GET, "/api/users/Users-1/permissions", None).await;
    let admins = api.admin(Method::GET, "/api/users/Users-3/permissions", None).await;
    let others = api.get("/api/users/Users-3/permissions").await;
    let unknown = api.admin(Method::GET, "/api/users/Users-99/permissions", None).await;

    assert_eq!(mine.status, StatusCode::OK);
    assert_eq!(mine.body, as_admin.body);
    let held = &mine.body["SpacePermissions"];
    let spaces = |permission: &str| -> Vec<String> {
        held[permission]
            .as_array()
            .map(|scopes| {
                scopes
                    .iter()
                    .map(|s| s["SpaceId"].as_str().expect("SpaceId").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(spaces("SubscriptionView"), ["Spaces-1"]);
    assert_eq!(spaces("InterruptionSubmit"), ["Spaces-1", second.as_str()]);
    assert!(held.get("EventView").is_none(), "denied everywhere");
    assert!(held.get("SubscriptionCreate").is_none());
    assert_eq!(held["ProjectView"][0]["RestrictedToProjectIds"], json!([]));
    assert_eq!(mine.body["SystemPermissions"], json!([]));
    assert_eq!(
        admins.body["SpacePermissions"]["SubscriptionDelete"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert_eq!(admins.body["SystemPermissions"][0], "AdministerSystem");
    assert_eq!(others.status, StatusCode::FORBIDDEN);
    assert!(error_message(&others.body).ends_with("Missing permission: UserView"));
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn projects_environments_and_tenants_list_by_name_paged_and_filtered() {
    let api = Api::start().await;
    let target = api.sim.add_tenanted_deployment("Spaces-1", "Tenants-1");
    let web_app = api.sim.add_project("Spaces-1", "Web App");
    let legacy = api.sim.add_project("Spaces-1", "Web App Legacy");
    let production = api.sim.add_environment("Spaces-1", "Production");
    let acme = api.sim.add_tenant("Spaces-1", "Acme");
    let elsewhere = api.sim.add_space();
    api.sim.add_project(&elsewhere, "Web App");

    let first = api.get("/api/Spaces-1/projects?take=2").await;
    let second = api.get(first.body["Links"]["Page.Next"].as_str().expect("next")).await;
    let partial = api.get("/api/Spaces-1/projects?partialName=WEB%20app").await;
    let by_id = api.get(&format!("/api/Spaces-1/projects?ids={legacy}")).await;
    let environments = api.get("/api/Spaces-1/environments").await;
    let tenants = api.get("/api/Spaces-1/tenants").await;

    assert_eq!(first.body["ItemType"], "Project");
    assert_eq!(first.body["TotalResults"], 3);
    assert_eq!(
        [item_ids(&first.body), item_ids(&second.body)].concat(),
        [target.project_id.clone(), web_app.clone(), legacy.clone()],
        "by name: Project N, Web App, Web App Legacy"
    );
    assert_eq!(
        first.body["Items"][0]["Name"],
        format!("Project {}", target.project_id.trim_start_matches("Projects-"))
    );
    assert_eq!(item_ids(&partial.body), [web_app, legacy.clone()]);
    assert_eq!(item_ids(&by_id.body), [legacy]);
    assert_eq!(
        item_ids(&environments.body),
        [target.environment_id.clone(), production],
        "in the order added"
    );
    assert_eq!(environments.body["Items"][1]["Name"], "Production");
    assert_eq!(item_ids(&tenants.body), [acme, "Tenants-1".to_owned()]);
    assert_eq!(tenants.body["Items"][1]["Name"], "Tenant 1");
}

#[tokio::test]
async fn named_lists_answer_404_for_an_unknown_space_and_403_without_their_view_permission() {
    let api = Api::start().await;
    let second = api.sim.add_space();
    api.sim.deny_in(&second, Permission::TenantView);

    let unknown = api.get("/api/Spaces-99/projects").await;
    let denied = api.get(&format!("/api/{second}/tenants")).await;
    let allowed = api.get("/api/Spaces-1/tenants").await;

    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert!(error_message(&denied.body).ends_with("Missing permission: TenantView"));
    assert_eq!(allowed.status, StatusCode::OK);
}

#[tokio::test]
async fn the_root_document_answers_the_version_set() {
    let api = Api::start().await;
    let default = api.send(Method::GET, "/api", None, None).await;

    api.sim.set_version("2026.1.3777");

    let set = api.send(Method::GET, "/api", None, None).await;
    assert_eq!(default.body["Version"], "2026.3.0-sim");
    assert_eq!(set.body["Version"], "2026.1.3777");
    let logged = api.sim.requests().iter().filter(|r| r.path == "/api").count();
    assert_eq!(logged, 2);
}

/// A subscription body as a client writes it, with a sensitive header value.
fn body(name: &str) -> Value {
    json!({
        "Name": name, "Type": "Event", "IsDisabled": false, "SpaceId": "Spaces-1",
        "EventNotificationSubscription": {
            "Filter": {"EventCategories": ["GuidedFailureInterruptionRaised"], "Projects": ["Projects-101"],
                "Tenants": null},
            "WebhookURI": "https://hooks.example.com/octopus/webhook",
            "WebhookHeaderKey": "X-Responder-Token",
            "WebhookHeaderValue": {"HasValue": true, "NewValue": "s3cret"},
            "WebhookTimeout": "00:00:30", "WebhookTeams": []
        }
    })
}
