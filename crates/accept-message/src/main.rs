//! accept-message: the Lambda entry point. Reads config and the webhook secret once per cold
//! start, builds the SQS client once, then serves API Gateway HTTP API (payload 2.0) events.

use std::sync::Arc;

use accept_message::{Acceptor, Config, SqsPublisher, WebhookAuth};
use lambda_http::{Error, service_fn};
use messaging::config::Env;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let config = Config::from_lookup(&Env)?;
    let aws = aws_config::load_from_env().await;
    let token = config.token.resolve(&aws).await?;
    let publisher = SqsPublisher::new(aws_sdk_sqs::Client::new(&aws), config.queue_url);
    let acceptor = Arc::new(Acceptor::new(publisher, WebhookAuth::new(config.header_name, token)));
    lambda_http::run(service_fn(move |request| {
        let acceptor = Arc::clone(&acceptor);
        async move { Ok::<_, std::convert::Infallible>(acceptor.handle(request).await) }
    }))
    .await
}
