//! One sweep: read every space's subscriptions and pending interruptions, plan, then queue.
//! Everything is read before anything is queued, so a sweep that cannot read Octopus queues
//! nothing and fails with a line that says what to fix; the schedule's retry and the alarm on
//! failed sweeps catch it. A space costs its subscriptions (one request per page) and, when a
//! subscription there points at the responder, one request per page of pending interruptions:
//! never a request per interruption. An interruption left to a person (held by someone, the
//! answer not offered, not takeable, conflicting rules) is told about once (the `notify` ledger
//! keeps a webhook's record and every later sweep from telling again); a dry run tells nobody.

use futures::StreamExt;
use lambda_runtime::LambdaEvent;
use messaging::SpaceId;
use messaging::swept::SweptInterruption;
use octopus::{Deadline, HttpOctopus, Interruption, OctopusError};
use queue::{MessagePublisher, PublishError};
use telemetry::{Dimensions, MetricsSink, stdout_sink};
use time::OffsetDateTime;

use crate::config::SweepSettings;
use crate::plan::{NotQueued, Planned, plan};
use crate::subscriptions::{Classified, RuleSubscription, classify};
use crate::summary::{Queued, Summary, UnusableSubscription};
use notify::{Notifier, Reason};
use process_message::notices;

/// Spaces read at once.
const SPACES_AT_ONCE: usize = 4;
/// Time kept back from the invocation's deadline to report.
const SAFETY_MARGIN: std::time::Duration = std::time::Duration::from_secs(2);

/// Why a sweep failed. Nothing is queued when Octopus could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error("{hint} ({error})")]
    Octopus { error: OctopusError, hint: String },
    #[error("could not queue {interruption_id}: {error}; the next sweep tries again")]
    Queue {
        interruption_id: String,
        error: PublishError,
    },
}

impl SweepError {
    fn octopus(error: OctopusError, what: &str) -> Self {
        let hint = match error.status() {
            Some(401) => "Octopus refused the API key: set OCTOPUS_API_KEY (or the SSM parameter named by \
                          OCTOPUS_API_KEY_PARAMETER) to a valid key of the responder's user"
                .to_owned(),
            Some(403) => format!(
                "the responder's Octopus user may not read {what}: grant it SubscriptionView and InterruptionView \
                 in the spaces it answers (or set SWEEP_SPACES to those it may read)"
            ),
            _ if error.cause() == "redirected" => {
                "Octopus redirected the sweep: set OCTOPUS_SERVER_URL to the address Octopus is served at".to_owned()
            }
            _ => format!("could not read {what} from Octopus; nothing was queued, the next sweep tries again"),
        };
        Self::Octopus { error, hint }
    }

    /// A short, stable name for logs.
    pub fn cause(&self) -> &'static str {
        match self {
            Self::Octopus { error, .. } => error.cause(),
            Self::Queue { .. } => "queue",
        }
    }
}

impl From<SweepError> for lambda_runtime::Diagnostic {
    fn from(error: SweepError) -> Self {
        Self {
            error_type: format!("SweepError::{}", error.cause()),
            error_message: error.to_string(),
        }
    }
}

/// What one space holds for the sweep.
struct SpaceReading {
    space: SpaceId,
    /// Subscriptions of the space, ours or not.
    seen: usize,
    usable: Vec<RuleSubscription>,
    unusable: Vec<UnusableSubscription>,
    /// Pending interruptions; not read when no subscription there points at the responder.
    pending: Vec<Interruption>,
}

/// The sweep with the clients it was lent at cold start.
pub struct Sweeper<P> {
    octopus: HttpOctopus,
    publisher: P,
    settings: SweepSettings,
    metrics: MetricsSink,
    dimensions: Dimensions,
    notifier: Notifier,
    server_url: String,
}

impl<P> std::fmt::Debug for Sweeper<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sweeper")
            .field("octopus", &self.octopus)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl<P: MessagePublisher> Sweeper<P> {
    pub fn new(octopus: HttpOctopus, publisher: P, settings: SweepSettings) -> Self {
        Self {
            octopus,
            publisher,
            settings,
            metrics: stdout_sink(),
            dimensions: Dimensions::local("sweep-interruptions"),
            notifier: Notifier::off(),
            server_url: String::new(),
        }
    }

    /// Tells a person through `notifier` (links to tasks on `server_url`) about interruptions
    /// the sweep leaves to one.
    pub fn with_notifier(mut self, notifier: Notifier, server_url: &str) -> Self {
        self.notifier = notifier;
        self.server_url = server_url.to_owned();
        self
    }

    /// Sends the EMF lines elsewhere (a buffer in tests, nowhere in the demo).
    pub fn with_metrics(mut self, sink: MetricsSink) -> Self {
        self.metrics = sink;
        self
    }

    /// The environment and function name every metric line carries.
    pub fn with_dimensions(mut self, dimensions: Dimensions) -> Self {
        self.dimensions = dimensions;
        self
    }

    /// The Lambda handler; the answer is the summary. The schedule's event is ignored, but for
    /// `{"dryRun": true}` (the deployment's canary check): a dry run whatever `DRY_RUN` says.
    /// Nothing in an event turns a configured dry run into a real one.
    pub async fn handle(&self, event: LambdaEvent<serde_json::Value>) -> Result<Summary, SweepError> {
        let deadline = Deadline::of_invocation(event.context.deadline, SAFETY_MARGIN);
        let dry_run = self.settings.dry_run || event.payload["dryRun"] == serde_json::Value::Bool(true);
        self.sweep_as(OffsetDateTime::now_utc(), deadline, dry_run).await
    }

    /// One sweep at `now`, as configured.
    pub async fn sweep(&self, now: OffsetDateTime, deadline: Deadline) -> Result<Summary, SweepError> {
        self.sweep_as(now, deadline, self.settings.dry_run).await
    }

    /// One sweep at `now`; with `dry_run`, it reads and reports but queues and tells nothing.
    pub async fn sweep_as(
        &self,
        now: OffsetDateTime,
        deadline: Deadline,
        dry_run: bool,
    ) -> Result<Summary, SweepError> {
        let result = self.sweep_inner(now, deadline, dry_run).await;
        match &result {
            Ok(summary) => {
                summary.log();
                for line in summary.emf_lines(&self.dimensions, telemetry::now_ms()) {
                    (self.metrics)(&line);
                }
            }
            Err(error) => {
                tracing::error!(error = %error, cause = error.cause(), outcome = "failed", "sweep failed");
                let failed = self.dimensions.line(telemetry::now_ms(), None, &[("SweepsFailed", 1)]);
                (self.metrics)(&failed);
            }
        }
        result
    }

    async fn sweep_inner(&self, now: OffsetDateTime, deadline: Deadline, dry_run: bool) -> Result<Summary, SweepError> {
        let spaces = match &self.settings.spaces {
            Some(spaces) => spaces.clone(),
            None => self
                .octopus
                .spaces(deadline)
                .await
                .map_err(|e| SweepError::octopus(e, "the spaces"))?
                .iter()
                .filter_map(|s| SpaceId::parse(&s.id))
                .collect(),
        };
        let mut summary = Summary {
            dry_run,
            spaces: spaces.len(),
            ..Summary::default()
        };
        let readings: Vec<Result<SpaceReading, SweepError>> = futures::stream::iter(spaces)
            .map(|space| self.read_space(space, deadline))
            .buffered(SPACES_AT_ONCE)
            .collect()
            .await;
        let mut planned = Vec::new();
        let readings = readings.into_iter().collect::<Result<Vec<_>, _>>()?;
        for reading in &readings {
            summary.subscriptions_seen += reading.seen;
            summary.subscriptions_usable += reading.usable.len();
            for found in &reading.unusable {
                *summary.subscriptions_unusable.entry(found.reason).or_default() += 1;
                summary.unusable.push(found.clone());
            }
            summary.pending_seen += reading.pending.len();
            for interruption in &reading.pending {
                let verdict = plan(interruption, &reading.usable, now, self.settings.window);
                planned.push((&reading.space, interruption, verdict));
            }
        }
        let mut to_tell = Vec::new();
        for (space, interruption, verdict) in planned {
            match verdict {
                Planned::Skip(reason) => {
                    self.note_skip(space, interruption, reason, &mut summary);
                    to_tell.extend(reason_to_tell(reason).map(|why| (space, interruption, why)));
                }
                Planned::Queue { rule, subscriptions } => {
                    self.queue(space, interruption, rule, subscriptions, &mut summary)
                        .await?;
                }
            }
        }
        if !dry_run {
            for (space, interruption, reason) in to_tell {
                self.tell(space, interruption, reason, &mut summary).await;
            }
        }
        Ok(summary)
    }

    /// Tells a person once; a notice that could not be sent is logged and counted, and the
    /// next sweep tries again.
    async fn tell(&self, space: &SpaceId, interruption: &Interruption, reason: Reason, summary: &mut Summary) {
        let detail = notices::why_left(reason, interruption, None);
        let notice = notices::about(interruption, space.as_str(), reason, detail, &self.server_url);
        match self.notifier.tell(&notice).await {
            Ok(notify::Told::Sent) => summary.people_told += 1,
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(space_id = %space, interruption_id = %interruption.id, reason = reason.as_str(),
                    error = %error, cause = error.cause(), "could not tell a person");
                summary.notices_failed += 1;
            }
        }
    }

    async fn read_space(&self, space: SpaceId, deadline: Deadline) -> Result<SpaceReading, SweepError> {
        let subscriptions = self
            .octopus
            .subscriptions(&space, deadline)
            .await
            .map_err(|e| SweepError::octopus(e, &format!("the subscriptions of {space}")))?;
        let mut usable = Vec::new();
        let mut unusable = Vec::new();
        for subscription in &subscriptions {
            let report = |reason: &'static str, detail: String| UnusableSubscription {
                space_id: space.to_string(),
                subscription_id: subscription.id.clone(),
                name: subscription.name.clone(),
                reason,
                detail,
            };
            match classify(subscription, &self.settings.webhook_urls) {
                Classified::Elsewhere => {}
                Classified::Disabled => unusable.push(report("disabled", "it is disabled".to_owned())),
                Classified::Unusable(why) => {
                    tracing::warn!(space_id = %space, subscription_id = %subscription.id, subscription = %subscription.name,
                        reason = why.reason(), detail = %why, "subscription not used by the sweep");
                    unusable.push(report(why.reason(), why.to_string()));
                }
                Classified::Usable(found) => usable.push(*found),
            }
        }
        let mut pending = if usable.is_empty() {
            Vec::new()
        } else {
            self.octopus
                .pending_in_space(&space, deadline)
                .await
                .map_err(|e| SweepError::octopus(e, &format!("the pending interruptions of {space}")))?
        };
        // Skip/take pages over a newest-first list shift when an interruption is raised mid-read:
        // the same one may come twice. Each is planned once.
        let mut seen = std::collections::HashSet::new();
        pending.retain(|i| seen.insert(i.id.clone()));
        Ok(SpaceReading {
            space,
            seen: subscriptions.len(),
            usable,
            unusable,
            pending,
        })
    }

    fn note_skip(&self, space: &SpaceId, interruption: &Interruption, reason: NotQueued, summary: &mut Summary) {
        *summary.not_enqueued.entry(reason.as_str()).or_default() += 1;
        match reason {
            NotQueued::Conflict => {
                tracing::warn!(space_id = %space, interruption_id = %interruption.id, outcome = reason.as_str(),
                    "subscriptions with different rules would have sent this interruption: left to a person");
                summary.conflicts.push(interruption.id.clone());
            }
            NotQueued::NoRule => {}
            _ => tracing::info!(space_id = %space, interruption_id = %interruption.id, outcome = reason.as_str(),
                "pending interruption not queued"),
        }
    }

    async fn queue(
        &self,
        space: &SpaceId,
        interruption: &Interruption,
        rule: messaging::Rule,
        subscriptions: Vec<String>,
        summary: &mut Summary,
    ) -> Result<(), SweepError> {
        let Some(message) = swept(space, interruption).and_then(|s| s.message(&rule).ok()) else {
            *summary.not_enqueued.entry("no_document").or_default() += 1;
            tracing::warn!(space_id = %space, interruption_id = %interruption.id, outcome = "no_document",
                "pending interruption relates to no task; not queued");
            return Ok(());
        };
        if !summary.dry_run {
            self.publisher
                .publish(message)
                .await
                .map_err(|error| SweepError::Queue {
                    interruption_id: interruption.id.clone(),
                    error,
                })?;
        }
        tracing::info!(space_id = %space, interruption_id = %interruption.id, rule = %rule,
            subscriptions = ?subscriptions, dry_run = summary.dry_run,
            outcome = if summary.dry_run { "would_enqueue" } else { "enqueued" },
            "no webhook answered this interruption: queued for process-message");
        summary.enqueued.push(Queued {
            space_id: space.to_string(),
            interruption_id: interruption.id.clone(),
            rule: rule.to_string(),
            subscriptions,
        });
        Ok(())
    }
}

/// Why a person should hear about an interruption the sweep did not queue, if at all.
fn reason_to_tell(not_queued: NotQueued) -> Option<Reason> {
    match not_queued {
        NotQueued::Conflict => Some(Reason::ConflictingRules),
        NotQueued::LeftToAPerson(reason) => Some(reason.for_a_person()),
        _ => None,
    }
}

/// What the queue message needs of an interruption: its task first among the related ids.
fn swept(space: &SpaceId, interruption: &Interruption) -> Option<SweptInterruption> {
    let mut related: Vec<String> = interruption.task_id.iter().cloned().collect();
    related.extend(
        interruption
            .related_document_ids
            .iter()
            .filter(|d| Some(*d) != interruption.task_id.as_ref())
            .cloned(),
    );
    Some(SweptInterruption {
        interruption_id: messaging::OctopusId::parse(&interruption.id)?,
        space_id: space.clone(),
        related_document_ids: related,
        created: interruption.created.clone()?,
    })
}
