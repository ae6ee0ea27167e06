//! process-message: the Lambda entry point. Reads config and the Octopus API key once per cold
//! start, builds one HTTP client, then answers SQS batches with a partial batch response.

use std::sync::Arc;

use lambda_runtime::{Error, LambdaEvent, service_fn};
use messaging::config::Env;
use octopus::HttpOctopus;
use process_message::{Config, Handler};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_lookup(&Env)?;
    let settings = config.octopus_settings().await?;
    let handler = Arc::new(
        Handler::new(HttpOctopus::new(settings)?, config.options)
            .with_dimensions(config.dimensions)
            .with_notifier(config.notifier, config.octopus.server_url.as_str()),
    );
    lambda_runtime::run(service_fn(move |event: LambdaEvent<_>| {
        let handler = Arc::clone(&handler);
        async move { handler.handle(event).await }
    }))
    .await
}
