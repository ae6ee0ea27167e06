//! The AWS side: a DynamoDB table as the ledger of notices already sent (a conditional put per
//! interruption and reason, expiring by TTL) and an SNS topic to publish to. Both clients are
//! built on the first notice, so a cold start that tells nobody does not pay for them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::AttributeValue;
use tokio::sync::OnceCell;

use crate::{Notice, NotifyError};

/// How long a ledger entry is kept: longer than the sweep's maximum age (at most 7 days), so an
/// interruption still answerable is never told about twice.
pub const KEPT_FOR: Duration = Duration::from_secs(30 * 24 * 3600);

/// The ledger table's key attribute (a string: `<space>/<interruption>/<reason>`).
pub const KEY_ATTRIBUTE: &str = "Key";
/// The ledger table's TTL attribute (epoch seconds).
pub const EXPIRES_ATTRIBUTE: &str = "ExpiresAt";

#[derive(Debug, Clone)]
struct Clients {
    sns: aws_sdk_sns::Client,
    dynamodb: aws_sdk_dynamodb::Client,
}

/// An SNS topic and the DynamoDB ledger in front of it.
#[derive(Debug)]
pub struct AwsNotifier {
    topic_arn: String,
    table: String,
    /// Where the clients' configuration comes from: the environment, or a test endpoint.
    config: Option<aws_config::SdkConfig>,
    clients: OnceCell<Clients>,
}

impl AwsNotifier {
    pub fn new(topic_arn: String, table: String, config: Option<aws_config::SdkConfig>) -> Self {
        Self {
            topic_arn,
            table,
            config,
            clients: OnceCell::new(),
        }
    }

    pub fn clients_built(&self) -> bool {
        self.clients.initialized()
    }

    async fn clients(&self) -> &Clients {
        self.clients
            .get_or_init(|| async {
                let config = match &self.config {
                    Some(config) => config.clone(),
                    None => aws_config::load_from_env().await,
                };
                Clients {
                    sns: aws_sdk_sns::Client::new(&config),
                    dynamodb: aws_sdk_dynamodb::Client::new(&config),
                }
            })
            .await
    }

    /// Records `key` as told, unless it already is: `Ok(false)` when it was.
    pub async fn claim(&self, key: &str, notice: &Notice) -> Result<bool, NotifyError> {
        let expires = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .saturating_add(KEPT_FOR)
            .as_secs();
        let put = self
            .clients()
            .await
            .dynamodb
            .put_item()
            .table_name(&self.table)
            .item(KEY_ATTRIBUTE, AttributeValue::S(key.to_owned()))
            .item(EXPIRES_ATTRIBUTE, AttributeValue::N(expires.to_string()))
            .item("Reason", AttributeValue::S(notice.reason.as_str().to_owned()))
            .condition_expression("attribute_not_exists(#key)")
            .expression_attribute_names("#key", KEY_ATTRIBUTE)
            .send()
            .await;
        match put {
            Ok(_) => Ok(true),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(error) => Err(NotifyError::Ledger(
                aws_sdk_dynamodb::error::DisplayErrorContext(error).to_string(),
            )),
        }
    }

    /// Forgets `key`, so that a later record may tell: the message was not sent.
    pub async fn release(&self, key: &str) -> Result<(), NotifyError> {
        self.clients()
            .await
            .dynamodb
            .delete_item()
            .table_name(&self.table)
            .key(KEY_ATTRIBUTE, AttributeValue::S(key.to_owned()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| NotifyError::Ledger(aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string()))
    }

    pub async fn publish(&self, notice: &Notice) -> Result<(), NotifyError> {
        self.clients()
            .await
            .sns
            .publish()
            .topic_arn(&self.topic_arn)
            .subject(notice.subject())
            .message(notice.body())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| NotifyError::Publish(aws_sdk_sns::error::DisplayErrorContext(e).to_string()))
    }
}
