//! Where accepted webhooks go: a one-method `MessagePublisher` and its SQS adapter.

use std::future::Future;

use aws_sdk_sqs::types::MessageAttributeValue;

/// One message for the queue: the (redacted) payload, String attributes, and the FIFO keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    pub body: String,
    pub attributes: Vec<(&'static str, String)>,
    /// Orders messages of one deployment on a FIFO queue (the task or deployment id).
    pub group_id: String,
    /// De-duplicates re-sent webhooks on a FIFO queue (the Octopus event id).
    pub deduplication_id: String,
}

impl OutgoingMessage {
    /// The size SQS counts against its limit: the body plus each attribute's name, type and value.
    pub fn size(&self) -> usize {
        self.body.len()
            + self
                .attributes
                .iter()
                .map(|(name, value)| name.len() + "String".len() + value.len())
                .sum::<usize>()
    }
}

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
