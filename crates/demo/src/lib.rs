//! The demo script. Each step prints what was sent and what Octopus (the simulator) ended up
//! with, and checks it against what the rule promises.

use std::time::{Duration, SystemTime};

use accept_message::{Acceptor, SqsPublisher, WebhookAuth};
use harness::apigw::{WebhookRequest, rule_token};
use harness::notices::NoticeChannel;
use harness::{Moto, sqs};
use lambda_http::http::HeaderName;
use octopus::{Deadline, HttpOctopus, Settings};
use octopus_sim::{Simulator, SubscriptionFilter, SubscriptionSpec};
use process_message::{Handler, Options};
use sweep_interruptions::subscriptions::WebhookUrls;
use sweep_interruptions::{SweepSettings, Sweeper, Window};

const HEADER: &str = "X-Octopus-Webhook-Token";
/// The environment's webhook secret. No webhook sends it: each presents its rule's token, the
/// HMAC-SHA256 of the rule's canonical query under this secret.
const SECRET: &str = "demo-webhook-secret";
/// The responder's webhook URL, as the subscriptions in Octopus name it.
const WEBHOOK_URL: &str = "https://hooks.example.com/octopus/webhook";
/// How long the sweep leaves an interruption to its webhook (the default, five minutes).
const GRACE: Duration = Duration::from_secs(300);

pub type DemoError = Box<dyn std::error::Error + Send + Sync>;

/// What a delivered webhook presents in its header.
#[derive(Debug, Clone, Copy)]
enum Header<'a> {
    /// The token of the rule in its own URL, as its subscription sends it.
    RuleToken,
    /// The token of another rule (the rule's canonical query or any spelling of it).
    TokenOf(&'a str),
    /// No header at all.
    Missing,
}

struct Demo {
    sim: Simulator,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    dlq_url: String,
    acceptor: Acceptor<SqsPublisher>,
    responder: Handler<HttpOctopus>,
    sweeper: Sweeper<SqsPublisher>,
    /// The "needs a person" topic, with a queue as the person's inbox.
    notices: NoticeChannel,
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
        Some(SECRET.to_owned().into()),
    );
    let octopus = HttpOctopus::new(Settings::new(sim.base_url().parse()?, sim.api_key().to_owned().into()))?;
    let sweep = SweepSettings {
        webhook_urls: WebhookUrls::parse(WEBHOOK_URL)?,
        spaces: None,
        window: Window {
            grace: GRACE,
            ..Window::default()
        },
        dry_run: false,
    };
    let publisher = SqsPublisher::new(sqs.clone(), queue_url.clone());
    let aws = moto.sdk_config().await;
    let notices = NoticeChannel::create(&aws, notify::KEY_ATTRIBUTE).await?;
    let notifier = notify::Notifier::aws_with_config(notices.topic_arn.clone(), notices.table.clone(), aws);
    let server = sim.base_url();
    let demo = Demo {
        acceptor: Acceptor::new(publisher.clone(), auth),
        // The demo prints its own report; the EMF metric lines would only clutter it.
        responder: Handler::new(octopus.clone(), Options::default())
            .with_metrics(std::sync::Arc::new(|_: &str| {}))
            .with_notifier(notifier.clone(), &server),
        sweeper: Sweeper::new(octopus, publisher, sweep)
            .with_metrics(std::sync::Arc::new(|_: &str| {}))
            .with_notifier(notifier, &server),
        notices,
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
        self.deliver(query, &first.event_id, Header::RuleToken).await?;
        let answer = self.last_answer("Guidance")?;
        expect(answer.0 == "Retry", "the first guided failure is answered Retry")?;
        let second = self
            .sim
            .event_ids(&deployment.task_id, "GuidedFailureInterruptionRaised");
        let second = second.first().ok_or("the retried step did not fail again")?;
        self.deliver(query, second, Header::RuleToken).await?;
        expect(
            self.last_answer("Guidance")?.0 == "Fail",
            "the second guided failure is answered Fail",
        )?;
        self.show_notices(1, "the spent budget is reported to a person").await?;

        println!("\n2. A manual intervention; the rule proceeds.");
        let approval = self.sim.add_deployment("Spaces-1");
        let raised = self.sim.raise_manual_intervention(&approval);
        self.deliver("type=Result&action=Proceed", &raised.event_id, Header::RuleToken)
            .await?;
        expect(
            self.last_answer("Result")?.0 == "Proceed",
            "the manual intervention is answered Proceed",
        )?;

        println!(
            "\n3. Forged requests try to approve another manual intervention: one without the webhook header, \
             one with the token of another rule (a header value authorizes its own rule only)."
        );
        let target = self.sim.add_deployment("Spaces-1");
        let forged = self.sim.raise_manual_intervention(&target);
        self.deliver("type=Result&action=Proceed", &forged.event_id, Header::Missing)
            .await?;
        self.deliver(
            "type=Result&action=Proceed",
            &forged.event_id,
            Header::TokenOf("type=Guidance&action=Fail"),
        )
        .await?;
        let still_pending = self
            .sim
            .interruption(&forged.interruption_id)
            .map(|i| i["IsPending"] == true);
        expect(still_pending == Some(true), "the forged requests changed nothing")?;

        self.lost_webhook().await?;
        self.budget_per_failure().await?;
        self.held_by_a_person().await?;

        let (queued, dead) = (
            sqs::depth(&self.sqs, &self.queue_url).await?,
            sqs::depth(&self.sqs, &self.dlq_url).await?,
        );
        println!("\nqueue: {queued} message(s) left, dead-letter queue: {dead}");
        println!(
            "Octopus received {} submission(s), 0 from the forged requests",
            self.sim.submissions().len()
        );
        expect(
            queued == 0 && dead == 0 && self.sim.submissions().len() == 7,
            "everything answered, nothing lost",
        )?;
        println!("\ndemo finished: every outcome as expected");
        Ok(())
    }

    /// Posts the webhook Octopus would send for `event_id` with `header`, then lets
    /// process-message run.
    async fn deliver(&self, query: &str, event_id: &str, header: Header<'_>) -> Result<(), DemoError> {
        let token = match header {
            Header::RuleToken => rule_token(query, SECRET),
            Header::TokenOf(other) => rule_token(other, SECRET),
            Header::Missing => None,
        };
        let body = self
            .sim
            .webhook_body(event_id, HEADER, token.as_deref().unwrap_or_default())
            .ok_or("unknown event")?
            .to_string();
        let mut request = WebhookRequest::post(query, body);
        if let Some(token) = &token {
            request = request.header(HEADER, token);
        }
        let response = self.acceptor.handle(request.to_request()).await;
        let answer = String::from_utf8_lossy(response.body().as_ref()).into_owned();
        let who = match header {
            Header::RuleToken => String::new(),
            Header::TokenOf(other) => format!(" (with the token of {other})"),
            Header::Missing => " (no webhook header)".to_owned(),
        };
        println!(
            "   POST /octopus/webhook?{query}{who}\n     -> {} {answer}",
            response.status().as_u16()
        );
        self.respond().await
    }

    /// Section 4: a subscription points at the responder, but its webhook for one guided failure
    /// never arrives. The scheduled sweep finds the interruption once the grace period is over,
    /// queues it, and process-message answers it by the subscription's rule.
    async fn lost_webhook(&self) -> Result<(), DemoError> {
        println!(
            "\n4. A webhook is lost: Octopus raised a guided failure {} minutes ago and nothing arrived.",
            2 * GRACE.as_secs() / 60
        );
        let query = "type=Guidance&action=Retry&maximumretry=2";
        let uri = format!("{WEBHOOK_URL}?{query}");
        self.sim.add_subscription(
            "Spaces-1",
            SubscriptionSpec {
                name: "retry guided failures".to_owned(),
                is_disabled: false,
                webhook_uri: uri.clone(),
                header_key: Some(HEADER.to_owned()),
                header_value: rule_token(query, SECRET),
                filter: SubscriptionFilter {
                    event_categories: vec!["GuidedFailureInterruptionRaised".to_owned()],
                    ..SubscriptionFilter::default()
                },
            },
        );
        println!("   subscription \"retry guided failures\" (Spaces-1) -> {uri}");
        let lost = self.sim.raise_guided_failure(&self.sim.add_deployment("Spaces-1"), &[]);
        let aged = SystemTime::now()
            .checked_sub(2 * GRACE)
            .ok_or("the clock is before the epoch")?;
        // Back-dated past the grace period; no webhook is posted to accept-message for it.
        if !self.sim.set_created(&lost.interruption_id, aged) {
            return Err(format!("the simulator does not know {}", lost.interruption_id).into());
        }
        let fresh = self.sim.raise_guided_failure(&self.sim.add_deployment("Spaces-1"), &[]);
        println!(
            "   pending: {} (raised {} minutes ago, webhook lost), {} (raised just now, webhook may still come)",
            lost.interruption_id,
            2 * GRACE.as_secs() / 60,
            fresh.interruption_id
        );

        let summary = self
            .sweeper
            .sweep(
                time::OffsetDateTime::now_utc(),
                Deadline::after(Duration::from_secs(30)),
            )
            .await?;
        println!(
            "   sweep-interruptions (grace {} minutes): {} space(s), {} subscription(s) pointing at the responder, {} pending",
            GRACE.as_secs() / 60,
            summary.spaces,
            summary.subscriptions_usable,
            summary.pending_seen,
        );
        for queued in &summary.enqueued {
            println!(
                "     queued:     {} by \"{}\" ({})",
                queued.interruption_id,
                queued.subscriptions.join("\", \""),
                queued.rule
            );
        }
        for (reason, count) in &summary.not_enqueued {
            let why = match *reason {
                "no_rule" => "no subscription pointing at the responder would send it",
                "within_grace" => "younger than the grace period: its webhook may still come",
                other => other,
            };
            println!("     not queued: {count}, {why}");
        }
        let queued: Vec<&str> = summary.enqueued.iter().map(|q| q.interruption_id.as_str()).collect();
        expect(
            queued == [lost.interruption_id.as_str()],
            "the sweep queued the interruption whose webhook was lost, and only that one",
        )?;
        self.respond().await?;
        let (value, notes) = self.last_answer("Guidance")?;
        expect(
            value == "Retry" && notes.contains("Found by the sweep: no webhook arrived"),
            "the lost webhook's guided failure is answered Retry, its Notes say the sweep found it",
        )?;
        let fresh_pending = self
            .sim
            .interruption(&fresh.interruption_id)
            .map(|i| i["IsPending"] == true);
        expect(
            fresh_pending == Some(true),
            "the guided failure raised just now is left to its webhook",
        )?;
        Ok(())
    }

    /// Section 5: a retry budget per failing step and machine, and the rule's `then` answer once
    /// one failure's budget is spent.
    async fn budget_per_failure(&self) -> Result<(), DemoError> {
        println!(
            "\n5. Two machines fail in one round; each failure has its own budget (maximumretry=1, then=Exclude)."
        );
        let query = "type=Guidance&action=Retry&maximumretry=1&then=Exclude";
        let rollout = self.sim.add_deployment("Spaces-1");
        // The first of the two retries Octopus receives fails again; the other succeeds. Which
        // machine that is depends on the order process-message submits in, which nothing promises.
        self.sim.set_retry_outcome(&rollout, 1);
        let web1 = self.sim.raise_guided_failure_on(&rollout, "Deploy web", "web-01", &[]);
        let web2 = self.sim.raise_guided_failure_on(&rollout, "Deploy web", "web-02", &[]);
        let before = self.sim.submissions().len();
        self.deliver(query, &web1.event_id, Header::RuleToken).await?;
        self.deliver(query, &web2.event_id, Header::RuleToken).await?;
        let again = self.sim.event_ids(&rollout.task_id, "GuidedFailureInterruptionRaised");
        let again = again.first().ok_or("neither machine's retry failed again")?;
        self.deliver(query, again, Header::RuleToken).await?;
        let answers = self.answers_since(before, "Guidance");
        let answered = |machine: &str, value: &str| {
            answers
                .iter()
                .any(|(v, notes)| v == value && notes.contains(&format!("'Deploy web' on {machine}")))
        };
        expect(
            answered("web-01", "Retry") && answered("web-02", "Retry"),
            "both machines of the round are retried: one machine's retry is not taken from the other",
        )?;
        let excluded: Vec<&str> = ["web-01", "web-02"]
            .into_iter()
            .filter(|machine| answered(machine, "Exclude"))
            .collect();
        expect(
            excluded.len() == 1 && answers.len() == 3,
            &format!(
                "{} failing again has spent its budget: answered Exclude, the deployment carries on without it",
                excluded.first().copied().unwrap_or("the machine")
            ),
        )?;
        self.show_notices(1, "the spent budget is reported to a person").await
    }

    /// Section 6: someone took responsibility for a guided failure; the responder leaves it to
    /// them and tells a person once, however often the webhook arrives.
    async fn held_by_a_person(&self) -> Result<(), DemoError> {
        println!("\n6. Someone holds a guided failure; the responder leaves it and tells a person (once).");
        let target = self.sim.add_deployment("Spaces-1");
        let held = self
            .sim
            .raise_guided_failure_on(&target, "Migrate database", "db-01", &[]);
        if !self.sim.take_responsibility_as_other_user(&held.interruption_id) {
            return Err("the simulator would not hand the interruption to another user".into());
        }
        println!("   {} is held by {}", held.interruption_id, self.sim.other_user_id());
        let query = "type=Guidance&action=Retry&maximumretry=3";
        self.deliver(query, &held.event_id, Header::RuleToken).await?;
        println!("   Octopus delivers the same webhook again:");
        self.deliver(query, &held.event_id, Header::RuleToken).await?;
        let pending = self
            .sim
            .interruption(&held.interruption_id)
            .map(|i| i["IsPending"] == true);
        expect(
            pending == Some(true),
            "the held guided failure is left to the person holding it",
        )?;
        self.show_notices(1, "one message to the needs-a-person topic, not one per delivery")
            .await
    }

    /// Prints what the "needs a person" topic delivered since last time and checks the count.
    async fn show_notices(&self, expected: usize, what: &str) -> Result<(), DemoError> {
        let delivered = self.notices.delivered().await?;
        for message in &delivered {
            println!("   needs-a-person topic -> {}", message.subject);
            for line in message.body.lines().filter(|l| !l.is_empty()) {
                println!("       {line}");
            }
        }
        expect(delivered.len() == expected, what)
    }

    /// The answers submitted after the first `from`: `(value of element, notes)`.
    fn answers_since(&self, from: usize, element: &str) -> Vec<(String, String)> {
        self.sim
            .submissions()
            .into_iter()
            .skip(from)
            .map(|s| {
                let value = s.values.get(element).cloned().flatten().unwrap_or_default();
                let notes = s.values.get("Notes").cloned().flatten().unwrap_or_default();
                println!(
                    "   Octopus: {} answered {element}={value}\n     Notes: {notes}",
                    s.interruption_id
                );
                (value, notes)
            })
            .collect()
    }

    /// Lets process-message drain the queue, as the SQS event source mapping would.
    async fn respond(&self) -> Result<(), DemoError> {
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
