//! A stand-in for CodeDeploy's JSON API (awsJson1.1) on loopback, as far as a lifecycle hook
//! uses it: `ListDeploymentTargets` and `GetDeploymentTarget` for the deployments it was given,
//! and `PutLifecycleEventHookExecutionStatus`, whose reports it records. What CodeDeploy then does
//! is its own: a `Failed` hook fails the deployment, and the deployment groups' auto-rollback on
//! `DEPLOYMENT_FAILURE` (infra/codedeploy.tf, checked by infra/tests/delivery.tftest.hcl) moves
//! `live` back to the current version.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

/// One Lambda deployment: `function`'s `live` from `current` to `target`.
#[derive(Debug, Clone)]
pub struct Deployment {
    pub function: String,
    pub current: String,
    pub target: String,
}

/// What a hook reported for a deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub deployment_id: String,
    pub hook_execution_id: String,
    pub status: String,
}

#[derive(Debug, Default)]
struct Books {
    deployments: HashMap<String, Deployment>,
    reports: Vec<Report>,
}

#[derive(Debug)]
pub struct FakeCodeDeploy {
    address: SocketAddr,
    books: Arc<Mutex<Books>>,
    server: tokio::task::JoinHandle<()>,
}

impl FakeCodeDeploy {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let books = Arc::new(Mutex::new(Books::default()));
        let app = Router::new().route("/", post(handle)).with_state(Arc::clone(&books));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { address, books, server }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn deploy(&self, deployment_id: &str, function: &str, current: &str, target: &str) {
        self.books.lock().unwrap().deployments.insert(
            deployment_id.to_owned(),
            Deployment {
                function: function.to_owned(),
                current: current.to_owned(),
                target: target.to_owned(),
            },
        );
    }

    pub fn reports(&self) -> Vec<Report> {
        self.books.lock().unwrap().reports.clone()
    }
}

impl Drop for FakeCodeDeploy {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn answer(body: Value) -> Response {
    (
        StatusCode::OK,
        [("content-type", "application/x-amz-json-1.1")],
        body.to_string(),
    )
        .into_response()
}

fn refuse(kind: &str, message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [("content-type", "application/x-amz-json-1.1")],
        json!({"__type": kind, "message": message}).to_string(),
    )
        .into_response()
}

async fn handle(State(books): State<Arc<Mutex<Books>>>, headers: HeaderMap, body: String) -> Response {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let request: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let deployment_id = request["deploymentId"].as_str().unwrap_or_default().to_owned();
    let mut books = books.lock().unwrap();
    let Some(deployment) = books.deployments.get(&deployment_id).cloned() else {
        return refuse(
            "DeploymentDoesNotExistException",
            &format!("no deployment {deployment_id}"),
        );
    };
    let target_id = format!("{}:live", deployment.function);
    match target.as_str() {
        "CodeDeploy_20141006.ListDeploymentTargets" => answer(json!({"targetIds": [target_id]})),
        "CodeDeploy_20141006.GetDeploymentTarget" => answer(json!({
            "deploymentTarget": {
                "deploymentTargetType": "LambdaTarget",
                "lambdaTarget": {
                    "deploymentId": deployment_id,
                    "targetId": target_id,
                    "status": "InProgress",
                    "lambdaFunctionInfo": {
                        "functionName": deployment.function,
                        "functionAlias": "live",
                        "currentVersion": deployment.current,
                        "targetVersion": deployment.target,
                    }
                }
            }
        })),
        "CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus" => {
            let status = request["status"].as_str().unwrap_or_default().to_owned();
            let hook_execution_id = request["lifecycleEventHookExecutionId"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            books.reports.push(Report {
                deployment_id,
                hook_execution_id: hook_execution_id.clone(),
                status,
            });
            answer(json!({"lifecycleEventHookExecutionId": hook_execution_id}))
        }
        other => refuse("InvalidOperationException", &format!("not served here: {other}")),
    }
}
