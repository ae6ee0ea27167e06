//! `doctor`: what makes answers fail, checked against the real server and the real API, each
//! with how to fix it. Changes nothing in Octopus; its one webhook is about a server task that
//! does not exist, so accept-message queues it and process-message finds nothing to answer.

use std::collections::BTreeSet;

use messaging::{Rule, SpaceId};
use octopus::{Deadline, HttpOctopus, Space};
use sweep_interruptions::subscriptions::{Classified, WebhookUrls, classify};

use crate::report::{Check, Report};
use crate::resolve::{prefix, space_of, subscription_name};
use crate::rules::RuleSpec;

/// The permissions the responder's user needs in every space it answers (octopus-api.md §8.2).
pub const NEEDED: &[&str] = &[
    "InterruptionView",
    "InterruptionSubmit",
    "EventView",
    "SubscriptionView",
];

/// The server task the test webhook is about: one that cannot exist.
pub const NO_SUCH_TASK: &str = "ServerTasks-999999999";

/// What the doctor looks at.
#[derive(Debug)]
pub struct Patient<'a> {
    pub env: &'a str,
    pub server_url: &'a str,
    /// The responder's client (its own API key).
    pub responder: &'a HttpOctopus,
    /// Reads subscriptions and spaces: the administrator's client when given, else the responder's.
    pub reader: &'a HttpOctopus,
    pub rules: &'a [RuleSpec],
    pub webhook_url: &'a str,
    pub header_key: &'a str,
    pub secret: &'a [u8],
}

pub async fn examine(patient: &Patient<'_>, deadline: Deadline) -> Report {
    let mut report = Report::default();
    server(patient, &mut report, deadline).await;
    let Some(user_id) = responder_user(patient, &mut report, deadline).await else {
        return report;
    };
    let spaces = match patient.reader.spaces(deadline).await {
        Ok(spaces) => spaces,
        Err(error) => {
            report.push(Check::fail(
                "spaces",
                error.to_string(),
                "the user of the key that reads (OCTOPUS_ADMIN_API_KEY's when set, else the responder's) must see the spaces",
            ));
            return report;
        }
    };
    let rule_spaces = spaces_of_rules(patient.rules, &spaces);
    permissions(patient, &user_id, &rule_spaces, &mut report, deadline).await;
    subscriptions(patient, &spaces, &mut report, deadline).await;
    test_webhook(patient, rule_spaces.first(), &mut report).await;
    report
}

async fn server(patient: &Patient<'_>, report: &mut Report, deadline: Deadline) {
    match patient.responder.root(deadline).await {
        Ok(root) => report.push(Check::ok(
            "Octopus server",
            format!(
                "{} answers, {} {}",
                patient.server_url,
                root.application.as_deref().unwrap_or("Octopus Deploy"),
                root.version.as_deref().unwrap_or("(version not given)")
            ),
        )),
        Err(error) => report.push(Check::fail(
            "Octopus server",
            error.to_string(),
            "set OCTOPUS_SERVER_URL to the https address Octopus is served at, reachable from here",
        )),
    }
}

async fn responder_user(
    patient: &Patient<'_>,
    report: &mut Report,
    deadline: Deadline,
) -> Option<messaging::OctopusId> {
    match patient.responder.current_user(deadline).await {
        Ok(user) => {
            report.push(Check::ok(
                "responder's API key",
                format!("valid: user {} ({})", user.username, user.id),
            ));
            messaging::OctopusId::parse(&user.id)
        }
        Err(error) => {
            let fix = match error.status() {
                Some(401) => {
                    "the key is wrong, revoked or expired: create a new API key for the responder's user and store it (OCTOPUS_API_KEY or its SSM parameter)"
                }
                _ => "check the server address and that Octopus is up",
            };
            report.push(Check::fail("responder's API key", error.to_string(), fix));
            None
        }
    }
}

/// The spaces the rules name that exist, by id; a missing one is reported by `subscriptions plan`.
fn spaces_of_rules(rules: &[RuleSpec], spaces: &[Space]) -> Vec<SpaceId> {
    let found: BTreeSet<String> = rules
        .iter()
        .filter_map(|rule| space_of(&rule.space, spaces).ok())
        .map(|id| id.to_string())
        .collect();
    found.iter().filter_map(|id| SpaceId::parse(id)).collect()
}

async fn permissions(
    patient: &Patient<'_>,
    user_id: &messaging::OctopusId,
    spaces: &[SpaceId],
    report: &mut Report,
    deadline: Deadline,
) {
    let permissions = match patient.responder.permissions(user_id, deadline).await {
        Ok(permissions) => permissions,
        Err(error) => {
            report.push(Check::fail(
                "responder's permissions",
                error.to_string(),
                "the responder's user must be able to read its own permissions",
            ));
            return;
        }
    };
    if spaces.is_empty() {
        report.push(Check::warn(
            "responder's permissions",
            "the rules name no space, so none was checked",
            "add rules to the rules file",
        ));
    }
    for space in spaces {
        let missing: Vec<&str> = NEEDED
            .iter()
            .copied()
            .filter(|p| match *p {
                "InterruptionSubmit" => {
                    !permissions.has(p, space) && !permissions.has("InterruptionViewSubmitResponsible", space)
                }
                _ => !permissions.has(p, space),
            })
            .collect();
        let what = format!("permissions in {space}");
        if missing.is_empty() {
            let restricted: Vec<&str> = NEEDED
                .iter()
                .copied()
                .filter(|p| permissions.restricted(p, space))
                .collect();
            if restricted.is_empty() {
                report.push(Check::ok(what, NEEDED.join(", ")));
            } else {
                report.push(Check::warn(
                    what,
                    format!(
                        "{} restricted to some projects, environments or tenants",
                        restricted.join(", ")
                    ),
                    "interruptions outside those are left alone; widen the team's scope if they should be answered",
                ));
            }
        } else {
            report.push(Check::fail(
                what,
                format!("missing {}", missing.join(", ")),
                format!(
                    "add the responder's user to a team with a role holding {} in {space}",
                    missing.join(", ")
                ),
            ));
        }
    }
}

async fn subscriptions(patient: &Patient<'_>, spaces: &[Space], report: &mut Report, deadline: Deadline) {
    let urls = match WebhookUrls::parse(patient.webhook_url) {
        Ok(urls) => urls,
        Err(reason) => {
            report.push(Check::fail(
                "webhook URL",
                reason,
                "pass the API's https URL without a query",
            ));
            return;
        }
    };
    let mut named = BTreeSet::new();
    for space in spaces {
        let Some(id) = SpaceId::parse(&space.id) else { continue };
        let found = match patient.reader.subscriptions(&id, deadline).await {
            Ok(found) => found,
            Err(error) => {
                report.push(Check::fail(
                    format!("subscriptions in {id}"),
                    error.to_string(),
                    "give the key's user SubscriptionView there",
                ));
                continue;
            }
        };
        for subscription in &found {
            named.insert((space.id.clone(), subscription.name.clone()));
            let what = format!("subscription {:?} ({id})", subscription.name);
            let ours = subscription.name.starts_with(&prefix(patient.env));
            match classify(subscription, &urls) {
                Classified::Elsewhere if ours => report.push(Check::fail(
                    what,
                    format!(
                        "points at {}, not at the responder's webhook {}",
                        subscription
                            .event_notification_subscription
                            .webhook_uri
                            .as_deref()
                            .unwrap_or("nothing"),
                        patient.webhook_url
                    ),
                    format!("run `make subscriptions ENV={}`", patient.env),
                )),
                Classified::Elsewhere => {}
                Classified::Disabled => report.push(Check::fail(
                    what,
                    "disabled: Octopus sends nothing",
                    if ours {
                        format!("run `make subscriptions ENV={}` (it enables it)", patient.env)
                    } else {
                        "enable it in Octopus, or delete it".to_owned()
                    },
                )),
                Classified::Unusable(why) => report.push(Check::fail(
                    what,
                    why.to_string(),
                    "fix it in the rules file and run `make subscriptions` (or edit it in Octopus)",
                )),
                Classified::Usable(found) => report.push(usable(patient, subscription, &found.rule, what)),
            }
        }
    }
    for rule in patient.rules {
        let name = subscription_name(patient.env, &rule.name);
        let space = space_of(&rule.space, spaces).map(|s| s.to_string()).unwrap_or_default();
        if !named.iter().any(|(s, n)| *s == space && n.eq_ignore_ascii_case(&name)) {
            report.push(Check::fail(
                format!("rule {:?}", rule.name),
                format!("no subscription named {name:?} in {}", rule.space),
                format!("run `make subscriptions ENV={}`", patient.env),
            ));
        }
    }
}

/// A subscription pointing at the responder with a valid rule: the header, and the category.
fn usable(patient: &Patient<'_>, subscription: &octopus::Subscription, rule: &Rule, what: String) -> Check {
    let notification = &subscription.event_notification_subscription;
    let key = notification.webhook_header_key.as_deref().unwrap_or("");
    if !key.eq_ignore_ascii_case(patient.header_key) {
        return Check::fail(
            what,
            format!("header key is {key:?}, not {:?}", patient.header_key),
            format!("set the webhook header key to {}", patient.header_key),
        );
    }
    let categories = &notification.filter.event_categories;
    let category = rule.kind.event_category();
    if !categories.is_empty() && !categories.iter().any(|c| c.eq_ignore_ascii_case(category)) {
        return Check::fail(
            what,
            format!("its event filter lacks {category}, so the rule ({rule}) never fires"),
            format!("add {category} to its event categories"),
        );
    }
    let token = rule.token(patient.secret);
    match subscription.header_value() {
        Some(value) if value == token => Check::ok(what, format!("{rule}, token right")),
        Some(_) => Check::fail(
            what,
            format!("{rule}: the header value is not this rule's token"),
            "run `make subscriptions` (or set it to `octo-responder token`'s output)",
        ),
        None if subscription.header_value_is_set() == Some(false) => Check::fail(
            what,
            format!("{rule}: no header value"),
            "run `make subscriptions` (or set it to `octo-responder token`'s output)",
        ),
        None => Check::ok(
            what,
            format!("{rule} (the server does not show header values; the test webhook below checks signing)"),
        ),
    }
}

/// One signed webhook for a task that does not exist: accept-message must answer 2xx.
async fn test_webhook(patient: &Patient<'_>, space: Option<&SpaceId>, report: &mut Report) {
    let space = space.map_or("Spaces-1", |s| s.as_str());
    let rule = match Rule::from_query([("type", "Result"), ("action", "Proceed")]) {
        Ok(rule) => rule,
        Err(error) => {
            report.push(Check::fail("test webhook", error.to_string(), ""));
            return;
        }
    };
    let url = format!("{}?{}", patient.webhook_url, rule.canonical_query());
    let body = serde_json::json!({
        "Timestamp": "2026-01-01T00:00:00Z",
        "EventType": "SubscriptionPayload",
        "Payload": {
            "ServerUri": patient.server_url,
            "Event": {
                "Id": "Events-999999999",
                "Category": "ManualInterventionInterruptionRaised",
                "SpaceId": space,
                "RelatedDocumentIds": [NO_SUCH_TASK],
                "Message": "octo-responder doctor: a server task that does not exist, nothing to answer"
            }
        }
    });
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(15))
        .redirect(reqwest::redirect::Policy::none())
        .build();
    let sent = match client {
        Ok(client) => {
            client
                .post(&url)
                .header(patient.header_key, rule.token(patient.secret))
                .json(&body)
                .send()
                .await
        }
        Err(error) => {
            report.push(Check::fail("test webhook", error.to_string(), ""));
            return;
        }
    };
    match sent {
        Ok(response) if response.status().is_success() => report.push(Check::ok(
            "test webhook",
            format!(
                "{} answered {} for {NO_SUCH_TASK}",
                patient.webhook_url,
                response.status().as_u16()
            ),
        )),
        Ok(response) => {
            let status = response.status().as_u16();
            let text = response.text().await.unwrap_or_default();
            let fix = match status {
                401 => {
                    "the API refused the rule's token: is WEBHOOK_SECRET (or its SSM parameter) the one accept-message reads?"
                }
                404 => "the webhook URL is wrong: use Terraform's output webhook_url",
                _ => "see accept-message's logs",
            };
            report.push(Check::fail(
                "test webhook",
                format!(
                    "{} answered {status}: {}",
                    patient.webhook_url,
                    text.chars().take(200).collect::<String>()
                ),
                fix,
            ));
        }
        Err(error) => report.push(Check::fail(
            "test webhook",
            format!("no answer from {}: {error}", patient.webhook_url),
            "check the webhook URL and that the API is deployed",
        )),
    }
}
