//! The notifier against SNS and DynamoDB on a local moto server: the topic delivers to an SQS
//! queue this test reads, and the ledger is a real table with a conditional put.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_sdk_dynamodb::types::{AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType};
use harness::moto::{Moto, unique_name};
use notify::{KEY_ATTRIBUTE, Notice, Notifier, NotifyError, Reason, Told};

struct Setup {
    config: aws_config::SdkConfig,
    topic_arn: String,
    table: String,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
}

/// A topic with a queue subscribed to it, and an empty ledger table.
async fn setup() -> Setup {
    let moto = Moto::shared().expect("moto server");
    let config = moto.sdk_config().await;
    let sns = aws_sdk_sns::Client::new(&config);
    let sqs = aws_sdk_sqs::Client::new(&config);
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let topic_arn = sns
        .create_topic()
        .name(unique_name("needs-a-person"))
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    let queue_url = sqs
        .create_queue()
        .queue_name(unique_name("inbox"))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let queue_arn = harness::sqs::queue_arn(&sqs, &queue_url).await.unwrap();
    sns.subscribe()
        .topic_arn(&topic_arn)
        .protocol("sqs")
        .endpoint(queue_arn)
        .send()
        .await
        .unwrap();
    let table = unique_name("notices");
    dynamodb
        .create_table()
        .table_name(&table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(KEY_ATTRIBUTE)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name(KEY_ATTRIBUTE)
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    Setup {
        config,
        topic_arn,
        table,
        sqs,
        queue_url,
    }
}

impl Setup {
    fn notifier(&self) -> Notifier {
        Notifier::aws_with_config(self.topic_arn.clone(), self.table.clone(), self.config.clone())
    }

    /// Every message the topic delivered so far: (subject, body).
    async fn delivered(&self) -> Vec<(String, String)> {
        let mut delivered = Vec::new();
        loop {
            let received = self
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .send()
                .await
                .unwrap();
            let messages = received.messages.unwrap_or_default();
            if messages.is_empty() {
                return delivered;
            }
            for message in messages {
                let envelope: serde_json::Value = serde_json::from_str(message.body().unwrap()).unwrap();
                delivered.push((
                    envelope["Subject"].as_str().unwrap_or_default().to_owned(),
                    envelope["Message"].as_str().unwrap_or_default().to_owned(),
                ));
                self.sqs
                    .delete_message()
                    .queue_url(&self.queue_url)
                    .receipt_handle(message.receipt_handle().unwrap())
                    .send()
                    .await
                    .unwrap();
            }
        }
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
    let missing_topic = setup.topic_arn.replace("needs-a-person", "no-such-topic");
    let broken = Notifier::aws_with_config(missing_topic, setup.table.clone(), setup.config.clone());

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
    let notifier = Notifier::aws_with_config(setup.topic_arn.clone(), unique_name("no-table"), setup.config.clone());

    let error = notifier.tell(&notice(Reason::ActionNotOffered)).await.unwrap_err();
    assert!(matches!(error, NotifyError::Ledger(_)), "{error}");
    assert!(setup.delivered().await.is_empty());
}
