//! The sweep's scenario: an Octopus simulator of its own (so nothing the other measurements left
//! pending is swept) holding two spaces, a few subscriptions (some pointing at the responder, one
//! elsewhere) and pages of pending interruptions, of which a few are past the grace period with
//! no webhook ever sent. The sweep binary is invoked through the local Runtime API with `{}`;
//! its answer is the summary JSON, checked against the scenario, and the queue is checked too.
//! The figure that matters is the number of Octopus requests per sweep: one per page of spaces,
//! of each space's subscriptions, and of each space's pending interruptions (where a
//! subscription points at the responder), never one per interruption.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use octopus_sim::{Simulator, SubscriptionFilter, SubscriptionSpec};
use serde_json::Value;

use crate::BenchError;
use crate::scenarios::{Function, Stage};
use crate::stats;
use harness::lambda::Running;

/// The responder's webhook URL, as the subscriptions name it and `WEBHOOK_URLS` is set.
pub const WEBHOOK_URL: &str = "https://hooks.example.com/octopus/webhook";
/// Long enough that the interruptions raised "now" stay within it for the whole run.
pub const GRACE_SECONDS: u64 = 3600;
/// How old the interruptions whose webhook was lost are: past the grace, within the maximum age.
const LOST_AGE: Duration = Duration::from_secs(2 * 3600);
const GUIDED_FAILURE: &str = "GuidedFailureInterruptionRaised";
const MANUAL_INTERVENTION: &str = "ManualInterventionInterruptionRaised";

/// One space of the scenario.
struct SpacePlan {
    /// `(name, webhook URI, event category)`.
    subscriptions: Vec<(&'static str, String, &'static str)>,
    /// Guided failures raised now: within the grace period, not queued.
    fresh: usize,
    lost_guided_failures: usize,
    lost_manual_interventions: usize,
}

impl SpacePlan {
    fn pending(&self) -> usize {
        self.fresh + self.lost_guided_failures + self.lost_manual_interventions
    }

    fn points_at_responder(&self) -> usize {
        self.subscriptions
            .iter()
            .filter(|(_, uri, _)| uri.starts_with(WEBHOOK_URL))
            .count()
    }
}

/// What the scenario holds, and what one sweep of it must find and cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepScenario {
    pub spaces: usize,
    pub subscriptions: usize,
    /// Subscriptions pointing at the responder.
    pub usable: usize,
    pub pending: usize,
    /// The interruptions past the grace period that a subscription would have sent.
    pub expected_queued: BTreeSet<String>,
    /// The client's page size (`octopus::Settings::new`'s default, which the function uses).
    pub page_size: usize,
    /// Spaces pages + every space's subscription pages + pending pages where one points at us.
    pub expected_requests: usize,
    /// Spaces pages, then the longest space (spaces are read concurrently, up to 4 at once).
    pub expected_sequential: usize,
}

/// The page size of the Octopus client the functions build.
fn client_page_size() -> Result<usize, BenchError> {
    let settings = octopus::Settings::new("https://octopus.example.com".parse()?, String::from("unused").into());
    Ok(settings.page_size as usize)
}

fn pages(items: usize, page_size: usize) -> usize {
    items.div_ceil(page_size).max(1)
}

impl SweepScenario {
    /// Fills a fresh simulator: `Spaces-1` and one more space.
    pub fn set_up(sim: &Simulator) -> Result<Self, BenchError> {
        let page_size = client_page_size()?;
        let ours = |query: &str| format!("{WEBHOOK_URL}?{query}");
        let chat = || "https://chat.example.com/hooks/octopus".to_owned();
        let second = sim.add_space_named("Sweep bench");
        let plans = [
            (
                "Spaces-1".to_owned(),
                SpacePlan {
                    subscriptions: vec![
                        (
                            "retry guided failures",
                            ours("type=Guidance&action=Retry&maximumretry=3"),
                            GUIDED_FAILURE,
                        ),
                        (
                            "proceed manual interventions",
                            ours("type=Result&action=Proceed"),
                            MANUAL_INTERVENTION,
                        ),
                        ("chat", chat(), GUIDED_FAILURE),
                    ],
                    fresh: 2 * page_size + page_size / 2 - 5,
                    lost_guided_failures: 3,
                    lost_manual_interventions: 2,
                },
            ),
            (
                second,
                SpacePlan {
                    subscriptions: vec![
                        (
                            "retry guided failures",
                            ours("type=Guidance&action=Retry&maximumretry=2"),
                            GUIDED_FAILURE,
                        ),
                        ("chat", chat(), MANUAL_INTERVENTION),
                    ],
                    fresh: page_size + page_size / 5 - 2,
                    lost_guided_failures: 2,
                    lost_manual_interventions: 0,
                },
            ),
        ];
        let lost_at = SystemTime::now()
            .checked_sub(LOST_AGE)
            .ok_or("clock before the epoch")?;
        let mut expected_queued = BTreeSet::new();
        for (space, plan) in &plans {
            for (name, uri, category) in &plan.subscriptions {
                sim.add_subscription(
                    space,
                    SubscriptionSpec {
                        name: (*name).to_owned(),
                        is_disabled: false,
                        webhook_uri: uri.clone(),
                        header_key: Some("X-Octopus-Webhook-Token".to_owned()),
                        header_value: Some("bench".to_owned()),
                        filter: SubscriptionFilter {
                            event_categories: vec![(*category).to_owned()],
                            ..SubscriptionFilter::default()
                        },
                    },
                );
            }
            for n in 0..plan.pending() {
                let target = sim.add_deployment(space);
                let raised = if n < plan.fresh + plan.lost_guided_failures {
                    sim.raise_guided_failure(&target, &[])
                } else {
                    sim.raise_manual_intervention(&target)
                };
                if n >= plan.fresh {
                    if !sim.set_created(&raised.interruption_id, lost_at) {
                        return Err(format!("the simulator lost {}", raised.interruption_id).into());
                    }
                    expected_queued.insert(raised.interruption_id);
                }
            }
        }
        let swept = |plan: &SpacePlan| {
            if plan.points_at_responder() > 0 {
                pages(plan.pending(), page_size)
            } else {
                0
            }
        };
        let space_pages = pages(plans.len(), page_size);
        Ok(Self {
            spaces: plans.len(),
            subscriptions: plans.iter().map(|(_, p)| p.subscriptions.len()).sum(),
            usable: plans.iter().map(|(_, p)| p.points_at_responder()).sum(),
            pending: plans.iter().map(|(_, p)| p.pending()).sum(),
            expected_queued,
            page_size,
            expected_requests: space_pages
                + plans
                    .iter()
                    .map(|(_, p)| pages(p.subscriptions.len(), page_size) + swept(p))
                    .sum::<usize>(),
            expected_sequential: space_pages
                + plans
                    .iter()
                    .map(|(_, p)| pages(p.subscriptions.len(), page_size) + swept(p))
                    .max()
                    .unwrap_or(0),
        })
    }

    /// Checks a sweep's answer (the summary JSON) against the scenario.
    pub fn check_summary(&self, body: &str) -> Result<(), BenchError> {
        let summary: Value = serde_json::from_str(body)?;
        let count = |name: &str| summary[name].as_u64().map(|n| n as usize);
        let queued: BTreeSet<String> = summary["enqueued"]
            .as_array()
            .ok_or("no enqueued list")?
            .iter()
            .filter_map(|q| q["interruptionId"].as_str().map(str::to_owned))
            .collect();
        let within_grace = summary["notEnqueued"]["within_grace"].as_u64().unwrap_or(0) as usize;
        let expected_within_grace = self.pending - self.expected_queued.len();
        let checks = [
            (count("spaces") == Some(self.spaces), "spaces"),
            (
                count("subscriptionsSeen") == Some(self.subscriptions),
                "subscriptions seen",
            ),
            (
                count("subscriptionsUsable") == Some(self.usable),
                "subscriptions usable",
            ),
            (count("pendingSeen") == Some(self.pending), "pending seen"),
            (queued == self.expected_queued, "interruptions queued"),
            (within_grace == expected_within_grace, "left within the grace period"),
            (summary["dryRun"] == false, "not a dry run"),
        ];
        match checks.iter().find(|(ok, _)| !ok) {
            None => Ok(()),
            Some((_, what)) => Err(format!("the sweep's summary is wrong ({what}): {body}").into()),
        }
    }
}

/// One measured sweep of the scenario.
#[derive(Debug, Clone, Copy)]
pub struct SweepRun {
    pub duration: Duration,
    pub requests: usize,
    pub sequential: usize,
    /// Requests naming one interruption (`/interruptions/Interruptions-N...`): must be none.
    pub per_interruption: usize,
    /// Messages the first sweep put on its own queue, all `Origin=sweep`.
    pub queued_messages: usize,
}

impl Stage {
    /// Runs the sweep on one warm process against its own queue: the first sweep's summary and
    /// the queue are checked, then a sweep with `latency` on every Octopus request is measured.
    pub async fn sweep_round_trips(&self, latency: Duration) -> Result<SweepRun, BenchError> {
        let scenario = &self.sweep_scenario;
        let mut env = self.sweep_env(crate::scenarios::Secrets::Inline);
        env.retain(|(name, _)| name != "QUEUE_URL");
        env.push(("QUEUE_URL".into(), self.sweep_check_queue_url.clone()));
        let mut running = Running::start(&self.sweep_binary, Function::Sweep.name(), &env).await?;

        let (_, answer) = running.invoke("{}".to_owned()).await?;
        scenario.check_summary(&answer.body)?;
        let queued = self.swept_messages(&self.sweep_check_queue_url).await?;
        if queued != scenario.expected_queued {
            return Err(format!("the sweep queued {queued:?}, expected {:?}", scenario.expected_queued).into());
        }

        self.sweep_sim.set_latency(latency);
        let before = self.sweep_sim.requests().len();
        let measured = running.invoke("{}".to_owned()).await;
        self.sweep_sim.set_latency(Duration::ZERO);
        let (duration, answer) = measured?;
        scenario.check_summary(&answer.body)?;
        let requests = self.sweep_sim.requests()[before..].to_vec();
        running.stop().await;
        Ok(SweepRun {
            duration,
            requests: requests.len(),
            sequential: stats::critical_path(&requests),
            per_interruption: requests.iter().filter(|r| r.path.contains("/interruptions/")).count(),
            queued_messages: queued.len(),
        })
    }

    /// The interruptions on `queue_url`, from the messages' `EventId` (`SweepEvents-N` is
    /// `Interruptions-N`); every message must say `Origin=sweep`.
    async fn swept_messages(&self, queue_url: &str) -> Result<BTreeSet<String>, BenchError> {
        let mut found = BTreeSet::new();
        let mut messages = 0;
        loop {
            let batch = harness::sqs::receive(&self.sqs, queue_url, 10, 0).await?;
            if batch.is_empty() {
                break;
            }
            for message in &batch {
                let attribute = |name: &str| {
                    message
                        .message_attributes()
                        .and_then(|a| a.get(name))
                        .and_then(|v| v.string_value())
                        .map(str::to_owned)
                };
                if attribute("Origin").as_deref() != Some("sweep") {
                    return Err(format!("a queued message without Origin=sweep: {message:?}").into());
                }
                let event_id = attribute("EventId").ok_or("a queued message without EventId")?;
                let number = event_id
                    .strip_prefix(messaging::swept::SWEPT_EVENT_PREFIX)
                    .ok_or_else(|| format!("unexpected event id {event_id}"))?;
                found.insert(format!("Interruptions-{number}"));
                messages += 1;
            }
        }
        if messages != found.len() {
            return Err(format!("{messages} messages for {} interruptions", found.len()).into());
        }
        Ok(found)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_page_count_is_never_zero() {
        assert_eq!(pages(0, 100), 1);
        assert_eq!(pages(100, 100), 1);
        assert_eq!(pages(101, 100), 2);
    }

    #[tokio::test]
    async fn the_scenario_spans_pages_and_expects_one_request_per_page() {
        let sim = Simulator::start().await.unwrap();
        let scenario = SweepScenario::set_up(&sim).unwrap();
        let page_size = scenario.page_size;
        assert_eq!((scenario.spaces, scenario.subscriptions, scenario.usable), (2, 5, 3));
        assert_eq!(scenario.expected_queued.len(), 7);
        assert_eq!(
            scenario.pending,
            (2 * page_size + page_size / 2) + (page_size + page_size / 5)
        );
        // 1 page of spaces; per space 1 page of subscriptions; 3 + 2 pages of pending.
        assert_eq!(scenario.expected_requests, 1 + 2 + 3 + 2);
        assert_eq!(scenario.expected_sequential, 1 + 1 + 3);
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn a_summary_must_match_the_scenario() {
        let sim = Simulator::start().await.unwrap();
        let scenario = SweepScenario::set_up(&sim).unwrap();
        let enqueued: Vec<Value> = scenario
            .expected_queued
            .iter()
            .map(|id| serde_json::json!({"interruptionId": id}))
            .collect();
        let mut summary = serde_json::json!({
            "dryRun": false, "spaces": 2, "subscriptionsSeen": 5, "subscriptionsUsable": 3,
            "pendingSeen": scenario.pending, "enqueued": enqueued,
            "notEnqueued": {"within_grace": scenario.pending - 7},
        });
        assert!(scenario.check_summary(&summary.to_string()).is_ok());
        summary["enqueued"] = serde_json::json!([]);
        let error = scenario.check_summary(&summary.to_string()).unwrap_err();
        assert!(error.to_string().contains("interruptions queued"), "{error}");
        sim.shutdown().await;
    }
}
