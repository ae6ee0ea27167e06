//! The demo script: real-shaped webhooks through accept-message into a moto queue.

use accept_message::{Acceptor, SqsPublisher, WebhookAuth};
use harness::apigw::WebhookRequest;
use harness::{Moto, sqs};
use lambda_http::http::HeaderName;

const TOKEN: &str = "demo-webhook-token";
const HEADER: &str = "x-octopus-webhook-token";
const GUIDED_FAILURE: &str = include_str!("../../accept-message/tests/fixtures/subscription-guided-failure.json");

pub type DemoError = Box<dyn std::error::Error + Send + Sync>;

pub async fn run() -> Result<(), DemoError> {
    let moto = Moto::start()?;
    println!("local SQS (moto) at {}", moto.endpoint());
    let sqs = aws_sdk_sqs::Client::new(&moto.sdk_config().await);
    let (queue_url, _dlq_url) = moto.create_queue_pair(&sqs, true, 3).await?;
    println!("queue {queue_url}");
    let auth = WebhookAuth::new(HeaderName::from_static(HEADER), Some(TOKEN.to_owned().into()));
    let acceptor = Acceptor::new(SqsPublisher::new(sqs.clone(), queue_url.clone()), auth);

    let steps = [
        ("guided failure, rule Retry x3", WebhookRequest::post("type=Guidance&action=Retry&maximumretry=3", GUIDED_FAILURE).header(HEADER, TOKEN)),
        ("the same event sent again", WebhookRequest::post("type=Guidance&action=Retry&maximumretry=3", GUIDED_FAILURE).header(HEADER, TOKEN)),
        ("guided failure sent to a manual-intervention rule", WebhookRequest::post("type=Result&action=Proceed", GUIDED_FAILURE).header(HEADER, TOKEN)),
        ("forged request without the webhook header", WebhookRequest::post("type=Result&action=Proceed", GUIDED_FAILURE)),
    ];
    for (what, request) in steps {
        let response = acceptor.handle(request.to_request()).await;
        let body = String::from_utf8_lossy(response.body().as_ref()).into_owned();
        println!("POST /octopus/webhook  {what:<50} -> {} {body}", response.status().as_u16());
    }
    let queued = sqs::receive(&sqs, &queue_url, 10, 0).await?;
    println!("messages on the queue: {} (duplicates removed by the FIFO de-duplication id)", queued.len());
    drop(moto);
    Ok(())
}
