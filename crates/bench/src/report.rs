//! The budgets, and the report as a Markdown table and as JSON.

use std::fmt::Write;
use std::time::Duration;

use serde_json::{Value, json};

use crate::scenarios::{ColdStarts, RoundTrips};
use crate::stats::{max, median, ms};
use crate::sweep::{SweepRun, SweepScenario};

pub const READY_BUDGET: Duration = Duration::from_millis(25);
pub const RSS_BUDGET_KIB: u64 = 24 * 1024;
pub const ZIP_BUDGET_BYTES: u64 = 6 * 1024 * 1024;
pub const ACCEPT_OVERHEAD_BUDGET: Duration = Duration::from_millis(1);
/// End to end of one guided failure may take at most this many injected latencies.
pub const LATENCY_FACTOR: f64 = 3.5;

#[derive(Debug, Clone)]
pub struct Measurements {
    pub cold_starts: usize,
    pub accept_cold: ColdStarts,
    pub process_cold: ColdStarts,
    pub sweep_cold: ColdStarts,
    pub accept_cold_ssm: ColdStarts,
    pub process_cold_ssm: ColdStarts,
    pub sweep_cold_ssm: ColdStarts,
    pub accept_rss_kib: u64,
    pub process_rss_kib: u64,
    pub sweep_rss_kib: u64,
    pub accept_zip_bytes: u64,
    pub process_zip_bytes: u64,
    pub sweep_zip_bytes: u64,
    pub latency: Duration,
    /// Single guided failure, already responsible, 10 deployments, 1 deployment x 10.
    pub round_trips: [RoundTrips; 4],
    pub sweep_scenario: SweepScenario,
    /// One sweep of `sweep_scenario` with `latency` on every Octopus request.
    pub sweep: SweepRun,
    pub accept_overhead_mean: Duration,
    pub accept_overhead_p99: Duration,
    pub accept_rps: f64,
}

#[derive(Debug, Clone)]
pub struct Budget {
    pub what: &'static str,
    pub measured: String,
    pub limit: String,
    pub met: bool,
}

impl Measurements {
    pub fn budgets(&self) -> Vec<Budget> {
        let latency_limit = self.latency.mul_f64(LATENCY_FACTOR);
        let [single, responsible, _, _] = self.round_trips;
        let mut budgets = Vec::new();
        let mut add = |what, measured: String, limit: String, met| {
            budgets.push(Budget {
                what,
                measured,
                limit,
                met,
            })
        };
        for (what, cold) in [
            ("accept-message cold start to ready (median)", &self.accept_cold),
            ("process-message cold start to ready (median)", &self.process_cold),
            ("sweep-interruptions cold start to ready (median)", &self.sweep_cold),
        ] {
            let m = median(&cold.ready);
            add(
                what,
                format!("{} ms", ms(m)),
                format!("<= {} ms", ms(READY_BUDGET)),
                m <= READY_BUDGET,
            );
        }
        for (what, kib) in [
            ("accept-message peak RSS", self.accept_rss_kib),
            ("process-message peak RSS", self.process_rss_kib),
            ("sweep-interruptions peak RSS", self.sweep_rss_kib),
        ] {
            add(what, mib(kib * 1024), mib(RSS_BUDGET_KIB * 1024), kib <= RSS_BUDGET_KIB);
        }
        for (what, bytes) in [
            ("accept-message zip (arm64)", self.accept_zip_bytes),
            ("process-message zip (arm64)", self.process_zip_bytes),
            ("sweep-interruptions zip (arm64)", self.sweep_zip_bytes),
        ] {
            add(
                what,
                mib(bytes),
                mib(ZIP_BUDGET_BYTES),
                bytes > 0 && bytes <= ZIP_BUDGET_BYTES,
            );
        }
        add(
            "guided failure: sequential Octopus round trips",
            single.sequential.to_string(),
            "= 3".into(),
            single.sequential == 3,
        );
        add(
            "guided failure, already responsible: sequential round trips",
            responsible.sequential.to_string(),
            "= 2".into(),
            responsible.sequential == 2,
        );
        add(
            "guided failure end to end",
            format!("{} ms", ms(single.duration)),
            format!(
                "<= {} ms ({LATENCY_FACTOR} x {} ms)",
                ms(latency_limit),
                ms(self.latency)
            ),
            single.duration <= latency_limit,
        );
        let sweep = &self.sweep_scenario;
        add(
            "sweep: Octopus requests per sweep (spaces + subscription pages + pending pages)",
            self.sweep.requests.to_string(),
            format!(
                "= {} (for {} pending interruptions)",
                sweep.expected_requests, sweep.pending
            ),
            self.sweep.requests == sweep.expected_requests && self.sweep.per_interruption == 0,
        );
        add(
            "accept-message handler per request, without SQS (mean)",
            format!("{} ms", ms(self.accept_overhead_mean)),
            format!("<= {} ms", ms(ACCEPT_OVERHEAD_BUDGET)),
            self.accept_overhead_mean <= ACCEPT_OVERHEAD_BUDGET,
        );
        budgets
    }

    pub fn to_json(&self) -> Value {
        let cold = |c: &ColdStarts| {
            json!({
                "ready_ms": {"median": ms(median(&c.ready)), "max": ms(max(&c.ready)), "samples": c.ready.iter().map(|d| ms(*d)).collect::<Vec<_>>()},
                "first_invocation_ms": {"median": ms(median(&c.first_invocation)), "max": ms(max(&c.first_invocation))},
            })
        };
        let trips = |r: &RoundTrips| json!({"duration_ms": ms(r.duration), "requests": r.requests, "sequential_round_trips": r.sequential});
        let [single, responsible, ten, one] = &self.round_trips;
        let scenario = &self.sweep_scenario;
        json!({
            "cold_starts_per_function": self.cold_starts,
            "accept_message": {
                "cold_start": cold(&self.accept_cold),
                "cold_start_secret_from_ssm": cold(&self.accept_cold_ssm),
                "peak_rss_kib": self.accept_rss_kib,
                "zip_bytes": self.accept_zip_bytes,
                "handler_overhead_ms": {"mean": ms(self.accept_overhead_mean), "p99": ms(self.accept_overhead_p99)},
                "requests_per_second_to_local_queue": (self.accept_rps * 10.0).round() / 10.0,
            },
            "process_message": {
                "cold_start": cold(&self.process_cold),
                "cold_start_secret_from_ssm": cold(&self.process_cold_ssm),
                "peak_rss_kib": self.process_rss_kib,
                "zip_bytes": self.process_zip_bytes,
                "injected_latency_ms": ms(self.latency),
                "guided_failure": trips(single),
                "guided_failure_already_responsible": trips(responsible),
                "batch_10_deployments": trips(ten),
                "batch_10_records_one_deployment": trips(one),
            },
            "sweep_interruptions": {
                "cold_start": cold(&self.sweep_cold),
                "cold_start_secret_from_ssm": cold(&self.sweep_cold_ssm),
                "peak_rss_kib": self.sweep_rss_kib,
                "zip_bytes": self.sweep_zip_bytes,
                "scenario": {
                    "spaces": scenario.spaces,
                    "subscriptions": scenario.subscriptions,
                    "subscriptions_pointing_at_the_responder": scenario.usable,
                    "pending_interruptions": scenario.pending,
                    "queued": scenario.expected_queued.len(),
                    "octopus_page_size": scenario.page_size,
                },
                "injected_latency_ms": ms(self.latency),
                "sweep": {
                    "duration_ms": ms(self.sweep.duration),
                    "requests": self.sweep.requests,
                    "expected_requests": scenario.expected_requests,
                    "requests_naming_one_interruption": self.sweep.per_interruption,
                    "sequential_round_trips": self.sweep.sequential,
                    "messages_queued": self.sweep.queued_messages,
                },
            },
            "budgets": self.budgets().iter().map(|b| json!({"what": b.what, "measured": b.measured, "limit": b.limit, "met": b.met})).collect::<Vec<_>>(),
        })
    }

    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let n = self.cold_starts;
        let cold = |c: &ColdStarts| format!("{} ms (max {})", ms(median(&c.ready)), ms(max(&c.ready)));
        let first = |c: &ColdStarts| {
            format!(
                "{} ms (max {})",
                ms(median(&c.first_invocation)),
                ms(max(&c.first_invocation))
            )
        };
        let scenario = &self.sweep_scenario;
        let _ = writeln!(
            out,
            "| measure | accept-message | process-message | sweep-interruptions |"
        );
        let _ = writeln!(out, "| --- | --- | --- | --- |");
        let _ = writeln!(
            out,
            "| cold start: spawn to ready for the first event, median of {n} | {} | {} | {} |",
            cold(&self.accept_cold),
            cold(&self.process_cold),
            cold(&self.sweep_cold)
        );
        let _ = writeln!(
            out,
            "| first invocation (the sweep: one whole sweep), median of {n} | {} | {} | {} |",
            first(&self.accept_cold),
            first(&self.process_cold),
            first(&self.sweep_cold)
        );
        let _ = writeln!(
            out,
            "| cold start with the secret read from SSM (moto on loopback), median of {n} | {} | {} | {} |",
            cold(&self.accept_cold_ssm),
            cold(&self.process_cold_ssm),
            cold(&self.sweep_cold_ssm)
        );
        let _ = writeln!(
            out,
            "| peak RSS (10 webhooks; a batch of 10 records; 3 sweeps of {} pending) | {} | {} | {} |",
            scenario.pending,
            mib(self.accept_rss_kib * 1024),
            mib(self.process_rss_kib * 1024),
            mib(self.sweep_rss_kib * 1024)
        );
        let _ = writeln!(
            out,
            "| zip (arm64) | {} | {} | {} |",
            mib(self.accept_zip_bytes),
            mib(self.process_zip_bytes),
            mib(self.sweep_zip_bytes)
        );
        let _ = writeln!(
            out,
            "| handler per request without SQS: mean, p99 | {} ms, {} ms | | |",
            ms(self.accept_overhead_mean),
            ms(self.accept_overhead_p99)
        );
        let _ = writeln!(
            out,
            "| requests/s into the local queue (moto), 8 at once | {:.0} | | |",
            self.accept_rps
        );
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "process-message against the Octopus simulator with {} ms added to every request:",
            ms(self.latency)
        );
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "| scenario | end to end | Octopus requests | sequential round trips |"
        );
        let _ = writeln!(out, "| --- | --- | --- | --- |");
        let names = [
            "one guided failure, Retry",
            "the same, responsibility already held",
            "10 records, 10 deployments",
            "10 records, one deployment",
        ];
        for (name, r) in names.iter().zip(&self.round_trips) {
            let _ = writeln!(
                out,
                "| {name} | {} ms | {} | {} |",
                ms(r.duration),
                r.requests,
                r.sequential
            );
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "sweep-interruptions against its own Octopus simulator with {} ms added to every request: \
             {} spaces, {} subscriptions ({} pointing at the responder), {} pending interruptions of which \
             {} are past the grace period with no webhook, pages of {}:",
            ms(self.latency),
            scenario.spaces,
            scenario.subscriptions,
            scenario.usable,
            scenario.pending,
            scenario.expected_queued.len(),
            scenario.page_size
        );
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "| scenario | end to end | Octopus requests | expected: spaces + subscription pages + pending pages | requests naming one interruption | sequential round trips | queued |"
        );
        let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- | --- |");
        let _ = writeln!(
            out,
            "| one sweep (`{{}}` through the Runtime API) | {} ms | {} | {} | {} | {} | {} |",
            ms(self.sweep.duration),
            self.sweep.requests,
            scenario.expected_requests,
            self.sweep.per_interruption,
            self.sweep.sequential,
            self.sweep.queued_messages
        );
        let _ = writeln!(out);
        let _ = writeln!(out, "| budget | measured | limit | met |");
        let _ = writeln!(out, "| --- | --- | --- | --- |");
        for b in self.budgets() {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                b.what,
                b.measured,
                b.limit,
                if b.met { "yes" } else { "**no**" }
            );
        }
        out
    }
}

impl Measurements {
    /// docs/performance.md: the table, how it was made, and what the figures compare with.
    pub fn to_page(&self) -> String {
        let [single, _, _, _] = self.round_trips;
        format!(
            "# Performance\n\n\
             Measured by `make bench` on one of this project's build machines: a shared, noisy 2-core x86_64 \
             box. The figures are as measured in one run; expect them to move between runs. The JSON \
             behind this page is written to `target/bench/report.json`.\n\n\
             How: the release binaries (x86_64, the same code and profile as the arm64 zips) are started \
             as Lambda starts them, under a small Lambda Runtime API on loopback (`crates/bench`), with a \
             moto SQS/SSM/SNS/DynamoDB and the Octopus simulator on loopback; process-message and the \
             sweep run with the needs-a-person topic and its ledger table configured, as in AWS (their \
             clients are built only when a first notice is sent). *Cold start to ready* is process start \
             to the first poll for an event (what Lambda reports as Init Duration, without the sandbox \
             and download). Peak RSS is the process's `VmHWM`. Round trips are read from the \
             simulator's request log: the longest chain of requests each starting after the previous \
             one finished. The sweep is invoked as its schedule invokes it, with `{{}}`, against an Octopus \
             simulator of its own; its answer (the summary JSON) and what it put on its FIFO queue are \
             checked against the scenario on every invocation.\n\n\
             {table}\n\
             ## Against published figures\n\n\
             - A minimal Rust Lambda is reported to initialise in about 18-22 ms with 16 MB used; \
             Node.js functions typically take 80-300 ms to cold start and .NET 200-700 ms. Here the \
             three functions are ready in {accept} ms, {process} ms and {sweep} ms (median), with \
             {accept_rss}, {process_rss} and {sweep_rss} peak RSS. Reading a secret from SSM at cold start adds one SSM call \
             (measured against moto on loopback; against AWS add its network latency).\n\
             - The original process-message made at least 8 sequential calls to Octopus per message \
             (root document, current user, spaces, space home, space, events, interruptions, take \
             responsibility, submit). This one makes {sequential} for a guided failure (the event count \
             and the interruption listing run concurrently, then take responsibility, then submit) \
             and 2 when responsibility is already held: at {latency} ms per request that is {e2e} ms \
             end to end, against at least {original} ms for 8 sequential calls.\n\
             - A sweep costs one request per page: of spaces, of each space's subscriptions, and of the \
             pending interruptions of each space where a subscription points at the responder; never \
             one per interruption. For {pending} pending interruptions in {spaces} spaces that is \
             {sweep_requests} requests ({sweep_sequential} in sequence, the spaces being read \
             concurrently), {sweep_e2e} ms end to end at {latency} ms per request, including queueing \
             the {queued} it found.\n\n\
             Reproduce: `make bench` (builds the zips and the release binaries first).\n",
            table = self.to_markdown(),
            accept = ms(median(&self.accept_cold.ready)),
            process = ms(median(&self.process_cold.ready)),
            accept_rss = mib(self.accept_rss_kib * 1024),
            process_rss = mib(self.process_rss_kib * 1024),
            sweep = ms(median(&self.sweep_cold.ready)),
            sweep_rss = mib(self.sweep_rss_kib * 1024),
            pending = self.sweep_scenario.pending,
            spaces = self.sweep_scenario.spaces,
            sweep_requests = self.sweep.requests,
            sweep_sequential = self.sweep.sequential,
            sweep_e2e = ms(self.sweep.duration),
            queued = self.sweep.queued_messages,
            sequential = single.sequential,
            latency = ms(self.latency),
            e2e = ms(single.duration),
            original = ms(self.latency * 8),
        )
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}
