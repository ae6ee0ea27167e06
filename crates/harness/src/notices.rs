//! Where a person's notices land in tests and the demo: an SNS topic on moto with an SQS queue
//! subscribed to it (the person's inbox), and an empty DynamoDB table for the notifier's ledger.

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::{AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType};

use crate::moto::unique_name;

/// One message the topic delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub subject: String,
    pub body: String,
}

#[derive(Debug, Clone)]
pub struct NoticeChannel {
    pub topic_arn: String,
    /// The ledger table, keyed by a string attribute.
    pub table: String,
    pub inbox_url: String,
    sqs: aws_sdk_sqs::Client,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl NoticeChannel {
    /// A new topic, its inbox queue and a ledger table whose hash key is `key_attribute`.
    pub async fn create(config: &SdkConfig, key_attribute: &str) -> Result<Self, BoxError> {
        let sns = aws_sdk_sns::Client::new(config);
        let sqs = aws_sdk_sqs::Client::new(config);
        let topic_arn = sns
            .create_topic()
            .name(unique_name("needs-a-person"))
            .send()
            .await?
            .topic_arn
            .ok_or("the topic has no ARN")?;
        let inbox_url = sqs
            .create_queue()
            .queue_name(unique_name("inbox"))
            .send()
            .await?
            .queue_url
            .ok_or("the inbox has no URL")?;
        let inbox_arn = crate::sqs::queue_arn(&sqs, &inbox_url).await?;
        sns.subscribe()
            .topic_arn(&topic_arn)
            .protocol("sqs")
            .endpoint(inbox_arn)
            .send()
            .await?;
        let table = unique_name("notices");
        aws_sdk_dynamodb::Client::new(config)
            .create_table()
            .table_name(&table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(key_attribute)
                    .attribute_type(ScalarAttributeType::S)
                    .build()?,
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name(key_attribute)
                    .key_type(KeyType::Hash)
                    .build()?,
            )
            .send()
            .await?;
        Ok(Self {
            topic_arn,
            table,
            inbox_url,
            sqs,
        })
    }

    /// Every message delivered since the last call (the inbox is emptied).
    pub async fn delivered(&self) -> Result<Vec<Delivered>, BoxError> {
        let mut delivered = Vec::new();
        loop {
            let messages = crate::sqs::receive(&self.sqs, &self.inbox_url, 10, 0).await?;
            if messages.is_empty() {
                return Ok(delivered);
            }
            for message in messages {
                let envelope: serde_json::Value = serde_json::from_str(message.body().unwrap_or_default())?;
                let field = |name: &str| envelope[name].as_str().unwrap_or_default().to_owned();
                delivered.push(Delivered {
                    subject: field("Subject"),
                    body: field("Message"),
                });
                if let Some(handle) = message.receipt_handle() {
                    self.sqs
                        .delete_message()
                        .queue_url(&self.inbox_url)
                        .receipt_handle(handle)
                        .send()
                        .await?;
                }
            }
        }
    }
}
