//! A stand-in for the Lambda service's `Invoke` API on loopback. Each published version of a
//! function is a real binary with its own environment; an invocation runs that binary under a
//! local Runtime API (a cold start every time) and answers as Lambda does: `200` with the
//! function's response, or `200` with `X-Amz-Function-Error: Unhandled` and the error it
//! reported; `404 ResourceNotFoundException` for a function or version never published. Every
//! invocation is recorded, so a test reads what was invoked, with which qualifier, and what came
//! back, instead of timing anything.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use super::running::Running;

/// One invocation the stand-in answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub function: String,
    pub version: String,
    pub event: String,
    /// The function's response, or the error it reported.
    pub answer: String,
    /// False when the function reported an error (or could not be started).
    pub ok: bool,
}

#[derive(Debug, Clone)]
struct Published {
    binary: PathBuf,
    env: Vec<(String, String)>,
}

#[derive(Debug, Default)]
struct Registry {
    /// (function name, version) to the binary and environment of that version.
    versions: HashMap<(String, String), Published>,
    /// Alias name to version, per function (`live`).
    aliases: HashMap<(String, String), String>,
    invocations: Vec<Invocation>,
}

type Shared = Arc<Mutex<Registry>>;

/// The Invoke API on `http://127.0.0.1:<port>`; stops when dropped.
#[derive(Debug)]
pub struct LocalLambda {
    address: SocketAddr,
    registry: Shared,
    server: tokio::task::JoinHandle<()>,
}

impl LocalLambda {
    pub async fn start() -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let registry = Shared::default();
        let app = Router::new()
            .route("/2015-03-31/functions/{function}/invocations", post(invoke))
            .with_state(Arc::clone(&registry));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            address,
            registry,
            server,
        })
    }

    /// What an AWS SDK client's `endpoint_url` is set to.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Publishes `version` of `function`: `binary` run with `env` (beside the Lambda variables).
    pub fn publish(&self, function: &str, version: &str, binary: &Path, env: &[(&str, &str)]) {
        let published = Published {
            binary: binary.to_path_buf(),
            env: env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        };
        self.lock()
            .versions
            .insert((function.to_owned(), version.to_owned()), published);
    }

    /// Points `alias` of `function` at `version`.
    pub fn alias(&self, function: &str, alias: &str, version: &str) {
        self.lock()
            .aliases
            .insert((function.to_owned(), alias.to_owned()), version.to_owned());
    }

    /// Every invocation so far, in the order they were answered.
    pub fn invocations(&self) -> Vec<Invocation> {
        self.lock().invocations.clone()
    }
}

impl Drop for LocalLambda {
    fn drop(&mut self) {
        self.server.abort();
    }
}

#[derive(Debug, serde::Deserialize)]
struct InvokeQuery {
    #[serde(rename = "Qualifier")]
    qualifier: Option<String>,
}

/// `function` may be a name, `name:qualifier`, or an ARN of either.
fn name_and_qualifier(function: &str, qualifier: Option<String>) -> (String, String) {
    let bare = function.split_once(":function:").map_or(function, |(_, rest)| rest);
    match bare.split_once(':') {
        Some((name, inline)) => (name.to_owned(), qualifier.unwrap_or_else(|| inline.to_owned())),
        None => (bare.to_owned(), qualifier.unwrap_or_else(|| "$LATEST".to_owned())),
    }
}

async fn invoke(
    State(registry): State<Shared>,
    UrlPath(function): UrlPath<String>,
    Query(query): Query<InvokeQuery>,
    body: Bytes,
) -> Response {
    let (name, qualifier) = name_and_qualifier(&function, query.qualifier);
    let found = {
        let registry = registry.lock().unwrap_or_else(PoisonError::into_inner);
        let version = registry
            .aliases
            .get(&(name.clone(), qualifier.clone()))
            .cloned()
            .unwrap_or(qualifier.clone());
        registry
            .versions
            .get(&(name.clone(), version.clone()))
            .cloned()
            .map(|published| (version, published))
    };
    let Some((version, published)) = found else {
        return not_found(&name, &qualifier);
    };
    let event = String::from_utf8_lossy(&body).into_owned();
    let (ok, answer) = match run_once(&published, &name, event.clone()).await {
        Ok(answer) => (answer.ok, answer.body),
        Err(error) => (
            false,
            json!({"errorType": "Runtime.ExitError", "errorMessage": error.to_string()}).to_string(),
        ),
    };
    registry
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .invocations
        .push(Invocation {
            function: name,
            version: version.clone(),
            event,
            answer: answer.clone(),
            ok,
        });
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&version) {
        headers.insert("x-amz-executed-version", value);
    }
    if !ok {
        headers.insert("x-amz-function-error", HeaderValue::from_static("Unhandled"));
    }
    (StatusCode::OK, headers, answer).into_response()
}

async fn run_once(
    published: &Published,
    name: &str,
    event: String,
) -> Result<super::runtime_api::Answer, super::LambdaError> {
    let mut running = Running::start(&published.binary, name, &published.env).await?;
    let answer = running.answer(event).await;
    running.stop().await;
    answer
}

fn not_found(name: &str, qualifier: &str) -> Response {
    let body: Value = json!({
        "Type": "User",
        "message": format!("Function not found: {name}:{qualifier}"),
    });
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-amzn-errortype",
        HeaderValue::from_static("ResourceNotFoundException"),
    );
    (StatusCode::NOT_FOUND, headers, body.to_string()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_function_is_named_by_name_arn_or_either_with_a_qualifier() {
        let arn = "arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-process-message";
        assert_eq!(
            name_and_qualifier(arn, Some("7".into())),
            ("octo-responder-dev-process-message".into(), "7".into())
        );
        assert_eq!(
            name_and_qualifier(&format!("{arn}:live"), None),
            ("octo-responder-dev-process-message".into(), "live".into())
        );
        assert_eq!(name_and_qualifier("f", None), ("f".into(), "$LATEST".into()));
        assert_eq!(name_and_qualifier("f:3", Some("4".into())), ("f".into(), "4".into()));
    }
}
