//! The notifier against SNS and DynamoDB on a local moto server: the topic delivers to an SQS
//! queue this test reads, and the ledger is a real table with a conditional put.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use harness::moto::{Moto, unique_name};
use harness::notices::NoticeChannel;
use notify::{KEY_ATTRIBUTE, Notice, Notifier, NotifyError, Reason, Told};

struct Setup {
    config: aws_config::SdkConfig,
    channel: NoticeChannel,
}

/// A topic with an inbox queue subscribed to it, and an empty ledger table.
async fn setup() -> Setup {
    let config = Moto::shared().expect("moto server").sdk_config().await;
    let channel = NoticeChannel::create(&config, KEY_ATTRIBUTE).await.unwrap();
    Setup { config, channel }
}

impl Setup {
    fn notifier(&self) -> Notifier {
        Notifier::aws_with_config(
            self.channel.topic_arn.clone(),
            self.channel.table.clone(),
            self.config.clone(),
        )
    }

    /// Every message the topic delivered so far: (subject, body).
    async fn delivered(&self) -> Vec<(String, String)> {
        let delivered = self.channel.delivered().await.unwrap();
        delivered.into_iter().map(|d| (d.subject, d.body)).collect()
    }
}

fn notice(reason: Reason) -> Notice {
    Notice {
        space_id: "Spaces-1".into(),
        interruption_id: "Interruptions-77".into(),
        reason,
        title: "Deploy Web App release 1.4.2 to Production requires failure guidance".into(),
        failure: Some("'Deploy web' on web-03".into()),
        regarding: vec!["Projects-1".into(), "Environments-2".into()],
        detail: "another user holds responsibility for it".into(),
        link: Notice::task_link("https://octopus.example.com", "Spaces-1", Some("ServerTasks-9")),
    }
}

#[tokio::test]
async fn publishes_once_per_interruption_and_reason_even_from_another_process() {
    let setup = setup().await;
    let first = setup.notifier();
    // Another cold start: its own clients, the same table.
    let second = setup.notifier();
    assert!(!first.clients_built());

    assert_eq!(
        first.tell(&notice(Reason::HeldByAnotherUser)).await.unwrap(),
        Told::Sent
    );
    assert!(first.clients_built());
    assert_eq!(
        second.tell(&notice(Reason::HeldByAnotherUser)).await.unwrap(),
        Told::AlreadyTold
    );
    assert_eq!(first.tell(&notice(Reason::BudgetSpent)).await.unwrap(), Told::Sent);

    let delivered = setup.delivered().await;
    assert_eq!(delivered.len(), 2, "{delivered:?}");
    let (subject, body) = &delivered[0];
    assert!(
        subject.starts_with("octo-responder: a person is needed: Deploy Web App"),
        "{subject}"
    );
    assert!(body.contains("Failure: 'Deploy web' on web-03"), "{body}");
    assert!(
        body.contains("https://octopus.example.com/app#/Spaces-1/tasks/ServerTasks-9"),
        "{body}"
    );
    assert!(delivered[1].1.contains("(budget_spent)"));
}

#[tokio::test]
async fn a_message_that_could_not_be_published_is_not_recorded_as_told() {
    let setup = setup().await;
    let missing_topic = setup.channel.topic_arn.replace("needs-a-person", "no-such-topic");
    let broken = Notifier::aws_with_config(missing_topic, setup.channel.table.clone(), setup.config.clone());

    let error = broken.tell(&notice(Reason::LeftByRule)).await.unwrap_err();
    assert!(matches!(error, NotifyError::Publish(_)), "{error}");

    assert_eq!(
        setup.notifier().tell(&notice(Reason::LeftByRule)).await.unwrap(),
        Told::Sent,
        "the claim was released, so a later record tells"
    );
    assert_eq!(setup.delivered().await.len(), 1);
}

#[tokio::test]
async fn a_missing_ledger_table_is_an_error_and_nothing_is_published() {
    let setup = setup().await;
    let notifier = Notifier::aws_with_config(
        setup.channel.topic_arn.clone(),
        unique_name("no-table"),
        setup.config.clone(),
    );

    let error = notifier.tell(&notice(Reason::ActionNotOffered)).await.unwrap_err();
    assert!(matches!(error, NotifyError::Ledger(_)), "{error}");
    assert!(setup.delivered().await.is_empty());
}
