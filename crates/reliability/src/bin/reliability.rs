//! `make reliability`: runs the reliability scenarios (the same ones the tests assert), prints
//! the figures as Markdown and, with `--write PATH`, writes them to that file. Exits non-zero
//! when a scenario broke an invariant.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures::FutureExt;
use octopus_sim::Simulator;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use reliability::races::{RaceConfig, concurrent_invocations};
use reliability::report::{SweepFigures, TableRow, percent, stage_table, table};
use reliability::scenario::{Config, TOKEN, every_rule_token, run};
use reliability::stats::rate;
use reliability::{Error, Report, hostile};

/// Hostile inputs sampled for the figures (the tests run 256 per property; `make fuzz` more).
const HOSTILE_WEBHOOKS: usize = 3000;
const HOSTILE_BATCHES: usize = 500;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let write = args
        .iter()
        .position(|a| a == "--write")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    match figures() {
        Ok((markdown, ok)) => {
            println!("{markdown}");
            if let Some(path) = write {
                let written = match path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    Some(dir) => std::fs::create_dir_all(dir).and_then(|_| std::fs::write(&path, &markdown)),
                    None => std::fs::write(&path, &markdown),
                };
                if let Err(e) = written {
                    eprintln!("could not write {}: {e}", path.display());
                    return ExitCode::FAILURE;
                }
                eprintln!("wrote {}", path.display());
            }
            if ok {
                ExitCode::SUCCESS
            } else {
                eprintln!("an invariant was broken: see the table");
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("reliability: {e}");
            ExitCode::FAILURE
        }
    }
}

fn figures() -> Result<(String, bool), Error> {
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut reports = Vec::new();
    for config in [
        Config::load(),
        Config::faults(),
        Config::duplicates(true),
        Config::duplicates(false),
        Config::lost_webhooks(true),
        Config::lost_webhooks(false),
        Config::observability(),
    ] {
        eprintln!("running {} ...", config.name);
        let report = runtime.block_on(run(&config))?;
        eprintln!("{}\n", report.summary());
        reports.push(report);
    }
    eprintln!("running concurrent invocations ...");
    let races = runtime.block_on(concurrent_invocations(&RaceConfig::standard()))?;
    eprintln!("{}\n", races.summary());
    eprintln!("running the secrets scan ...");
    let secrets = secrets()?;
    eprintln!("running hostile input ...");
    let webhooks = runtime.block_on(hostile_webhooks(HOSTILE_WEBHOOKS))?;
    let batches = runtime.block_on(hostile_batches(HOSTILE_BATCHES))?;
    let ok = reports.iter().chain([&races]).all(|r| r.problems.is_empty())
        && secrets.occurrences == 0
        && webhooks.violations.is_empty()
        && batches.violations.is_empty();
    let markdown = render(&reports, &races, &secrets, &webhooks, &batches, started.elapsed());
    Ok((markdown, ok))
}

/// What the secrets scan went through and found.
struct Secrets {
    report: Report,
    log_lines: usize,
    occurrences: usize,
}

/// The representative run in a current-thread runtime, so that every task logs into the capture.
fn secrets() -> Result<Secrets, Error> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let (guard, logs) = harness::logs::capture();
    let (report, api_key) = runtime.block_on(async {
        let sim = Simulator::start().await?;
        let api_key = sim.api_key().to_owned();
        sim.shutdown().await;
        Ok::<_, Error>((run(&Config::representative()).await?, api_key))
    })?;
    drop(guard);
    let text = logs.text();
    let tokens = every_rule_token();
    let occurrences = [TOKEN, api_key.as_str()]
        .into_iter()
        .chain(tokens.iter().map(String::as_str))
        .map(|secret| {
            text.matches(secret).count()
                + report
                    .contents
                    .iter()
                    .chain(&report.emf_lines)
                    .map(|c| c.matches(secret).count())
                    .sum::<usize>()
        })
        .sum();
    Ok(Secrets {
        log_lines: text.lines().count(),
        report,
        occurrences,
    })
}

/// What the hostile-input samples got.
#[derive(Default)]
struct Hostile {
    cases: usize,
    records: usize,
    by_answer: BTreeMap<String, usize>,
    panics: usize,
    violations: Vec<String>,
    took: Duration,
}

async fn hostile_webhooks(cases: usize) -> Result<Hostile, Error> {
    let strategy = hostile::webhook();
    let mut runner = TestRunner::deterministic();
    let mut figures = Hostile {
        cases,
        ..Hostile::default()
    };
    let started = Instant::now();
    for _ in 0..cases {
        let case = strategy.new_tree(&mut runner).map_err(|e| e.to_string())?.current();
        match AssertUnwindSafe(hostile::check_webhook(&case)).catch_unwind().await {
            Ok(Ok(outcome)) => *figures.by_answer.entry(outcome.status.to_string()).or_default() += 1,
            Ok(Err(violation)) => figures.violations.push(violation),
            Err(_) => figures.panics += 1,
        }
    }
    figures.took = started.elapsed();
    if figures.panics > 0 {
        figures.violations.push(format!("{} panics", figures.panics));
    }
    Ok(figures)
}

async fn hostile_batches(cases: usize) -> Result<Hostile, Error> {
    let strategy = proptest::collection::vec(hostile::record(), 0..12);
    let mut runner = TestRunner::deterministic();
    let mut figures = Hostile {
        cases,
        ..Hostile::default()
    };
    let started = Instant::now();
    for _ in 0..cases {
        let records = strategy.new_tree(&mut runner).map_err(|e| e.to_string())?.current();
        figures.records += records.len();
        match AssertUnwindSafe(hostile::check_batch(&records)).catch_unwind().await {
            Ok(Ok(outcome)) => {
                *figures.by_answer.entry("refused (bad record)".to_owned()).or_default() += outcome.refused;
                *figures.by_answer.entry("failed".to_owned()).or_default() += outcome.failed;
            }
            Ok(Err(violation)) => figures.violations.push(violation),
            Err(_) => figures.panics += 1,
        }
    }
    figures.took = started.elapsed();
    if figures.panics > 0 {
        figures.violations.push(format!("{} panics", figures.panics));
    }
    Ok(figures)
}

fn render(
    reports: &[Report],
    races: &Report,
    secrets: &Secrets,
    webhooks: &Hostile,
    batches: &Hostile,
    took: Duration,
) -> String {
    let mut rows: Vec<TableRow> = reports.iter().map(Report::row).collect();
    let mut race_row = races.row();
    race_row.scenario = "concurrent invocations (no queue: the same batches to two invocations at once)".to_owned();
    race_row.load = format!(
        "{} events as two records each, every batch to both invocations: {} records processed; {} deployments, \
         {} interruptions",
        races.events, races.records, races.deployments, races.interruptions
    );
    race_row.faults = "every record answered by two invocations at once".to_owned();
    race_row.dlq = "–".to_owned();
    race_row.throughput = format!("{:.0} records/s", races.records_per_second());
    race_row.latency = format!("{} per batch pair", races.process);
    rows.push(race_row);
    let secrets_row = secrets.report.row();
    rows.push(secrets_row);

    let mut out = String::new();
    let _ = writeln!(out, "# Reliability figures\n");
    let _ = writeln!(
        out,
        "Produced by `make reliability` on {} in {:.0} s. Reproduce with:\n\n```sh\nmake reliability   \
         # the scenarios below, this file rewritten\ncargo test -p reliability   # the same scenarios as tests that \
         assert the invariants\nmake fuzz          # the hostile-input properties with PROPTEST_CASES=20000\n```\n",
        today(),
        took.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "Machine: {}. A shared, noisy machine: numbers are as measured, from the debug build `cargo test` uses, \
         and vary from run to run. Throughput is bounded by moto (one Python process serving every SQS call) \
         far more than by the two functions; the Octopus simulator answers on loopback in well under a \
         millisecond. The tests assert the invariants (nothing lost, nothing answered twice, only poison \
         dead-lettered, metrics equal to what Octopus saw), never speed.\n",
        machine()
    );
    let _ = writeln!(out, "## Outcome\n");
    out.push_str(&table(&rows));
    let _ = writeln!(
        out,
        "\n*answered*: interruptions answered exactly once with the answer their rule gives (Retry within \
         `maximumretry`, then Fail; the fixed actions), of those the rules answer; interruptions held by another \
         user, not takeable, or without the rule's button are left to a person and must stay pending. *lost*: \
         interruptions the rules answer that were never answered. *duplicates*: successful submissions beyond \
         the first for one interruption. *DLQ*: messages in the dead-letter queue at the end (the queue itself \
         was empty at the end of every scenario). *throughput*: webhooks through accept-message per second of \
         delivering, and records through the queue and process-message per second of draining (pollers, \
         receive, process, delete and redelivery waits included). *p50/p99*: from a webhook's 202 to its \
         record being answered.\n"
    );
    let _ = writeln!(out, "## Latency by stage, p50/p99\n");
    let mut staged: Vec<&Report> = reports.iter().collect();
    staged.push(&secrets.report);
    out.push_str(&stage_table(&staged));
    let _ = writeln!(
        out,
        "\nQueue wait and end to end include the redelivery delay (1 s visibility timeout) of records that \
         failed, so the fault scenarios' tails show the outage and the retries, not slowness.\n"
    );
    render_sweep(&mut out, reports);
    render_hostile(&mut out, webhooks, batches);
    let _ = writeln!(out, "## Secrets\n");
    let _ = writeln!(
        out,
        "During the representative run (the *secrets scan* row: Octopus faults, SQS refusing {} webhooks, poison, \
         duplicates, webhooks of the other kind) every log line of both handlers and of the simulator \
         ({} JSON lines at DEBUG), every metric line ({}) and every message that reached a queue or the \
         dead-letter queue ({} bodies with their attributes) were searched for the webhook secret (which Octopus \
         echoes in every payload) and the Octopus API key: **{} occurrences**.\n",
        secrets.report.faults.sqs_refused,
        secrets.log_lines,
        secrets.report.emf_lines.len(),
        secrets.report.contents.len(),
        secrets.occurrences
    );
    out.push_str(NOTES);
    let broken: Vec<String> = reports
        .iter()
        .chain([races, &secrets.report])
        .flat_map(|r| r.problems.iter().map(move |p| format!("- {}: {p}", r.scenario)))
        .chain(
            webhooks
                .violations
                .iter()
                .chain(&batches.violations)
                .map(|v| format!("- hostile input: {v}")),
        )
        .collect();
    if !broken.is_empty() {
        let _ = writeln!(out, "\n## Broken invariants in this run\n\n{}", broken.join("\n"));
    }
    out
}

fn render_sweep(out: &mut String, reports: &[Report]) {
    let swept: Vec<(&Report, &SweepFigures)> = reports.iter().filter_map(|r| Some((r, r.sweep.as_ref()?))).collect();
    let Some((_, first)) = swept.first() else {
        return;
    };
    let _ = writeln!(out, "## Lost webhooks and the sweep\n");
    let _ = writeln!(
        out,
        "| scenario | webhooks lost | sweeps | queued by the sweeps | lost and never delivered | late webhooks \
         racing the sweep: answered by the webhook's / the sweep's record | pending not queued, by reason, summed \
         over the sweeps | one sweep | sweep's message to answered |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for (report, sweep) in &swept {
        let reasons = sweep
            .not_enqueued
            .iter()
            .map(|(reason, n)| format!("`{reason}` {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            out,
            "| {} | {} of {} ({:.1} %), {} of them of deployments left to a person | {}, one every {} rounds | {} \
             interruptions; {} records with `Origin=sweep` received, {} answers with the sweep's Notes | {}: {} \
             queued by a sweep, {} answered before one | {}: {} | {} | {} | {} |",
            report.label(),
            sweep.lost,
            sweep.first_deliveries,
            percent(sweep.lost, sweep.first_deliveries),
            sweep.lost_left_to_person,
            sweep.sweeps,
            sweep.sweep_every,
            sweep.enqueued_distinct,
            sweep.swept_records,
            sweep.answered_by_sweep_records,
            sweep.lost_never_delivered,
            sweep.lost_never_delivered_swept,
            sweep.answered_before_a_sweep,
            sweep.races,
            sweep.describe_races(),
            reasons,
            sweep.took,
            sweep.swept_to_answered
        );
    }
    let _ = writeln!(
        out,
        "\nThe sweep is sweep-interruptions' own `Sweeper`, reading the simulator over HTTP and queueing to the \
         scenario's moto queue, run by the scenario once every {every} rounds and in any round with nothing else \
         to deliver (its schedule, never wall-clock time), while that round's webhooks are delivered and answered. It \
         keeps its production window ({grace} s grace period, a day's maximum age) and reads one subscription per \
         deployment and kind: the responder's webhook URL with the rule the scenario's webhooks carry, filtered to \
         the kind's event category and the deployment's project; and one to a chat hook, which it passes by. A lost \
         webhook's interruption is made older than the grace period when its webhook is lost (`set_created`); every \
         other interruption keeps its real `Created`. What each sweep must queue is so known before it runs (the \
         lost webhooks' interruptions still pending that the rules answer), and the scenario fails on any \
         difference: nothing whose webhook was delivered or may still come (`within_grace`) was queued, and lost \
         interruptions of deployments left to a person were left too. Every third interruption a sweep queues gets \
         its lost webhook after all, next to the sweep's message for it: in turn just before it (the sweep read the \
         interruption as pending, then the webhook came), at the same time, and just after it. Both records reach \
         process-message; Octopus kept exactly one answer for every raced interruption, and the other record found \
         it answered (nothing pending, or answered elsewhere when both were answered at once) or, in a Retry loop, \
         found the next guided failure pending and answered that by the same rule and budget. *answered before \
         one*: lost, never delivered, and already answered when the next sweep ran, by a record of the guided \
         failure before it in the same Retry loop, as above; that answer is checked like any other. The \
         sweep's metric lines (`Sweeps`, `Enqueued`, `PendingSeen`, `SubscriptionsUsable`, `NotEnqueued` by \
         `Reason`) equal its summaries, process-message's `SweptRecords` the records with `Origin=sweep` received; \
         every Retry loop answered by sweep records too stopped at its `maximumretry` with Fail.\n",
        every = first.sweep_every,
        grace = first.grace.as_secs()
    );
}

fn render_hostile(out: &mut String, webhooks: &Hostile, batches: &Hostile) {
    let _ = writeln!(out, "## Hostile input\n");
    let _ = writeln!(
        out,
        "| input | cases | answers | panics | queued for a refused webhook / whole-batch failures | rate |\n\
         | --- | --- | --- | --- | --- | --- |"
    );
    let answers = |h: &Hostile| {
        h.by_answer
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        out,
        "| webhooks to accept-message: random query strings, header-name case, right, wrong (same and other \
         length), missing and repeated secrets, payloads good and broken, random JSON, nesting up to 3,000 deep, \
         bodies over 256 KiB, random text, random bytes (invalid UTF-8) base64-encoded, other methods | {} | \
         by status: {} | {} | {} | {:.0}/s |",
        webhooks.cases,
        answers(webhooks),
        webhooks.panics,
        webhooks.violations.len(),
        rate(webhooks.cases, webhooks.took)
    );
    let _ = writeln!(
        out,
        "| batches to process-message: 0-12 records with random attributes (names in any case, bad values, \
         non-String types, missing values) and bodies (payloads good and broken, random JSON, deep nesting, random \
         text, none) | {} batches, {} records | records {} | {} | {} | {:.0} batches/s |",
        batches.cases,
        batches.records,
        answers(batches),
        batches.panics,
        batches.violations.len(),
        rate(batches.cases, batches.took)
    );
    let _ = writeln!(
        out,
        "\nEvery webhook's answer is checked: JSON with an `error` for every 4xx, 405 for any method but POST, \
         401 for any secret but the right one (whatever its length, through the same comparison of SHA-256 \
         digests), 413 for an authenticated body over 256 KiB, a message queued exactly when the answer is 202 and \
         then without the secret. Every batch's answer is checked: never a whole-batch error, and exactly the \
         unreadable records (plus those of a deployment the fake Octopus fails for) reported as batch-item \
         failures.\n"
    );
}

const NOTES: &str = "## What the scenarios do\n\n\
- **load**: 260 deployments raise guided failures and manual interventions round after round until no new \
event appears: Retry loops (`maximumretry` 0-10, the step failing again 0-12 times, so both Retry and Fail are \
answered), fixed guided-failure answers (Fail, Ignore, Exclude), manual interventions (Proceed, Abort), a \
manual intervention and a guided failure pending at once (two rules, one deployment), and one deployment in \
twenty whose interruption is left to a person. One event in ten is delivered twice, one in seven also to the \
other kind's URL (answered 200, ignored). FIFO queue, two pollers, batches of 10.\n\
- **faults**: 80 deployments on a standard queue. Every third deployment with a new event gets an Octopus \
fault, in turn: 500 twice (retried within the invocation), 503 on all four attempts of an invocation (the \
record goes back to the queue), 429 with `Retry-After: 1`, a listing or a submit slower than the client's \
400 ms timeout, a 502 on submit; a 1.5 s outage in which every call is refused; SQS refusing accept-message for \
25 webhooks (each answered 503, re-sent by the sender in the next round); 4 poison messages (unknown action, \
body not JSON, malformed event id, no `Type`). Failed records come back after a 1 s visibility timeout; \
`maxReceiveCount` is 6.\n\
- **duplicates**: every event delivered three times in its round and once more in the next, on a FIFO and on a \
standard queue.\n\
- **lost webhooks**: 80 deployments of the load mix (one in twenty left to a person), on a FIFO and on a standard \
queue (three pollers). One first delivery in ten (10 %, drawn from the scenario's seed) never reaches \
accept-message; sweep-interruptions runs on its schedule and queues the interruptions those webhooks left \
pending; every third interruption a sweep queues also gets its lost webhook late, next to the sweep's message \
(see *Lost webhooks and the sweep*).\n\
- **observability**: 60 deployments with every answer, all three skip reasons, Octopus 5xx and 429, 3 poison \
messages; the summed EMF lines must equal what Octopus received (Submitted by Action, BudgetSpent), the \
records of deployments left to a person (Skipped by Reason), the records the pollers saw fail (Failed by \
Cause; `bad_record` equal to the poison receipts) and the records received.\n\
- **concurrent invocations**: two process-message invocations get the same batches at the same time, each \
event twice per batch (two records of one deployment in one batch), with 2 ms added to every Octopus call.\n\n\
## Findings\n\n\
- **Fixed: a Retry past the budget under concurrent copies.** process-message read the retry count alongside \
the interruption listing. When a copy of the record (a standard queue, or SQS delivering again) was answered \
by another invocation in between, Octopus raised the next guided failure, the listing returned it, and the \
count, read before it, did not include it: Retry was answered once more than `maximumretry` allows. The count \
is now read after the listing (`crates/process-message/src/responder.rs`); the test \
`a_copy_answered_by_a_second_invocation_while_the_first_is_slow_never_retries_past_the_budget` reproduces the \
race with a slow listing. A Retry rule now takes four sequential Octopus round trips instead of three.\n\
- **lambda_http panics before the handler** on events API Gateway does not send: a body flagged \
`isBase64Encoded` that is not padded standard base64 (aws_lambda_events `encodings/http.rs`), and a \
`rawQueryString` with a character invalid in a URI such as a space, `\"`, `<` or `>` (lambda_http \
`request.rs`, `expect(\"failed to build request\")`). With `panic = \"unwind\"` the runtime reports an invocation \
error (API Gateway answers 500); nothing is queued. The hostile inputs stay within what API Gateway delivers.\n\
- **Two records answered at the same moment can cost a redelivery.** On a standard queue, when a late webhook's \
record and the sweep's for the same interruption are answered at once by two invocations, the one that loses \
may see the interruption answered between its listing and its take-responsibility call: Octopus refuses that \
call (400, not pending), the record fails with `rejected`, SQS gives it back and it then finds nothing pending. \
Still one answer, one extra receive; only a submit's failure is read back today \
(`crates/process-message/src/responder.rs`), not a refused take-responsibility.\n\
- **moto's FIFO de-duplication** only compares with messages still on the queue, where SQS remembers an id for \
5 minutes; a copy sent after the first was processed is queued again. The responder answers it as nothing \
pending, so the answers stay exactly-once either way.\n\
- **The simulator drops a request the client gave up on** (its delay is served before the handler runs and \
the handler is cancelled with the connection), so a submit that times out is never applied there; a submit \
applied by Octopus whose answer never arrived is covered by process-message's answered-elsewhere path.\n";

/// `YYYY-MM-DD` (UTC).
fn today() -> String {
    let days = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0) as i64;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Cores, CPU model and memory, from what Linux says.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("MemTotal"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or_else(|| "unknown memory".to_owned(), |kb| format!("{} GiB", kb / 1024 / 1024));
    format!("{cores} cores ({cpu}), {memory}, Linux")
}
