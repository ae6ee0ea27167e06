//! Would a subscription have sent this interruption's event? The kind must fit the rule's type
//! (the form has a `Guidance` element for `type=Guidance`, a `Result` element for `type=Result`,
//! exactly as process-message decides), and every non-empty filter list must match:
//! `EventCategories` holds the category of that kind; `Projects`, `Environments` and `Tenants`
//! each hold one of the interruption's related documents. Filters the sweep cannot evaluate made
//! the subscription unusable before it got here.

use octopus::Interruption;

use crate::subscriptions::RuleSubscription;

pub fn would_send(subscription: &RuleSubscription, interruption: &Interruption) -> bool {
    let kind = subscription.rule.kind;
    let filter = &subscription.filter;
    let related = |values: &[String]| {
        values.is_empty()
            || values.iter().any(|v| {
                interruption
                    .related_document_ids
                    .iter()
                    .any(|d| d.eq_ignore_ascii_case(v))
            })
    };
    interruption.element(kind.as_str()).is_some()
        && (filter.event_categories.is_empty()
            || filter
                .event_categories
                .iter()
                .any(|c| c.eq_ignore_ascii_case(kind.event_category())))
        && related(&filter.projects)
        && related(&filter.environments)
        && related(&filter.tenants)
}

#[cfg(test)]
mod tests {
    use super::*;
    use messaging::Rule;
    use octopus::SubscriptionFilter;
    use serde_json::json;

    fn subscription(query: &[(&str, &str)], filter: SubscriptionFilter) -> RuleSubscription {
        RuleSubscription {
            id: "Subscriptions-1".into(),
            name: "rule".into(),
            rule: Rule::from_query(query.iter().copied()).unwrap(),
            filter,
        }
    }

    fn guided_failure() -> Interruption {
        serde_json::from_value(json!({
            "Id": "Interruptions-1", "IsPending": true,
            "Form": {"Elements": [{"Name": "Guidance", "Control": {"Buttons": [{"Value": "Retry"}]}}]},
            "RelatedDocumentIds": ["ServerTasks-2", "Deployments-3", "Projects-4", "Environments-5", "Tenants-6"]
        }))
        .unwrap()
    }

    const RETRY: &[(&str, &str)] = &[("type", "Guidance"), ("action", "Retry")];

    #[test]
    fn an_unfiltered_subscription_of_the_right_type_sends_it_and_one_of_the_other_type_does_not() {
        assert!(would_send(
            &subscription(RETRY, SubscriptionFilter::default()),
            &guided_failure()
        ));
        let proceed = subscription(
            &[("type", "Result"), ("action", "Proceed")],
            SubscriptionFilter::default(),
        );
        assert!(!would_send(&proceed, &guided_failure()));
    }

    #[test]
    fn event_categories_must_hold_the_category_of_the_kind() {
        let filter = |categories: &[&str]| SubscriptionFilter {
            event_categories: categories.iter().map(|c| (*c).to_owned()).collect(),
            ..SubscriptionFilter::default()
        };
        assert!(would_send(
            &subscription(RETRY, filter(&["DeploymentFailed", "GuidedFailureInterruptionRaised"])),
            &guided_failure()
        ));
        assert!(!would_send(
            &subscription(RETRY, filter(&["ManualInterventionInterruptionRaised"])),
            &guided_failure()
        ));
    }

    #[test]
    fn project_environment_and_tenant_filters_each_need_one_related_document() {
        let with = |projects: &[&str], environments: &[&str], tenants: &[&str]| {
            let list = |values: &[&str]| values.iter().map(|v| (*v).to_owned()).collect();
            subscription(
                RETRY,
                SubscriptionFilter {
                    projects: list(projects),
                    environments: list(environments),
                    tenants: list(tenants),
                    ..SubscriptionFilter::default()
                },
            )
        };
        let interruption = guided_failure();
        assert!(would_send(
            &with(&["Projects-9", "Projects-4"], &[], &[]),
            &interruption
        ));
        assert!(would_send(
            &with(&["Projects-4"], &["Environments-5"], &["Tenants-6"]),
            &interruption
        ));
        assert!(!would_send(&with(&["Projects-9"], &[], &[]), &interruption));
        assert!(!would_send(&with(&[], &["Environments-9"], &[]), &interruption));
        assert!(!would_send(&with(&[], &[], &["Tenants-9"]), &interruption));
    }
}
