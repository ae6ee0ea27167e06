//! accept-message: the Lambda entry point. Reads config and the webhook secret once per cold
//! start, builds the SQS client once, then serves API Gateway HTTP API (payload 2.0) events.

use std::sync::Arc;

use accept_message::{Acceptor, Config, SqsPublisher};
use lambda_http::{Error, service_fn};
use messaging::config::Env;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let config = Config::from_lookup(&Env)?;
    let aws = aws_config::load_from_env().await;
    let token = config.token.clone().resolve(&aws).await?;
    if config.allow_shared_secret && token.is_some() {
        tracing::warn!(
            "the shared webhook secret is accepted besides each rule's token \
             (ALLOW_SHARED_WEBHOOK_SECRET=true): a migration aid; each use is logged with its rule"
        );
    }
    let auth = config.webhook_auth(token);
    let publisher = SqsPublisher::new(aws_sdk_sqs::Client::new(&aws), config.queue_url);
    let acceptor = Arc::new(Acceptor::new(publisher, auth));
    lambda_http::run(service_fn(move |request| {
        let acceptor = Arc::clone(&acceptor);
        async move { Ok::<_, std::convert::Infallible>(acceptor.handle(request).await) }
    }))
    .await
}
