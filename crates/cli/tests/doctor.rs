//! `octo-responder doctor` against the Octopus simulator and accept-message on loopback: a
//! healthy deployment passes, and each misconfiguration it checks is found, one at a time, with
//! how to fix it and a non-zero exit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use octopus_sim::{Permission, SubscriptionFilter, SubscriptionSpec};

const RULES: &str = r#"
[[rule]]
name = "retry-web"
space = "Default"
type = "Guidance"
action = "Retry"
projects = ["Web App"]
"#;

struct Deployment {
    w: World,
    api: WebhookApi,
    rules: String,
}

/// Octopus with the rule's subscription applied, and the API signing with `api_secret`.
async fn deployment(api_secret: &str) -> Deployment {
    let w = World::new().await;
    w.sim.set_sensitive_header_values(false);
    w.sim.add_project("Spaces-1", "Web App");
    let api = WebhookApi::start(api_secret).await;
    let rules = w.rules(RULES).to_str().unwrap().to_owned();
    let applied = w
        .cli(&[
            "subscriptions",
            "apply",
            "--env",
            "dev",
            "--rules",
            &rules,
            "--webhook-url",
            &api.url,
        ])
        .await;
    assert!(applied.status.success(), "{}", stderr(&applied));
    Deployment { w, api, rules }
}

impl Deployment {
    /// Runs the doctor with the responder's `key` and the administrator's.
    async fn doctor_with_key(&self, key: &str) -> (bool, String) {
        let output = self
            .w
            .cli_with(
                &[
                    "doctor",
                    "--env",
                    "dev",
                    "--rules",
                    &self.rules,
                    "--webhook-url",
                    &self.api.url,
                ],
                &[
                    ("OCTOPUS_API_KEY", key),
                    ("OCTOPUS_ADMIN_API_KEY", self.w.sim.admin_api_key()),
                ],
            )
            .await;
        (
            output.status.success(),
            format!("{}{}", stdout(&output), stderr(&output)),
        )
    }

    async fn doctor(&self) -> (bool, String) {
        self.doctor_with_key(self.w.sim.api_key()).await
    }

    /// A subscription pointing at the API with `query`, shaped by `change`.
    fn subscribe(&self, name: &str, query: &str, change: impl FnOnce(&mut SubscriptionSpec)) {
        let mut spec = SubscriptionSpec {
            name: name.to_owned(),
            is_disabled: false,
            webhook_uri: format!("{}?{query}", self.api.url),
            header_key: Some("X-Octopus-Webhook-Token".to_owned()),
            header_value: Some("x".repeat(64)),
            filter: SubscriptionFilter {
                event_categories: vec!["GuidedFailureInterruptionRaised".to_owned()],
                ..SubscriptionFilter::default()
            },
        };
        change(&mut spec);
        self.w.sim.add_subscription("Spaces-1", spec);
    }
}

/// The report's line for `what`, with its fix.
fn finding<'a>(report: &'a str, what: &str) -> &'a str {
    let start = report.find(what).unwrap_or_else(|| panic!("{what} not in:\n{report}"));
    let line_start = report[..start].rfind('\n').map_or(0, |i| i + 1);
    let rest = &report[line_start..];
    let end = rest.match_indices('\n').nth(1).map_or(rest.len(), |(i, _)| i);
    &rest[..end]
}

#[tokio::test]
async fn a_healthy_deployment_passes_every_check_and_its_test_webhook_is_queued() {
    let d = deployment(SECRET).await;
    let writes = d.w.writes();

    let (ok, report) = d.doctor().await;

    assert!(ok, "{report}");
    assert!(report.contains("all "), "{report}");
    assert!(finding(&report, "Octopus server").starts_with("ok"), "{report}");
    assert!(finding(&report, "responder's API key").starts_with("ok"), "{report}");
    assert!(
        finding(&report, "permissions in Spaces-1").starts_with("ok"),
        "{report}"
    );
    assert!(
        finding(&report, "\"octo-responder/dev/retry-web\"").contains("token right"),
        "{report}"
    );
    assert!(finding(&report, "test webhook").contains("answered 202"), "{report}");
    assert_eq!(d.w.writes(), writes, "the doctor changed nothing in Octopus");
    let queued = d.api.queued.messages();
    assert_eq!(queued.len(), 1);
    assert!(queued[0].body.contains("ServerTasks-999999999"));
}

#[tokio::test]
async fn a_wrong_responder_key_is_found() {
    let d = deployment(SECRET).await;
    let (ok, report) = d.doctor_with_key("API-NOTAVALIDKEY00000000000000").await;
    assert!(!ok);
    let line = finding(&report, "responder's API key");
    assert!(
        line.starts_with("FAIL") && line.contains("create a new API key"),
        "{report}"
    );
}

#[tokio::test]
async fn a_missing_permission_is_found_with_the_space_it_is_missing_in() {
    let d = deployment(SECRET).await;
    d.w.sim.deny_in("Spaces-1", Permission::InterruptionSubmit);
    let (ok, report) = d.doctor().await;
    assert!(!ok);
    let line = finding(&report, "permissions in Spaces-1");
    assert!(
        line.starts_with("FAIL") && line.contains("missing InterruptionSubmit"),
        "{report}"
    );
    assert!(line.contains("fix: add the responder's user to a team"), "{report}");
}

#[tokio::test]
async fn a_disabled_subscription_is_found() {
    let d = deployment(SECRET).await;
    d.subscribe("by hand, disabled", "type=Guidance&action=Fail", |s| {
        s.is_disabled = true
    });
    let (ok, report) = d.doctor().await;
    assert!(!ok);
    assert!(
        finding(&report, "\"by hand, disabled\"").contains("disabled"),
        "{report}"
    );
}

#[tokio::test]
async fn a_wrong_header_key_is_found() {
    let d = deployment(SECRET).await;
    d.subscribe("by hand, wrong key", "type=Guidance&action=Fail", |s| {
        s.header_key = Some("Authorization".to_owned())
    });
    let (ok, report) = d.doctor().await;
    assert!(!ok);
    let line = finding(&report, "\"by hand, wrong key\"");
    assert!(line.contains("header key is \"Authorization\""), "{report}");
}

#[tokio::test]
async fn a_filter_without_the_rules_category_is_found() {
    let d = deployment(SECRET).await;
    d.subscribe("by hand, wrong category", "type=Guidance&action=Fail", |s| {
        s.filter.event_categories = vec!["ManualInterventionInterruptionRaised".to_owned()];
        s.header_value = None;
    });
    let (ok, report) = d.doctor().await;
    assert!(!ok);
    let line = finding(&report, "\"by hand, wrong category\"");
    assert!(line.contains("lacks GuidedFailureInterruptionRaised"), "{report}");
}

#[tokio::test]
async fn an_invalid_rule_a_stale_token_and_a_filter_the_sweep_cannot_read_are_found() {
    let d = deployment(SECRET).await;
    d.subscribe("by hand, bad rule", "type=Guidance&action=Approve", |_| {});
    d.subscribe("by hand, stale token", "type=Guidance&action=Fail", |_| {});
    d.subscribe("by hand, by name", "type=Guidance&action=Fail", |s| {
        s.filter.projects = vec!["Web App".to_owned()];
    });
    let (ok, report) = d.doctor().await;
    assert!(!ok);
    assert!(
        finding(&report, "\"by hand, bad rule\"").starts_with("FAIL"),
        "{report}"
    );
    assert!(
        finding(&report, "\"by hand, stale token\"").contains("not this rule's token"),
        "{report}"
    );
    assert!(finding(&report, "\"by hand, by name\"").starts_with("FAIL"), "{report}");
}

#[tokio::test]
async fn a_rule_without_its_subscription_is_found() {
    let d = deployment(SECRET).await;
    let more = format!(
        "{RULES}\n[[rule]]\nname = \"approve\"\nspace = \"Default\"\ntype = \"Result\"\naction = \"Proceed\"\n"
    );
    let rules = d.w.rules(&more);
    let d = Deployment {
        rules: rules.to_str().unwrap().to_owned(),
        ..d
    };
    let (ok, report) = d.doctor().await;
    assert!(!ok);
    let line = finding(&report, "rule \"approve\"");
    assert!(line.contains("make subscriptions ENV=dev"), "{report}");
}

#[tokio::test]
async fn an_api_signing_with_another_secret_fails_the_test_webhook() {
    let d = deployment("not-the-secret-the-operator-has").await;
    let (ok, report) = d.doctor().await;
    assert!(!ok);
    let line = finding(&report, "test webhook");
    assert!(line.contains("answered 401"), "{report}");
    assert!(line.contains("WEBHOOK_SECRET"), "{report}");
}

#[tokio::test]
async fn subscriptions_left_pointing_at_an_old_webhook_url_are_found() {
    let d = deployment(SECRET).await;
    // The API was recreated under a new URL; the subscriptions still point at the old one.
    let d = Deployment {
        api: WebhookApi::start(SECRET).await,
        ..d
    };
    let (ok, report) = d.doctor().await;
    assert!(!ok);
    let line = finding(&report, "\"octo-responder/dev/retry-web\"");
    assert!(line.contains("not at the responder's webhook"), "{report}");
    assert!(line.contains("make subscriptions ENV=dev"), "{report}");
}
