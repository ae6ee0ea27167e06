//! What a scenario did, the invariants it must keep, and its row in the published table.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use crate::lost::RaceOrder;
use crate::metrics::{MetricTotals, SweepMetricTotals};
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

/// What the sweep did in a scenario where some webhooks never arrive.
#[derive(Debug, Clone, Default)]
pub struct SweepFigures {
    /// The share of first deliveries lost, in percent, as configured.
    pub lost_percent: u32,
    /// The sweep runs after every this many rounds (and whenever a round has nothing to deliver).
    pub sweep_every: usize,
    /// The sweep's grace period: lost webhooks' interruptions are made older than this.
    pub grace: Duration,
    /// Subscriptions pointing at the responder (one per deployment and kind), as the sweep reads them.
    pub subscriptions: usize,
    pub sweeps: usize,
    /// Events whose first delivery was decided (every event the scenario raised).
    pub first_deliveries: usize,
    /// First deliveries dropped before accept-message.
    pub lost: usize,
    /// Of those, deployments whose interruption is left to a person (the sweep must leave them too).
    pub lost_left_to_person: usize,
    /// Of the lost, delivered late: while a sweep was queueing their interruption, just before
    /// or just after its message.
    pub late: usize,
    /// Lost, never delivered, and answerable by the rules.
    pub lost_never_delivered: usize,
    /// Of those, queued by a sweep.
    pub lost_never_delivered_swept: usize,
    /// Of those, answered before a sweep saw them pending: a record of the previous guided failure
    /// of the same Retry loop found the next one pending and answered it by the rule.
    pub answered_before_a_sweep: usize,
    /// Interruptions queued, summed over the sweeps, and distinct.
    pub enqueued: usize,
    pub enqueued_distinct: usize,
    /// Late webhooks accepted (202) for an interruption the same sweep queued: both records on
    /// the queue for one interruption.
    pub races: usize,
    /// The races by which record went to the queue first and, within each, which record's
    /// answer Octopus kept: `[the webhook's, the sweep's]`.
    pub race_answers: BTreeMap<RaceOrder, [usize; 2]>,
    /// Pending interruptions the sweeps read, summed, and those not queued by reason.
    pub pending_seen: usize,
    pub not_enqueued: BTreeMap<String, usize>,
    /// Records with `Origin=sweep` process-message received.
    pub swept_records: usize,
    /// Answers whose Notes say the sweep found the interruption.
    pub answered_by_sweep_records: usize,
    /// One sweep, start to end (reading Octopus and queueing).
    pub took: Latencies,
    /// From SQS taking a sweep's message to its record being answered.
    pub swept_to_answered: Latencies,
    /// The sweep's own metric lines, summed.
    pub metrics: SweepMetricTotals,
}

impl SweepFigures {
    /// The broken invariants of the sweep's side, in words.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.lost == 0 {
            problems.push("no webhook was lost: the scenario proves nothing about the sweep".to_owned());
        }
        if self.lost_never_delivered_swept + self.answered_before_a_sweep != self.lost_never_delivered {
            problems.push(format!(
                "of {} lost webhooks never delivered, {} were queued by a sweep and {} answered before one: some \
                 were neither",
                self.lost_never_delivered, self.lost_never_delivered_swept, self.answered_before_a_sweep
            ));
        }
        let still_pending = self.lost_never_delivered.saturating_sub(self.answered_before_a_sweep);
        if self.enqueued_distinct < still_pending {
            problems.push(format!(
                "the sweeps queued {} interruptions, fewer than the {still_pending} lost, never delivered and still \
                 pending",
                self.enqueued_distinct
            ));
        }
        if self.races != self.late {
            problems.push(format!(
                "{} late webhooks, but only {} accepted while the sweep queued their interruption",
                self.late, self.races
            ));
        }
        let answered: usize = self.race_answers.values().flatten().sum();
        if answered != self.races {
            problems.push(format!(
                "{answered} of {} raced interruptions answered by one of the two records",
                self.races
            ));
        }
        let m = &self.metrics;
        let not_enqueued: BTreeMap<String, u64> = self
            .not_enqueued
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, v)| (k.clone(), *v as u64))
            .collect();
        let sums = [
            ("Sweeps", m.sweeps, self.sweeps as u64),
            ("Enqueued", m.enqueued, self.enqueued as u64),
            ("PendingSeen", m.pending_seen, self.pending_seen as u64),
            (
                "SubscriptionsUsable",
                m.subscriptions_usable,
                (self.sweeps * self.subscriptions) as u64,
            ),
            ("SweepsFailed", m.sweeps_failed, 0),
            ("Conflicts", m.conflicts, 0),
        ];
        for (metric, summed, want) in sums {
            if summed != want {
                problems.push(format!("sweep metrics: {metric} {summed} != {want}"));
            }
        }
        if m.not_enqueued != not_enqueued {
            problems.push(format!(
                "sweep metrics: NotEnqueued by Reason {:?} != the summaries' {not_enqueued:?}",
                m.not_enqueued
            ));
        }
        problems
    }

    /// `webhook just before the sweep's message 3/0, ...`: each order of the races, and how many
    /// of them the webhook's record and the sweep's answered.
    pub fn describe_races(&self) -> String {
        RaceOrder::ALL
            .iter()
            .map(|order| {
                let [webhook, sweep] = self.race_answers.get(order).copied().unwrap_or_default();
                format!("{} {webhook}/{sweep}", order.describe())
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The lost webhooks' part of the faults column.
    pub fn describe(&self) -> String {
        format!(
            "{} of {} webhooks ({:.1} %) lost before accept-message, {} of them delivered late, racing the \
             sweep's message for their interruption; a sweep every {} rounds",
            self.lost,
            self.first_deliveries,
            percent(self.lost, self.first_deliveries),
            self.late,
            self.sweep_every
        )
    }
}

/// `part` of `whole` in percent, zero for an empty whole.
pub fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
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
    /// Lost webhooks and the sweep, in the scenario that loses some.
    pub sweep: Option<SweepFigures>,
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
        let mut summary = self.summary_of_answers();
        if let Some(sweep) = &self.sweep {
            let _ = write!(
                summary,
                "; sweep: {} sweeps ({}), {} lost webhooks ({:.1} % of {}), {} delivered late racing the sweep \
                 ({} races, answered by the webhook's/the sweep's record: {}), {} never delivered: {} queued by a sweep, {} answered before one; {} queued ({} \
                 distinct), {} pending seen, not queued {:?}; {} swept records, {} answers by them; swept to answered {}",
                sweep.sweeps,
                sweep.took,
                sweep.lost,
                percent(sweep.lost, sweep.first_deliveries),
                sweep.first_deliveries,
                sweep.late,
                sweep.races,
                sweep.describe_races(),
                sweep.lost_never_delivered,
                sweep.lost_never_delivered_swept,
                sweep.answered_before_a_sweep,
                sweep.enqueued,
                sweep.enqueued_distinct,
                sweep.pending_seen,
                sweep.not_enqueued,
                sweep.swept_records,
                sweep.answered_by_sweep_records,
                sweep.swept_to_answered
            );
        }
        summary
    }

    fn summary_of_answers(&self) -> String {
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
            faults: match &self.sweep {
                Some(sweep) if self.faults.is_empty() => sweep.describe(),
                Some(sweep) => format!("{}; {}", sweep.describe(), self.faults.describe()),
                None => self.faults.describe(),
            },
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
