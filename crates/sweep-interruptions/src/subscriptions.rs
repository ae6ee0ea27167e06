//! Which of a space's subscriptions point at this responder, and with which rule. The
//! subscriptions stay the one place where rules are written: a subscription counts when it is
//! enabled and its `WebhookURI` has the scheme, host (any letter case), port and path of one of
//! the responder's webhook URLs; its rule is the URI's query, read by the parser accept-message
//! uses. One whose rule is invalid, or whose filter the sweep cannot evaluate safely, is never
//! swept and is reported.

use std::fmt;

use messaging::{Rule, RuleError};
use octopus::{Subscription, SubscriptionFilter};
use reqwest::Url;

/// The responder's webhook URLs: the API's own, and any custom domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrls(Vec<Url>);

impl WebhookUrls {
    /// Comma-separated https URLs without a query (plain http only on loopback); the message says
    /// which one is wrong.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let urls = raw
            .split(',')
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(|u| {
                Url::parse(u)
                    .ok()
                    .filter(|url| {
                        let local = url
                            .host_str()
                            .is_some_and(|h| h == "localhost" || h.starts_with("127."));
                        (url.scheme() == "https" || (url.scheme() == "http" && local))
                            && url.host().is_some()
                            && url.query().is_none()
                    })
                    .ok_or_else(|| {
                        format!(
                            "{u:?} is not an https URL without a query, such as \
                             https://hooks.example.com/octopus/webhook (plain http only on loopback)"
                        )
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if urls.is_empty() {
            return Err("name at least one webhook URL".to_owned());
        }
        Ok(Self(urls))
    }

    /// Whether `uri` points at one of them: same scheme, host in any case, port and path.
    pub fn matches(&self, uri: &Url) -> bool {
        let path = |url: &Url| url.path().trim_end_matches('/').to_owned();
        self.0.iter().any(|ours| {
            ours.scheme() == uri.scheme()
                && ours.host_str().map(str::to_ascii_lowercase) == uri.host_str().map(str::to_ascii_lowercase)
                && ours.port_or_known_default() == uri.port_or_known_default()
                && path(ours) == path(uri)
        })
    }
}

/// Why a subscription that points at the responder is not used by the sweep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    /// The URI's rule is not one accept-message would take (it answers those webhooks 400).
    InvalidRule(RuleError),
    /// A non-empty filter the sweep cannot evaluate (`ProjectGroups`, `Tags`, ...).
    UnsupportedFilter(&'static str),
    /// A `Projects`, `Environments` or `Tenants` entry that is not an id (a name, say): it cannot
    /// be compared with an interruption's related documents.
    FilterNotById(&'static str),
}

impl Unusable {
    /// A short, stable name for logs and metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::InvalidRule(_) => "invalid_rule",
            Self::UnsupportedFilter(_) => "unsupported_filter",
            Self::FilterNotById(_) => "filter_not_by_id",
        }
    }
}

impl fmt::Display for Unusable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidRule(error) => write!(f, "its webhook URL's rule is invalid: {error}"),
            Self::UnsupportedFilter(name) => write!(
                f,
                "it filters on {name}, which the sweep cannot evaluate: interruptions it would send are answered \
                 only by its webhooks (remove the {name} filter, or filter on projects, environments or tenants)"
            ),
            Self::FilterNotById(name) => write!(
                f,
                "its {name} filter names something that is not an id, which the sweep cannot compare"
            ),
        }
    }
}

/// A subscription the sweep answers for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSubscription {
    pub id: String,
    pub name: String,
    pub rule: Rule,
    pub filter: SubscriptionFilter,
}

/// What a subscription is to the sweep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Classified {
    /// Its webhook goes elsewhere (or it has none): none of our business.
    Elsewhere,
    Disabled,
    Unusable(Unusable),
    Usable(Box<RuleSubscription>),
}

/// Classifies one subscription against the responder's webhook URLs.
pub fn classify(subscription: &Subscription, ours: &WebhookUrls) -> Classified {
    let notification = &subscription.event_notification_subscription;
    let Some(uri) = notification
        .webhook_uri
        .as_deref()
        .and_then(|u| Url::parse(u.trim()).ok())
    else {
        return Classified::Elsewhere;
    };
    if !ours.matches(&uri) {
        return Classified::Elsewhere;
    }
    if subscription.is_disabled {
        return Classified::Disabled;
    }
    let pairs: Vec<(String, String)> = uri.query_pairs().into_owned().collect();
    let rule = match Rule::from_query(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
        Ok(rule) => rule,
        Err(error) => return Classified::Unusable(Unusable::InvalidRule(error)),
    };
    let filter = &notification.filter;
    let unsupported = [
        ("ProjectGroups", &filter.project_groups),
        ("Tags", &filter.tags),
        ("DocumentTypes", &filter.document_types),
        ("EventGroups", &filter.event_groups),
        ("Users", &filter.users),
        ("EventAgents", &filter.event_agents),
    ];
    if let Some((name, _)) = unsupported.iter().find(|(_, values)| !values.is_empty()) {
        return Classified::Unusable(Unusable::UnsupportedFilter(name));
    }
    let by_id = [
        ("Projects", "Projects-", &filter.projects),
        ("Environments", "Environments-", &filter.environments),
        ("Tenants", "Tenants-", &filter.tenants),
    ];
    for (name, prefix, values) in by_id {
        if values.iter().any(|v| !is_id(v, prefix)) {
            return Classified::Unusable(Unusable::FilterNotById(name));
        }
    }
    Classified::Usable(Box::new(RuleSubscription {
        id: subscription.id.clone(),
        name: subscription.name.clone(),
        rule,
        filter: filter.clone(),
    }))
}

fn is_id(value: &str, prefix: &str) -> bool {
    value.len() > prefix.len()
        && value[..prefix.len()].eq_ignore_ascii_case(prefix)
        && messaging::OctopusId::parse(value).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use messaging::{Action, InterruptionKind};
    use serde_json::json;

    const OURS: &str = "https://abc123.execute-api.eu-west-1.amazonaws.com/octopus/webhook";

    fn ours() -> WebhookUrls {
        WebhookUrls::parse(&format!("{OURS}, https://hooks.example.com/octopus/webhook")).unwrap()
    }

    fn subscription(uri: &str, disabled: bool, filter: serde_json::Value) -> Subscription {
        serde_json::from_value(json!({
            "Id": "Subscriptions-1", "Name": "retry web", "IsDisabled": disabled,
            "EventNotificationSubscription": {"Filter": filter, "WebhookURI": uri}
        }))
        .unwrap()
    }

    fn classify_uri(uri: &str) -> Classified {
        classify(&subscription(uri, false, json!({})), &ours())
    }

    #[test]
    fn a_subscription_pointing_at_the_responder_gives_the_rule_of_its_query() {
        let Classified::Usable(found) = classify_uri(&format!("{OURS}?type=Guidance&action=Retry&maximumretry=3"))
        else {
            panic!("usable")
        };
        assert_eq!(found.rule.kind, InterruptionKind::Guidance);
        assert_eq!(found.rule.action, Action::Retry);
        assert_eq!(found.rule.maximum_retry.get(), 3);
        assert_eq!(found.name, "retry web");
    }

    #[test]
    fn the_host_matches_in_any_case_and_a_custom_domain_counts_too() {
        let upper = OURS.replace("abc123.execute-api", "ABC123.Execute-Api");
        assert!(matches!(
            classify_uri(&format!("{upper}?type=Result&action=Proceed")),
            Classified::Usable(_)
        ));
        let custom = "https://hooks.example.com/octopus/webhook/?type=Result&action=Abort";
        assert!(matches!(classify_uri(custom), Classified::Usable(_)));
    }

    #[test]
    fn a_subscription_pointing_elsewhere_or_nowhere_is_none_of_the_sweeps_business() {
        for uri in [
            "https://other.example.com/octopus/webhook?type=Result&action=Proceed",
            "http://hooks.example.com/octopus/webhook?type=Result&action=Proceed",
            "https://hooks.example.com:8443/octopus/webhook?type=Result&action=Proceed",
            "https://hooks.example.com/other/webhook?type=Result&action=Proceed",
            "not a url",
        ] {
            assert_eq!(classify_uri(uri), Classified::Elsewhere, "{uri}");
        }
        let none: Subscription = serde_json::from_value(json!({
            "Id": "Subscriptions-2", "IsDisabled": false, "EventNotificationSubscription": {"Filter": {}}
        }))
        .unwrap();
        assert_eq!(classify(&none, &ours()), Classified::Elsewhere);
    }

    #[test]
    fn a_disabled_subscription_is_not_used() {
        let disabled = subscription(&format!("{OURS}?type=Result&action=Proceed"), true, json!({}));
        assert_eq!(classify(&disabled, &ours()), Classified::Disabled);
    }

    #[test]
    fn an_invalid_rule_is_reported_with_what_accept_message_would_say() {
        let Classified::Unusable(unusable) = classify_uri(&format!("{OURS}?type=Guidance&action=Proceed")) else {
            panic!("unusable")
        };
        assert_eq!(unusable.reason(), "invalid_rule");
        assert!(
            unusable
                .to_string()
                .contains("must be one of Fail, Retry, Ignore, Exclude"),
            "{unusable}"
        );
    }

    #[test]
    fn a_filter_the_sweep_cannot_evaluate_makes_the_subscription_unusable_and_says_which() {
        let uri = format!("{OURS}?type=Result&action=Proceed");
        for (field, name) in [
            ("ProjectGroups", "ProjectGroups"),
            ("Tags", "Tags"),
            ("DocumentTypes", "DocumentTypes"),
            ("EventGroups", "EventGroups"),
            ("Users", "Users"),
            ("EventAgents", "EventAgents"),
        ] {
            let found = classify(&subscription(&uri, false, json!({ field: ["x-1"] })), &ours());
            assert_eq!(
                found,
                Classified::Unusable(Unusable::UnsupportedFilter(name)),
                "{field}"
            );
        }
        let by_name = classify(&subscription(&uri, false, json!({"Projects": ["Web shop"]})), &ours());
        assert_eq!(by_name, Classified::Unusable(Unusable::FilterNotById("Projects")));
        let by_id = classify(
            &subscription(
                &uri,
                false,
                json!({"Projects": ["Projects-1"], "Environments": ["Environments-2"], "Tenants": []}),
            ),
            &ours(),
        );
        assert!(matches!(by_id, Classified::Usable(_)));
    }

    #[test]
    fn webhook_urls_must_be_absolute_http_urls() {
        assert!(WebhookUrls::parse("").is_err());
        assert!(
            WebhookUrls::parse("/octopus/webhook")
                .unwrap_err()
                .contains("not an https URL")
        );
        assert!(WebhookUrls::parse("ftp://x.example.com/a").is_err());
        assert!(
            WebhookUrls::parse("http://hooks.example.com/octopus/webhook").is_err(),
            "plain http off loopback"
        );
        assert!(
            WebhookUrls::parse("https://hooks.example.com/octopus/webhook?type=Result").is_err(),
            "a query"
        );
        assert!(WebhookUrls::parse("http://127.0.0.1:9000/octopus/webhook").is_ok());
    }
}
