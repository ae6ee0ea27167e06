//! canary-check: the Lambda entry point. Reads its configuration and the webhook secret once per
//! cold start, then checks one deployment per CodeDeploy lifecycle event.

use std::sync::Arc;

use canary_check::aws::{CodeDeploy, Lambda};
use canary_check::{Config, Hook, HookEvent};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use messaging::config::Env;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_lookup(&Env)?;
    let aws = aws_config::load_from_env().await;
    let secret = config.secret.clone().resolve(&aws).await?;
    let hook = Arc::new(Hook::new(
        CodeDeploy(aws_sdk_codedeploy::Client::new(&aws)),
        Lambda(aws_sdk_lambda::Client::new(&aws)),
        config,
        secret,
    ));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<HookEvent>| {
        let hook = Arc::clone(&hook);
        async move { hook.handle(event.payload).await.map_err(Error::from) }
    }))
    .await
}
