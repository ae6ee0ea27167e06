//! One function binary run as Lambda runs it: spawned with the Lambda environment, pointed at
//! the local Runtime API, timed from spawn to its first poll ("ready") and per invocation.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::runtime_api::{Answer, RuntimeApi};

const TIMEOUT: Duration = Duration::from_secs(60);

/// Why a function could not be run or did not answer.
pub type LambdaError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug)]
pub struct Running {
    child: tokio::process::Child,
    api: RuntimeApi,
    /// Spawn to first poll for an event.
    pub ready: Duration,
}

impl Running {
    /// Spawns `binary` with `env` and waits until it is ready for its first event; an error when it
    /// exits first.
    pub async fn start(binary: &Path, name: &str, env: &[(String, String)]) -> Result<Self, LambdaError> {
        let api = RuntimeApi::start().await?;
        let spawned = Instant::now();
        let mut child = tokio::process::Command::new(binary)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", api.address.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "local")
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
            .env("AWS_LAMBDA_LOG_LEVEL", "WARN")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        // A process that exits before it asks for an event (a configuration error at start-up)
        // is an answer at once, not a wait for the timeout.
        let ready_at = tokio::select! {
            ready = api.ready(TIMEOUT) => ready.ok_or(format!("{name} never asked for an event"))?,
            status = child.wait() => return Err(format!("{name} exited during start-up ({})", status?).into()),
        };
        Ok(Self {
            child,
            api,
            ready: ready_at.duration_since(spawned),
        })
    }

    /// Sends one event and waits for the answer; the duration is from queueing to the answer.
    pub async fn invoke(&mut self, event: String) -> Result<(Duration, Answer), LambdaError> {
        let sent = Instant::now();
        let answer = self.answer(event).await?;
        if !answer.ok {
            return Err(format!("the function reported an error: {}", answer.body).into());
        }
        Ok((answer.at.duration_since(sent), answer))
    }

    /// Sends one event and waits for the answer, a reported error included (`Answer::ok` false).
    /// A process that exits instead of answering (a start-up error, a crash) is an error answer,
    /// as Lambda reports `Runtime.ExitError`.
    pub async fn answer(&mut self, event: String) -> Result<Answer, LambdaError> {
        let id = self.api.invoke(event);
        tokio::select! {
            answer = self.api.answer(&id, TIMEOUT) => Ok(answer.ok_or("no answer within 60 s")?),
            status = self.child.wait() => Ok(Answer {
                at: Instant::now(),
                ok: false,
                body: serde_json::json!({
                    "errorType": "Runtime.ExitError",
                    "errorMessage": format!("the function exited before answering ({})", status?),
                })
                .to_string(),
            }),
        }
    }

    /// Peak resident memory so far (`VmHWM`), in KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let pid = self.child.id()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}
