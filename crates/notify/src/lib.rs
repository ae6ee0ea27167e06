//! Telling a person when the responder steps back: an interruption it leaves to a person (held
//! by someone, the answer not offered, not takeable, `then=Leave`, conflicting sweep rules) or
//! answers with a spent retry budget.
//!
//! At most one message per interruption and reason: a redelivered or duplicated record, a
//! webhook and the sweep finding the same interruption, or the next sweep, all claim the same
//! ledger entry first, and only the one that claims it publishes. A message that could not be
//! published releases its claim, so a later record may tell; the answer it reports stands
//! either way.

mod aws;
mod notice;

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use messaging::config::{ConfigError, Lookup, optional};

pub use aws::{AwsNotifier, EXPIRES_ATTRIBUTE, KEPT_FOR, KEY_ATTRIBUTE};
pub use notice::{MAX_SUBJECT, Notice, Reason};

/// The SNS topic a person subscribes to.
pub const NEEDS_A_PERSON_TOPIC_ARN: &str = "NEEDS_A_PERSON_TOPIC_ARN";
/// The DynamoDB table of notices already sent.
pub const NOTICES_TABLE: &str = "NOTICES_TABLE";

/// Why a notice was not sent. Logged and counted; the answer it is about stands.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("could not check or record the notice in the ledger: {0}")]
    Ledger(String),
    #[error("could not publish the notice: {0}")]
    Publish(String),
}

impl NotifyError {
    pub fn cause(&self) -> &'static str {
        match self {
            Self::Ledger(_) => "notice_ledger",
            Self::Publish(_) => "notice_publish",
        }
    }
}

/// What became of one notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Told {
    Sent,
    /// This interruption and reason were told about before.
    AlreadyTold,
    /// Notifications are off (no topic configured).
    Off,
}

/// Where notices go: nowhere, an SNS topic behind a DynamoDB ledger, or memory (tests, demo).
/// Clones share the clients and the memory.
#[derive(Debug, Clone, Default)]
pub struct Notifier(Option<Arc<Channel>>);

#[derive(Debug)]
enum Channel {
    Aws(Box<AwsNotifier>),
    Memory(Memory),
}

#[derive(Debug, Default)]
struct Memory {
    claimed: Mutex<HashSet<String>>,
    sent: Mutex<Vec<Notice>>,
}

/// Reads what an in-memory notifier sent.
#[derive(Debug, Clone)]
pub struct Sent(Arc<Channel>);

impl Sent {
    pub fn notices(&self) -> Vec<Notice> {
        match &*self.0 {
            Channel::Memory(memory) => memory.sent.lock().unwrap_or_else(PoisonError::into_inner).clone(),
            Channel::Aws(_) => Vec::new(),
        }
    }
}

impl Notifier {
    /// Tells nobody.
    pub fn off() -> Self {
        Self(None)
    }

    /// An SNS topic behind a DynamoDB ledger, with clients configured from the environment when
    /// the first notice is sent.
    pub fn aws(topic_arn: String, table: String) -> Self {
        Self(Some(Arc::new(Channel::Aws(Box::new(AwsNotifier::new(
            topic_arn, table, None,
        ))))))
    }

    /// The same with a given SDK configuration (a local endpoint in tests).
    pub fn aws_with_config(topic_arn: String, table: String, config: aws_config::SdkConfig) -> Self {
        Self(Some(Arc::new(Channel::Aws(Box::new(AwsNotifier::new(
            topic_arn,
            table,
            Some(config),
        ))))))
    }

    /// Keeps notices in memory, with the same once-per-interruption-and-reason rule.
    pub fn in_memory() -> (Self, Sent) {
        let channel = Arc::new(Channel::Memory(Memory::default()));
        (Self(Some(Arc::clone(&channel))), Sent(channel))
    }

    /// `NEEDS_A_PERSON_TOPIC_ARN` and `NOTICES_TABLE`: both set, or neither (off).
    pub fn from_lookup(lookup: &impl Lookup) -> Result<Self, ConfigError> {
        match (
            optional(lookup, NEEDS_A_PERSON_TOPIC_ARN),
            optional(lookup, NOTICES_TABLE),
        ) {
            (None, None) => Ok(Self::off()),
            (Some(topic), Some(table)) => Ok(Self::aws(topic, table)),
            (Some(_), None) => Err(ConfigError::Invalid {
                name: NOTICES_TABLE,
                reason: format!("is required with {NEEDS_A_PERSON_TOPIC_ARN}: it keeps a person from being told twice"),
            }),
            (None, Some(_)) => Err(ConfigError::Invalid {
                name: NEEDS_A_PERSON_TOPIC_ARN,
                reason: format!("is required with {NOTICES_TABLE}"),
            }),
        }
    }

    pub fn is_on(&self) -> bool {
        self.0.is_some()
    }

    /// Whether an AWS notifier has built its clients yet (false for the others).
    pub fn clients_built(&self) -> bool {
        matches!(self.0.as_deref(), Some(Channel::Aws(aws)) if aws.clients_built())
    }

    /// Tells a person once per interruption and reason.
    pub async fn tell(&self, notice: &Notice) -> Result<Told, NotifyError> {
        let key = notice.key();
        let told = match self.0.as_deref() {
            None => return Ok(Told::Off),
            Some(Channel::Memory(memory)) => {
                if memory
                    .claimed
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(key)
                {
                    memory
                        .sent
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(notice.clone());
                    Told::Sent
                } else {
                    Told::AlreadyTold
                }
            }
            Some(Channel::Aws(aws)) => {
                if !aws.claim(&key, notice).await? {
                    Told::AlreadyTold
                } else if let Err(error) = aws.publish(notice).await {
                    if let Err(release) = aws.release(&key).await {
                        tracing::warn!(key, error = %release, "could not release the notice's ledger entry; it will not be sent again");
                    }
                    return Err(error);
                } else {
                    Told::Sent
                }
            }
        };
        match told {
            Told::Sent => tracing::info!(interruption_id = %notice.interruption_id, space_id = %notice.space_id,
                reason = notice.reason.as_str(), "a person was told"),
            _ => tracing::debug!(interruption_id = %notice.interruption_id, reason = notice.reason.as_str(),
                "a person was told before"),
        }
        Ok(told)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use messaging::config::Pairs;

    fn notice(interruption: &str, reason: Reason) -> Notice {
        Notice {
            space_id: "Spaces-1".into(),
            interruption_id: interruption.into(),
            reason,
            title: "Deploy Web App release 1.4.2 to Production requires failure guidance".into(),
            failure: None,
            regarding: Vec::new(),
            detail: "held by someone".into(),
            link: Notice::task_link("https://octopus.example.com", "Spaces-1", Some("ServerTasks-1")),
        }
    }

    #[tokio::test]
    async fn one_message_per_interruption_and_reason() {
        let (notifier, sent) = Notifier::in_memory();
        let held = notice("Interruptions-1", Reason::HeldByAnotherUser);

        assert_eq!(notifier.tell(&held).await.unwrap(), Told::Sent);
        assert_eq!(notifier.clone().tell(&held).await.unwrap(), Told::AlreadyTold);
        assert_eq!(
            notifier
                .tell(&notice("Interruptions-1", Reason::BudgetSpent))
                .await
                .unwrap(),
            Told::Sent,
            "another reason is another message"
        );
        assert_eq!(
            notifier
                .tell(&notice("Interruptions-2", Reason::HeldByAnotherUser))
                .await
                .unwrap(),
            Told::Sent
        );
        let keys: Vec<String> = sent.notices().iter().map(Notice::key).collect();
        assert_eq!(
            keys,
            [
                "Spaces-1/Interruptions-1/held_by_another_user",
                "Spaces-1/Interruptions-1/budget_spent",
                "Spaces-1/Interruptions-2/held_by_another_user"
            ]
        );
    }

    #[tokio::test]
    async fn without_a_topic_nobody_is_told() {
        let notifier = Notifier::from_lookup(&Pairs(&[])).unwrap();
        assert!(!notifier.is_on());
        let told = notifier
            .tell(&notice("Interruptions-1", Reason::LeftByRule))
            .await
            .unwrap();
        assert_eq!(told, Told::Off);
    }

    #[test]
    fn a_topic_needs_its_ledger_table_and_builds_no_client_before_the_first_notice() {
        let topic = "arn:aws:sns:eu-west-1:123456789012:octo-responder-dev-needs-a-person";
        let error = Notifier::from_lookup(&Pairs(&[(NEEDS_A_PERSON_TOPIC_ARN, topic)])).unwrap_err();
        assert!(error.to_string().contains(NOTICES_TABLE), "{error}");
        let error = Notifier::from_lookup(&Pairs(&[(NOTICES_TABLE, "notices")])).unwrap_err();
        assert!(error.to_string().contains(NEEDS_A_PERSON_TOPIC_ARN), "{error}");

        let notifier =
            Notifier::from_lookup(&Pairs(&[(NEEDS_A_PERSON_TOPIC_ARN, topic), (NOTICES_TABLE, "notices")])).unwrap();
        assert!(notifier.is_on());
        assert!(!notifier.clients_built(), "no client until the first notice");
    }
}
