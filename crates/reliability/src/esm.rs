//! An SQS event source mapping, emulated: pollers receive batches, hand them to process-message,
//! delete what succeeded (`DeleteMessageBatch`) and give the failures back with a visibility
//! timeout, so SQS counts each receive and moves a message to the dead-letter queue past the
//! redrive limit. Unlike `harness::sqs::pump` (failures visible again at once) the failures come
//! back after `redelivery_delay_secs`, as they do in Lambda, so a short Octopus outage does not
//! burn through `maxReceiveCount` in a tight loop.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use aws_lambda_events::sqs::SqsMessage;
use aws_sdk_sqs::types::{ChangeMessageVisibilityBatchRequestEntry, DeleteMessageBatchRequestEntry, Message};
use harness::sqs;

use crate::Error;
use crate::stats::Latencies;

/// One message as a poller received it.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub message_id: String,
    /// The `EventId` message attribute accept-message sets.
    pub event_id: Option<String>,
    /// SQS's `ApproximateReceiveCount`, this receive included.
    pub receive_count: u32,
    pub received_at: Instant,
    /// When the batch it came in was answered.
    pub answered_at: Instant,
    /// Whether process-message reported it as succeeded.
    pub succeeded: bool,
}

/// Everything the pollers saw.
#[derive(Debug, Default)]
pub struct EsmLog {
    pub receipts: Vec<Receipt>,
    /// `process_batch` durations, one per batch.
    pub batches: Latencies,
    pub records: usize,
    pub failed: usize,
    /// Batches that held two or more records of one deployment.
    pub same_deployment_batches: usize,
    /// Bodies and attribute values of every message received (kept for the secrets scan).
    pub contents: Vec<String>,
}

/// The mapping's settings.
#[derive(Debug, Clone)]
pub struct Esm {
    pub queue_url: String,
    pub queue_arn: String,
    /// Records per invocation, 1..=10.
    pub batch_size: i32,
    /// Concurrent pollers (concurrent invocations).
    pub pollers: usize,
    /// The visibility timeout given back to failed records, in seconds.
    pub redelivery_delay_secs: i32,
    /// Keep the bodies and attributes of what was received.
    pub keep_contents: bool,
}

impl Esm {
    /// Polls until `producer_done` is set and the queue holds nothing (visible or in flight),
    /// or fails once `limit` has passed.
    pub async fn run<H, F>(
        &self,
        client: &aws_sdk_sqs::Client,
        handler: &H,
        producer_done: &AtomicBool,
        log: &Mutex<EsmLog>,
        limit: Duration,
    ) -> Result<(), Error>
    where
        H: Fn(Vec<SqsMessage>) -> F,
        F: Future<Output = Vec<String>>,
    {
        let until = Instant::now() + limit;
        let pollers = (0..self.pollers.max(1)).map(|_| self.poll(client, handler, producer_done, log, until));
        futures::future::try_join_all(pollers).await.map(|_| ())
    }

    async fn poll<H, F>(
        &self,
        client: &aws_sdk_sqs::Client,
        handler: &H,
        producer_done: &AtomicBool,
        log: &Mutex<EsmLog>,
        until: Instant,
    ) -> Result<(), Error>
    where
        H: Fn(Vec<SqsMessage>) -> F,
        F: Future<Output = Vec<String>>,
    {
        loop {
            if Instant::now() > until {
                return Err(format!("the queue was not drained in time ({})", self.queue_url).into());
            }
            let messages = sqs::receive(client, &self.queue_url, self.batch_size, 0).await?;
            if messages.is_empty() {
                if producer_done.load(Ordering::SeqCst) && sqs::depth(client, &self.queue_url).await? == 0 {
                    return Ok(());
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
                continue;
            }
            let received_at = Instant::now();
            let event = sqs::to_event(&messages, &self.queue_arn);
            let failed = handler(event.records).await;
            let answered_at = Instant::now();
            self.settle(client, &messages, &failed).await?;
            let mut log = log.lock().map_err(|_| "esm log poisoned")?;
            log.batches.push(answered_at - received_at);
            log.records += messages.len();
            log.failed += failed.len();
            if has_two_of_one_deployment(&messages) {
                log.same_deployment_batches += 1;
            }
            for message in &messages {
                let message_id = message.message_id.clone().unwrap_or_default();
                log.receipts.push(Receipt {
                    succeeded: !failed.contains(&message_id),
                    message_id,
                    event_id: attribute(message, messaging::EVENT_ID),
                    receive_count: receive_count(message),
                    received_at,
                    answered_at,
                });
                if self.keep_contents {
                    log.contents.push(contents(message));
                }
            }
        }
    }

    /// Deletes the successes and gives the failures back after the redelivery delay.
    async fn settle(&self, client: &aws_sdk_sqs::Client, messages: &[Message], failed: &[String]) -> Result<(), Error> {
        let (mut delete, mut retry) = (Vec::new(), Vec::new());
        for (n, message) in messages.iter().enumerate() {
            let (Some(id), Some(handle)) = (&message.message_id, &message.receipt_handle) else {
                continue;
            };
            if failed.contains(id) {
                retry.push(
                    ChangeMessageVisibilityBatchRequestEntry::builder()
                        .id(format!("m{n}"))
                        .receipt_handle(handle)
                        .visibility_timeout(self.redelivery_delay_secs)
                        .build()?,
                );
            } else {
                delete.push(
                    DeleteMessageBatchRequestEntry::builder()
                        .id(format!("m{n}"))
                        .receipt_handle(handle)
                        .build()?,
                );
            }
        }
        if !delete.is_empty() {
            let out = client
                .delete_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(delete))
                .send()
                .await?;
            if !out.failed.is_empty() {
                return Err(format!("DeleteMessageBatch failed for {:?}", out.failed).into());
            }
        }
        if !retry.is_empty() {
            client
                .change_message_visibility_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(retry))
                .send()
                .await?;
        }
        Ok(())
    }
}

fn attribute(message: &Message, name: &str) -> Option<String> {
    message.message_attributes.as_ref()?.get(name)?.string_value.clone()
}

fn receive_count(message: &Message) -> u32 {
    use aws_sdk_sqs::types::MessageSystemAttributeName as A;
    message
        .attributes
        .as_ref()
        .and_then(|a| a.get(&A::ApproximateReceiveCount))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn has_two_of_one_deployment(messages: &[Message]) -> bool {
    let mut seen = HashSet::new();
    messages
        .iter()
        .filter_map(|m| messaging::payload::event_from_body(m.body.as_deref()?).ok())
        .any(|event| !seen.insert(event.document_id))
}

fn contents(message: &Message) -> String {
    let mut text = message.body.clone().unwrap_or_default();
    for (name, value) in message.message_attributes.iter().flatten() {
        text.push('\n');
        text.push_str(name);
        text.push('=');
        text.push_str(value.string_value.as_deref().unwrap_or_default());
    }
    text
}

/// Every message left on a queue (a dead-letter queue, say), received until none is left.
pub async fn drain(client: &aws_sdk_sqs::Client, queue_url: &str) -> Result<Vec<Message>, Error> {
    let mut all = Vec::new();
    loop {
        let batch = sqs::receive(client, queue_url, 10, 0).await?;
        if batch.is_empty() {
            return Ok(all);
        }
        for message in &batch {
            if let Some(handle) = &message.receipt_handle {
                client
                    .delete_message()
                    .queue_url(queue_url)
                    .receipt_handle(handle)
                    .send()
                    .await?;
            }
        }
        all.extend(batch);
    }
}

/// The text of a received message, body and attributes, for scanning.
pub fn message_text(message: &Message) -> String {
    contents(message)
}
