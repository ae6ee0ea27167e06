//! CloudWatch Embedded Metric Format: metrics as JSON lines on stdout, which CloudWatch Logs
//! turns into metrics (namespace `OctoResponder`) with no API call and no agent. Every metric
//! has the `Environment` dimension, so environments sharing an account never mix, and every
//! line names the function that wrote it. Each function decides which counters it writes.

use std::sync::Arc;

use serde_json::{Map, Value, json};

pub const NAMESPACE: &str = "OctoResponder";

/// Set by Terraform: `dev`, `staging`, `prod`.
pub const ENVIRONMENT: &str = "ENVIRONMENT";
/// Set by Lambda itself.
pub const AWS_LAMBDA_FUNCTION_NAME: &str = "AWS_LAMBDA_FUNCTION_NAME";

/// Where EMF lines go: stdout in Lambda, a buffer in tests, nowhere in the demo.
pub type MetricsSink = Arc<dyn Fn(&str) + Send + Sync>;

pub fn stdout_sink() -> MetricsSink {
    Arc::new(|line| println!("{line}"))
}

/// A sink that drops every line.
pub fn no_sink() -> MetricsSink {
    Arc::new(|_| {})
}

/// What every line carries: the `Environment` dimension and the `FunctionName` property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dimensions {
    pub environment: String,
    pub function_name: String,
}

impl Dimensions {
    /// From `ENVIRONMENT` and `AWS_LAMBDA_FUNCTION_NAME`, with `local` and `function` where
    /// they are unset or blank.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>, function: &str) -> Self {
        let value = |name: &str, default: &str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.to_owned())
        };
        Self {
            environment: value(ENVIRONMENT, "local"),
            function_name: value(AWS_LAMBDA_FUNCTION_NAME, function),
        }
    }

    /// Defaults for a function running outside Lambda.
    pub fn local(function: &str) -> Self {
        Self::from_lookup(|_| None, function)
    }

    /// One EMF line: `metrics` (name, count) with the `Environment` dimension and, when given,
    /// one more dimension `(name, value)`.
    pub fn line(&self, timestamp_ms: u64, dimension: Option<(&str, &str)>, metrics: &[(&str, u64)]) -> String {
        let mut names = vec!["Environment"];
        names.extend(dimension.map(|(name, _)| name));
        let definitions: Vec<Value> = metrics
            .iter()
            .map(|(name, _)| json!({ "Name": name, "Unit": "Count" }))
            .collect();
        let mut document = Map::new();
        document.insert(
            "_aws".to_owned(),
            json!({
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [{ "Namespace": NAMESPACE, "Dimensions": [names], "Metrics": definitions }]
            }),
        );
        document.insert("Environment".to_owned(), json!(self.environment));
        document.insert("FunctionName".to_owned(), json!(self.function_name));
        if let Some((name, value)) = dimension {
            document.insert(name.to_owned(), json!(value));
        }
        for (name, n) in metrics {
            document.insert((*name).to_owned(), json!(n));
        }
        Value::Object(document).to_string()
    }
}

/// Keeps the lines written to its sink, for tests and local runs that read metrics back.
#[derive(Debug, Clone, Default)]
pub struct Recorder(Arc<std::sync::Mutex<Vec<String>>>);

impl Recorder {
    pub fn new() -> Self {
        Self::default()
    }

    /// A sink that appends to this recorder.
    pub fn sink(&self) -> MetricsSink {
        let lines = Arc::clone(&self.0);
        Arc::new(move |line| {
            lines
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(line.to_owned())
        })
    }

    pub fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// The sum of `metric` over the lines recorded, as CloudWatch would add them up; only lines
    /// whose `dimension` (name, value) matches, when given. Lines that are not JSON count 0.
    pub fn sum(&self, metric: &str, dimension: Option<(&str, &str)>) -> u64 {
        self.lines()
            .iter()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|line| dimension.is_none_or(|(name, value)| line[name] == value))
            .filter_map(|line| line[metric].as_u64())
            .sum()
    }
}

/// Milliseconds since the epoch, for the lines' `Timestamp`.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_carries_the_environment_dimension_the_function_name_and_its_counts() {
        let dims = Dimensions::from_lookup(
            |name| match name {
                ENVIRONMENT => Some("prod".to_owned()),
                AWS_LAMBDA_FUNCTION_NAME => Some("octo-responder-prod-process-message".to_owned()),
                _ => None,
            },
            "process-message",
        );

        let line: Value = serde_json::from_str(&dims.line(7, Some(("Action", "Retry")), &[("Submitted", 2)])).unwrap();

        let definition = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(definition["Namespace"], NAMESPACE);
        assert_eq!(definition["Dimensions"], json!([["Environment", "Action"]]));
        assert_eq!(definition["Metrics"], json!([{"Name": "Submitted", "Unit": "Count"}]));
        assert_eq!(line["_aws"]["Timestamp"], 7);
        assert_eq!(line["Environment"], "prod");
        assert_eq!(line["FunctionName"], "octo-responder-prod-process-message");
        assert_eq!(line["Action"], "Retry");
        assert_eq!(line["Submitted"], 2);
    }

    #[test]
    fn a_recorder_sums_a_metric_over_its_lines_by_dimension() {
        let recorder = Recorder::new();
        let sink = recorder.sink();
        let dims = Dimensions::local("process-message");
        sink(&dims.line(1, Some(("Action", "Retry")), &[("Submitted", 2)]));
        sink(&dims.line(1, Some(("Action", "Fail")), &[("Submitted", 1)]));
        sink("not json");

        assert_eq!(recorder.sum("Submitted", None), 3);
        assert_eq!(recorder.sum("Submitted", Some(("Action", "Retry"))), 2);
        assert_eq!(recorder.sum("Enqueued", None), 0);
        assert_eq!(recorder.lines().len(), 3);
    }

    #[test]
    fn outside_lambda_the_environment_is_local_and_the_function_keeps_its_own_name() {
        let dims = Dimensions::from_lookup(|_| Some("  ".to_owned()), "sweep-interruptions");
        assert_eq!(dims.environment, "local");
        assert_eq!(dims.function_name, "sweep-interruptions");
        let line: Value = serde_json::from_str(&dims.line(1, None, &[("Records", 0)])).unwrap();
        assert_eq!(
            line["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["Environment"]])
        );
        assert_eq!(line["Records"], 0);
    }
}
