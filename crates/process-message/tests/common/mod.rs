//! Shared set-up: a simulator on loopback and a responder talking to it over HTTP.

#![allow(dead_code)]

use std::time::Duration;

use aws_lambda_events::sqs::{SqsBatchResponse, SqsMessage};
use octopus::{Backoff, Deadline, HttpOctopus, Settings};
use octopus_sim::{Simulator, Target};
use process_message::{Handler, Options};

pub const HEADER: &str = "X-Octopus-Webhook-Token";
pub const TOKEN: &str = "test-webhook-token";

pub struct World {
    pub sim: Simulator,
    pub responder: Handler<HttpOctopus>,
    /// The EMF lines the handler wrote.
    pub metrics: telemetry::Recorder,
}

pub fn settings(sim: &Simulator, api_key: &str) -> Settings {
    let mut settings = Settings::new(sim.base_url().parse().unwrap(), api_key.to_owned().into());
    settings.request_timeout = Duration::from_millis(500);
    settings.backoff = Backoff {
        initial: Duration::from_millis(20),
        max: Duration::from_millis(200),
        max_attempts: 4,
    };
    settings
}

pub async fn world_with(options: Options) -> World {
    world_telling(options, notify::Notifier::off()).await
}

/// A world whose responder tells a person through `notifier`.
pub async fn world_telling(options: Options, notifier: notify::Notifier) -> World {
    let sim = Simulator::start().await.unwrap();
    let octopus = HttpOctopus::new(settings(&sim, sim.api_key())).unwrap();
    let metrics = telemetry::Recorder::new();
    let server = sim.base_url();
    World {
        responder: Handler::new(octopus, options)
            .with_metrics(metrics.sink())
            .with_notifier(notifier, &server),
        sim,
        metrics,
    }
}

pub async fn world() -> World {
    world_with(Options::default()).await
}

pub fn deadline() -> Deadline {
    Deadline::after(Duration::from_secs(20))
}

impl World {
    /// The SQS record accept-message would have queued for `event_id` under `query`-like rule.
    pub fn record(&self, message_id: &str, event_id: &str, rule: &[(&str, &str)]) -> SqsMessage {
        let body = self.sim.webhook_body(event_id, HEADER, "redacted").unwrap().to_string();
        let mut attributes = rule.to_vec();
        attributes.push(("EventId", event_id));
        harness::sqs::record(message_id, &attributes, &body)
    }

    pub async fn run(&self, records: Vec<SqsMessage>) -> Vec<String> {
        failed(self.responder.process_batch(records, deadline()).await.unwrap())
    }

    pub fn deployment(&self) -> Target {
        self.sim.add_deployment("Spaces-1")
    }

    /// The submitted values of one interruption, `(value of element, notes)`.
    pub fn submitted(&self, interruption_id: &str, element: &str) -> Vec<(String, String)> {
        self.sim
            .submissions()
            .into_iter()
            .filter(|s| s.interruption_id == interruption_id)
            .map(|s| {
                let value = s.values.get(element).cloned().flatten().unwrap_or_default();
                let notes = s.values.get("Notes").cloned().flatten().unwrap_or_default();
                (value, notes)
            })
            .collect()
    }

    /// The sum of `metric` over the EMF lines written so far, where `dimension` matches.
    pub fn metric(&self, metric: &str, dimension: Option<(&str, &str)>) -> u64 {
        self.metrics.sum(metric, dimension)
    }

    pub fn requests_to(&self, method: &str, path_fragment: &str) -> usize {
        self.sim
            .requests()
            .iter()
            .filter(|r| r.method == method && r.path.contains(path_fragment))
            .count()
    }
}

pub fn failed(response: SqsBatchResponse) -> Vec<String> {
    response
        .batch_item_failures
        .into_iter()
        .map(|f| f.item_identifier)
        .collect()
}

pub const RETRY_3: &[(&str, &str)] = &[("Type", "Guidance"), ("Action", "Retry"), ("MaximumRetry", "3")];
pub const RETRY_1: &[(&str, &str)] = &[("Type", "Guidance"), ("Action", "Retry"), ("MaximumRetry", "1")];
pub const PROCEED: &[(&str, &str)] = &[("Type", "Result"), ("Action", "Proceed"), ("MaximumRetry", "1")];
