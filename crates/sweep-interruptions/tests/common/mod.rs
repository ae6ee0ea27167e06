//! Shared set-up: an Octopus simulator and a FIFO queue on a moto server, both on loopback, and
//! a sweeper reading the one and writing to the other over real HTTP.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, SystemTime};

use aws_sdk_sqs::types::Message;
use harness::{Moto, sqs};
use octopus::{Backoff, Deadline, HttpOctopus, Settings};
use octopus_sim::{Simulator, SubscriptionFilter, SubscriptionSpec, Target};
use queue::SqsPublisher;
use sweep_interruptions::subscriptions::WebhookUrls;
use sweep_interruptions::{Summary, SweepError, SweepSettings, Sweeper, Window};
use time::OffsetDateTime;

/// The responder's webhook URL in these tests.
pub const WEBHOOK: &str = "https://hooks.example.com/octopus/webhook";
pub const GUIDED_FAILURE: &str = "GuidedFailureInterruptionRaised";
pub const MANUAL_INTERVENTION: &str = "ManualInterventionInterruptionRaised";

pub struct World {
    pub sim: Simulator,
    pub sqs: aws_sdk_sqs::Client,
    pub queue_url: String,
    pub sweeper: Sweeper<SqsPublisher>,
    pub metrics: telemetry::Recorder,
    /// What the sweeper told a person.
    pub told: notify::Sent,
}

pub fn octopus_settings(sim: &Simulator, api_key: &str) -> Settings {
    let mut settings = Settings::new(sim.base_url().parse().unwrap(), api_key.to_owned().into());
    settings.request_timeout = Duration::from_millis(500);
    settings.page_size = 2;
    settings.backoff = Backoff {
        initial: Duration::from_millis(10),
        max: Duration::from_millis(50),
        max_attempts: 4,
    };
    settings
}

pub fn settings(dry_run: bool) -> SweepSettings {
    SweepSettings {
        webhook_urls: WebhookUrls::parse(WEBHOOK).unwrap(),
        spaces: None,
        window: Window::default(),
        dry_run,
    }
}

pub async fn world_with(sweep: SweepSettings, api_key: Option<&str>) -> World {
    let sim = Simulator::start().await.unwrap();
    let moto = Moto::shared().expect("moto server");
    let sqs = aws_sdk_sqs::Client::new(&moto.sdk_config().await);
    let (queue_url, _dlq) = moto.create_queue_pair(&sqs, true, 3).await.expect("queue");
    let key = api_key.unwrap_or(sim.api_key()).to_owned();
    let octopus = HttpOctopus::new(octopus_settings(&sim, &key)).unwrap();
    let metrics = telemetry::Recorder::new();
    let (notifier, told) = notify::Notifier::in_memory();
    let sweeper = Sweeper::new(octopus, SqsPublisher::new(sqs.clone(), queue_url.clone()), sweep)
        .with_metrics(metrics.sink())
        .with_notifier(notifier, &sim.base_url());
    World {
        sim,
        sqs,
        queue_url,
        sweeper,
        metrics,
        told,
    }
}

pub async fn world() -> World {
    world_with(settings(false), None).await
}

impl World {
    pub async fn sweep(&self) -> Result<Summary, SweepError> {
        self.sweeper
            .sweep(OffsetDateTime::now_utc(), Deadline::after(Duration::from_secs(20)))
            .await
    }

    /// A subscription in `space` pointing at `uri` with `filter`.
    pub fn subscribe(&self, space: &str, name: &str, uri: &str, filter: SubscriptionFilter) -> String {
        self.sim.add_subscription(
            space,
            SubscriptionSpec {
                name: name.to_owned(),
                is_disabled: false,
                webhook_uri: uri.to_owned(),
                header_key: Some("X-Octopus-Webhook-Token".to_owned()),
                header_value: Some("a-token-the-sweep-never-reads".to_owned()),
                filter,
            },
        )
    }

    /// A subscription to the responder with `query` and the category filter of its kind.
    pub fn subscribe_rule(&self, space: &str, name: &str, query: &str, category: &str) -> String {
        let filter = SubscriptionFilter {
            event_categories: vec![category.to_owned()],
            ..SubscriptionFilter::default()
        };
        self.subscribe(space, name, &format!("{WEBHOOK}?{query}"), filter)
    }

    /// Makes an interruption `age` old.
    pub fn age(&self, interruption_id: &str, age: Duration) {
        assert!(self.sim.set_created(interruption_id, SystemTime::now() - age));
    }

    /// A guided failure on a new deployment in `space`, `age` old, whose webhook never arrived.
    pub fn lost_guided_failure(&self, space: &str, age: Duration) -> (Target, String) {
        let target = self.sim.add_deployment(space);
        let raised = self.sim.raise_guided_failure(&target, &[]);
        self.age(&raised.interruption_id, age);
        (target, raised.interruption_id)
    }

    pub fn lost_manual_intervention(&self, space: &str, age: Duration) -> (Target, String) {
        let target = self.sim.add_deployment(space);
        let raised = self.sim.raise_manual_intervention(&target);
        self.age(&raised.interruption_id, age);
        (target, raised.interruption_id)
    }

    /// Everything on the queue now (received, so invisible for the queue's timeout).
    pub async fn queued(&self) -> Vec<Message> {
        let mut all = Vec::new();
        loop {
            let batch = sqs::receive(&self.sqs, &self.queue_url, 10, 0).await.expect("receive");
            if batch.is_empty() {
                return all;
            }
            all.extend(batch);
        }
    }

    /// Requests the simulator answered whose path contains `fragment`.
    pub fn requests_to(&self, fragment: &str) -> usize {
        self.sim.requests().iter().filter(|r| r.path.contains(fragment)).count()
    }

    /// The sum of `metric` over the EMF lines, where `dimension` matches when given.
    pub fn metric(&self, metric: &str, dimension: Option<(&str, &str)>) -> u64 {
        self.metrics.sum(metric, dimension)
    }
}

pub fn attribute<'a>(message: &'a Message, name: &str) -> Option<&'a str> {
    message.message_attributes()?.get(name)?.string_value()
}

pub const TEN_MINUTES: Duration = Duration::from_secs(600);
