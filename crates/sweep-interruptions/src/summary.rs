//! What one sweep found and did: the JSON the function returns, one `sweep done` log line, and
//! its CloudWatch Embedded Metric Format lines (`SubscriptionsSeen`, `SubscriptionsUsable`,
//! `SubscriptionsUnusable` by `Reason`, `PendingSeen`, `Enqueued`, `NotEnqueued` by `Reason`,
//! `Conflicts`, `PeopleTold`, `NoticesFailed`, `Sweeps`).

use std::collections::BTreeMap;

use serde::Serialize;
use telemetry::Dimensions;

/// A subscription pointing at the responder that the sweep does not use, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnusableSubscription {
    pub space_id: String,
    pub subscription_id: String,
    pub name: String,
    pub reason: &'static str,
    pub detail: String,
}

/// An interruption the sweep queued (or, in a dry run, would have queued).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Queued {
    pub space_id: String,
    pub interruption_id: String,
    pub rule: String,
    pub subscriptions: Vec<String>,
}

/// What a sweep found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub dry_run: bool,
    pub spaces: usize,
    pub subscriptions_seen: usize,
    pub subscriptions_usable: usize,
    /// Subscriptions pointing at the responder that are not used, by reason.
    pub subscriptions_unusable: BTreeMap<&'static str, usize>,
    pub unusable: Vec<UnusableSubscription>,
    pub pending_seen: usize,
    /// Queued, or in a dry run what would have been.
    pub enqueued: Vec<Queued>,
    pub not_enqueued: BTreeMap<&'static str, usize>,
    /// Interruptions that subscriptions with different rules would have sent.
    pub conflicts: Vec<String>,
    /// Notices sent to a person about interruptions left to one.
    pub people_told: usize,
    /// Notices that could not be sent (the next sweep tries again).
    pub notices_failed: usize,
}

impl Summary {
    pub fn log(&self) {
        tracing::info!(
            dry_run = self.dry_run,
            spaces = self.spaces,
            subscriptions_seen = self.subscriptions_seen,
            subscriptions_usable = self.subscriptions_usable,
            subscriptions_unusable = ?self.subscriptions_unusable,
            pending_seen = self.pending_seen,
            enqueued = self.enqueued.len(),
            not_enqueued = ?self.not_enqueued,
            conflicts = self.conflicts.len(),
            people_told = self.people_told,
            notices_failed = self.notices_failed,
            "sweep done"
        );
    }

    /// The EMF lines of this sweep. Counters by reason that are zero are left out.
    pub fn emf_lines(&self, dimensions: &Dimensions, timestamp_ms: u64) -> Vec<String> {
        let n = |count: usize| count as u64;
        let mut lines = vec![dimensions.line(
            timestamp_ms,
            None,
            &[
                ("Sweeps", 1),
                ("SubscriptionsSeen", n(self.subscriptions_seen)),
                ("SubscriptionsUsable", n(self.subscriptions_usable)),
                ("PendingSeen", n(self.pending_seen)),
                ("Enqueued", n(self.enqueued.len())),
                ("Conflicts", n(self.conflicts.len())),
                ("PeopleTold", n(self.people_told)),
                ("NoticesFailed", n(self.notices_failed)),
            ],
        )];
        for (metric, counts) in [
            ("SubscriptionsUnusable", &self.subscriptions_unusable),
            ("NotEnqueued", &self.not_enqueued),
        ] {
            for (reason, count) in counts.iter().filter(|(_, count)| **count > 0) {
                lines.push(dimensions.line(timestamp_ms, Some(("Reason", reason)), &[(metric, n(*count))]));
            }
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn a_sweep_s_metrics_count_what_it_saw_and_did_with_reasons_as_a_dimension() {
        let summary = Summary {
            subscriptions_seen: 5,
            subscriptions_usable: 2,
            subscriptions_unusable: BTreeMap::from([("unsupported_filter", 1), ("disabled", 0)]),
            pending_seen: 7,
            enqueued: vec![Queued {
                space_id: "Spaces-1".into(),
                interruption_id: "Interruptions-1".into(),
                rule: "type=Result action=Proceed".into(),
                subscriptions: vec!["approve".into()],
            }],
            not_enqueued: BTreeMap::from([("within_grace", 3), ("conflict", 1)]),
            conflicts: vec!["Interruptions-2".into()],
            ..Summary::default()
        };

        let lines: Vec<Value> = summary
            .emf_lines(&Dimensions::local("sweep-interruptions"), 9)
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();

        assert_eq!(lines.len(), 4, "no line for a zero count");
        assert_eq!(lines[0]["Sweeps"], 1);
        assert_eq!(lines[0]["PendingSeen"], 7);
        assert_eq!(lines[0]["Enqueued"], 1);
        assert_eq!(lines[0]["Conflicts"], 1);
        assert_eq!(lines[0]["FunctionName"], "sweep-interruptions");
        let reason = |metric: &str, reason: &str| {
            lines
                .iter()
                .find(|l| l["Reason"] == reason && l.get(metric).is_some())
                .map(|l| l[metric].clone())
        };
        assert_eq!(reason("SubscriptionsUnusable", "unsupported_filter"), Some(1.into()));
        assert_eq!(reason("NotEnqueued", "within_grace"), Some(3.into()));
        assert_eq!(reason("NotEnqueued", "conflict"), Some(1.into()));
    }

    #[test]
    fn the_returned_json_names_what_was_queued_and_why_subscriptions_were_not_used() {
        let summary = Summary {
            dry_run: true,
            unusable: vec![UnusableSubscription {
                space_id: "Spaces-1".into(),
                subscription_id: "Subscriptions-3".into(),
                name: "by project group".into(),
                reason: "unsupported_filter",
                detail: "it filters on ProjectGroups".into(),
            }],
            ..Summary::default()
        };
        let json = serde_json::to_value(&summary).unwrap();
        assert_eq!(json["dryRun"], true);
        assert_eq!(json["unusable"][0]["reason"], "unsupported_filter");
        assert_eq!(json["enqueued"], serde_json::json!([]));
    }
}
