//! The measurements. Each returns plain numbers; `report` compares them with the budgets.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use accept_message::{Acceptor, MessagePublisher, OutgoingMessage, PublishError, SqsPublisher, WebhookAuth};
use aws_lambda_events::sqs::SqsEvent;
use harness::apigw::WebhookRequest;
use lambda_http::http::HeaderName;
use octopus_sim::{Simulator, Target};

use crate::BenchError;
use crate::stats;
use crate::sweep::{GRACE_SECONDS, SweepScenario, WEBHOOK_URL};
use harness::lambda::Running;

pub const HEADER: &str = "X-Octopus-Webhook-Token";
/// The environment's webhook secret; each webhook presents its rule's token, derived from it.
pub const TOKEN: &str = "bench-webhook-token-0123456789";
const RETRY: &[(&str, &str)] = &[("Type", "Guidance"), ("Action", "Retry"), ("MaximumRetry", "3")];
const PROCEED: &[(&str, &str)] = &[("Type", "Result"), ("Action", "Proceed")];

/// Everything the functions talk to, on loopback.
#[derive(Debug)]
pub struct Stage {
    pub sim: Simulator,
    pub sqs: aws_sdk_sqs::Client,
    pub queue_url: String,
    pub moto_endpoint: String,
    pub accept_binary: PathBuf,
    pub process_binary: PathBuf,
    pub sweep_binary: PathBuf,
    /// The sweep's own simulator, holding only [`SweepScenario`].
    pub sweep_sim: Simulator,
    pub sweep_scenario: SweepScenario,
    /// The FIFO queue the sweep's cold starts and memory runs queue to.
    pub sweep_queue_url: String,
    /// A FIFO queue only the checked sweep queues to.
    pub sweep_check_queue_url: String,
    /// The needs-a-person topic and its ledger: configured as in AWS, so a cold start is measured
    /// with notices on (their clients are built only when the first notice is sent).
    pub notices: harness::notices::NoticeChannel,
}

/// The function a measurement runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    Accept,
    Process,
    Sweep,
}

impl Function {
    pub fn name(self) -> &'static str {
        match self {
            Self::Accept => "accept-message",
            Self::Process => "process-message",
            Self::Sweep => "sweep-interruptions",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secrets {
    /// The secret in an environment variable.
    Inline,
    /// The name of an SSM SecureString (on moto), read at cold start.
    Ssm,
}

/// Cold starts of one function: spawn to ready, and the first invocation.
#[derive(Debug, Default, Clone)]
pub struct ColdStarts {
    pub ready: Vec<Duration>,
    pub first_invocation: Vec<Duration>,
}

pub const TOKEN_PARAMETER: &str = "/octo-responder/bench/webhook-token";
pub const API_KEY_PARAMETER: &str = "/octo-responder/bench/octopus-api-key";

impl Stage {
    fn aws_env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT_URL", self.moto_endpoint.as_str()),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_REGION", "us-east-1"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
    }

    pub fn accept_env(&self, secrets: Secrets) -> Vec<(String, String)> {
        let mut env = self.aws_env();
        env.push(("QUEUE_URL".into(), self.queue_url.clone()));
        env.push(match secrets {
            Secrets::Inline => ("WEBHOOK_TOKEN".into(), TOKEN.into()),
            Secrets::Ssm => ("WEBHOOK_TOKEN_PARAMETER".into(), TOKEN_PARAMETER.into()),
        });
        env
    }

    /// What process-message and the sweep are told about the needs-a-person topic.
    fn notices_env(&self) -> Vec<(String, String)> {
        vec![
            (notify::NEEDS_A_PERSON_TOPIC_ARN.into(), self.notices.topic_arn.clone()),
            (notify::NOTICES_TABLE.into(), self.notices.table.clone()),
        ]
    }

    pub fn process_env(&self, secrets: Secrets) -> Vec<(String, String)> {
        let mut env = self.aws_env();
        env.extend(self.notices_env());
        env.push(("OCTOPUS_SERVER_URL".into(), self.sim.base_url()));
        env.push(match secrets {
            Secrets::Inline => ("OCTOPUS_API_KEY".into(), self.sim.api_key().to_owned()),
            Secrets::Ssm => ("OCTOPUS_API_KEY_PARAMETER".into(), API_KEY_PARAMETER.into()),
        });
        env
    }

    /// The sweep over its own simulator, queueing to the sweep queue.
    pub fn sweep_env(&self, secrets: Secrets) -> Vec<(String, String)> {
        let mut env = self.aws_env();
        env.extend(self.notices_env());
        env.push(("OCTOPUS_SERVER_URL".into(), self.sweep_sim.base_url()));
        env.push(match secrets {
            Secrets::Inline => ("OCTOPUS_API_KEY".into(), self.sweep_sim.api_key().to_owned()),
            Secrets::Ssm => ("OCTOPUS_API_KEY_PARAMETER".into(), API_KEY_PARAMETER.into()),
        });
        env.push(("QUEUE_URL".into(), self.sweep_queue_url.clone()));
        env.push(("WEBHOOK_URLS".into(), WEBHOOK_URL.into()));
        env.push(("SWEEP_GRACE_SECONDS".into(), GRACE_SECONDS.to_string()));
        env
    }

    /// An API Gateway event carrying the webhook for a new guided failure.
    pub fn webhook_event(&self) -> Result<String, BenchError> {
        let target = self.sim.add_deployment("Spaces-1");
        let raised = self.sim.raise_guided_failure(&target, &[]);
        let query = "type=Guidance&action=Retry&maximumretry=3";
        // The subscription for the rule sends the rule's token, and Octopus echoes it.
        let token = harness::apigw::rule_token(query, TOKEN).ok_or("not a rule")?;
        let body = self
            .sim
            .webhook_body(&raised.event_id, HEADER, &token)
            .ok_or("unknown event")?;
        let request = WebhookRequest::signed(query, body.to_string(), HEADER, TOKEN);
        Ok(request.to_event().to_string())
    }

    /// An SQS event with one record per `(target, event id, rule)`.
    pub fn sqs_event(&self, records: &[(String, &[(&str, &str)])]) -> Result<String, BenchError> {
        let mut event = SqsEvent::default();
        for (n, (event_id, rule)) in records.iter().enumerate() {
            let body = self
                .sim
                .webhook_body(event_id, HEADER, "redacted")
                .ok_or("unknown event")?;
            let mut attributes = rule.to_vec();
            attributes.push(("EventId", event_id));
            event.records.push(harness::sqs::record(
                &format!("bench-{n}"),
                &attributes,
                &body.to_string(),
            ));
        }
        Ok(serde_json::to_string(&event)?)
    }

    pub fn guided_failure_event(&self) -> Result<(Target, String), BenchError> {
        let target = self.sim.add_deployment("Spaces-1");
        let raised = self.sim.raise_guided_failure(&target, &[]);
        Ok((target, self.sqs_event(&[(raised.event_id, RETRY)])?))
    }

    /// Cold starts of `function`; the sweep's first invocation is a whole sweep of its scenario.
    pub async fn cold_starts(
        &self,
        function: Function,
        secrets: Secrets,
        runs: usize,
    ) -> Result<ColdStarts, BenchError> {
        let mut result = ColdStarts::default();
        for _ in 0..runs {
            let (binary, env, event) = match function {
                Function::Accept => (&self.accept_binary, self.accept_env(secrets), self.webhook_event()?),
                Function::Process => (
                    &self.process_binary,
                    self.process_env(secrets),
                    self.guided_failure_event()?.1,
                ),
                Function::Sweep => (&self.sweep_binary, self.sweep_env(secrets), "{}".to_owned()),
            };
            let mut running = Running::start(binary, function.name(), &env).await?;
            let (first, answer) = running.invoke(event).await?;
            if function == Function::Sweep {
                self.sweep_scenario.check_summary(&answer.body)?;
            }
            result.ready.push(running.ready);
            result.first_invocation.push(first);
            running.stop().await;
        }
        Ok(result)
    }

    /// Peak RSS of accept-message over 10 webhooks, in KiB.
    pub async fn accept_peak_rss(&self) -> Result<u64, BenchError> {
        let mut running =
            Running::start(&self.accept_binary, "accept-message", &self.accept_env(Secrets::Inline)).await?;
        for _ in 0..10 {
            running.invoke(self.webhook_event()?).await?;
        }
        let peak = running.peak_rss_kib().ok_or("no /proc status")?;
        running.stop().await;
        Ok(peak)
    }

    /// Peak RSS of process-message over one batch of 10 records (10 deployments), in KiB.
    pub async fn process_peak_rss(&self) -> Result<u64, BenchError> {
        let mut running = Running::start(
            &self.process_binary,
            "process-message",
            &self.process_env(Secrets::Inline),
        )
        .await?;
        let records: Vec<(String, &[(&str, &str)])> = (0..10)
            .map(|_| {
                let target = self.sim.add_deployment("Spaces-1");
                (self.sim.raise_guided_failure(&target, &[]).event_id, RETRY)
            })
            .collect();
        running.invoke(self.sqs_event(&records)?).await?;
        let peak = running.peak_rss_kib().ok_or("no /proc status")?;
        running.stop().await;
        Ok(peak)
    }
}

impl Stage {
    /// Peak RSS of sweep-interruptions over 3 sweeps of its scenario, in KiB.
    pub async fn sweep_peak_rss(&self) -> Result<u64, BenchError> {
        let mut running = Running::start(
            &self.sweep_binary,
            Function::Sweep.name(),
            &self.sweep_env(Secrets::Inline),
        )
        .await?;
        for _ in 0..3 {
            let (_, answer) = running.invoke("{}".to_owned()).await?;
            self.sweep_scenario.check_summary(&answer.body)?;
        }
        let peak = running.peak_rss_kib().ok_or("no /proc status")?;
        running.stop().await;
        Ok(peak)
    }
}

/// One process-message invocation against the simulator with a fixed latency per request.
#[derive(Debug, Clone, Copy)]
pub struct RoundTrips {
    pub duration: Duration,
    pub requests: usize,
    pub sequential: usize,
}

impl Stage {
    /// Runs the scenarios of round trips on one warm process-message.
    pub async fn round_trips(&self, latency: Duration) -> Result<[RoundTrips; 4], BenchError> {
        let mut running = Running::start(
            &self.process_binary,
            "process-message",
            &self.process_env(Secrets::Inline),
        )
        .await?;
        running.invoke(self.guided_failure_event()?.1).await?; // warm: connection pool and lazy state
        self.sim.set_latency(latency);

        let single = self.measure(&mut running, self.guided_failure_event()?.1).await?;

        let (target, event) = self.guided_failure_event()?;
        self.take_responsibility_as_responder(&target).await?;
        let responsible = self.measure(&mut running, event).await?;

        let records: Vec<(String, &[(&str, &str)])> = (0..10)
            .map(|_| {
                let target = self.sim.add_deployment("Spaces-1");
                (self.sim.raise_guided_failure(&target, &[]).event_id, RETRY)
            })
            .collect();
        let ten_deployments = self.measure(&mut running, self.sqs_event(&records)?).await?;

        let target = self.sim.add_deployment("Spaces-1");
        let records: Vec<(String, &[(&str, &str)])> = (0..10)
            .map(|_| (self.sim.raise_manual_intervention(&target).event_id, PROCEED))
            .collect();
        let one_deployment = self.measure(&mut running, self.sqs_event(&records)?).await?;

        self.sim.set_latency(Duration::ZERO);
        running.stop().await;
        Ok([single, responsible, ten_deployments, one_deployment])
    }

    async fn measure(&self, running: &mut Running, event: String) -> Result<RoundTrips, BenchError> {
        let before = self.sim.requests().len();
        let (duration, answer) = running.invoke(event).await?;
        if answer.body.contains("itemIdentifier") {
            return Err(format!("records failed: {}", answer.body).into());
        }
        let requests = self.sim.requests()[before..].to_vec();
        Ok(RoundTrips {
            duration,
            requests: requests.len(),
            sequential: stats::critical_path(&requests),
        })
    }

    /// Makes the responder's own user responsible for the target's pending interruption.
    async fn take_responsibility_as_responder(&self, target: &Target) -> Result<(), BenchError> {
        let id = self.sim.interruption_ids().pop().ok_or("no interruption")?;
        let url = format!(
            "{}/api/{}/interruptions/{id}/responsible",
            self.sim.base_url(),
            target.space_id
        );
        let status = reqwest::Client::new()
            .put(url)
            .header("X-Octopus-ApiKey", self.sim.api_key())
            .send()
            .await?
            .status();
        if !status.is_success() {
            return Err(format!("taking responsibility answered {status}").into());
        }
        Ok(())
    }
}

/// A publisher that queues nothing: the handler's own cost, without SQS.
#[derive(Debug)]
struct NullPublisher;

impl MessagePublisher for NullPublisher {
    async fn publish(&self, message: OutgoingMessage) -> Result<String, PublishError> {
        Ok(format!("null-{}", message.deduplication_id))
    }
}

fn auth() -> WebhookAuth {
    WebhookAuth::new(
        HeaderName::from_static("x-octopus-webhook-token"),
        Some(TOKEN.to_owned().into()),
    )
}

/// accept-message's handler per request with no queue behind it: (mean, p99).
pub async fn accept_overhead(stage: &Stage, requests: usize) -> Result<(Duration, Duration), BenchError> {
    let acceptor = Acceptor::new(NullPublisher, auth());
    let event = stage.webhook_event()?;
    let prepared: Vec<_> = (0..requests)
        .map(|_| lambda_http::request::from_str(&event))
        .collect::<Result<_, _>>()?;
    let mut samples = Vec::with_capacity(requests);
    let started = Instant::now();
    for request in prepared {
        let one = Instant::now();
        let response = acceptor.handle(request).await;
        samples.push(one.elapsed());
        if response.status() != 202 {
            return Err(format!("accept-message answered {}", response.status()).into());
        }
    }
    Ok((started.elapsed() / requests as u32, stats::percentile(&samples, 99.0)))
}

/// Requests per second through accept-message's handler into the local queue, `concurrency` at once.
pub async fn accept_throughput(stage: &Stage, requests: usize, concurrency: usize) -> Result<f64, BenchError> {
    use futures::StreamExt;
    let acceptor = Arc::new(Acceptor::new(
        SqsPublisher::new(stage.sqs.clone(), stage.queue_url.clone()),
        auth(),
    ));
    let events: Vec<String> = (0..requests).map(|_| stage.webhook_event()).collect::<Result<_, _>>()?;
    let started = Instant::now();
    let statuses: Vec<u16> = futures::stream::iter(events)
        .map(|event| {
            let acceptor = Arc::clone(&acceptor);
            async move {
                match lambda_http::request::from_str(&event) {
                    Ok(request) => acceptor.handle(request).await.status().as_u16(),
                    Err(_) => 0,
                }
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let elapsed = started.elapsed();
    if let Some(bad) = statuses.iter().find(|s| **s != 202) {
        return Err(format!("accept-message answered {bad}").into());
    }
    Ok(requests as f64 / elapsed.as_secs_f64())
}
