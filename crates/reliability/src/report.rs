//! What a scenario did, the invariants it must keep, and its row in the published table.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use crate::metrics::MetricTotals;
use crate::stats::{Latencies, millis, rate};

/// The faults a scenario injected and what Octopus and SQS answered because of them.
#[derive(Debug, Clone, Default)]
pub struct FaultTally {
    /// Fault firings queued in the simulator.
    pub injected: usize,
    /// Octopus answers with a 5xx, outside the outage.
    pub octopus_5xx: usize,
    pub octopus_429: usize,
    /// Octopus answers delayed past the client's timeout. The simulator drops a request the
    /// client gave up on, so these are counted as injected, not as the simulator logged them.
    pub timeouts: usize,
    pub outage: Option<Duration>,
    /// Calls refused with 503 while the outage lasted.
    pub outage_rejections: usize,
    /// Webhooks that found SQS unavailable (and were answered 503).
    pub sqs_refused: usize,
    pub poison: usize,
}

impl FaultTally {
    pub fn is_empty(&self) -> bool {
        self.octopus_5xx + self.octopus_429 + self.timeouts + self.sqs_refused + self.poison == 0
            && self.outage.is_none()
    }

    fn describe(&self) -> String {
        if self.is_empty() {
            return "none".to_owned();
        }
        let mut parts = Vec::new();
        if self.octopus_5xx + self.octopus_429 + self.timeouts > 0 {
            parts.push(format!(
                "Octopus: {} × 5xx, {} × 429 with Retry-After, {} × slower than the client's timeout",
                self.octopus_5xx, self.octopus_429, self.timeouts
            ));
        }
        if let Some(outage) = self.outage {
            parts.push(format!(
                "a {:.1} s Octopus outage ({} calls refused)",
                outage.as_secs_f64(),
                self.outage_rejections
            ));
        }
        if self.sqs_refused > 0 {
            parts.push(format!("SQS down for {} webhooks (503, re-sent)", self.sqs_refused));
        }
        if self.poison > 0 {
            parts.push(format!("{} poison messages", self.poison));
        }
        parts.join("; ")
    }
}

/// The outcome of one scenario.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub scenario: String,
    pub queue: &'static str,
    pub deployments: usize,
    pub interruptions: usize,
    /// Webhook deliveries to accept-message (duplicates, re-sends and other-kind ones included).
    pub webhooks: usize,
    /// Distinct events delivered.
    pub events: usize,
    pub rounds: usize,
    pub faults: FaultTally,
    /// Interruptions the rules answer.
    pub expected_answered: usize,
    /// Of those, answered exactly once with the expected value.
    pub answered_once: usize,
    /// Interruptions correctly left to a person (never submitted, still pending).
    pub left_to_person: usize,
    /// Interruptions the rules answer that were never answered (or never raised because the
    /// one before them was not).
    pub lost: usize,
    /// Submissions beyond the first for one interruption.
    pub duplicates: usize,
    /// Messages still on the queue at the end.
    pub queue_left: usize,
    /// Messages in the dead-letter queue, and those of them that are not poison.
    pub dlq: usize,
    pub dlq_unexpected: usize,
    /// Events accept-message answered 202 for that process-message never processed.
    pub accepted_not_processed: usize,
    /// Records of an event received before any delivery of it was accepted (a queued message
    /// behind a webhook that was refused).
    pub half_written: usize,
    /// accept-message's answers by status.
    pub statuses: BTreeMap<u16, usize>,
    pub records: usize,
    pub batches: usize,
    pub failed_receipts: usize,
    pub same_deployment_batches: usize,
    pub max_receive_count_seen: u32,
    /// accept-message's handler, per webhook.
    pub accept: Latencies,
    /// Accepted to first received by a poller, per event.
    pub queue_wait: Latencies,
    /// process-message's `process_batch`, per batch.
    pub process: Latencies,
    /// Octopus (the simulator) per call, server side.
    pub octopus: Latencies,
    /// Accepted to processed, per event.
    pub end_to_end: Latencies,
    /// Wall time spent delivering webhooks and draining the queue.
    pub delivery_time: Duration,
    pub processing_time: Duration,
    pub elapsed: Duration,
    pub metrics: MetricTotals,
    /// Broken invariants, in words. Empty for a good run.
    pub problems: Vec<String>,
    /// Everything that reached a queue, when kept.
    pub contents: Vec<String>,
    /// The EMF lines process-message wrote, when kept.
    pub emf_lines: Vec<String>,
}

impl Report {
    /// Records every broken invariant in `problems`.
    pub fn check(&mut self, poison: usize) {
        let mut problems = Vec::new();
        if self.lost > 0 {
            problems.push(format!("{} interruptions lost", self.lost));
        }
        if self.duplicates > 0 {
            problems.push(format!("{} double submissions", self.duplicates));
        }
        if self.answered_once != self.expected_answered {
            problems.push(format!(
                "{} of {} interruptions answered once as expected",
                self.answered_once, self.expected_answered
            ));
        }
        if self.queue_left > 0 {
            problems.push(format!("{} messages left on the queue", self.queue_left));
        }
        if self.dlq != poison || self.dlq_unexpected > 0 {
            problems.push(format!(
                "{} messages in the DLQ ({} not poison), expected the {poison} poison ones",
                self.dlq, self.dlq_unexpected
            ));
        }
        if self.accepted_not_processed > 0 {
            problems.push(format!(
                "{} accepted events never processed",
                self.accepted_not_processed
            ));
        }
        if self.half_written > 0 {
            problems.push(format!(
                "{} records received for events no accepted webhook had queued",
                self.half_written
            ));
        }
        let refused = self.statuses.get(&503).copied().unwrap_or(0);
        if refused != self.faults.sqs_refused {
            problems.push(format!(
                "{refused} webhooks answered 503 but SQS refused {}",
                self.faults.sqs_refused
            ));
        }
        for (status, n) in &self.statuses {
            if ![200, 202, 503].contains(status) {
                problems.push(format!("{n} webhooks answered {status}"));
            }
        }
        problems.append(&mut self.problems);
        self.problems = problems;
    }

    pub fn webhooks_per_second(&self) -> f64 {
        rate(self.webhooks, self.delivery_time)
    }

    pub fn records_per_second(&self) -> f64 {
        rate(self.records, self.processing_time)
    }

    /// The scenario and its queue, e.g. `duplicates (standard queue)`.
    pub fn label(&self) -> String {
        format!("{} ({} queue)", self.scenario, self.queue)
    }

    /// A one-paragraph summary for test output.
    pub fn summary(&self) -> String {
        format!(
            "{}: {} webhooks ({} events) for {} deployments, {} interruptions in {} rounds; answered {}/{}, \
             left to a person {}, lost {}, duplicates {}, DLQ {}, queue left {}; {:.0} webhooks/s, {:.0} records/s; \
             accept {}, queue {}, batch {}, octopus {}, end to end {}; {} batches, {} failed receipts, \
             max receive count {}, {} batches with two records of one deployment; statuses {:?}; faults: {}; {:.1} s",
            self.label(),
            self.webhooks,
            self.events,
            self.deployments,
            self.interruptions,
            self.rounds,
            self.answered_once,
            self.expected_answered,
            self.left_to_person,
            self.lost,
            self.duplicates,
            self.dlq,
            self.queue_left,
            self.webhooks_per_second(),
            self.records_per_second(),
            self.accept,
            self.queue_wait,
            self.process,
            self.octopus,
            self.end_to_end,
            self.batches,
            self.failed_receipts,
            self.max_receive_count_seen,
            self.same_deployment_batches,
            self.statuses,
            self.faults.describe(),
            self.elapsed.as_secs_f64()
        )
    }

    /// The row in the main table.
    pub fn row(&self) -> TableRow {
        let answered = if self.left_to_person > 0 {
            format!(
                "{}/{} (+{} left to a person)",
                self.answered_once, self.expected_answered, self.left_to_person
            )
        } else {
            format!("{}/{}", self.answered_once, self.expected_answered)
        };
        let dlq = if self.dlq == 0 {
            "0".to_owned()
        } else if self.dlq_unexpected == 0 {
            format!("{} (all poison)", self.dlq)
        } else {
            format!("{} ({} not poison)", self.dlq, self.dlq_unexpected)
        };
        TableRow {
            scenario: self.label(),
            load: format!(
                "{} webhooks ({} events), {} deployments, {} interruptions",
                self.webhooks, self.events, self.deployments, self.interruptions
            ),
            faults: self.faults.describe(),
            answered,
            lost: self.lost.to_string(),
            duplicates: self.duplicates.to_string(),
            dlq,
            throughput: format!(
                "{:.0} webhooks/s; {:.0} records/s",
                self.webhooks_per_second(),
                self.records_per_second()
            ),
            latency: format!("{} end to end", self.end_to_end),
        }
    }

    /// The row in the per-stage latency table.
    pub fn stage_row(&self) -> String {
        format!(
            "| {} | {} | {} | {} | {} | {} | {} ms |",
            self.label(),
            self.accept,
            self.queue_wait,
            self.process,
            self.octopus,
            self.end_to_end,
            millis(self.end_to_end.max())
        )
    }
}

/// One row of the main table, already formatted.
#[derive(Debug, Clone, Default)]
pub struct TableRow {
    pub scenario: String,
    pub load: String,
    pub faults: String,
    pub answered: String,
    pub lost: String,
    pub duplicates: String,
    pub dlq: String,
    pub throughput: String,
    pub latency: String,
}

/// The main table in Markdown.
pub fn table(rows: &[TableRow]) -> String {
    let mut out = String::from(
        "| scenario | load | faults injected | answered | lost | duplicates | DLQ | throughput | p50/p99 |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.scenario, r.load, r.faults, r.answered, r.lost, r.duplicates, r.dlq, r.throughput, r.latency
        );
    }
    out
}

/// The per-stage latency table in Markdown.
pub fn stage_table(reports: &[&Report]) -> String {
    let mut out = String::from(
        "| scenario | accept-message (per webhook) | queue wait (per event) | process-message (per batch) \
         | Octopus call (server side) | end to end (per event) | slowest event |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for report in reports {
        out.push_str(&report.stage_row());
        out.push('\n');
    }
    out
}
