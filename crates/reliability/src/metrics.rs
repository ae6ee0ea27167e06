//! Sums of the CloudWatch Embedded Metric Format lines process-message and the sweep wrote, as
//! CloudWatch would add them up.

use std::collections::BTreeMap;

use serde_json::Value;

/// Collects EMF lines; `sink()` is what `Handler::with_metrics` and `Sweeper::with_metrics` take.
pub type MetricLines = telemetry::Recorder;

/// The lines as JSON, each checked to be EMF in the `OctoResponder` namespace.
fn emf_documents(lines: &[String]) -> Result<Vec<Value>, String> {
    lines
        .iter()
        .map(|line| {
            let value: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}: {line}"))?;
            if value["_aws"]["CloudWatchMetrics"][0]["Namespace"] != telemetry::NAMESPACE {
                return Err(format!("not an OctoResponder EMF line: {line}"));
            }
            Ok(value)
        })
        .collect()
}

/// The summed metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetricTotals {
    pub lines: usize,
    pub records: u64,
    /// `SweptRecords`: records the sweep queued.
    pub swept_records: u64,
    pub budget_spent: u64,
    pub answered_elsewhere: u64,
    pub nothing_pending: u64,
    /// `Submitted` by `Action`.
    pub submitted: BTreeMap<String, u64>,
    /// `Skipped` by `Reason`.
    pub skipped: BTreeMap<String, u64>,
    /// `Failed` by `Cause`.
    pub failed: BTreeMap<String, u64>,
}

impl MetricTotals {
    /// Sums the lines; refuses one that is not EMF in the `OctoResponder` namespace.
    pub fn from_lines(lines: &[String]) -> Result<Self, String> {
        let mut totals = Self::default();
        for value in emf_documents(lines)? {
            totals.lines += 1;
            let count = |name: &str| value[name].as_u64().unwrap_or(0);
            totals.records += count("Records");
            totals.swept_records += count("SweptRecords");
            totals.budget_spent += count("BudgetSpent");
            totals.answered_elsewhere += count("AnsweredElsewhere");
            totals.nothing_pending += count("NothingPending");
            for (dimension, metric, target) in [
                ("Action", "Submitted", &mut totals.submitted),
                ("Reason", "Skipped", &mut totals.skipped),
                ("Cause", "Failed", &mut totals.failed),
            ] {
                if let Some(key) = value[dimension].as_str() {
                    *target.entry(key.to_owned()).or_default() += count(metric);
                }
            }
        }
        Ok(totals)
    }

    pub fn submitted_total(&self) -> u64 {
        self.submitted.values().sum()
    }

    pub fn failed_total(&self) -> u64 {
        self.failed.values().sum()
    }
}

/// The summed metrics of sweep-interruptions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepMetricTotals {
    pub lines: usize,
    pub sweeps: u64,
    pub sweeps_failed: u64,
    pub subscriptions_seen: u64,
    pub subscriptions_usable: u64,
    pub pending_seen: u64,
    pub enqueued: u64,
    pub conflicts: u64,
    /// `NotEnqueued` by `Reason`.
    pub not_enqueued: BTreeMap<String, u64>,
    /// `SubscriptionsUnusable` by `Reason`.
    pub subscriptions_unusable: BTreeMap<String, u64>,
}

impl SweepMetricTotals {
    /// Sums the lines; refuses one that is not EMF in the `OctoResponder` namespace.
    pub fn from_lines(lines: &[String]) -> Result<Self, String> {
        let mut totals = Self::default();
        for value in emf_documents(lines)? {
            totals.lines += 1;
            let count = |name: &str| value[name].as_u64().unwrap_or(0);
            totals.sweeps += count("Sweeps");
            totals.sweeps_failed += count("SweepsFailed");
            totals.subscriptions_seen += count("SubscriptionsSeen");
            totals.subscriptions_usable += count("SubscriptionsUsable");
            totals.pending_seen += count("PendingSeen");
            totals.enqueued += count("Enqueued");
            totals.conflicts += count("Conflicts");
            if let Some(reason) = value["Reason"].as_str() {
                for (metric, target) in [
                    ("NotEnqueued", &mut totals.not_enqueued),
                    ("SubscriptionsUnusable", &mut totals.subscriptions_unusable),
                ] {
                    if value.get(metric).is_some() {
                        *target.entry(reason.to_owned()).or_default() += count(metric);
                    }
                }
            }
        }
        Ok(totals)
    }
}
