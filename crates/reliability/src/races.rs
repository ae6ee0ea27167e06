//! Two invocations of process-message answering the same records at the same time, as happens
//! when SQS delivers a message again while the first invocation is still on it, or when
//! Octopus sends a webhook twice to a standard queue. Every batch also holds each event twice
//! (two records of one deployment in one batch).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use aws_lambda_events::sqs::SqsMessage;
use messaging::Rule;
use octopus::{Backoff, Deadline, HttpOctopus, Settings};
use octopus_sim::Simulator;
use process_message::{Handler, Options};

use crate::Error;
use crate::metrics::{MetricLines, MetricTotals};
use crate::plan::scripts;
use crate::report::Report;
use crate::scenario::{Deployment, HEADER, Index, advance, check_answers, new_events};

/// The race scenario's size.
#[derive(Debug, Clone)]
pub struct RaceConfig {
    pub deployments: usize,
    pub seed: u64,
    /// Added to every Octopus call, to widen the windows in which the invocations overlap.
    pub latency: Duration,
    pub batch_size: usize,
}

impl RaceConfig {
    pub fn standard() -> Self {
        Self {
            deployments: 60,
            seed: 31,
            latency: Duration::from_millis(2),
            batch_size: 10,
        }
    }
}

/// The settings both invocations' Octopus clients use.
pub fn settings(sim: &Simulator) -> Result<Settings, Error> {
    let mut settings = Settings::new(sim.base_url().parse()?, sim.api_key().to_owned().into());
    settings.request_timeout = Duration::from_secs(5);
    settings.backoff = Backoff {
        initial: Duration::from_millis(20),
        max: Duration::from_millis(200),
        max_attempts: 4,
    };
    Ok(settings)
}

/// The record accept-message would have queued for `event_id` under the rule in `query`.
pub fn record(sim: &Simulator, message_id: &str, event_id: &str, query: &str) -> Result<SqsMessage, Error> {
    let pairs = query.split('&').filter_map(|pair| pair.split_once('='));
    let rule = Rule::from_query(pairs)?;
    let body = sim
        .webhook_body(event_id, HEADER, "[redacted]")
        .ok_or_else(|| format!("no event {event_id}"))?
        .to_string();
    let attributes = rule.attributes();
    let mut pairs: Vec<(&str, &str)> = attributes.iter().map(|(n, v)| (*n, v.as_str())).collect();
    pairs.push((messaging::EVENT_ID, event_id));
    Ok(harness::sqs::record(message_id, &pairs, &body))
}

/// Runs the race scenario on a fresh simulator.
pub async fn concurrent_invocations(config: &RaceConfig) -> Result<Report, Error> {
    let sim = Simulator::start().await?;
    let result = race(config, &sim).await;
    sim.shutdown().await;
    result
}

async fn race(config: &RaceConfig, sim: &Simulator) -> Result<Report, Error> {
    let started = Instant::now();
    sim.set_latency(config.latency);
    let metrics = MetricLines::default();
    let invocation = || -> Result<_, Error> {
        Ok(Handler::new(HttpOctopus::new(settings(sim)?)?, Options::default()).with_metrics(metrics.sink()))
    };
    let (first, second) = (invocation()?, invocation()?);
    let mut deployments: Vec<Deployment> = scripts(config.deployments, config.seed, false)
        .into_iter()
        .map(|script| Deployment {
            target: sim.add_deployment("Spaces-1"),
            script,
            raised: 0,
            last: Vec::new(),
        })
        .collect();
    let mut index = Index::default();
    let mut delivered = HashSet::new();
    let mut retry: Vec<SqsMessage> = Vec::new();
    let mut report = Report {
        scenario: "concurrent invocations".to_owned(),
        queue: "no",
        deployments: deployments.len(),
        ..Report::default()
    };
    loop {
        advance(sim, &mut deployments);
        index.refresh(sim);
        let mut records = std::mem::take(&mut retry);
        for (_, _, event_id, query) in new_events(sim, &deployments, &mut delivered) {
            report.events += 1;
            // The webhook twice (Octopus re-sent it to a standard queue), side by side.
            records.push(record(sim, &format!("{event_id}-a"), &event_id, &query)?);
            records.push(record(sim, &format!("{event_id}-b"), &event_id, &query)?);
        }
        if records.is_empty() {
            break;
        }
        report.rounds += 1;
        if report.rounds > 60 {
            return Err("the race scenario does not converge".into());
        }
        for batch in records.chunks(config.batch_size.max(1)) {
            let deadline = Deadline::after(Duration::from_secs(20));
            let batch_started = Instant::now();
            let (a, b) = tokio::join!(
                first.process_batch(batch.to_vec(), deadline),
                second.process_batch(batch.to_vec(), deadline)
            );
            report.process.push(batch_started.elapsed());
            report.batches += 2;
            report.records += 2 * batch.len();
            let failed = |r: Result<aws_lambda_events::sqs::SqsBatchResponse, _>| -> HashSet<String> {
                match r {
                    Ok(response) => response
                        .batch_item_failures
                        .into_iter()
                        .map(|f| f.item_identifier)
                        .collect(),
                    Err(_) => batch.iter().filter_map(|r| r.message_id.clone()).collect(),
                }
            };
            let (a, b) = (failed(a), failed(b));
            report.failed_receipts += a.len() + b.len();
            // A message either invocation finished is deleted; one both failed comes back.
            retry.extend(
                batch
                    .iter()
                    .filter(|r| r.message_id.as_ref().is_some_and(|id| a.contains(id) && b.contains(id)))
                    .cloned(),
            );
        }
        report.same_deployment_batches += records.len().div_ceil(config.batch_size.max(1));
    }
    index.refresh(sim);
    check_answers(sim, &deployments, &index, &mut report);
    report.metrics = MetricTotals::from_lines(&metrics.lines())?;
    if report.metrics.records != report.records as u64 {
        report.problems.push(format!(
            "metrics: Records {} != {} handed to the invocations",
            report.metrics.records, report.records
        ));
    }
    let submitted_by_sim = sim.submissions().len() as u64;
    if report.metrics.submitted_total() > submitted_by_sim
        || report.metrics.submitted_total() + report.metrics.answered_elsewhere < submitted_by_sim
    {
        report.problems.push(format!(
            "metrics: Submitted {:?} and AnsweredElsewhere {} do not account for the {submitted_by_sim} answers Octopus saw",
            report.metrics.submitted, report.metrics.answered_elsewhere
        ));
    }
    for request in sim.requests() {
        report.octopus.push(request.finished - request.started);
    }
    report.processing_time = started.elapsed();
    report.elapsed = started.elapsed();
    report.check(0);
    Ok(report)
}
