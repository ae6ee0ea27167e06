//! The demo script. Each step prints what was sent and what Octopus (the simulator) ended up
//! with, and checks it against what the rule promises.

use std::time::Duration;

use accept_message::{Acceptor, SqsPublisher, WebhookAuth};
use harness::apigw::WebhookRequest;
use harness::{Moto, sqs};
use lambda_http::http::HeaderName;
use octopus::{Deadline, HttpOctopus, Settings};
use octopus_sim::Simulator;
use process_message::{Handler, Options};

const HEADER: &str = "X-Octopus-Webhook-Token";
const TOKEN: &str = "demo-webhook-token";

pub type DemoError = Box<dyn std::error::Error + Send + Sync>;

struct Demo {
    sim: Simulator,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    dlq_url: String,
    acceptor: Acceptor<SqsPublisher>,
    responder: Handler<HttpOctopus>,
}

pub async fn run() -> Result<(), DemoError> {
    let moto = Moto::start()?;
    let sim = Simulator::start().await?;
    println!("local SQS (moto)      {}", moto.endpoint());
    println!("Octopus simulator     {}\n", sim.base_url());
    let sqs = aws_sdk_sqs::Client::new(&moto.sdk_config().await);
    let (queue_url, dlq_url) = moto.create_queue_pair(&sqs, true, 3).await?;
    let auth = WebhookAuth::new(
        HeaderName::from_static("x-octopus-webhook-token"),
        Some(TOKEN.to_owned().into()),
    );
    let octopus = HttpOctopus::new(Settings::new(sim.base_url().parse()?, sim.api_key().to_owned().into()))?;
    let demo = Demo {
        acceptor: Acceptor::new(SqsPublisher::new(sqs.clone(), queue_url.clone()), auth),
        // The demo prints its own report; the EMF metric lines would only clutter it.
        responder: Handler::new(octopus, Options::default()).with_metrics(std::sync::Arc::new(|_: &str| {})),
        sim,
        sqs,
        queue_url,
        dlq_url,
    };
    let result = demo.script().await;
    demo.sim.shutdown().await;
    drop(moto);
    result
}

impl Demo {
    async fn script(&self) -> Result<(), DemoError> {
        println!("1. A deployment step keeps failing; the rule retries once (maximumretry=1), then fails.");
        let deployment = self.sim.add_deployment("Spaces-1");
        self.sim.set_retry_outcome(&deployment, 1);
        let first = self.sim.raise_guided_failure(&deployment, &[]);
        let query = "type=Guidance&action=Retry&maximumretry=1";
        self.deliver(query, &first.event_id, true).await?;
        let answer = self.last_answer("Guidance")?;
        expect(answer.0 == "Retry", "the first guided failure is answered Retry")?;
        let second = self
            .sim
            .event_ids(&deployment.task_id, "GuidedFailureInterruptionRaised");
        let second = second.first().ok_or("the retried step did not fail again")?;
        self.deliver(query, second, true).await?;
        expect(
            self.last_answer("Guidance")?.0 == "Fail",
            "the second guided failure is answered Fail",
        )?;

        println!("\n2. A manual intervention; the rule proceeds.");
        let approval = self.sim.add_deployment("Spaces-1");
        let raised = self.sim.raise_manual_intervention(&approval);
        self.deliver("type=Result&action=Proceed", &raised.event_id, true)
            .await?;
        expect(
            self.last_answer("Result")?.0 == "Proceed",
            "the manual intervention is answered Proceed",
        )?;

        println!("\n3. A forged request (no webhook header) tries to approve another manual intervention.");
        let target = self.sim.add_deployment("Spaces-1");
        let forged = self.sim.raise_manual_intervention(&target);
        self.deliver("type=Result&action=Proceed", &forged.event_id, false)
            .await?;
        let still_pending = self
            .sim
            .interruption(&forged.interruption_id)
            .map(|i| i["IsPending"] == true);
        expect(still_pending == Some(true), "the forged request changed nothing")?;

        let (queued, dead) = (
            sqs::depth(&self.sqs, &self.queue_url).await?,
            sqs::depth(&self.sqs, &self.dlq_url).await?,
        );
        println!("\nqueue: {queued} message(s) left, dead-letter queue: {dead}");
        println!(
            "Octopus received {} submission(s), 0 from the forged request",
            self.sim.submissions().len()
        );
        expect(
            queued == 0 && dead == 0 && self.sim.submissions().len() == 3,
            "everything answered, nothing lost",
        )?;
        println!("\ndemo finished: every outcome as expected");
        Ok(())
    }

    /// Posts the webhook Octopus would send for `event_id`, then lets process-message run.
    async fn deliver(&self, query: &str, event_id: &str, authenticated: bool) -> Result<(), DemoError> {
        let body = self
            .sim
            .webhook_body(event_id, HEADER, TOKEN)
            .ok_or("unknown event")?
            .to_string();
        let mut request = WebhookRequest::post(query, body);
        if authenticated {
            request = request.header(HEADER, TOKEN);
        }
        let response = self.acceptor.handle(request.to_request()).await;
        let answer = String::from_utf8_lossy(response.body().as_ref()).into_owned();
        let who = if authenticated { "" } else { " (no webhook header)" };
        println!(
            "   POST /octopus/webhook?{query}{who}\n     -> {} {answer}",
            response.status().as_u16()
        );
        let responder = &self.responder;
        let stats = sqs::pump(&self.sqs, &self.queue_url, 10, 10, |event| async move {
            let deadline = Deadline::after(Duration::from_secs(30));
            match responder.process_batch(event.records, deadline).await {
                Ok(response) => response
                    .batch_item_failures
                    .into_iter()
                    .map(|f| f.item_identifier)
                    .collect(),
                Err(e) => vec![e.to_string()],
            }
        })
        .await?;
        println!(
            "   process-message: {} record(s), {} failed",
            stats.records, stats.failed
        );
        Ok(())
    }

    fn last_answer(&self, element: &str) -> Result<(String, String), DemoError> {
        let submission = self.sim.submissions().pop().ok_or("nothing was submitted")?;
        let value = submission.values.get(element).cloned().flatten().unwrap_or_default();
        let notes = submission.values.get("Notes").cloned().flatten().unwrap_or_default();
        println!(
            "   Octopus: {} answered {element}={value}\n     Notes: {notes}",
            submission.interruption_id
        );
        Ok((value, notes))
    }
}

fn expect(ok: bool, what: &str) -> Result<(), DemoError> {
    if ok {
        println!("   ok: {what}");
        Ok(())
    } else {
        Err(format!("expected: {what}").into())
    }
}
