//! sweep-interruptions: the Lambda entry point. Reads config and the Octopus API key once per
//! cold start, builds the Octopus and SQS clients once, then sweeps on every scheduled event.

use std::sync::Arc;

use lambda_runtime::{Error, LambdaEvent, service_fn};
use messaging::config::Env;
use octopus::HttpOctopus;
use queue::SqsPublisher;
use sweep_interruptions::{Config, Sweeper};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_lookup(&Env)?;
    let octopus = HttpOctopus::new(config.octopus.settings().await?)?;
    let aws = aws_config::load_from_env().await;
    let publisher = SqsPublisher::new(aws_sdk_sqs::Client::new(&aws), config.queue_url);
    let sweeper = Arc::new(
        Sweeper::new(octopus, publisher, config.sweep)
            .with_dimensions(config.dimensions)
            .with_notifier(config.notifier, config.octopus.server_url.as_str()),
    );
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
        let sweeper = Arc::clone(&sweeper);
        async move { sweeper.handle(event).await }
    }))
    .await
}
