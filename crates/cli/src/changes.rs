//! What `subscriptions plan` shows and `apply` does: the difference between the subscriptions the
//! rules file wants and those Octopus has. Only subscriptions named with the environment's
//! prefix (`octo-responder/<env>/`) are the CLI's: it creates the missing, updates the changed
//! and deletes those no rule wants any more; every other subscription is left as it is.

use std::fmt;

/// A subscription as the rules file wants it, names resolved to ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desired {
    pub space_id: String,
    /// The full name, prefix included.
    pub name: String,
    /// `<webhook url>?<canonical query>`.
    pub webhook_uri: String,
    pub header_key: String,
    /// The rule's token.
    pub header_value: String,
    pub filter: Filter,
    /// The rule as written, for the plan's table.
    pub rule: String,
}

/// The filter dimensions the CLI writes; every other dimension is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub event_categories: Vec<String>,
    pub projects: Vec<String>,
    pub environments: Vec<String>,
    pub tenants: Vec<String>,
}

impl Filter {
    /// Sorted and without repeats, so that order never counts as a change.
    pub fn normalized(mut self) -> Self {
        for list in [
            &mut self.event_categories,
            &mut self.projects,
            &mut self.environments,
            &mut self.tenants,
        ] {
            list.sort();
            list.dedup();
        }
        self
    }
}

/// What Octopus answers about a subscription's header value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderValue {
    /// Echoed in clear (servers before 2026.1).
    Known(String),
    /// A sensitive value that is set but never echoed.
    Hidden,
    /// Not set.
    Absent,
}

/// A subscription Octopus has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    pub id: String,
    pub space_id: String,
    pub name: String,
    pub is_disabled: bool,
    pub webhook_uri: String,
    pub header_key: Option<String>,
    pub header_value: HeaderValue,
    pub filter: Filter,
    /// Filter dimensions the CLI never writes (event groups, project groups, tags, ...) that
    /// are set: any makes the subscription differ.
    pub other_filters: Vec<&'static str>,
}

/// One line of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Create(Desired),
    /// `what`: the parts that differ.
    Update {
        id: String,
        desired: Desired,
        what: Vec<&'static str>,
    },
    Delete(Existing),
    Unchanged(Desired),
}

impl Change {
    pub fn changes_something(&self) -> bool {
        !matches!(self, Self::Unchanged(_))
    }

    pub fn verb(&self) -> &'static str {
        match self {
            Self::Create(_) => "create",
            Self::Update { .. } => "update",
            Self::Delete(_) => "delete",
            Self::Unchanged(_) => "unchanged",
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Self::Create(d) | Self::Unchanged(d) | Self::Update { desired: d, .. } => &d.name,
            Self::Delete(e) => &e.name,
        }
    }

    pub fn space_id(&self) -> &str {
        match self {
            Self::Create(d) | Self::Unchanged(d) | Self::Update { desired: d, .. } => &d.space_id,
            Self::Delete(e) => &e.space_id,
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:<9} {} {}", self.verb(), self.space_id(), self.name())?;
        match self {
            Self::Create(d) | Self::Unchanged(d) => write!(f, " ({})", d.rule),
            Self::Update { desired, what, .. } => write!(f, " ({}): {}", desired.rule, what.join(", ")),
            Self::Delete(_) => write!(f, " (no rule of this name any more)"),
        }
    }
}

/// The changes that make `existing` (every subscription of the spaces concerned) match
/// `desired`. Subscriptions not named with `prefix` are never touched. A hidden header value
/// cannot be compared, so it is rewritten only when `rewrite_tokens` (after the webhook secret
/// changed) or when it is not set at all.
pub fn plan(desired: &[Desired], existing: &[Existing], prefix: &str, rewrite_tokens: bool) -> Vec<Change> {
    let ours = |e: &&Existing| e.name.starts_with(prefix);
    let mut changes = Vec::new();
    for want in desired {
        let found = existing
            .iter()
            .filter(ours)
            .find(|e| e.space_id == want.space_id && e.name.eq_ignore_ascii_case(&want.name));
        changes.push(match found {
            None => Change::Create(want.clone()),
            Some(have) => {
                let what = differences(want, have, rewrite_tokens);
                if what.is_empty() {
                    Change::Unchanged(want.clone())
                } else {
                    Change::Update {
                        id: have.id.clone(),
                        desired: want.clone(),
                        what,
                    }
                }
            }
        });
    }
    for have in existing.iter().filter(ours) {
        let wanted = desired
            .iter()
            .any(|d| d.space_id == have.space_id && d.name.eq_ignore_ascii_case(&have.name));
        if !wanted {
            changes.push(Change::Delete(have.clone()));
        }
    }
    changes
}

fn differences(want: &Desired, have: &Existing, rewrite_tokens: bool) -> Vec<&'static str> {
    let mut what = Vec::new();
    if want.name != have.name {
        what.push("name");
    }
    if have.is_disabled {
        what.push("disabled");
    }
    if want.webhook_uri != have.webhook_uri {
        what.push("webhook URL");
    }
    // HTTP header names ignore case (as the doctor's check does): only another name is a change.
    if !have
        .header_key
        .as_deref()
        .is_some_and(|key| key.eq_ignore_ascii_case(&want.header_key))
    {
        what.push("header key");
    }
    let token_differs = match &have.header_value {
        HeaderValue::Known(value) => *value != want.header_value,
        HeaderValue::Hidden => rewrite_tokens,
        HeaderValue::Absent => true,
    };
    if token_differs {
        what.push("header value");
    }
    let have_filter = have.filter.clone().normalized();
    let want_filter = want.filter.clone().normalized();
    for (name, differs) in [
        (
            "event categories",
            want_filter.event_categories != have_filter.event_categories,
        ),
        ("projects", want_filter.projects != have_filter.projects),
        ("environments", want_filter.environments != have_filter.environments),
        ("tenants", want_filter.tenants != have_filter.tenants),
    ] {
        if differs {
            what.push(name);
        }
    }
    what.extend(have.other_filters.iter().copied());
    what
}

impl Existing {
    /// A subscription of `space_id` as Octopus answered it.
    pub fn from_octopus(space_id: &str, subscription: &octopus::Subscription) -> Self {
        let notification = &subscription.event_notification_subscription;
        let filter = &notification.filter;
        let header_value = match (subscription.header_value(), subscription.header_value_is_set()) {
            (Some(value), _) => HeaderValue::Known(value.to_owned()),
            (None, Some(true)) => HeaderValue::Hidden,
            (None, _) => HeaderValue::Absent,
        };
        let other_filters = [
            ("event groups", &filter.event_groups),
            ("project groups", &filter.project_groups),
            ("tenant tags", &filter.tags),
            ("document types", &filter.document_types),
            ("users", &filter.users),
            ("event agents", &filter.event_agents),
        ]
        .into_iter()
        .filter(|(_, list)| !list.is_empty())
        .map(|(name, _)| name)
        .collect();
        Self {
            id: subscription.id.clone(),
            space_id: space_id.to_owned(),
            name: subscription.name.clone(),
            is_disabled: subscription.is_disabled,
            webhook_uri: notification.webhook_uri.clone().unwrap_or_default(),
            header_key: notification.webhook_header_key.clone(),
            header_value,
            filter: Filter {
                event_categories: filter.event_categories.clone(),
                projects: filter.projects.clone(),
                environments: filter.environments.clone(),
                tenants: filter.tenants.clone(),
            },
            other_filters,
        }
    }
}

impl Desired {
    /// The body that creates or updates this subscription, its token in `shape`.
    pub fn write(&self, sensitive: bool) -> octopus::SubscriptionWrite {
        let token = secrecy::SecretString::from(self.header_value.clone());
        octopus::SubscriptionWrite {
            name: self.name.clone(),
            is_disabled: false,
            event_notification_subscription: octopus::EventNotificationWrite {
                filter: octopus::SubscriptionFilter {
                    event_categories: self.filter.event_categories.clone(),
                    projects: self.filter.projects.clone(),
                    environments: self.filter.environments.clone(),
                    tenants: self.filter.tenants.clone(),
                    ..octopus::SubscriptionFilter::default()
                },
                webhook_uri: self.webhook_uri.clone(),
                webhook_header_key: Some(self.header_key.clone()),
                webhook_header_value: Some(if sensitive {
                    octopus::HeaderValueWrite::Sensitive(token)
                } else {
                    octopus::HeaderValueWrite::Plain(token)
                }),
                ..octopus::EventNotificationWrite::default()
            },
            ..octopus::SubscriptionWrite::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PREFIX: &str = "octo-responder/dev/";

    fn desired(name: &str) -> Desired {
        Desired {
            space_id: "Spaces-1".into(),
            name: format!("{PREFIX}{name}"),
            webhook_uri:
                "https://hooks.example.com/octopus/webhook?type=Guidance&action=Retry&maximumretry=1&then=Fail".into(),
            header_key: "X-Octopus-Webhook-Token".into(),
            header_value: "token-of-the-rule".into(),
            filter: Filter {
                event_categories: vec!["GuidedFailureInterruptionRaised".into()],
                projects: vec!["Projects-1".into(), "Projects-2".into()],
                ..Filter::default()
            },
            rule: "type=Guidance action=Retry maximumretry=1 then=Fail".into(),
        }
    }

    fn existing_like(want: &Desired, id: &str) -> Existing {
        Existing {
            id: id.into(),
            space_id: want.space_id.clone(),
            name: want.name.clone(),
            is_disabled: false,
            webhook_uri: want.webhook_uri.clone(),
            header_key: Some(want.header_key.clone()),
            header_value: HeaderValue::Hidden,
            filter: want.filter.clone(),
            other_filters: Vec::new(),
        }
    }

    fn verbs(changes: &[Change]) -> Vec<(&'static str, &str)> {
        changes.iter().map(|c| (c.verb(), c.name())).collect()
    }

    #[test]
    fn an_empty_server_gets_every_rule_created() {
        let changes = plan(&[desired("a"), desired("b")], &[], PREFIX, false);
        assert_eq!(
            verbs(&changes),
            [("create", "octo-responder/dev/a"), ("create", "octo-responder/dev/b")]
        );
    }

    #[test]
    fn a_subscription_that_matches_is_unchanged_whatever_the_order_of_its_filter() {
        let want = desired("a");
        let mut have = existing_like(&want, "Subscriptions-1");
        have.filter.projects.reverse();
        let changes = plan(&[want], &[have], PREFIX, false);
        assert_eq!(verbs(&changes), [("unchanged", "octo-responder/dev/a")]);
        assert!(!changes[0].changes_something());
    }

    #[test]
    fn a_changed_rule_is_an_update_that_says_what_differs() {
        let want = desired("a");
        let mut have = existing_like(&want, "Subscriptions-1");
        have.webhook_uri = have.webhook_uri.replace("maximumretry=1", "maximumretry=3");
        have.is_disabled = true;
        have.filter.environments = vec!["Environments-1".into()];
        have.other_filters = vec!["tenant tags"];
        let changes = plan(&[want], &[have], PREFIX, false);
        let Change::Update { id, what, .. } = &changes[0] else {
            panic!("{changes:?}")
        };
        assert_eq!(id, "Subscriptions-1");
        assert_eq!(what, &["disabled", "webhook URL", "environments", "tenant tags"]);
    }

    #[test]
    fn a_rule_removed_or_renamed_deletes_its_old_subscription_and_never_a_foreign_one() {
        let old = desired("old-name");
        let foreign = Existing {
            name: "Slack: deployments".into(),
            ..existing_like(&desired("x"), "Subscriptions-9")
        };
        let other_env = Existing {
            name: "octo-responder/prod/a".into(),
            ..existing_like(&desired("x"), "Subscriptions-8")
        };
        let changes = plan(
            &[desired("new-name")],
            &[existing_like(&old, "Subscriptions-1"), foreign, other_env],
            PREFIX,
            false,
        );
        assert_eq!(
            verbs(&changes),
            [
                ("create", "octo-responder/dev/new-name"),
                ("delete", "octo-responder/dev/old-name")
            ]
        );
    }

    #[test]
    fn a_hidden_token_is_rewritten_only_when_asked_or_when_it_is_not_set() {
        let want = desired("a");
        let hidden = existing_like(&want, "Subscriptions-1");
        let once = |have: &Existing, rewrite: bool| {
            plan(std::slice::from_ref(&want), std::slice::from_ref(have), PREFIX, rewrite)
        };
        assert!(!once(&hidden, false)[0].changes_something());
        assert!(once(&hidden, true)[0].changes_something());
        let absent = Existing {
            header_value: HeaderValue::Absent,
            ..hidden.clone()
        };
        assert!(once(&absent, false)[0].changes_something());
        let known_wrong = Existing {
            header_value: HeaderValue::Known("the-shared-secret".into()),
            ..hidden
        };
        let changes = plan(&[want], &[known_wrong], PREFIX, false);
        assert!(matches!(&changes[0], Change::Update { what, .. } if what == &["header value"]));
    }

    #[test]
    fn a_header_key_that_differs_only_in_case_is_no_change_and_another_key_is() {
        let want = desired("a");
        let mut lower = existing_like(&want, "Subscriptions-1");
        lower.header_key = Some(want.header_key.to_ascii_lowercase());
        let changes = plan(std::slice::from_ref(&want), &[lower], PREFIX, false);
        assert_eq!(verbs(&changes), [("unchanged", "octo-responder/dev/a")]);

        let mut other = existing_like(&want, "Subscriptions-1");
        other.header_key = Some("X-Another-Header".into());
        let changes = plan(std::slice::from_ref(&want), &[other], PREFIX, false);
        assert_eq!(verbs(&changes), [("update", "octo-responder/dev/a")]);
        assert!(format!("{:?}", changes[0]).contains("header key"), "{:?}", changes[0]);

        let mut absent = existing_like(&want, "Subscriptions-1");
        absent.header_key = None;
        assert_eq!(
            verbs(&plan(&[want], &[absent], PREFIX, false)),
            [("update", "octo-responder/dev/a")]
        );
    }

    #[test]
    fn the_same_name_in_another_space_is_another_subscription() {
        let want = desired("a");
        let elsewhere = Existing {
            space_id: "Spaces-2".into(),
            ..existing_like(&want, "Subscriptions-5")
        };
        let changes = plan(&[want], &[elsewhere], PREFIX, false);
        assert_eq!(
            verbs(&changes),
            [("create", "octo-responder/dev/a"), ("delete", "octo-responder/dev/a")]
        );
        assert_eq!(changes[1].space_id(), "Spaces-2");
    }
}
