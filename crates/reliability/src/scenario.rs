//! The scenario runner: deployments raise interruptions in the Octopus simulator, their webhooks
//! go through accept-message's handler to a moto SQS queue, an emulated event source mapping
//! hands batches to process-message, which answers over HTTP; round after round until no new
//! event appears. Then everything is checked against what each deployment's rule promises.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use accept_message::{Acceptor, WebhookAuth};
use aws_lambda_events::sqs::SqsMessage;
use aws_sdk_sqs::types::MessageAttributeValue;
use futures::StreamExt;
use harness::apigw::WebhookRequest;
use harness::{Moto, sqs};
use lambda_http::http::HeaderName;
use octopus::{Backoff, Deadline, HttpOctopus, Settings};
use octopus_sim::{Fault, Method, Simulator, Target};
use process_message::{Handler, Options};

use crate::Error;
use crate::esm::{Esm, EsmLog, Receipt, drain, message_text};
use crate::lost::{Ledger, LostWebhooks, SweepOutcome, SweepSide, SweepTurn, subscribe};
use crate::metrics::{MetricLines, MetricTotals};
use crate::plan::{Expected, Kind, Script, scripts};
use crate::publisher::GatedPublisher;
use crate::report::{FaultTally, Report};

/// The webhook header the subscriptions send.
pub const HEADER: &str = "X-Octopus-Webhook-Token";
/// The environment's webhook secret. No subscription sends it: each sends its rule's token (the
/// HMAC-SHA256 of the rule's canonical query under it), which Octopus echoes in every payload
/// (`WebhookHeaderValue`).
pub const TOKEN: &str = "reliability-webhook-token-7f3a9c1e";
/// The token of every rule there is under [`TOKEN`] (49 rules: each answer, and for Retry each
/// budget from 0 to 10 with each `then`), so a scan can check that none was logged or queued.
pub fn every_rule_token() -> Vec<String> {
    let mut queries = vec![
        "type=Guidance&action=Fail".to_owned(),
        "type=Guidance&action=Ignore".to_owned(),
        "type=Guidance&action=Exclude".to_owned(),
        "type=Result&action=Proceed".to_owned(),
        "type=Result&action=Abort".to_owned(),
    ];
    for retries in 0..=10 {
        for then in ["Fail", "Exclude", "Ignore", "Leave"] {
            queries.push(format!("type=Guidance&action=Retry&maximumretry={retries}&then={then}"));
        }
    }
    queries
        .iter()
        .filter_map(|query| harness::apigw::rule_token(query, TOKEN))
        .collect()
}

/// Marks the poison messages the scenario puts on the queue itself.
pub const POISON_ATTRIBUTE: &str = "ReliabilityPoison";
/// Rounds after which a scenario that still finds new events gives up.
const MAX_ROUNDS: usize = 60;

/// Injected Octopus faults: every `every`-th deployment with a new event in a round gets one,
/// the kinds taking turns: 500 twice (retried within the invocation), 503 on every attempt of
/// one invocation (the record goes back to the queue), 429 with `Retry-After: 1`, a listing
/// slower than the client's timeout, a submit slower than the timeout, a 502 on submit. Without
/// `timeouts` the two slow ones are a 503 on the listing and a 502 on submit instead.
#[derive(Debug, Clone, Copy)]
pub struct OctopusFaults {
    pub every: usize,
    pub timeouts: bool,
}

/// Every Octopus call answers 503 for `length`, from `after` into round `round`.
#[derive(Debug, Clone, Copy)]
pub struct Outage {
    pub round: usize,
    pub after: Duration,
    pub length: Duration,
}

/// SQS refuses the next `publishes` publishes of round `round`; the sender re-sends the webhooks
/// that got a 503 in the next round.
#[derive(Debug, Clone, Copy)]
pub struct SqsOutage {
    pub round: usize,
    pub publishes: usize,
}

/// One scenario.
#[derive(Debug, Clone)]
pub struct Config {
    pub name: String,
    pub deployments: usize,
    pub seed: u64,
    pub fifo: bool,
    /// Include deployments whose interruption the responder must leave to a person.
    pub skips: bool,
    /// Every n-th event is delivered `copies` more times within its round (0: never).
    pub duplicate_every: usize,
    pub copies: usize,
    /// Every n-th event of the previous round is delivered again (0: never).
    pub late_duplicate_every: usize,
    /// Every n-th event also goes to the other kind's URL and is answered 200 ignored (0: never).
    pub other_kind_every: usize,
    pub octopus_faults: Option<OctopusFaults>,
    pub outage: Option<Outage>,
    pub sqs_outage: Option<SqsOutage>,
    /// Messages that can never be processed, put on the queue directly.
    pub poison: usize,
    /// A share of first deliveries lost, and the sweep answering what they left pending.
    pub lost: Option<LostWebhooks>,
    /// Concurrent invocations of process-message.
    pub pollers: usize,
    pub max_receive_count: u32,
    /// The visibility timeout a failed record gets back, in seconds.
    pub redelivery_delay_secs: i32,
    /// The Octopus client's per-request timeout.
    pub request_timeout: Duration,
    /// What each invocation has before its deadline.
    pub invocation_budget: Duration,
    /// Webhooks in flight at once.
    pub webhook_concurrency: usize,
    /// Keep every queued body and attribute for the secrets scan.
    pub keep_contents: bool,
    /// The whole scenario fails past this.
    pub time_limit: Duration,
}

impl Config {
    fn base(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            deployments: 40,
            seed: 4,
            fifo: true,
            skips: false,
            duplicate_every: 0,
            copies: 1,
            late_duplicate_every: 0,
            other_kind_every: 0,
            octopus_faults: None,
            outage: None,
            sqs_outage: None,
            poison: 0,
            lost: None,
            pollers: 2,
            max_receive_count: 5,
            redelivery_delay_secs: 1,
            request_timeout: Duration::from_secs(5),
            invocation_budget: Duration::from_secs(25),
            webhook_concurrency: 8,
            keep_contents: false,
            time_limit: Duration::from_secs(240),
        }
    }

    /// At least 2,000 webhooks for 260 deployments on a FIFO queue: Retry loops that end in
    /// Fail, fixed guided-failure answers, manual interventions, both at once, a few left to a
    /// person; one event in ten delivered twice, one in seven also to the other kind's URL.
    pub fn load() -> Self {
        Self {
            deployments: 260,
            seed: 2026,
            skips: true,
            duplicate_every: 10,
            other_kind_every: 7,
            ..Self::base("load")
        }
    }

    /// Octopus 5xx, 429, timeouts and a full outage, SQS refusing accept-message for a while,
    /// and poison messages, on a standard queue with two pollers.
    pub fn faults() -> Self {
        Self {
            deployments: 80,
            seed: 77,
            fifo: false,
            octopus_faults: Some(OctopusFaults {
                every: 3,
                timeouts: true,
            }),
            outage: Some(Outage {
                round: 2,
                after: Duration::from_millis(150),
                length: Duration::from_millis(1500),
            }),
            sqs_outage: Some(SqsOutage {
                round: 3,
                publishes: 25,
            }),
            poison: 4,
            max_receive_count: 6,
            request_timeout: Duration::from_millis(400),
            invocation_budget: Duration::from_secs(10),
            ..Self::base("faults")
        }
    }

    /// Every event delivered three times within its round and again in the next one.
    pub fn duplicates(fifo: bool) -> Self {
        Self {
            deployments: 40,
            seed: if fifo { 11 } else { 12 },
            fifo,
            duplicate_every: 1,
            copies: 2,
            late_duplicate_every: 1,
            pollers: if fifo { 2 } else { 3 },
            ..Self::base("duplicates")
        }
    }

    /// Everything the metrics distinguish: answers by action, spent budgets, each skip reason,
    /// records failed by Octopus errors and poison records.
    pub fn observability() -> Self {
        Self {
            deployments: 60,
            seed: 3,
            skips: true,
            octopus_faults: Some(OctopusFaults {
                every: 4,
                timeouts: false,
            }),
            poison: 3,
            ..Self::base("observability")
        }
    }

    /// One webhook in ten never delivered while sweep-interruptions runs every second round,
    /// with subscriptions carrying the webhooks' rules; every third interruption a sweep queues
    /// gets its lost webhook after all, right after the sweep, so both records are on the queue.
    /// Retry loops, fixed answers, both kinds at once and interruptions left to a person. On a
    /// FIFO queue the two records of a race are answered in turn; on a standard queue, with
    /// three pollers, possibly at once.
    pub fn lost_webhooks(fifo: bool) -> Self {
        Self {
            deployments: 80,
            seed: if fifo { 10 } else { 13 },
            fifo,
            skips: true,
            lost: Some(LostWebhooks {
                percent: 10,
                sweep_every: 2,
                late_every: 3,
            }),
            pollers: if fifo { 2 } else { 3 },
            ..Self::base("lost webhooks")
        }
    }

    /// A small run of everything, keeping what reached the queue, for the secrets scan.
    pub fn representative() -> Self {
        Self {
            deployments: 24,
            seed: 9,
            fifo: false,
            skips: true,
            duplicate_every: 3,
            other_kind_every: 4,
            octopus_faults: Some(OctopusFaults {
                every: 2,
                timeouts: true,
            }),
            sqs_outage: Some(SqsOutage { round: 2, publishes: 5 }),
            poison: 2,
            max_receive_count: 4,
            request_timeout: Duration::from_millis(400),
            invocation_budget: Duration::from_secs(10),
            keep_contents: true,
            ..Self::base("secrets scan")
        }
    }

    /// Whether the metrics must equal what Octopus saw exactly: no submit can have timed out
    /// after Octopus applied it (which the client would count as answered elsewhere).
    fn strict_metrics(&self) -> bool {
        self.request_timeout >= Duration::from_secs(2) && !self.octopus_faults.is_some_and(|f| f.timeouts)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Why {
    First,
    Duplicate,
    Late,
    OtherKind,
    Resend,
    /// A lost webhook delivered after all, next to the sweep's message of its interruption.
    LostLate,
}

#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    pub(crate) event_id: String,
    pub(crate) query: String,
    pub(crate) why: Why,
}

#[derive(Debug)]
pub(crate) struct Delivered {
    pub(crate) delivery: Delivery,
    pub(crate) status: u16,
    started: Instant,
    finished: Instant,
}

#[derive(Debug)]
pub(crate) struct Deployment {
    pub(crate) target: Target,
    pub(crate) script: Script,
    pub(crate) raised: u32,
    pub(crate) last: Vec<String>,
}

/// Which deployment and kind each interruption belongs to, filled in as they appear.
#[derive(Debug, Default)]
pub(crate) struct Index {
    known: usize,
    of: HashMap<String, (String, Kind)>,
    by_task: HashMap<String, Vec<String>>,
}

impl Index {
    pub(crate) fn refresh(&mut self, sim: &Simulator) {
        let ids = sim.interruption_ids();
        for id in ids.iter().skip(self.known) {
            let Some(value) = sim.interruption(id) else { continue };
            let task = value["TaskId"].as_str().unwrap_or_default().to_owned();
            let kind = Kind::from_type(value["Type"].as_str().unwrap_or_default()).unwrap_or(Kind::GuidedFailure);
            self.by_task.entry(task.clone()).or_default().push(id.clone());
            self.of.insert(id.clone(), (task, kind));
        }
        self.known = ids.len();
    }

    /// The interruption of `task` whose raising is `event_id`.
    pub(crate) fn interruption_of(&self, sim: &Simulator, task: &str, event_id: &str) -> Option<String> {
        self.by_task
            .get(task)?
            .iter()
            .find(|id| sim.raised_event_id(id).as_deref() == Some(event_id))
            .cloned()
    }

    fn pending_of(&self, sim: &Simulator, task: &str) -> Option<String> {
        self.by_task
            .get(task)?
            .iter()
            .rev()
            .find(|id| is_pending(sim, id))
            .cloned()
    }
}

pub(crate) fn is_pending(sim: &Simulator, id: &str) -> bool {
    sim.interruption(id).is_some_and(|v| v["IsPending"] == true)
}

/// Raises the next step of every deployment whose last step is answered (or that has not
/// started yet).
pub(crate) fn advance(sim: &Simulator, deployments: &mut [Deployment]) {
    for deployment in deployments {
        let finished = deployment.last.iter().all(|id| !is_pending(sim, id));
        if deployment.raised < deployment.script.steps() && finished {
            deployment.last = deployment.script.raise(sim, &deployment.target);
            deployment.raised += 1;
        }
    }
}

/// The events not delivered yet, oldest first per deployment, with the URL query of the
/// subscription that delivers them: `(deployment, kind, event id, query)`.
pub(crate) fn new_events(
    sim: &Simulator,
    deployments: &[Deployment],
    delivered: &mut HashSet<String>,
) -> Vec<(usize, Kind, String, String)> {
    let mut events = Vec::new();
    for (n, deployment) in deployments.iter().enumerate() {
        for kind in [Kind::GuidedFailure, Kind::ManualIntervention] {
            let Some(query) = deployment.script.query(kind, n as u64) else {
                continue;
            };
            let mut new: Vec<String> = sim
                .event_ids(&deployment.target.task_id, kind.category())
                .into_iter()
                .filter(|e| !delivered.contains(e))
                .collect();
            new.reverse();
            for event_id in new {
                delivered.insert(event_id.clone());
                events.push((n, kind, event_id, query.clone()));
            }
        }
    }
    events
}

/// Runs one scenario against a fresh simulator and a fresh queue pair on the process's moto.
pub async fn run(config: &Config) -> Result<Report, Error> {
    let moto = Moto::shared()?;
    let aws = moto.sdk_config().await;
    let client = aws_sdk_sqs::Client::new(&aws);
    let (queue_url, dlq_url) = moto
        .create_queue_pair(&client, config.fifo, config.max_receive_count)
        .await?;
    let sim = Simulator::start().await?;
    let result = Runner::new(config, &aws, client, queue_url, dlq_url, sim.clone())
        .await?
        .run()
        .await;
    sim.shutdown().await;
    result
}

struct Runner<'a> {
    config: &'a Config,
    client: aws_sdk_sqs::Client,
    esm: Esm,
    dlq_url: String,
    sim: Simulator,
    acceptor: Acceptor<GatedPublisher>,
    publisher: GatedPublisher,
    responder: Handler<HttpOctopus>,
    metrics: MetricLines,
    /// sweep-interruptions, when the scenario loses webhooks.
    sweep: Option<SweepSide>,
}

impl<'a> Runner<'a> {
    async fn new(
        config: &'a Config,
        aws: &aws_config::SdkConfig,
        client: aws_sdk_sqs::Client,
        queue_url: String,
        dlq_url: String,
        sim: Simulator,
    ) -> Result<Self, Error> {
        let queue_arn = sqs::queue_arn(&client, &queue_url).await?;
        let publisher = GatedPublisher::new(aws, client.clone(), &queue_url);
        let auth = WebhookAuth::new(
            HeaderName::from_static("x-octopus-webhook-token"),
            Some(TOKEN.to_owned().into()),
        );
        let mut settings = Settings::new(sim.base_url().parse()?, sim.api_key().to_owned().into());
        settings.request_timeout = config.request_timeout;
        settings.backoff = Backoff {
            initial: Duration::from_millis(20),
            max: Duration::from_millis(200),
            max_attempts: 4,
        };
        let sweep = match config.lost {
            Some(_) => Some(SweepSide::new(settings.clone(), client.clone(), &queue_url)?),
            None => None,
        };
        let metrics = MetricLines::default();
        let responder = Handler::new(HttpOctopus::new(settings)?, Options::default()).with_metrics(metrics.sink());
        Ok(Self {
            esm: Esm {
                queue_url,
                queue_arn,
                batch_size: 10,
                pollers: config.pollers,
                redelivery_delay_secs: config.redelivery_delay_secs,
                keep_contents: config.keep_contents,
            },
            config,
            client,
            dlq_url,
            acceptor: Acceptor::new(publisher.clone(), auth),
            publisher,
            responder,
            metrics,
            sweep,
            sim,
        })
    }

    async fn run(self) -> Result<Report, Error> {
        let started = Instant::now();
        let config = self.config;
        let mut deployments: Vec<Deployment> = scripts(config.deployments, config.seed, config.skips)
            .into_iter()
            .map(|script| Deployment {
                target: self.sim.add_deployment("Spaces-1"),
                script,
                raised: 0,
                last: Vec::new(),
            })
            .collect();
        let poison_ids = self.send_poison().await?;
        let mut ledger = match (config.lost, &self.sweep) {
            (Some(lost), Some(side)) => Some(Ledger::new(lost, config.seed, side, subscribe(&self.sim, &deployments))),
            _ => None,
        };
        let mut index = Index::default();
        let mut delivered_events: HashSet<String> = HashSet::new();
        let mut previous_round: Vec<Delivery> = Vec::new();
        let mut resend: Vec<Delivery> = Vec::new();
        let mut outcomes: Vec<Delivered> = Vec::new();
        let log = Mutex::new(EsmLog::default());
        let mut faults = FaultTally {
            poison: config.poison,
            ..FaultTally::default()
        };
        let (mut delivery_time, mut processing_time) = (Duration::ZERO, Duration::ZERO);
        let mut outage_window = None;
        let mut rounds = 0;
        loop {
            advance(&self.sim, &mut deployments);
            index.refresh(&self.sim);
            let mut round = std::mem::take(&mut resend);
            let mut firsts: Vec<(usize, Kind, Delivery)> = new_events(&self.sim, &deployments, &mut delivered_events)
                .into_iter()
                .map(|(n, kind, event_id, query)| {
                    (
                        n,
                        kind,
                        Delivery {
                            event_id,
                            query,
                            why: Why::First,
                        },
                    )
                })
                .collect();
            if let Some(ledger) = ledger.as_mut() {
                firsts = ledger.lose_some(&self.sim, &deployments, &index, firsts);
            }
            // What the sweep of this round, if it has one, must queue: known before it starts,
            // as nothing but the sweep answers a lost webhook's interruption during the round.
            let waiting = ledger.as_ref().map(|l| l.waiting(&self.sim)).unwrap_or_default();
            let idle = firsts.is_empty() && round.is_empty();
            if idle && waiting.is_empty() {
                break;
            }
            rounds += 1;
            if rounds > MAX_ROUNDS || started.elapsed() > config.time_limit {
                return Err(format!("{}: still finding new events after {rounds} rounds", config.name).into());
            }
            if let Some(faulty) = config.octopus_faults {
                self.inject_faults(faulty, &firsts, &deployments, &index, &mut faults, rounds);
            }
            let mut extra = Vec::new();
            for (count, (_, kind, delivery)) in firsts.iter().enumerate() {
                if config.duplicate_every > 0 && count % config.duplicate_every == 0 {
                    for _ in 0..config.copies {
                        extra.push(Delivery {
                            why: Why::Duplicate,
                            ..delivery.clone()
                        });
                    }
                }
                if config.other_kind_every > 0 && count % config.other_kind_every == 0 {
                    let other = match kind {
                        Kind::GuidedFailure => "type=Result&action=Abort",
                        Kind::ManualIntervention => "type=Guidance&action=Fail",
                    };
                    extra.push(Delivery {
                        query: other.to_owned(),
                        why: Why::OtherKind,
                        ..delivery.clone()
                    });
                }
            }
            if config.late_duplicate_every > 0 {
                for delivery in previous_round.iter().step_by(config.late_duplicate_every) {
                    extra.push(Delivery {
                        why: Why::Late,
                        ..delivery.clone()
                    });
                }
            }
            previous_round = firsts.iter().map(|(_, _, d)| d.clone()).collect();
            round.extend(firsts.into_iter().map(|(_, _, d)| d));
            round.extend(extra);
            if let Some(down) = config.sqs_outage.filter(|o| o.round == rounds) {
                self.publisher.refuse_next(down.publishes);
            }
            let outage = config.outage.filter(|o| o.round == rounds);
            let sweep = match (&ledger, &self.sweep) {
                (Some(ledger), Some(side)) => ledger.turn(side, rounds, idle),
                _ => None,
            };
            let (delivered, esm, window, took, swept) = self.round(round, sweep, &log, outage, started).await;
            esm?;
            if let (Some(ledger), Some(outcome)) = (ledger.as_mut(), swept) {
                ledger.record(&waiting, outcome, &delivered);
            }
            if window.is_some() {
                outage_window = window;
            }
            delivery_time += took.0;
            processing_time += took.1;
            for outcome in &delivered {
                if outcome.status == 503 {
                    resend.push(Delivery {
                        why: Why::Resend,
                        ..outcome.delivery.clone()
                    });
                }
            }
            outcomes.extend(delivered);
        }
        let log = log.into_inner().map_err(|_| "esm log poisoned")?;
        let mut report = self
            .report(
                &deployments,
                &index,
                &outcomes,
                &log,
                &poison_ids,
                faults,
                outage_window,
            )
            .await?;
        if let (Some(ledger), Some(side)) = (&ledger, &self.sweep) {
            let figures = ledger.figures(&self.sim, &log, side)?;
            let mut problems: Vec<String> = ledger.problems().to_vec();
            problems.extend(figures.problems());
            if report.metrics.swept_records != figures.swept_records as u64 {
                problems.push(format!(
                    "process-message's SweptRecords {} != {} records with Origin=sweep received",
                    report.metrics.swept_records, figures.swept_records
                ));
            }
            report
                .problems
                .extend(problems.into_iter().map(|p| format!("sweep: {p}")));
            report.sweep = Some(figures);
        }
        report.rounds = rounds;
        report.delivery_time = delivery_time;
        report.processing_time = processing_time;
        report.elapsed = started.elapsed();
        Ok(report)
    }

    /// Delivers one round's webhooks while the pollers drain the queue; meanwhile runs the
    /// round's sweep, if it has one, and then the lost webhooks that come late; opens the outage
    /// window when there is one. Returns the deliveries, the pollers' result, the outage window,
    /// the wall time of delivering and of draining, and what the sweep did.
    async fn round(
        &self,
        round: Vec<Delivery>,
        sweep: Option<SweepTurn<'_>>,
        log: &Mutex<EsmLog>,
        outage: Option<Outage>,
        started: Instant,
    ) -> (
        Vec<Delivered>,
        Result<(), Error>,
        Option<(Instant, Instant)>,
        (Duration, Duration),
        Option<SweepOutcome>,
    ) {
        let done = AtomicBool::new(false);
        let round_started = Instant::now();
        let concurrency = self.config.webhook_concurrency.max(1);
        let swept = async {
            let turn = sweep?;
            Some(turn.run(self.config.invocation_budget, |d| self.deliver(d)).await)
        };
        let deliver = async {
            let webhooks = futures::stream::iter(round)
                .map(|delivery| self.deliver(delivery))
                .buffer_unordered(concurrency)
                .collect::<Vec<Delivered>>();
            let (mut delivered, swept) = tokio::join!(webhooks, swept);
            let swept = swept.map(|(outcome, late)| {
                delivered.extend(late);
                outcome
            });
            done.store(true, Ordering::SeqCst);
            (delivered, swept, round_started.elapsed())
        };
        let handler = |records: Vec<SqsMessage>| {
            let responder = &self.responder;
            let deadline = Deadline::after(self.config.invocation_budget);
            async move {
                let ids: Vec<String> = records.iter().filter_map(|r| r.message_id.clone()).collect();
                match responder.process_batch(records, deadline).await {
                    Ok(response) => response
                        .batch_item_failures
                        .into_iter()
                        .map(|f| f.item_identifier)
                        .collect(),
                    Err(_) => ids,
                }
            }
        };
        let limit = self.config.time_limit.saturating_sub(started.elapsed());
        let drain = async {
            let result = self.esm.run(&self.client, &handler, &done, log, limit).await;
            (result, round_started.elapsed())
        };
        let window = async {
            let outage = outage?;
            tokio::time::sleep(outage.after).await;
            self.sim.set_outage(true);
            let from = Instant::now();
            tokio::time::sleep(outage.length).await;
            self.sim.set_outage(false);
            Some((from, Instant::now()))
        };
        let ((delivered, swept, delivering), (esm, draining), window) = tokio::join!(deliver, drain, window);
        (delivered, esm, window, (delivering, draining), swept)
    }

    async fn deliver(&self, delivery: Delivery) -> Delivered {
        // The subscription for the rule sends the rule's token, and Octopus echoes it.
        let token = harness::apigw::rule_token(&delivery.query, TOKEN).unwrap_or_default();
        let body = self
            .sim
            .webhook_body(&delivery.event_id, HEADER, &token)
            .map(|b| b.to_string())
            .unwrap_or_default();
        let request = WebhookRequest::post(&delivery.query, body)
            .header(HEADER, &token)
            .to_request();
        let started = Instant::now();
        let response = self.acceptor.handle(request).await;
        Delivered {
            status: response.status().as_u16(),
            delivery,
            started,
            finished: Instant::now(),
        }
    }

    fn inject_faults(
        &self,
        faulty: OctopusFaults,
        firsts: &[(usize, Kind, Delivery)],
        deployments: &[Deployment],
        index: &Index,
        tally: &mut FaultTally,
        round: usize,
    ) {
        let timeout = self.config.request_timeout;
        let mut seen = HashSet::new();
        let touched = firsts.iter().filter(|(n, _, _)| seen.insert(*n)).map(|(n, _, _)| *n);
        for (count, n) in touched.enumerate() {
            if faulty.every == 0 || !(count + round).is_multiple_of(faulty.every) {
                continue;
            }
            let task = &deployments[n].target.task_id;
            let listing = format!("interruptions?regarding={task}&");
            let pending = index.pending_of(&self.sim, task);
            let mut turn = (count / faulty.every + round) % 6;
            if !faulty.timeouts && turn == 3 {
                turn = 1;
            } else if !faulty.timeouts && turn == 4 {
                turn = 5;
            }
            let fault = match (turn, pending) {
                (1, _) => Fault::status(503).path_contains(listing).times(4),
                (2, _) => Fault::too_many_requests(1).path_contains(listing),
                (3, _) => Fault::delay(timeout * 3).path_contains(listing),
                (4, Some(id)) => Fault::delay(timeout * 3)
                    .method(Method::POST)
                    .path_contains(format!("/{id}/submit")),
                (5, Some(id)) => Fault::status(502)
                    .method(Method::POST)
                    .path_contains(format!("/{id}/submit")),
                _ => Fault::status(500).path_contains(format!("regarding={task}&")).times(2),
            };
            tally.injected += fault.times as usize;
            if matches!(fault.kind, octopus_sim::FaultKind::Delay(_)) {
                tally.timeouts += fault.times as usize;
            }
            self.sim.inject(fault);
        }
    }

    async fn send_poison(&self) -> Result<HashSet<String>, Error> {
        let mut ids = HashSet::new();
        for n in 0..self.config.poison {
            let valid = format!(
                r#"{{"Payload":{{"Event":{{"Id":"Events-9{n:05}","Category":"GuidedFailureInterruptionRaised","SpaceId":"Spaces-1","RelatedDocumentIds":["ServerTasks-9{n:05}"]}}}}}}"#
            );
            let bad_id = valid.replace(&format!("Events-9{n:05}"), "Events 9");
            let (attributes, body): (&[(&str, &str)], String) = match n % 4 {
                0 => (&[("Type", "Guidance"), ("Action", "Explode")], valid),
                1 => (&[("Type", "Result"), ("Action", "Proceed")], "not json".to_owned()),
                2 => (&[("Type", "Guidance"), ("Action", "Fail")], bad_id),
                _ => (&[("Action", "Proceed")], valid),
            };
            let mut request = self
                .client
                .send_message()
                .queue_url(&self.esm.queue_url)
                .message_body(body);
            let marker = n.to_string();
            for (name, value) in attributes.iter().chain([&(POISON_ATTRIBUTE, marker.as_str())]) {
                request = request.message_attributes(
                    *name,
                    MessageAttributeValue::builder()
                        .data_type("String")
                        .string_value(*value)
                        .build()?,
                );
            }
            if self.config.fifo {
                request = request
                    .message_group_id(format!("poison-{n}"))
                    .message_deduplication_id(format!("poison-{n}"));
            }
            ids.extend(request.send().await?.message_id);
        }
        Ok(ids)
    }

    #[allow(clippy::too_many_arguments)]
    async fn report(
        &self,
        deployments: &[Deployment],
        index: &Index,
        outcomes: &[Delivered],
        log: &EsmLog,
        poison_ids: &HashSet<String>,
        mut faults: FaultTally,
        outage_window: Option<(Instant, Instant)>,
    ) -> Result<Report, Error> {
        let config = self.config;
        let mut report = Report {
            scenario: config.name.clone(),
            queue: if config.fifo { "FIFO" } else { "standard" },
            deployments: deployments.len(),
            webhooks: outcomes.len(),
            ..Report::default()
        };
        // What came back to the webhooks, and when each event was first accepted.
        let mut first_accepted: HashMap<&str, (Instant, Instant)> = HashMap::new();
        let mut events = HashSet::new();
        for outcome in outcomes {
            *report.statuses.entry(outcome.status).or_default() += 1;
            report.accept.push(outcome.finished - outcome.started);
            events.insert(outcome.delivery.event_id.as_str());
            if outcome.status == 202 {
                first_accepted
                    .entry(&outcome.delivery.event_id)
                    .and_modify(|(s, f)| {
                        *s = (*s).min(outcome.started);
                        *f = (*f).min(outcome.finished);
                    })
                    .or_insert((outcome.started, outcome.finished));
            }
            if outcome.delivery.why == Why::OtherKind && outcome.status != 200 {
                report.problems.push(format!(
                    "{} sent to the other kind's URL got {}, not 200 ignored",
                    outcome.delivery.event_id, outcome.status
                ));
            }
        }
        report.events = events.len();
        faults.sqs_refused = self.publisher.refused();
        // What the pollers saw.
        let mut first_receipt: HashMap<&str, &Receipt> = HashMap::new();
        let mut first_success: HashMap<&str, &Receipt> = HashMap::new();
        for receipt in &log.receipts {
            report.max_receive_count_seen = report.max_receive_count_seen.max(receipt.receive_count);
            let Some(event) = receipt.event_id.as_deref() else {
                continue;
            };
            first_receipt.entry(event).or_insert(receipt);
            if receipt.succeeded {
                first_success.entry(event).or_insert(receipt);
            }
            match first_accepted.get(event) {
                Some((started, _)) if receipt.received_at >= *started => {}
                // The sweep's records come from no webhook.
                _ if event.starts_with(messaging::swept::SWEPT_EVENT_PREFIX) => {}
                _ => report.half_written += 1,
            }
        }
        for (event, (_, accepted)) in &first_accepted {
            match first_success.get(event) {
                Some(done) => report
                    .end_to_end
                    .push(done.answered_at.saturating_duration_since(*accepted)),
                None => report.accepted_not_processed += 1,
            }
            if let Some(receipt) = first_receipt.get(event) {
                report
                    .queue_wait
                    .push(receipt.received_at.saturating_duration_since(*accepted));
            }
        }
        report.process = log.batches.clone();
        report.records = log.records;
        report.batches = log.batches.len();
        report.failed_receipts = log.failed;
        report.same_deployment_batches = log.same_deployment_batches;
        // What Octopus saw.
        let requests = self.sim.requests();
        for request in &requests {
            let took = request.finished - request.started;
            report.octopus.push(took);
            match request.status {
                429 => faults.octopus_429 += 1,
                500..=599 => faults.octopus_5xx += 1,
                _ => {}
            }
            if let Some((from, to)) = outage_window
                && request.started >= from
                && request.started <= to
                && request.status == 503
            {
                faults.outage_rejections += 1;
                faults.octopus_5xx -= 1;
            }
        }
        faults.outage = config.outage.map(|o| o.length);
        report.faults = faults;
        check_answers(&self.sim, deployments, index, &mut report);
        // What is left on the queues.
        report.queue_left = sqs::depth(&self.client, &self.esm.queue_url).await?;
        let dead = drain(&self.client, &self.dlq_url).await?;
        report.dlq = dead.len();
        report.dlq_unexpected = dead
            .iter()
            .filter(|m| {
                !m.message_attributes
                    .as_ref()
                    .is_some_and(|a| a.contains_key(POISON_ATTRIBUTE))
            })
            .count();
        if config.keep_contents {
            report.contents = log.contents.clone();
            report.contents.extend(dead.iter().map(message_text));
            report.contents.extend(self.publisher.published().into_iter().map(|m| {
                let mut text = m.body;
                for (name, value) in m.attributes {
                    text.push_str(&format!("\n{name}={value}"));
                }
                text
            }));
        }
        // What the metrics say.
        let lines = self.metrics.lines();
        report.metrics = MetricTotals::from_lines(&lines)?;
        if config.keep_contents {
            report.emf_lines = lines;
        }
        self.check_metrics(deployments, log, poison_ids, &mut report);
        report.check(config.poison);
        Ok(report)
    }

    /// The summed EMF metrics against what Octopus and the pollers saw.
    fn check_metrics(&self, deployments: &[Deployment], log: &EsmLog, poison: &HashSet<String>, report: &mut Report) {
        let metrics = &report.metrics;
        let mut problems = Vec::new();
        let mut by_sim: BTreeMap<String, u64> = BTreeMap::new();
        let mut budget_spent = 0;
        for submission in self.sim.submissions() {
            for element in ["Guidance", "Result"] {
                if let Some(Some(value)) = submission.values.get(element) {
                    *by_sim.entry(value.clone()).or_default() += 1;
                }
            }
            let notes = submission.values.get("Notes").cloned().flatten().unwrap_or_default();
            // A spent budget's answer says what it answers instead of Retry, and why.
            budget_spent += u64::from(notes.contains(" instead of Retry: "));
        }
        if self.config.strict_metrics() {
            if metrics.submitted != by_sim {
                problems.push(format!(
                    "Submitted by Action {:?} != Octopus saw {by_sim:?}",
                    metrics.submitted
                ));
            }
            if metrics.budget_spent != budget_spent {
                problems.push(format!(
                    "BudgetSpent {} != {budget_spent} answers saying the budget is spent",
                    metrics.budget_spent
                ));
            }
        } else {
            for (action, n) in &metrics.submitted {
                if by_sim.get(action).copied().unwrap_or(0) < *n {
                    problems.push(format!("Submitted {action} {n} > what Octopus saw {by_sim:?}"));
                }
            }
            if metrics.budget_spent > budget_spent {
                problems.push(format!("BudgetSpent {} > {budget_spent}", metrics.budget_spent));
            }
        }
        // Each successful record of a deployment left to a person is one skip of its reason.
        let events_of: HashMap<String, &'static str> = deployments
            .iter()
            .filter_map(|d| Some((d.target.task_id.clone(), d.script.skip_reason()?)))
            .flat_map(|(task, reason)| {
                let mut events = self.sim.event_ids(&task, Kind::GuidedFailure.category());
                events.extend(self.sim.event_ids(&task, Kind::ManualIntervention.category()));
                events.into_iter().map(move |e| (e, reason))
            })
            .collect();
        let mut skips: BTreeMap<String, u64> = BTreeMap::new();
        for receipt in log.receipts.iter().filter(|r| r.succeeded) {
            if let Some(reason) = receipt.event_id.as_ref().and_then(|e| events_of.get(e)) {
                *skips.entry((*reason).to_owned()).or_default() += 1;
            }
        }
        if metrics.skipped != skips {
            problems.push(format!(
                "Skipped by Reason {:?} != records of deployments left to a person {skips:?}",
                metrics.skipped
            ));
        }
        if metrics.records != log.records as u64 {
            problems.push(format!("Records {} != {} received", metrics.records, log.records));
        }
        if metrics.failed_total() != log.failed as u64 {
            problems.push(format!(
                "Failed {:?} != {} records reported failed",
                metrics.failed, log.failed
            ));
        }
        let poison_receipts = log.receipts.iter().filter(|r| poison.contains(&r.message_id)).count() as u64;
        if metrics.failed.get("bad_record").copied().unwrap_or(0) != poison_receipts {
            problems.push(format!(
                "Failed bad_record {:?} != {poison_receipts} receipts of poison messages",
                metrics.failed.get("bad_record")
            ));
        }
        report
            .problems
            .extend(problems.into_iter().map(|p| format!("metrics: {p}")));
    }
}

/// Every interruption against its deployment's rule.
pub(crate) fn check_answers(sim: &Simulator, deployments: &[Deployment], index: &Index, report: &mut Report) {
    let by_task: HashMap<&str, &Deployment> = deployments.iter().map(|d| (d.target.task_id.as_str(), d)).collect();
    let mut submissions: HashMap<String, Vec<String>> = HashMap::new();
    for submission in sim.submissions() {
        let value = ["Guidance", "Result"]
            .iter()
            .find_map(|element| submission.values.get(*element).cloned().flatten())
            .unwrap_or_default();
        submissions.entry(submission.interruption_id).or_default().push(value);
    }
    let mut ordinals: HashMap<(&str, Kind), u32> = HashMap::new();
    let mut per_deployment: HashMap<&str, u32> = HashMap::new();
    for id in sim.interruption_ids() {
        let Some((task, kind)) = index.of.get(&id) else {
            report.problems.push(format!("{id} appeared after the last round"));
            continue;
        };
        report.interruptions += 1;
        let Some(deployment) = by_task.get(task.as_str()) else {
            continue;
        };
        *per_deployment.entry(task.as_str()).or_default() += 1;
        let ordinal = ordinals.entry((task.as_str(), *kind)).or_default();
        *ordinal += 1;
        let answers = submissions.get(&id).cloned().unwrap_or_default();
        report.duplicates += answers.len().saturating_sub(1);
        match deployment.script.expected(*kind, *ordinal) {
            Some(Expected::Answer(value)) => {
                report.expected_answered += 1;
                match answers.as_slice() {
                    [] => report.lost += 1,
                    [only] if only == value => report.answered_once += 1,
                    _ => report.problems.push(format!(
                        "{id} ({:?} {} of {task}) was answered {answers:?}, expected {value}",
                        deployment.script, ordinal
                    )),
                }
            }
            Some(Expected::LeftToPerson(_)) => {
                if answers.is_empty() && is_pending(sim, &id) {
                    report.left_to_person += 1;
                } else {
                    report
                        .problems
                        .push(format!("{id} should be left to a person, got {answers:?}"));
                }
            }
            None => report
                .problems
                .push(format!("{id}: a {kind:?} the script of {task} never raises")),
        }
    }
    for deployment in deployments {
        let have = per_deployment
            .get(deployment.target.task_id.as_str())
            .copied()
            .unwrap_or(0);
        let want = deployment.script.interruptions();
        if have < want {
            // A step that was never answered stops its deployment: those are lost too.
            report.lost += (want - have) as usize;
        } else if have > want {
            report.problems.push(format!(
                "{} raised {have} interruptions, its rule allows {want} ({:?})",
                deployment.target.task_id, deployment.script
            ));
        }
    }
}
