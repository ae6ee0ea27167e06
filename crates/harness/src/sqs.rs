//! What the SQS event source mapping does for process-message, done by hand: receive messages,
//! turn them into the `SqsEvent` Lambda would deliver, and delete the ones that succeeded.

use std::collections::HashMap;

use aws_lambda_events::sqs::{SqsEvent, SqsMessage, SqsMessageAttribute};
use aws_sdk_sqs::types::{Message, MessageSystemAttributeName};

/// Receives up to `max` (1..=10) messages with all attributes, waiting at most `wait_seconds`.
pub async fn receive(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    max: i32,
    wait_seconds: i32,
) -> Result<Vec<Message>, aws_sdk_sqs::Error> {
    Ok(sqs
        .receive_message()
        .queue_url(queue_url)
        .max_number_of_messages(max)
        .wait_time_seconds(wait_seconds)
        .message_attribute_names("All")
        .message_system_attribute_names(MessageSystemAttributeName::All)
        .send()
        .await?
        .messages
        .unwrap_or_default())
}

/// The Lambda `SqsEvent` for received messages.
pub fn to_event(messages: &[Message], queue_arn: &str) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = messages.iter().map(|m| to_record(m, queue_arn)).collect();
    event
}

fn to_record(message: &Message, queue_arn: &str) -> SqsMessage {
    let mut record = SqsMessage::default();
    record.message_id = message.message_id.clone();
    record.receipt_handle = message.receipt_handle.clone();
    record.body = message.body.clone();
    record.md5_of_body = message.md5_of_body.clone();
    record.event_source = Some("aws:sqs".to_owned());
    record.event_source_arn = Some(queue_arn.to_owned());
    record.aws_region = Some("us-east-1".to_owned());
    record.attributes = message
        .attributes
        .iter()
        .flatten()
        .map(|(k, v)| (k.as_str().to_owned(), v.clone()))
        .collect();
    record.message_attributes = message
        .message_attributes
        .iter()
        .flatten()
        .map(|(name, value)| {
            let mut attribute = SqsMessageAttribute::default();
            attribute.string_value = value.string_value.clone();
            attribute.data_type = Some(value.data_type.clone());
            (name.clone(), attribute)
        })
        .collect::<HashMap<_, _>>();
    record
}

/// Deletes the messages whose ids are not in `failed`, as the event source mapping does with a
/// partial batch response. Returns how many were deleted.
pub async fn delete_succeeded(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    messages: &[Message],
    failed: &[String],
) -> Result<usize, aws_sdk_sqs::Error> {
    let mut deleted = 0;
    for message in messages {
        let id = message.message_id.as_deref().unwrap_or_default();
        if failed.iter().any(|f| f == id) {
            continue;
        }
        if let Some(handle) = &message.receipt_handle {
            sqs.delete_message()
                .queue_url(queue_url)
                .receipt_handle(handle)
                .send()
                .await?;
            deleted += 1;
        }
    }
    Ok(deleted)
}

/// Approximate number of visible plus in-flight messages.
pub async fn depth(sqs: &aws_sdk_sqs::Client, queue_url: &str) -> Result<usize, aws_sdk_sqs::Error> {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(queue_url)
        .attribute_names(A::ApproximateNumberOfMessages)
        .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await?
        .attributes
        .unwrap_or_default();
    let count = |name: A| attributes.get(&name).and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
    Ok(count(A::ApproximateNumberOfMessages) + count(A::ApproximateNumberOfMessagesNotVisible))
}

/// One SQS record as Lambda delivers it, from a message id, String attributes and a body.
pub fn record(message_id: &str, attributes: &[(&str, &str)], body: &str) -> SqsMessage {
    let mut record = SqsMessage::default();
    record.message_id = Some(message_id.to_owned());
    record.receipt_handle = Some(format!("handle-{message_id}"));
    record.body = Some(body.to_owned());
    record.event_source = Some("aws:sqs".to_owned());
    record.message_attributes = attributes
        .iter()
        .map(|(name, value)| {
            let mut attribute = SqsMessageAttribute::default();
            attribute.string_value = Some((*value).to_owned());
            attribute.data_type = Some("String".to_owned());
            ((*name).to_owned(), attribute)
        })
        .collect();
    record
}

/// The queue's ARN, as the event source mapping puts it on each record.
pub async fn queue_arn(sqs: &aws_sdk_sqs::Client, queue_url: &str) -> Result<String, aws_sdk_sqs::Error> {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    Ok(sqs
        .get_queue_attributes()
        .queue_url(queue_url)
        .attribute_names(A::QueueArn)
        .send()
        .await?
        .attributes
        .and_then(|a| a.get(&A::QueueArn).cloned())
        .unwrap_or_default())
}

/// What [`pump`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PumpStats {
    pub batches: usize,
    pub records: usize,
    pub deleted: usize,
    pub failed: usize,
}

/// An emulation of the SQS event source mapping: receive a batch, hand it to `handler` (which
/// returns the failed message ids, as a partial batch response), delete the rest, and make the
/// failed ones visible again at once (as if their visibility timeout had run out), so SQS counts
/// the receive and, past the redrive limit, moves them to the dead-letter queue. Stops when a
/// receive comes back empty or after `max_batches`.
pub async fn pump<F, Fut>(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    batch_size: i32,
    max_batches: usize,
    mut handler: F,
) -> Result<PumpStats, aws_sdk_sqs::Error>
where
    F: FnMut(SqsEvent) -> Fut,
    Fut: std::future::Future<Output = Vec<String>>,
{
    let arn = queue_arn(sqs, queue_url).await?;
    let mut stats = PumpStats::default();
    while stats.batches < max_batches {
        let messages = receive(sqs, queue_url, batch_size, 0).await?;
        if messages.is_empty() {
            break;
        }
        let failed = handler(to_event(&messages, &arn)).await;
        stats.batches += 1;
        stats.records += messages.len();
        stats.failed += failed.len();
        stats.deleted += delete_succeeded(sqs, queue_url, &messages, &failed).await?;
        for message in messages
            .iter()
            .filter(|m| failed.iter().any(|f| Some(f.as_str()) == m.message_id.as_deref()))
        {
            if let Some(handle) = &message.receipt_handle {
                sqs.change_message_visibility()
                    .queue_url(queue_url)
                    .receipt_handle(handle)
                    .visibility_timeout(0)
                    .send()
                    .await?;
            }
        }
    }
    Ok(stats)
}
