//! Where queued work goes: a one-method `MessagePublisher`, its SQS adapter, and an in-memory
//! one for tests and local runs that need no queue. accept-message publishes webhooks with it;
//! the sweep publishes the interruptions no webhook brought, to the same queue, the same way.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_sqs::types::MessageAttributeValue;
pub use messaging::OutgoingMessage;

/// Why a message could not be queued. The detail is logged, never sent back to the caller.
#[derive(Debug, thiserror::Error)]
#[error("could not send to the queue: {0}")]
pub struct PublishError(pub String);

pub trait MessagePublisher: Send + Sync {
    /// Queues the message and returns its message id.
    fn publish(&self, message: OutgoingMessage) -> impl Future<Output = Result<String, PublishError>> + Send;
}

/// Sends to one SQS queue. A queue URL ending in `.fifo` gets the group and de-duplication ids.
#[derive(Debug, Clone)]
pub struct SqsPublisher {
    client: aws_sdk_sqs::Client,
    queue_url: String,
    fifo: bool,
}

impl SqsPublisher {
    pub fn new(client: aws_sdk_sqs::Client, queue_url: String) -> Self {
        let fifo = queue_url.ends_with(".fifo");
        if !fifo {
            tracing::warn!(
                "the queue is not FIFO: records of one deployment may be processed in parallel and \
                 re-sent webhooks are not de-duplicated by SQS (they are still answered once)"
            );
        }
        Self {
            client,
            queue_url,
            fifo,
        }
    }
}

impl MessagePublisher for SqsPublisher {
    async fn publish(&self, message: OutgoingMessage) -> Result<String, PublishError> {
        let mut request = self
            .client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(message.body);
        for (name, value) in message.attributes {
            let attribute = MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()
                .map_err(|e| PublishError(e.to_string()))?;
            request = request.message_attributes(name, attribute);
        }
        if self.fifo {
            request = request
                .message_group_id(message.group_id)
                .message_deduplication_id(message.deduplication_id);
        }
        let output = request
            .send()
            .await
            .map_err(|e| PublishError(aws_sdk_sqs::error::DisplayErrorContext(e).to_string()))?;
        output
            .message_id
            .ok_or_else(|| PublishError("the queue answered without a message id".to_owned()))
    }
}

/// Keeps every message in memory instead of queueing it, and answers with a made-up message id
/// (`in-memory-N`). For tests of the handler, which then need no SQS. Clones share the messages.
#[derive(Debug, Clone, Default)]
pub struct InMemoryPublisher {
    messages: Arc<Mutex<Vec<OutgoingMessage>>>,
}

impl InMemoryPublisher {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every message published so far, in order.
    pub fn messages(&self) -> Vec<OutgoingMessage> {
        self.messages.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl MessagePublisher for InMemoryPublisher {
    async fn publish(&self, message: OutgoingMessage) -> Result<String, PublishError> {
        let mut messages = self.messages.lock().unwrap_or_else(PoisonError::into_inner);
        messages.push(message);
        Ok(format!("in-memory-{}", messages.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(body: &str) -> OutgoingMessage {
        OutgoingMessage {
            body: body.to_owned(),
            attributes: vec![("Type", "Guidance".to_owned())],
            group_id: "ServerTasks-1".to_owned(),
            deduplication_id: "Events-1".to_owned(),
        }
    }

    #[tokio::test]
    async fn the_in_memory_publisher_keeps_messages_in_order_and_clones_share_them() {
        let publisher = InMemoryPublisher::new();
        let clone = publisher.clone();

        let first = publisher.publish(message("one")).await.unwrap();
        let second = clone.publish(message("two")).await.unwrap();

        assert_eq!((first.as_str(), second.as_str()), ("in-memory-1", "in-memory-2"));
        assert_eq!(publisher.messages(), vec![message("one"), message("two")]);
    }
}
