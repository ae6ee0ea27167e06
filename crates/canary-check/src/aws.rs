//! CodeDeploy, Lambda and SSM through the AWS SDK: the [`Deployments`], [`Invoker`] and
//! [`WebhookSecret`] the hook runs with in AWS (and, in the tests, against stand-ins of both services on loopback).

use aws_sdk_codedeploy::error::DisplayErrorContext;
use aws_sdk_codedeploy::types::LifecycleEventStatus;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;
use secrecy::SecretString;
use secrets::SecretSource;
use serde_json::Value;

use crate::hook::{Deployments, HookError, HookEvent, Invoker, Status, Target, WebhookSecret};
use crate::probes::Invoked;

/// CodeDeploy: a Lambda deployment's one target names the function and the version `live` moves to.
#[derive(Debug, Clone)]
pub struct CodeDeploy(pub aws_sdk_codedeploy::Client);

impl Deployments for CodeDeploy {
    async fn target(&self, deployment_id: &str) -> Result<Target, HookError> {
        let error = |e: &dyn std::fmt::Display| HookError::CodeDeploy(e.to_string());
        let targets = self
            .0
            .list_deployment_targets()
            .deployment_id(deployment_id)
            .send()
            .await
            .map_err(|e| error(&DisplayErrorContext(e)))?;
        let [target_id] = targets.target_ids() else {
            return Err(HookError::CodeDeploy(format!(
                "deployment {deployment_id} has {} targets, not the one of a Lambda deployment",
                targets.target_ids().len()
            )));
        };
        let target = self
            .0
            .get_deployment_target()
            .deployment_id(deployment_id)
            .target_id(target_id)
            .send()
            .await
            .map_err(|e| error(&DisplayErrorContext(e)))?;
        let info = target
            .deployment_target()
            .and_then(|t| t.lambda_target())
            .and_then(|t| t.lambda_function_info())
            .ok_or_else(|| {
                HookError::CodeDeploy(format!(
                    "target {target_id} of {deployment_id} is not a Lambda function"
                ))
            })?;
        match (info.function_name(), info.target_version()) {
            (Some(function), Some(version)) => Ok(Target {
                function: function.to_owned(),
                version: version.to_owned(),
            }),
            _ => Err(HookError::CodeDeploy(format!(
                "target {target_id} of {deployment_id} names no function or target version"
            ))),
        }
    }

    async fn report(&self, event: &HookEvent, status: Status) -> Result<(), HookError> {
        let status = match status {
            Status::Succeeded => LifecycleEventStatus::Succeeded,
            Status::Failed => LifecycleEventStatus::Failed,
        };
        self.0
            .put_lifecycle_event_hook_execution_status()
            .deployment_id(&event.deployment_id)
            .lifecycle_event_hook_execution_id(&event.lifecycle_event_hook_execution_id)
            .status(status)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| HookError::CodeDeploy(DisplayErrorContext(e).to_string()))
    }
}

/// Lambda: a synchronous invocation of one published version.
#[derive(Debug, Clone)]
pub struct Lambda(pub aws_sdk_lambda::Client);

impl Invoker for Lambda {
    async fn invoke(&self, function: &str, version: &str, event: &Value) -> Result<Invoked, HookError> {
        let output = self
            .0
            .invoke()
            .function_name(function)
            .qualifier(version)
            .invocation_type(InvocationType::RequestResponse)
            .payload(Blob::new(event.to_string()))
            .send()
            .await
            .map_err(|e| HookError::Lambda(aws_sdk_lambda::error::DisplayErrorContext(e).to_string()))?;
        let payload = output
            .payload()
            .map(|p| String::from_utf8_lossy(p.as_ref()).into_owned())
            .unwrap_or_default();
        Ok(Invoked {
            function_error: output.function_error().map(str::to_owned),
            payload,
        })
    }
}

/// The webhook secret from its SSM SecureString parameter (or inline), read again for every
/// lifecycle event.
#[derive(Debug, Clone)]
pub struct Secret {
    pub source: SecretSource,
    pub aws: aws_config::SdkConfig,
}

impl WebhookSecret for Secret {
    async fn read(&self) -> Result<SecretString, HookError> {
        self.source
            .clone()
            .resolve(&self.aws)
            .await
            .map_err(|e| HookError::Secret(e.to_string()))
    }
}
