//! canary-check: the Lambda entry point. Reads its configuration once per cold start, then checks
//! one deployment per CodeDeploy lifecycle event (reading the webhook secret each time).

use std::sync::Arc;

use canary_check::aws::{CodeDeploy, Lambda, Secret};
use canary_check::{Config, Hook, HookEvent};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use messaging::config::Env;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_lookup(&Env)?;
    let aws = aws_config::load_from_env().await;
    let secret = Secret {
        source: config.secret.clone(),
        aws: aws.clone(),
    };
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
