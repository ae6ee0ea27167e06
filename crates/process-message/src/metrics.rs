//! Each batch's tally as CloudWatch Embedded Metric Format lines (see the `telemetry` crate):
//! `Submitted` by `Action`, `Skipped` by `Reason`, `Failed` by `Cause`, and per batch `Records`,
//! `SweptRecords` (those the sweep queued), `BudgetSpent`, `AnsweredElsewhere`, `LeftToOwnRecord`, `NothingPending`,
//! `PeopleTold`, `Failed` (every cause together: what the deployment's rollback alarm watches),
//! and `NoticesFailed` by `Cause`.

pub use telemetry::{Dimensions, MetricsSink, NAMESPACE, stdout_sink};

use crate::tally::Tally;

/// The EMF lines for one batch. Counters that are zero are left out, except in the first line.
pub fn emf_lines(tally: &Tally, dimensions: &Dimensions, timestamp_ms: u64) -> Vec<String> {
    let n = |count: usize| count as u64;
    let mut lines = vec![dimensions.line(
        timestamp_ms,
        None,
        &[
            ("Records", n(tally.records)),
            ("SweptRecords", n(tally.swept_records)),
            ("BudgetSpent", n(tally.budget_spent)),
            ("AnsweredElsewhere", n(tally.answered_elsewhere)),
            ("LeftToOwnRecord", n(tally.left_to_own_record)),
            ("NothingPending", n(tally.nothing_pending)),
            ("PeopleTold", n(tally.people_told)),
            ("Failed", n(tally.failed.values().sum())),
        ],
    )];
    for (metric, dimension, counts) in [
        ("Submitted", "Action", &tally.submitted),
        ("Skipped", "Reason", &tally.skipped),
        ("Failed", "Cause", &tally.failed),
        ("NoticesFailed", "Cause", &tally.notices_failed),
    ] {
        for (value, count) in counts.iter().filter(|(_, count)| **count > 0) {
            lines.push(dimensions.line(timestamp_ms, Some((dimension, value)), &[(metric, n(*count))]));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};
    use std::collections::BTreeMap;

    fn parse(lines: &[String]) -> Vec<Value> {
        lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    #[test]
    fn renders_counters_with_their_dimension_as_embedded_metric_format() {
        let tally = Tally {
            records: 4,
            submitted: BTreeMap::from([("Retry", 2), ("Fail", 1)]),
            budget_spent: 1,
            skipped: BTreeMap::from([("held_by_another_user", 1)]),
            failed: BTreeMap::from([("timeout", 1)]),
            ..Tally::default()
        };

        let dims = Dimensions {
            environment: "prod".into(),
            function_name: "octo-responder-prod-process-message".into(),
        };
        let lines = parse(&emf_lines(&tally, &dims, 1_700_000_000_000));

        assert_eq!(lines.len(), 5);
        assert_eq!(lines[0]["Records"], 4);
        assert_eq!(lines[0]["BudgetSpent"], 1);
        assert_eq!(
            lines[0]["Failed"], 1,
            "every cause together, under the Environment dimension alone"
        );
        assert_eq!(
            lines[0]["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["Environment"]])
        );
        assert!(
            lines.iter().all(|l| l["Environment"] == "prod"),
            "every line has the environment"
        );
        assert!(
            lines
                .iter()
                .all(|l| l["FunctionName"] == "octo-responder-prod-process-message")
        );
        assert_eq!(lines[0]["_aws"]["Timestamp"], 1_700_000_000_000u64);
        let fail = lines.iter().find(|l| l["Action"] == "Fail").unwrap();
        assert_eq!(fail["Submitted"], 1);
        assert_eq!(fail["_aws"]["CloudWatchMetrics"][0]["Namespace"], "OctoResponder");
        assert_eq!(
            fail["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["Environment", "Action"]])
        );
        assert_eq!(
            fail["_aws"]["CloudWatchMetrics"][0]["Metrics"],
            json!([{"Name": "Submitted", "Unit": "Count"}])
        );
        assert_eq!(
            lines.iter().find(|l| l["Reason"] == "held_by_another_user").unwrap()["Skipped"],
            1
        );
        assert_eq!(lines.iter().find(|l| l["Cause"] == "timeout").unwrap()["Failed"], 1);
    }

    #[test]
    fn an_empty_batch_still_reports_its_record_count() {
        let lines = parse(&emf_lines(&Tally::default(), &Dimensions::local("process-message"), 1));
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0]["Records"], 0);
    }
}
