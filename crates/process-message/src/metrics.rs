//! CloudWatch Embedded Metric Format: each batch's tally as JSON lines on stdout, which
//! CloudWatch Logs turns into metrics (namespace `OctoResponder`) with no API call and no agent.
//! `Submitted` by `Action`, `Skipped` by `Reason`, `Failed` by `Cause`, and per batch `Records`,
//! `BudgetSpent`, `AnsweredElsewhere`, `NothingPending`.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::tally::Tally;

pub const NAMESPACE: &str = "OctoResponder";

/// Where EMF lines go: stdout in Lambda, a buffer in tests, nowhere in the demo.
pub type MetricsSink = Arc<dyn Fn(&str) + Send + Sync>;

pub fn stdout_sink() -> MetricsSink {
    Arc::new(|line| println!("{line}"))
}

/// The EMF lines for one batch. Counters that are zero are left out, except `Records`.
pub fn emf_lines(tally: &Tally, timestamp_ms: u64) -> Vec<String> {
    let mut lines = vec![line(
        timestamp_ms,
        None,
        &[
            ("Records", tally.records),
            ("BudgetSpent", tally.budget_spent),
            ("AnsweredElsewhere", tally.answered_elsewhere),
            ("NothingPending", tally.nothing_pending),
        ],
    )];
    for (metric, dimension, counts) in [
        ("Submitted", "Action", &tally.submitted),
        ("Skipped", "Reason", &tally.skipped),
        ("Failed", "Cause", &tally.failed),
    ] {
        for (value, n) in counts.iter().filter(|(_, n)| **n > 0) {
            lines.push(line(timestamp_ms, Some((dimension, value)), &[(metric, *n)]));
        }
    }
    lines
}

fn line(timestamp_ms: u64, dimension: Option<(&str, &str)>, metrics: &[(&str, usize)]) -> String {
    let dimensions: Vec<Value> = vec![json!(dimension.map(|(name, _)| vec![name]).unwrap_or_default())];
    let definitions: Vec<Value> = metrics
        .iter()
        .map(|(name, _)| json!({ "Name": name, "Unit": "Count" }))
        .collect();
    let mut document = json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{ "Namespace": NAMESPACE, "Dimensions": dimensions, "Metrics": definitions }]
        }
    });
    if let (Some((name, value)), Some(map)) = (dimension, document.as_object_mut()) {
        map.insert(name.to_owned(), json!(value));
    }
    if let Some(map) = document.as_object_mut() {
        for (name, n) in metrics {
            map.insert((*name).to_owned(), json!(n));
        }
    }
    document.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
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

        let lines = parse(&emf_lines(&tally, 1_700_000_000_000));

        assert_eq!(lines.len(), 5);
        assert_eq!(lines[0]["Records"], 4);
        assert_eq!(lines[0]["BudgetSpent"], 1);
        assert_eq!(lines[0]["_aws"]["CloudWatchMetrics"][0]["Dimensions"], json!([[]]));
        assert_eq!(lines[0]["_aws"]["Timestamp"], 1_700_000_000_000u64);
        let fail = lines.iter().find(|l| l["Action"] == "Fail").unwrap();
        assert_eq!(fail["Submitted"], 1);
        assert_eq!(fail["_aws"]["CloudWatchMetrics"][0]["Namespace"], "OctoResponder");
        assert_eq!(fail["_aws"]["CloudWatchMetrics"][0]["Dimensions"], json!([["Action"]]));
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
        let lines = parse(&emf_lines(&Tally::default(), 1));
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0]["Records"], 0);
    }
}
