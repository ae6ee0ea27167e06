//! Lost webhooks and the sweep. Octopus does not promise webhook delivery, so in this scenario a
//! share of first deliveries never reaches accept-message, and sweep-interruptions runs on its
//! schedule (every few rounds of the scenario, never on wall-clock time): it reads the
//! subscriptions that point at the responder (one per deployment and kind, with the same rule
//! as the scenario's webhooks) and the pending interruptions, and queues those whose webhook had
//! its chance, to the same queue process-message drains.
//!
//! The sweep keeps its production grace period (5 minutes): a lost webhook's interruption is
//! made older than that when its webhook is lost, as if the schedule had come round since; every
//! other interruption keeps its real `Created`, so the sweep must leave it to its webhook. Which
//! interruptions a sweep must queue is then known exactly: the lost ones still pending that the
//! rules answer. Some lost webhooks arrive after all, right after a sweep queued their
//! interruption, while its record is on the queue: a late webhook and the sweep racing for one
//! interruption, which must still be answered once.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use accept_message::{MessagePublisher, OutgoingMessage, PublishError, SqsPublisher};
use messaging::swept::SWEPT_EVENT_PREFIX;
use octopus::{Deadline, HttpOctopus, Settings};
use octopus_sim::{Simulator, SubscriptionFilter, SubscriptionSpec};
use sweep_interruptions::subscriptions::WebhookUrls;
use sweep_interruptions::{Summary, SweepError, SweepSettings, Sweeper, Window};
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};

use crate::Error;
use crate::esm::EsmLog;
use crate::metrics::{MetricLines, SweepMetricTotals};
use crate::plan::{Kind, Rng};
use crate::report::SweepFigures;
use crate::scenario::{Delivered, Delivery, Deployment, HEADER, Index, TOKEN, Why, is_pending};
use crate::stats::Latencies;

/// Webhooks that never arrive, and the sweep on its schedule.
#[derive(Debug, Clone, Copy)]
pub struct LostWebhooks {
    /// The share of first deliveries dropped before accept-message, in percent.
    pub percent: u32,
    /// The sweep runs in every `sweep_every`-th round, and in any round with nothing to deliver
    /// while a lost webhook's interruption waits.
    pub sweep_every: usize,
    /// Of the interruptions one sweep queues, every `late_every`-th gets its lost webhook after
    /// all, right after the sweep (0: never).
    pub late_every: usize,
}

/// The responder's webhook URL, which the subscriptions point at and the sweep is told.
pub const WEBHOOK_URL: &str = "https://hooks.example.com/octopus/webhook";
/// A subscription that is none of the responder's business: the sweep must pass it by.
const ELSEWHERE_URL: &str = "https://chat.example.com/hooks/deployments";
/// How far past the grace period a lost webhook's interruption is made.
const PAST_GRACE: Duration = Duration::from_secs(60);

/// The subscriptions the scenario's webhooks come from: one per deployment and kind that has a
/// rule, its URL the webhook's, filtered to the kind's event category and the deployment's
/// project; and one to a chat hook. Returns how many point at the responder.
pub(crate) fn subscribe(sim: &Simulator, deployments: &[Deployment]) -> usize {
    let mut ours = 0;
    for (n, deployment) in deployments.iter().enumerate() {
        for kind in [Kind::GuidedFailure, Kind::ManualIntervention] {
            let Some(query) = deployment.script.query(kind, n as u64) else {
                continue;
            };
            sim.add_subscription(
                &deployment.target.space_id,
                SubscriptionSpec {
                    name: format!("{} {}", deployment.target.project_id, kind.category()),
                    is_disabled: false,
                    webhook_uri: format!("{WEBHOOK_URL}?{query}"),
                    header_key: Some(HEADER.to_owned()),
                    header_value: harness::apigw::rule_token(&query, TOKEN),
                    filter: SubscriptionFilter {
                        event_categories: vec![kind.category().to_owned()],
                        projects: vec![deployment.target.project_id.clone()],
                        ..SubscriptionFilter::default()
                    },
                },
            );
            ours += 1;
        }
    }
    if let Some(first) = deployments.first() {
        sim.add_subscription(
            &first.target.space_id,
            SubscriptionSpec {
                name: "deployments to chat".to_owned(),
                webhook_uri: ELSEWHERE_URL.to_owned(),
                ..SubscriptionSpec::default()
            },
        );
    }
    ours
}

/// sweep-interruptions as its Lambda would run it, with its metric lines kept.
pub(crate) struct SweepSide {
    sweeper: Sweeper<SweepPublisher>,
    publisher: SweepPublisher,
    metrics: MetricLines,
    window: Window,
}

impl SweepSide {
    pub(crate) fn new(octopus: Settings, sqs: aws_sdk_sqs::Client, queue_url: &str) -> Result<Self, Error> {
        let window = Window::default();
        let metrics = MetricLines::default();
        let settings = SweepSettings {
            webhook_urls: WebhookUrls::parse(WEBHOOK_URL)?,
            spaces: None,
            window,
            dry_run: false,
        };
        let publisher = SweepPublisher {
            live: SqsPublisher::new(sqs, queue_url.to_owned()),
            hook: Arc::default(),
        };
        let sweeper =
            Sweeper::new(HttpOctopus::new(octopus)?, publisher.clone(), settings).with_metrics(metrics.sink());
        Ok(Self {
            sweeper,
            publisher,
            metrics,
            window,
        })
    }
}

/// A lost webhook to deliver now, and whom to tell once it is answered.
type LateWebhook = (Delivery, Option<oneshot::Sender<()>>);

/// Which of the two records of a race goes to the queue first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RaceOrder {
    /// The webhook is accepted before the sweep queues its message: the sweep read the
    /// interruption as pending, then the webhook arrived.
    WebhookFirst,
    /// The webhook is delivered while the sweep queues its message.
    AtOnce,
    /// The webhook arrives just after the sweep queued its message.
    SweepFirst,
}

impl RaceOrder {
    pub const ALL: [Self; 3] = [Self::WebhookFirst, Self::AtOnce, Self::SweepFirst];

    pub fn describe(self) -> &'static str {
        match self {
            Self::WebhookFirst => "webhook just before the sweep's message",
            Self::AtOnce => "both at once",
            Self::SweepFirst => "webhook just after the sweep's message",
        }
    }
}

/// The sweep's publisher: the real SQS one, with a hook that delivers a lost webhook late right
/// next to the sweep's message of its interruption: in turn just before it, at the same time,
/// and just after it. Clones share the hook.
#[derive(Clone)]
struct SweepPublisher {
    live: SqsPublisher,
    hook: Arc<Mutex<Hook>>,
}

#[derive(Default)]
struct Hook {
    /// When SQS took each of the sweep's messages, by interruption.
    published: HashMap<String, Instant>,
    /// How each race went, by interruption.
    orders: HashMap<String, RaceOrder>,
    /// The current sweep's late webhooks.
    turn: Option<LateTurn>,
}

struct LateTurn {
    /// Lost webhooks not delivered yet, by interruption.
    lost: HashMap<String, Delivery>,
    every: usize,
    /// Messages the sweep queued so far.
    queued: usize,
    to: mpsc::UnboundedSender<LateWebhook>,
}

impl SweepPublisher {
    fn lock(&self) -> std::sync::MutexGuard<'_, Hook> {
        self.hook.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the sweep's message of `interruption` gets its lost webhook late, and where to
    /// send it: every `every`-th message of a sweep whose interruption lost its webhook.
    fn late_for(&self, interruption: &str) -> Option<(Delivery, RaceOrder, mpsc::UnboundedSender<LateWebhook>)> {
        let mut hook = self.lock();
        let turn = hook.turn.as_mut()?;
        turn.queued += 1;
        if turn.every == 0 || !(turn.queued - 1).is_multiple_of(turn.every) {
            return None;
        }
        let delivery = turn.lost.remove(interruption)?;
        let to = turn.to.clone();
        let order = RaceOrder::ALL[hook.orders.len() % RaceOrder::ALL.len()];
        hook.orders.insert(interruption.to_owned(), order);
        let late = Delivery {
            why: Why::LostLate,
            ..delivery
        };
        Some((late, order, to))
    }
}

impl MessagePublisher for SweepPublisher {
    async fn publish(&self, message: OutgoingMessage) -> Result<String, PublishError> {
        let interruption = message
            .deduplication_id
            .strip_prefix("sweep-")
            .unwrap_or_default()
            .to_owned();
        let late = self.late_for(&interruption);
        match &late {
            Some((delivery, RaceOrder::WebhookFirst, to)) => {
                let (answered, accepted) = oneshot::channel();
                if to.send((delivery.clone(), Some(answered))).is_ok() {
                    let _ = accepted.await;
                }
            }
            Some((delivery, RaceOrder::AtOnce, to)) => {
                let _ = to.send((delivery.clone(), None));
            }
            _ => {}
        }
        let id = self.live.publish(message).await?;
        self.lock().published.insert(interruption, Instant::now());
        if let Some((delivery, RaceOrder::SweepFirst, to)) = late {
            let _ = to.send((delivery, None));
        }
        Ok(id)
    }
}

/// One scheduled sweep within a round, and the lost webhooks that may come late.
pub(crate) struct SweepTurn<'a> {
    side: &'a SweepSide,
    /// Lost webhooks not delivered yet, by interruption.
    lost: HashMap<String, Delivery>,
    late_every: usize,
}

/// What one sweep did and when.
pub(crate) struct SweepOutcome {
    result: Result<Summary, SweepError>,
    took: Duration,
}

impl SweepTurn<'_> {
    /// Runs the sweep, delivering with `deliver` the lost webhooks that come late, each next to
    /// the sweep's message of its interruption. Returns what the sweep did and those deliveries.
    pub(crate) async fn run<F, Fut>(self, budget: Duration, deliver: F) -> (SweepOutcome, Vec<Delivered>)
    where
        F: Fn(Delivery) -> Fut,
        Fut: Future<Output = Delivered>,
    {
        let (to, mut from) = mpsc::unbounded_channel::<LateWebhook>();
        self.side.publisher.lock().turn = Some(LateTurn {
            lost: self.lost,
            every: self.late_every,
            queued: 0,
            to,
        });
        let sweep = async {
            let began = Instant::now();
            let result = self
                .side
                .sweeper
                .sweep(OffsetDateTime::now_utc(), Deadline::after(budget))
                .await;
            // Closes the channel: the late webhooks end with the sweep.
            self.side.publisher.lock().turn = None;
            SweepOutcome {
                result,
                took: began.elapsed(),
            }
        };
        let late = async {
            let mut delivered = Vec::new();
            while let Some((delivery, answered)) = from.recv().await {
                delivered.push(deliver(delivery).await);
                if let Some(answered) = answered {
                    let _ = answered.send(());
                }
            }
            delivered
        };
        tokio::join!(sweep, late)
    }
}

/// One lost webhook.
#[derive(Debug)]
struct Lost {
    delivery: Delivery,
    /// Its deployment's interruptions are left to a person: the sweep must leave it too.
    left_to_person: bool,
    /// Delivered after all, after a sweep queued its interruption.
    late: bool,
    /// Pending at the first sweep after it was lost (`None` before that sweep).
    pending_at_first_sweep: Option<bool>,
    /// Sweeps that queued its interruption.
    swept: usize,
}

/// Which webhooks were lost, and what the sweeps did about them.
#[derive(Debug)]
pub(crate) struct Ledger {
    config: LostWebhooks,
    grace: Duration,
    subscriptions: usize,
    rng: Rng,
    /// By interruption id.
    lost: BTreeMap<String, Lost>,
    first_deliveries: usize,
    sweeps: usize,
    enqueued: usize,
    pending_seen: usize,
    not_enqueued: BTreeMap<String, usize>,
    took: Latencies,
    /// Interruptions queued by a sweep.
    queued: BTreeSet<String>,
    races: usize,
    problems: Vec<String>,
}

impl Ledger {
    pub(crate) fn new(config: LostWebhooks, seed: u64, side: &SweepSide, subscriptions: usize) -> Self {
        Self {
            config,
            grace: side.window.grace,
            subscriptions,
            rng: Rng::new(seed ^ 0x005E_ED0F_1057),
            lost: BTreeMap::new(),
            first_deliveries: 0,
            sweeps: 0,
            enqueued: 0,
            pending_seen: 0,
            not_enqueued: BTreeMap::new(),
            took: Latencies::default(),
            queued: BTreeSet::new(),
            races: 0,
            problems: Vec::new(),
        }
    }

    /// Loses the configured share of first deliveries, making their interruptions older than
    /// the sweep's grace period; returns the rest.
    pub(crate) fn lose_some<T>(
        &mut self,
        sim: &Simulator,
        deployments: &[Deployment],
        index: &Index,
        firsts: Vec<(usize, T, Delivery)>,
    ) -> Vec<(usize, T, Delivery)> {
        let mut kept = Vec::with_capacity(firsts.len());
        for (n, kind, delivery) in firsts {
            self.first_deliveries += 1;
            if self.rng.between(0, 99) >= self.config.percent {
                kept.push((n, kind, delivery));
                continue;
            }
            let deployment = &deployments[n];
            let Some(id) = index.interruption_of(sim, &deployment.target.task_id, &delivery.event_id) else {
                self.problems.push(format!(
                    "no interruption raised {}: delivered instead",
                    delivery.event_id
                ));
                kept.push((n, kind, delivery));
                continue;
            };
            sim.set_created(&id, SystemTime::now() - (self.grace + PAST_GRACE));
            self.lost.insert(
                id,
                Lost {
                    delivery,
                    left_to_person: deployment.script.skip_reason().is_some(),
                    late: false,
                    pending_at_first_sweep: None,
                    swept: 0,
                },
            );
        }
        kept
    }

    /// The interruptions a sweep now must queue: of lost webhooks, still pending, answered by
    /// the rules.
    pub(crate) fn waiting(&self, sim: &Simulator) -> BTreeSet<String> {
        self.lost
            .iter()
            .filter(|(id, lost)| !lost.left_to_person && is_pending(sim, id))
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// The sweep of round `round` (from 1), if the schedule has one; a round with nothing to
    /// deliver always sweeps.
    pub(crate) fn turn<'a>(&self, side: &'a SweepSide, round: usize, idle: bool) -> Option<SweepTurn<'a>> {
        if !idle && !round.is_multiple_of(self.config.sweep_every.max(1)) {
            return None;
        }
        let lost = self
            .lost
            .iter()
            .filter(|(_, lost)| !lost.late)
            .map(|(id, lost)| (id.clone(), lost.delivery.clone()))
            .collect();
        Some(SweepTurn {
            side,
            lost,
            late_every: self.config.late_every,
        })
    }

    /// Books one sweep: it must have queued exactly `expected`; `delivered` holds the round's
    /// deliveries, the late ones among them.
    pub(crate) fn record(&mut self, expected: &BTreeSet<String>, outcome: SweepOutcome, delivered: &[Delivered]) {
        self.sweeps += 1;
        self.took.push(outcome.took);
        let summary = match outcome.result {
            Ok(summary) => summary,
            Err(error) => {
                self.problems.push(format!("sweep {} failed: {error}", self.sweeps));
                return;
            }
        };
        self.pending_seen += summary.pending_seen;
        self.enqueued += summary.enqueued.len();
        for (reason, n) in &summary.not_enqueued {
            *self.not_enqueued.entry((*reason).to_owned()).or_default() += n;
        }
        if summary.subscriptions_usable != self.subscriptions {
            self.problems.push(format!(
                "sweep {} used {} subscriptions of {} seen, not the {} pointing at the responder (unusable: {:?})",
                self.sweeps,
                summary.subscriptions_usable,
                summary.subscriptions_seen,
                self.subscriptions,
                summary.unusable
            ));
        }
        let queued: BTreeSet<String> = summary.enqueued.iter().map(|q| q.interruption_id.clone()).collect();
        if &queued != expected {
            self.problems.push(format!(
                "sweep {} queued {:?}, which no lost webhook left waiting (delivered, or within the grace period), \
                 and missed {:?}, which a lost webhook left waiting",
                self.sweeps,
                queued.difference(expected).collect::<Vec<_>>(),
                expected.difference(&queued).collect::<Vec<_>>()
            ));
        }
        for id in &queued {
            self.queued.insert(id.clone());
            if let Some(lost) = self.lost.get_mut(id) {
                lost.swept += 1;
            }
        }
        for (id, lost) in &mut self.lost {
            lost.pending_at_first_sweep.get_or_insert_with(|| expected.contains(id));
        }
        for late in delivered.iter().filter(|d| d.delivery.why == Why::LostLate) {
            let found = self
                .lost
                .iter_mut()
                .find(|(_, lost)| lost.delivery.event_id == late.delivery.event_id);
            let Some((id, lost)) = found else {
                self.problems
                    .push(format!("late webhook {} was never lost", late.delivery.event_id));
                continue;
            };
            lost.late = true;
            if late.status == 202 && queued.contains(id) {
                self.races += 1;
            }
        }
    }

    /// The figures, from the ledger, what the pollers saw and what Octopus received.
    pub(crate) fn figures(&self, sim: &Simulator, log: &EsmLog, side: &SweepSide) -> Result<SweepFigures, Error> {
        let never_delivered = || self.lost.values().filter(|lost| !lost.late && !lost.left_to_person);
        let (published, orders) = {
            let hook = side.publisher.lock();
            (hook.published.clone(), hook.orders.clone())
        };
        let mut swept_to_answered = Latencies::default();
        let mut answered = BTreeSet::new();
        let mut swept_records = 0;
        for receipt in &log.receipts {
            let Some(number) = receipt
                .event_id
                .as_deref()
                .and_then(|e| e.strip_prefix(SWEPT_EVENT_PREFIX))
            else {
                continue;
            };
            swept_records += 1;
            let interruption = format!("Interruptions-{number}");
            if receipt.succeeded
                && answered.insert(interruption.clone())
                && let Some(queued) = published.get(&interruption)
            {
                swept_to_answered.push(receipt.answered_at.saturating_duration_since(*queued));
            }
        }
        // Who answered: the Notes name the webhook's event, or say the sweep found it.
        let by_sweep: HashMap<String, bool> = sim
            .submissions()
            .into_iter()
            .map(|s| {
                let notes = s.values.get("Notes").cloned().flatten().unwrap_or_default();
                (s.interruption_id, notes.contains("Found by the sweep"))
            })
            .collect();
        let mut race_answers: BTreeMap<RaceOrder, [usize; 2]> = BTreeMap::new();
        for (id, order) in &orders {
            if let Some(sweep_answered) = by_sweep.get(id) {
                race_answers.entry(*order).or_default()[usize::from(*sweep_answered)] += 1;
            }
        }
        Ok(SweepFigures {
            lost_percent: self.config.percent,
            sweep_every: self.config.sweep_every,
            grace: self.grace,
            subscriptions: self.subscriptions,
            sweeps: self.sweeps,
            first_deliveries: self.first_deliveries,
            lost: self.lost.len(),
            lost_left_to_person: self.lost.values().filter(|l| l.left_to_person).count(),
            late: self.lost.values().filter(|l| l.late).count(),
            lost_never_delivered: never_delivered().count(),
            lost_never_delivered_swept: never_delivered().filter(|l| l.swept > 0).count(),
            answered_before_a_sweep: never_delivered()
                .filter(|l| l.swept == 0 && l.pending_at_first_sweep == Some(false))
                .count(),
            enqueued: self.enqueued,
            enqueued_distinct: self.queued.len(),
            races: self.races,
            race_answers,
            pending_seen: self.pending_seen,
            not_enqueued: self.not_enqueued.clone(),
            swept_records,
            answered_by_sweep_records: by_sweep.values().filter(|s| **s).count(),
            took: self.took.clone(),
            swept_to_answered,
            metrics: SweepMetricTotals::from_lines(&side.metrics.lines())?,
        })
    }

    /// What went wrong while the scenario ran.
    pub(crate) fn problems(&self) -> &[String] {
        &self.problems
    }
}
