//! Shared set-up: the Octopus simulator on loopback, a rules file in a fresh directory, and the
//! `octo-responder` binary run as an operator runs it, with its environment set per call.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Output;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use octopus::{Deadline, HttpOctopus, Settings, Subscription};
use octopus_sim::Simulator;

pub const WEBHOOK: &str = "https://hooks.example.com/octopus/webhook";
pub const SECRET: &str = "an-environment-secret-for-tests";

pub struct World {
    pub sim: Simulator,
    pub dir: PathBuf,
}

static NEXT: AtomicU32 = AtomicU32::new(0);

impl World {
    pub async fn new() -> Self {
        let sim = Simulator::start().await.unwrap();
        let dir = std::env::temp_dir().join(format!(
            "octo-responder-cli-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self { sim, dir }
    }

    /// Writes the rules file and returns its path.
    pub fn rules(&self, text: &str) -> PathBuf {
        let path = self.dir.join("dev.rules.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Runs `octo-responder <args>` with the administrator's key and the webhook secret.
    pub async fn cli(&self, args: &[&str]) -> Output {
        self.cli_with(args, &[("OCTOPUS_ADMIN_API_KEY", self.sim.admin_api_key())])
            .await
    }

    pub async fn cli_with(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_octo-responder"));
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("OCTOPUS_SERVER_URL", self.sim.base_url())
            .env("WEBHOOK_SECRET", SECRET)
            .current_dir(&self.dir);
        for (name, value) in env {
            command.env(name, value);
        }
        command.output().await.unwrap()
    }

    /// Every subscription of `space`, read with the administrator's key.
    pub async fn subscriptions(&self, space: &str) -> Vec<Subscription> {
        let admin = HttpOctopus::new(Settings::new(
            self.sim.base_url().parse().unwrap(),
            self.sim.admin_api_key().to_owned().into(),
        ))
        .unwrap();
        let space = messaging::SpaceId::parse(space).unwrap();
        admin
            .subscriptions(&space, Deadline::after(Duration::from_secs(10)))
            .await
            .unwrap()
    }

    /// Requests that changed something in Octopus (POST, PUT, DELETE).
    pub fn writes(&self) -> usize {
        self.sim
            .requests()
            .iter()
            .filter(|r| matches!(r.method.as_str(), "POST" | "PUT" | "DELETE"))
            .count()
    }
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `subscriptions <verb> --env dev --rules <file> --webhook-url <WEBHOOK>`.
pub fn subscriptions<'a>(verb: &'a str, rules: &'a str) -> Vec<&'a str> {
    vec![
        "subscriptions",
        verb,
        "--env",
        "dev",
        "--rules",
        rules,
        "--webhook-url",
        WEBHOOK,
    ]
}

/// accept-message behind a plain HTTP server on loopback, as API Gateway would run it: the
/// webhook URL the doctor posts to, and what it queued.
pub struct WebhookApi {
    pub url: String,
    pub queued: accept_message::InMemoryPublisher,
}

impl WebhookApi {
    /// Signed with `secret`, as the deployed accept-message would be.
    pub async fn start(secret: &str) -> Self {
        use axum::body::Bytes;
        use axum::extract::{RawQuery, State};
        use axum::http::HeaderMap;
        use axum::response::IntoResponse;
        use std::sync::Arc;

        let queued = accept_message::InMemoryPublisher::default();
        let auth = accept_message::WebhookAuth::new(
            lambda_http::http::HeaderName::from_static("x-octopus-webhook-token"),
            Some(secret.to_owned().into()),
        );
        let acceptor = Arc::new(accept_message::Acceptor::new(queued.clone(), auth));
        async fn handle(
            State(acceptor): State<Arc<accept_message::Acceptor<accept_message::InMemoryPublisher>>>,
            RawQuery(query): RawQuery,
            headers: HeaderMap,
            body: Bytes,
        ) -> impl IntoResponse {
            let mut request =
                harness::apigw::WebhookRequest::post(query.as_deref().unwrap_or(""), String::from_utf8_lossy(&body));
            for (name, value) in &headers {
                if let Ok(value) = value.to_str() {
                    request = request.header(name.as_str(), value);
                }
            }
            let response = acceptor.handle(request.to_request()).await;
            let status = axum::http::StatusCode::from_u16(response.status().as_u16()).unwrap_or_default();
            (status, response.body().to_vec())
        }
        let app = axum::Router::new()
            .route("/octopus/webhook", axum::routing::post(handle))
            .with_state(acceptor);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/octopus/webhook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, queued }
    }
}
