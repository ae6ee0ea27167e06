//! `octo-responder subscriptions plan|apply` against the Octopus simulator: the binary run as an
//! operator runs it, and Octopus's subscriptions read back through its API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use messaging::Rule;

const RULES: &str = r#"
[[rule]]
name = "retry-web"
space = "Default"
type = "Guidance"
action = "Retry"
maximumretry = 2
then = "Exclude"
projects = ["Web App"]

[[rule]]
name = "approve-dev"
space = "Spaces-1"
type = "Result"
action = "Proceed"
environments = ["Development"]
"#;

async fn world() -> World {
    let w = World::new().await;
    w.sim.add_project("Spaces-1", "Web App");
    w.sim.add_project("Spaces-1", "Web App Legacy");
    w.sim.add_environment("Spaces-1", "Development");
    w
}

#[tokio::test]
async fn plan_on_an_empty_server_lists_every_rule_to_create_and_changes_nothing() {
    let w = world().await;
    let rules = w.rules(RULES);

    let output = w.cli(&subscriptions("plan", rules.to_str().unwrap())).await;

    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.contains(
            "create    Spaces-1 octo-responder/dev/retry-web (type=Guidance action=Retry maximumretry=2 then=Exclude)"
        ),
        "{out}"
    );
    assert!(
        out.contains("create    Spaces-1 octo-responder/dev/approve-dev"),
        "{out}"
    );
    assert!(
        out.contains("2 to create, 0 to update, 0 to delete, 0 unchanged"),
        "{out}"
    );
    assert_eq!(w.writes(), 0, "plan changes nothing");
    assert!(w.subscriptions("Spaces-1").await.is_empty());
}

#[tokio::test]
async fn apply_creates_each_rules_subscription_and_a_second_apply_changes_nothing() {
    let w = world().await;
    w.sim.set_sensitive_header_values(false);
    let rules = w.rules(RULES);

    let first = w.cli(&subscriptions("apply", rules.to_str().unwrap())).await;
    assert!(first.status.success(), "{}", stderr(&first));
    let writes = w.writes();
    let second = w.cli(&subscriptions("apply", rules.to_str().unwrap())).await;

    assert!(second.status.success(), "{}", stderr(&second));
    assert!(
        stdout(&second).contains("0 to create, 0 to update, 0 to delete, 2 unchanged"),
        "{}",
        stdout(&second)
    );
    assert_eq!(w.writes(), writes, "the second apply writes nothing");
    let created = w.subscriptions("Spaces-1").await;
    let retry = created
        .iter()
        .find(|s| s.name == "octo-responder/dev/retry-web")
        .unwrap();
    let rule = Rule::from_query([
        ("type", "Guidance"),
        ("action", "Retry"),
        ("maximumretry", "2"),
        ("then", "Exclude"),
    ])
    .unwrap();
    let notification = &retry.event_notification_subscription;
    assert_eq!(
        notification.webhook_uri.as_deref(),
        Some("https://hooks.example.com/octopus/webhook?type=Guidance&action=Retry&maximumretry=2&then=Exclude")
    );
    assert_eq!(
        notification.webhook_header_key.as_deref(),
        Some("X-Octopus-Webhook-Token")
    );
    assert_eq!(
        retry.header_value(),
        Some(rule.token(SECRET.as_bytes()).as_str()),
        "the rule's own token"
    );
    assert_eq!(
        notification.filter.event_categories,
        ["GuidedFailureInterruptionRaised"]
    );
    assert_eq!(notification.filter.projects.len(), 1, "Web App, not Web App Legacy");
    assert!(!retry.is_disabled);
    let approve = created
        .iter()
        .find(|s| s.name == "octo-responder/dev/approve-dev")
        .unwrap();
    assert_eq!(
        approve.event_notification_subscription.filter.event_categories,
        ["ManualInterventionInterruptionRaised"]
    );
}

#[tokio::test]
async fn a_changed_rule_is_updated_a_removed_one_deleted_a_renamed_one_replaced_and_a_foreign_one_untouched() {
    let w = world().await;
    let foreign = w.sim.add_subscription(
        "Spaces-1",
        octopus_sim::SubscriptionSpec {
            name: "Slack: every deployment".to_owned(),
            is_disabled: false,
            webhook_uri: "https://hooks.slack.example/abc".to_owned(),
            header_key: None,
            header_value: None,
            filter: octopus_sim::SubscriptionFilter::default(),
        },
    );
    let rules = w.rules(RULES);
    assert!(
        w.cli(&subscriptions("apply", rules.to_str().unwrap()))
            .await
            .status
            .success()
    );
    let changed = RULES
        .replace("maximumretry = 2", "maximumretry = 3")
        .replace("approve-dev", "approve-development");
    let rules = w.rules(&changed);

    let output = w.cli(&subscriptions("apply", rules.to_str().unwrap())).await;

    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(out.contains("update    Spaces-1 octo-responder/dev/retry-web (type=Guidance action=Retry maximumretry=3 then=Exclude): webhook URL"), "{out}");
    assert!(
        out.contains("create    Spaces-1 octo-responder/dev/approve-development"),
        "{out}"
    );
    assert!(
        out.contains("delete    Spaces-1 octo-responder/dev/approve-dev "),
        "{out}"
    );
    let names: Vec<String> = w.subscriptions("Spaces-1").await.into_iter().map(|s| s.name).collect();
    assert!(names.contains(&"Slack: every deployment".to_owned()), "{names:?}");
    assert!(names.contains(&"octo-responder/dev/approve-development".to_owned()));
    assert!(!names.contains(&"octo-responder/dev/approve-dev".to_owned()));
    assert!(
        !w.sim.requests().iter().any(|r| r.path.ends_with(&foreign)),
        "the foreign subscription was never written"
    );
}

#[tokio::test]
async fn a_name_that_does_not_resolve_stops_the_run_before_anything_changes() {
    let w = world().await;
    let rules = w.rules(&RULES.replace("\"Web App\"", "\"Web Ap\""));

    let output = w.cli(&subscriptions("apply", rules.to_str().unwrap())).await;

    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(
        err.contains("dev.rules.toml:2: rule \"retry-web\": project \"Web Ap\" not found in Spaces-1"),
        "{err}"
    );
    assert_eq!(w.writes(), 0);
}

#[tokio::test]
async fn a_rules_file_with_an_error_is_refused_with_its_line_before_octopus_is_asked() {
    let w = world().await;
    let rules = w.rules(&RULES.replace("action = \"Proceed\"", "action = \"Approve\""));

    let output = w.cli(&subscriptions("plan", rules.to_str().unwrap())).await;

    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(
        err.contains("dev.rules.toml:15: action: `action` for type=Result must be one of Proceed, Abort"),
        "{err}"
    );
    assert!(w.sim.requests().is_empty(), "nothing was asked of Octopus");
}

#[tokio::test]
async fn without_an_administrators_key_the_cli_says_what_to_set() {
    let w = world().await;
    let rules = w.rules(RULES);

    let output = w.cli_with(&subscriptions("plan", rules.to_str().unwrap()), &[]).await;

    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("OCTOPUS_ADMIN_API_KEY is not set"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test]
async fn the_token_command_prints_the_rules_token() {
    let w = World::new().await;

    let output = w
        .cli(&["token", "--env", "dev", "--rule", "type=guidance&action=retry"])
        .await;

    assert!(output.status.success(), "{}", stderr(&output));
    let rule = Rule::from_query([("type", "Guidance"), ("action", "Retry")]).unwrap();
    assert_eq!(stdout(&output).trim(), rule.token(SECRET.as_bytes()));
}

#[tokio::test]
async fn help_names_every_command_and_where_its_inputs_come_from() {
    let w = World::new().await;
    let output = w.cli(&["--help"]).await;
    let help = stdout(&output);
    for expected in [
        "subscriptions",
        "token",
        "doctor",
        "rules",
        "OCTOPUS_ADMIN_API_KEY",
        "WEBHOOK_SECRET",
    ] {
        assert!(help.contains(expected), "{expected} missing from:\n{help}");
    }
}

#[tokio::test]
async fn an_emptied_rules_file_deletes_nothing_unless_the_tear_down_is_meant() {
    let w = world().await;
    let rules = w.rules(RULES);
    assert!(
        w.cli(&subscriptions("apply", rules.to_str().unwrap()))
            .await
            .status
            .success()
    );
    let empty = w.rules("# no rules\n");

    let refused = w.cli(&subscriptions("apply", empty.to_str().unwrap())).await;
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("--allow-delete-all"), "{}", stderr(&refused));
    assert_eq!(w.subscriptions("Spaces-1").await.len(), 2, "nothing was deleted");

    let mut tear_down = subscriptions("apply", empty.to_str().unwrap());
    tear_down.push("--allow-delete-all");
    let output = w.cli(&tear_down).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(w.subscriptions("Spaces-1").await.is_empty());
}
