//! One lifecycle event: which function and version the deployment is about, every probe of that
//! function against that version, and the report to CodeDeploy. The hook always reports: a
//! deployment it cannot read, a function that is not one of this environment's, a version that
//! cannot be invoked or answers wrong, all report `Failed`, so CodeDeploy rolls back. Only a
//! report that cannot be sent is an error of the hook itself; CodeDeploy then fails the
//! lifecycle event when its hook time runs out, which rolls back as well.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::config::Config;
use crate::probes::{Invoked, Synthetic, probes};

/// What CodeDeploy sends a lifecycle hook.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HookEvent {
    pub deployment_id: String,
    pub lifecycle_event_hook_execution_id: String,
}

/// The function and version a deployment moves `live` to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub function: String,
    pub version: String,
}

/// What the hook reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Status {
    Succeeded,
    Failed,
}

/// Why the hook could not read the deployment, invoke a version, or report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HookError {
    #[error("CodeDeploy: {0}")]
    CodeDeploy(String),
    #[error("Lambda: {0}")]
    Lambda(String),
    #[error("the webhook secret: {0}")]
    Secret(String),
}

/// CodeDeploy, as far as the hook needs it.
pub trait Deployments {
    /// The function and version the deployment is about.
    fn target(&self, deployment_id: &str) -> impl Future<Output = Result<Target, HookError>> + Send;
    /// Reports the lifecycle event's outcome.
    fn report(&self, event: &HookEvent, status: Status) -> impl Future<Output = Result<(), HookError>> + Send;
}

/// Lambda's Invoke, as far as the hook needs it: one synchronous invocation of a version.
pub trait Invoker {
    fn invoke(
        &self,
        function: &str,
        version: &str,
        event: &Value,
    ) -> impl Future<Output = Result<Invoked, HookError>> + Send;
}

/// The environment's webhook secret, read for every lifecycle event, so that after a rotation
/// the next deployment signs with the new secret however long this instance has been warm.
pub trait WebhookSecret {
    fn read(&self) -> impl Future<Output = Result<SecretString, HookError>> + Send;
}

/// A secret given once (local runs and tests).
impl WebhookSecret for SecretString {
    async fn read(&self) -> Result<SecretString, HookError> {
        Ok(self.clone())
    }
}

/// One probe's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    pub name: &'static str,
    pub passed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// What the hook found and reported: the function's answer to CodeDeploy's invocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    pub deployment_id: String,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub checks: Vec<Check>,
    /// Why the probes could not run at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// The hook, with its CodeDeploy, Lambda and webhook secret.
#[derive(Debug)]
pub struct Hook<D, I, S> {
    deployments: D,
    invoker: I,
    config: Config,
    secret: S,
}

impl<D: Deployments, I: Invoker, S: WebhookSecret> Hook<D, I, S> {
    pub fn new(deployments: D, invoker: I, config: Config, secret: S) -> Self {
        Self {
            deployments,
            invoker,
            config,
            secret,
        }
    }

    /// Checks the deployment's new version and reports the outcome to CodeDeploy.
    pub async fn handle(&self, event: HookEvent) -> Result<Verdict, HookError> {
        let verdict = self.verdict(&event.deployment_id).await;
        let failed: Vec<_> = verdict.checks.iter().filter(|c| !c.passed).map(|c| c.name).collect();
        tracing::info!(
            deployment_id = %verdict.deployment_id,
            function = verdict.function.as_deref().unwrap_or(""),
            version = verdict.version.as_deref().unwrap_or(""),
            status = ?verdict.status,
            checks = verdict.checks.len(),
            failed = ?failed,
            problem = verdict.problem.as_deref().unwrap_or(""),
            outcome = if verdict.status == Status::Succeeded { "succeeded" } else { "failed" },
            "canary check done"
        );
        self.deployments.report(&event, verdict.status).await?;
        Ok(verdict)
    }

    async fn verdict(&self, deployment_id: &str) -> Verdict {
        let mut verdict = Verdict {
            deployment_id: deployment_id.to_owned(),
            status: Status::Failed,
            function: None,
            version: None,
            checks: Vec::new(),
            problem: None,
        };
        let target = match self.deployments.target(deployment_id).await {
            Ok(target) => target,
            Err(error) => {
                verdict.problem = Some(format!("cannot read the deployment: {error}"));
                return verdict;
            }
        };
        verdict.function = Some(target.function.clone());
        verdict.version = Some(target.version.clone());
        let Some(kind) = self.config.functions.kind_of(&target.function) else {
            verdict.problem = Some(format!(
                "{} is not one of this environment's functions: nothing to check it with",
                target.function
            ));
            return verdict;
        };
        let secret = match self.secret.read().await {
            Ok(secret) => secret,
            Err(error) => {
                verdict.problem = Some(format!("cannot sign the synthetic webhooks: {error}"));
                return verdict;
            }
        };
        let synthetic = Synthetic {
            space: self.config.space.clone(),
            task: self.config.task.clone(),
            event_id: Synthetic::event_id_for(deployment_id),
            header_name: self.config.header_name.clone(),
            token: Synthetic::rule_token(secret.expose_secret().as_bytes()),
            now: OffsetDateTime::now_utc(),
        };
        for probe in probes(kind, &synthetic) {
            let outcome = match self
                .invoker
                .invoke(&target.function, &target.version, &probe.event)
                .await
            {
                Ok(invoked) => probe.check(&invoked),
                Err(error) => Err(format!("cannot invoke version {}: {error}", target.version)),
            };
            tracing::info!(
                deployment_id,
                function = %target.function,
                version = %target.version,
                check = probe.name,
                passed = outcome.is_ok(),
                detail = outcome.as_ref().err().map(String::as_str).unwrap_or(""),
                "canary probe"
            );
            verdict.checks.push(Check {
                name: probe.name,
                passed: outcome.is_ok(),
                detail: outcome.err(),
            });
        }
        if !verdict.checks.is_empty() && verdict.checks.iter().all(|c| c.passed) {
            verdict.status = Status::Succeeded;
        }
        verdict
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use messaging::config::Pairs;
    use std::sync::Mutex;

    #[derive(Debug, Default)]
    struct FakeDeployments {
        target: Option<Target>,
        reports: Mutex<Vec<(String, Status)>>,
        report_fails: bool,
    }

    impl Deployments for FakeDeployments {
        async fn target(&self, _: &str) -> Result<Target, HookError> {
            self.target
                .clone()
                .ok_or_else(|| HookError::CodeDeploy("DeploymentDoesNotExistException".into()))
        }

        async fn report(&self, event: &HookEvent, status: Status) -> Result<(), HookError> {
            if self.report_fails {
                return Err(HookError::CodeDeploy("AccessDenied".into()));
            }
            self.reports
                .lock()
                .unwrap()
                .push((event.lifecycle_event_hook_execution_id.clone(), status));
            Ok(())
        }
    }

    /// Answers every invocation with `payload`, recording (function, version, event).
    #[derive(Debug, Default)]
    struct FakeInvoker {
        payload: String,
        calls: Mutex<Vec<(String, String, Value)>>,
    }

    impl Invoker for FakeInvoker {
        async fn invoke(&self, function: &str, version: &str, event: &Value) -> Result<Invoked, HookError> {
            self.calls
                .lock()
                .unwrap()
                .push((function.to_owned(), version.to_owned(), event.clone()));
            Ok(Invoked {
                function_error: None,
                payload: self.payload.clone(),
            })
        }
    }

    fn hook(target: Option<(&str, &str)>, payload: &str) -> Hook<FakeDeployments, FakeInvoker, SecretString> {
        let config = Config::from_lookup(&Pairs(&[
            ("ACCEPT_MESSAGE_FUNCTION", "r-dev-accept-message"),
            ("PROCESS_MESSAGE_FUNCTION", "r-dev-process-message"),
            ("WEBHOOK_HEADER_NAME", "X-Octopus-Webhook-Token"),
            ("WEBHOOK_TOKEN", "an-environment-secret"),
        ]))
        .unwrap();
        let deployments = FakeDeployments {
            target: target.map(|(function, version)| Target {
                function: function.into(),
                version: version.into(),
            }),
            ..FakeDeployments::default()
        };
        let invoker = FakeInvoker {
            payload: payload.into(),
            ..FakeInvoker::default()
        };
        Hook::new(
            deployments,
            invoker,
            config,
            SecretString::from("an-environment-secret"),
        )
    }

    fn event() -> HookEvent {
        serde_json::from_str(r#"{"DeploymentId":"d-ABC","LifecycleEventHookExecutionId":"hook-1"}"#).unwrap()
    }

    #[tokio::test]
    async fn a_version_that_answers_as_expected_is_reported_succeeded_after_invoking_that_version() {
        let hook = hook(Some(("r-dev-process-message", "8")), r#"{"batchItemFailures":[]}"#);
        let verdict = hook.handle(event()).await.unwrap();
        assert_eq!(verdict.status, Status::Succeeded);
        assert_eq!(
            *hook.deployments.reports.lock().unwrap(),
            vec![("hook-1".to_owned(), Status::Succeeded)]
        );
        let calls = hook.invoker.calls.lock().unwrap();
        assert_eq!(calls.len(), 1);
        assert_eq!(
            (calls[0].0.as_str(), calls[0].1.as_str()),
            ("r-dev-process-message", "8")
        );
    }

    #[tokio::test]
    async fn a_version_that_fails_its_record_is_reported_failed_with_why() {
        let hook = hook(
            Some(("r-dev-process-message", "8")),
            r#"{"batchItemFailures":[{"itemIdentifier":"x"}]}"#,
        );
        let verdict = hook.handle(event()).await.unwrap();
        assert_eq!(verdict.status, Status::Failed);
        assert!(
            verdict.checks[0]
                .detail
                .as_deref()
                .unwrap()
                .contains("1 record(s) failed")
        );
        assert_eq!(
            *hook.deployments.reports.lock().unwrap(),
            vec![("hook-1".to_owned(), Status::Failed)]
        );
    }

    #[tokio::test]
    async fn a_deployment_it_cannot_read_or_of_another_function_is_reported_failed_without_invoking() {
        for target in [None, Some(("r-prod-process-message", "3"))] {
            let hook = hook(target, r#"{"batchItemFailures":[]}"#);
            let verdict = hook.handle(event()).await.unwrap();
            assert_eq!(verdict.status, Status::Failed);
            assert!(verdict.problem.is_some());
            assert!(hook.invoker.calls.lock().unwrap().is_empty());
            assert_eq!(hook.deployments.reports.lock().unwrap()[0].1, Status::Failed);
        }
    }

    #[tokio::test]
    async fn the_sweep_of_an_environment_without_one_is_not_checked_but_failed() {
        let hook = hook(Some(("r-dev-sweep-interruptions", "2")), r#"{"dryRun":true}"#);
        assert_eq!(hook.handle(event()).await.unwrap().status, Status::Failed);
    }

    #[tokio::test]
    async fn a_report_that_cannot_be_sent_is_the_hook_s_error() {
        let mut hook = hook(Some(("r-dev-process-message", "8")), r#"{"batchItemFailures":[]}"#);
        hook.deployments.report_fails = true;
        assert!(matches!(hook.handle(event()).await, Err(HookError::CodeDeploy(_))));
    }

    /// A secret that cannot be read (SSM refused).
    #[derive(Debug)]
    struct Unreadable;

    impl WebhookSecret for Unreadable {
        async fn read(&self) -> Result<SecretString, HookError> {
            Err(HookError::Secret("AccessDeniedException".into()))
        }
    }

    #[tokio::test]
    async fn a_secret_that_cannot_be_read_is_reported_failed_without_invoking() {
        let readable = hook(Some(("r-dev-accept-message", "4")), r#"{"statusCode":202}"#);
        let hook = Hook::new(readable.deployments, readable.invoker, readable.config, Unreadable);
        let verdict = hook.handle(event()).await.unwrap();
        assert_eq!(verdict.status, Status::Failed);
        assert!(verdict.problem.as_deref().unwrap().contains("AccessDeniedException"));
        assert!(hook.invoker.calls.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn accept_message_is_sent_one_unsigned_and_one_signed_webhook() {
        let hook = hook(Some(("r-dev-accept-message", "4")), r#"{"statusCode":401}"#);
        let verdict = hook.handle(event()).await.unwrap();
        // Both answered 401: the refusal passes, the signed webhook does not.
        assert_eq!(
            verdict.checks.iter().map(|c| c.passed).collect::<Vec<_>>(),
            vec![true, false]
        );
        assert_eq!(verdict.status, Status::Failed);
        let calls = hook.invoker.calls.lock().unwrap();
        let token = Synthetic::rule_token(b"an-environment-secret");
        assert!(calls[0].2["headers"].get("x-octopus-webhook-token").is_none());
        assert_eq!(
            calls[1].2["headers"]["x-octopus-webhook-token"],
            serde_json::json!(token)
        );
    }
}
