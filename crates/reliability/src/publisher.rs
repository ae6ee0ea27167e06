//! Publishers around accept-message's `MessagePublisher`: one that makes SQS unavailable for a
//! window (through the real SDK path, to an address nothing listens on) and one that only
//! records, for the hostile-input properties.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use accept_message::{MessagePublisher, OutgoingMessage, PublishError, SqsPublisher};
use aws_config::SdkConfig;
use aws_sdk_sqs::config::retry::RetryConfig;

/// The real [`SqsPublisher`], except that while a window is open every publish goes to an SQS
/// endpoint that refuses connections, so accept-message sees the SDK error it would see when
/// SQS is unavailable. Keeps a copy of every message that reached the queue. Clones share
/// the window and the copies.
#[derive(Debug, Clone)]
pub struct GatedPublisher(Arc<Gate>);

#[derive(Debug)]
struct Gate {
    live: SqsPublisher,
    dead: SqsPublisher,
    refuse_next: AtomicUsize,
    refused: AtomicUsize,
    published: Mutex<Vec<OutgoingMessage>>,
}

impl GatedPublisher {
    pub fn new(aws: &SdkConfig, sqs: aws_sdk_sqs::Client, queue_url: &str) -> Self {
        let dead_config = aws_sdk_sqs::config::Builder::from(aws)
            .endpoint_url(format!("http://{}", closed_loopback_address()))
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(2)
                    .with_initial_backoff(Duration::from_millis(5)),
            )
            .build();
        let dead = aws_sdk_sqs::Client::from_conf(dead_config);
        Self(Arc::new(Gate {
            live: SqsPublisher::new(sqs, queue_url.to_owned()),
            dead: SqsPublisher::new(dead, queue_url.to_owned()),
            refuse_next: AtomicUsize::new(0),
            refused: AtomicUsize::new(0),
            published: Mutex::new(Vec::new()),
        }))
    }

    /// SQS is unavailable for the next `publishes` publishes.
    pub fn refuse_next(&self, publishes: usize) {
        self.0.refuse_next.store(publishes, Ordering::SeqCst);
    }

    /// How many publishes were refused so far.
    pub fn refused(&self) -> usize {
        self.0.refused.load(Ordering::SeqCst)
    }

    /// Every message SQS accepted, in order.
    pub fn published(&self) -> Vec<OutgoingMessage> {
        self.0.published.lock().map(|p| p.clone()).unwrap_or_default()
    }

    fn take_refusal(&self) -> bool {
        self.0
            .refuse_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}

impl MessagePublisher for GatedPublisher {
    async fn publish(&self, message: OutgoingMessage) -> Result<String, PublishError> {
        if self.take_refusal() {
            self.0.refused.fetch_add(1, Ordering::SeqCst);
            return match self.0.dead.publish(message).await {
                Err(e) => Err(e),
                Ok(id) => Err(PublishError(format!("the closed SQS endpoint accepted {id}"))),
            };
        }
        let copy = message.clone();
        let id = self.0.live.publish(message).await?;
        if let Ok(mut published) = self.0.published.lock() {
            published.push(copy);
        }
        Ok(id)
    }
}

/// A loopback address that refuses connections: a port the OS handed out and was given back.
fn closed_loopback_address() -> String {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.to_string())
        .unwrap_or_else(|_| "127.0.0.1:9".to_owned())
}

/// Records what would be queued and answers with a made-up message id. Clones share the record.
#[derive(Debug, Clone, Default)]
pub struct RecordingPublisher {
    messages: Arc<Mutex<Vec<OutgoingMessage>>>,
}

impl RecordingPublisher {
    pub fn count(&self) -> usize {
        self.messages.lock().map(|m| m.len()).unwrap_or_default()
    }

    pub fn last(&self) -> Option<OutgoingMessage> {
        self.messages.lock().ok().and_then(|m| m.last().cloned())
    }
}

impl MessagePublisher for RecordingPublisher {
    async fn publish(&self, message: OutgoingMessage) -> Result<String, PublishError> {
        let mut messages = self
            .messages
            .lock()
            .map_err(|_| PublishError("recording publisher poisoned".to_owned()))?;
        messages.push(message);
        Ok(format!("recorded-{}", messages.len()))
    }
}
