//! Where the CLI finds what it needs, and the errors that say what to set: Octopus from
//! `OCTOPUS_SERVER_URL` with the administrator's key (`OCTOPUS_ADMIN_API_KEY`) or the
//! responder's (`OCTOPUS_API_KEY`, else the SSM parameter Terraform made), and the webhook
//! secret from `WEBHOOK_SECRET`, else its SSM parameter.

use std::time::Duration;

use octopus::{Deadline, HttpOctopus, Settings};
use secrecy::{ExposeSecret, SecretString};
use secrets::SecretSource;

use crate::outputs::Outputs;

pub const OCTOPUS_SERVER_URL: &str = "OCTOPUS_SERVER_URL";
pub const OCTOPUS_ADMIN_API_KEY: &str = "OCTOPUS_ADMIN_API_KEY";
pub const OCTOPUS_API_KEY: &str = "OCTOPUS_API_KEY";
pub const WEBHOOK_SECRET: &str = "WEBHOOK_SECRET";

/// How long one command may take against Octopus, all told.
pub const COMMAND_TIME: Duration = Duration::from_secs(120);

/// What is missing or wrong, and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error("{0} is not set: {1}")]
    Missing(&'static str, &'static str),
    #[error("{name} is not a usable URL ({reason})")]
    Url { name: &'static str, reason: String },
    #[error("could not build the Octopus client: {0}")]
    Client(String),
    #[error("could not read {what}: {error}")]
    Secret { what: &'static str, error: String },
    #[error(transparent)]
    Outputs(#[from] crate::outputs::OutputsError),
}

/// A variable that is set and not blank.
pub fn env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// A deadline for one command.
pub fn deadline() -> Deadline {
    Deadline::after(COMMAND_TIME)
}

/// An Octopus client with `key`, for the server in `OCTOPUS_SERVER_URL`.
pub fn octopus(key: SecretString) -> Result<HttpOctopus, ContextError> {
    let server = env(OCTOPUS_SERVER_URL).ok_or(ContextError::Missing(
        OCTOPUS_SERVER_URL,
        "set it to the Octopus server's address, e.g. https://octopus.example.com",
    ))?;
    let url = server.parse().map_err(|e: url::ParseError| ContextError::Url {
        name: OCTOPUS_SERVER_URL,
        reason: e.to_string(),
    })?;
    HttpOctopus::new(Settings::new(url, key)).map_err(|e| ContextError::Client(e.to_string()))
}

/// The administrator's client: changes subscriptions, resolves names.
pub fn admin() -> Result<HttpOctopus, ContextError> {
    let key = env(OCTOPUS_ADMIN_API_KEY).ok_or(ContextError::Missing(
        OCTOPUS_ADMIN_API_KEY,
        "set it to an API key of an Octopus user who may create, edit and delete subscriptions \
         (never the responder's own key)",
    ))?;
    octopus(key.into())
}

/// The responder's own key: `OCTOPUS_API_KEY`, else the SSM parameter Terraform made.
pub async fn responder_key(outputs: &Outputs) -> Result<SecretString, ContextError> {
    if let Some(key) = env(OCTOPUS_API_KEY) {
        return Ok(key.into());
    }
    let parameter = outputs.octopus_api_key_parameter.clone().ok_or(ContextError::Missing(
        OCTOPUS_API_KEY,
        "set it to the responder's API key, or run where Terraform's output octopus_api_key_parameter \
         and AWS credentials are available",
    ))?;
    read_parameter(parameter, "the responder's API key").await
}

/// The environment's webhook secret: `WEBHOOK_SECRET`, else the SSM parameter Terraform made.
pub async fn webhook_secret(outputs: &Outputs) -> Result<SecretString, ContextError> {
    if let Some(secret) = env(WEBHOOK_SECRET) {
        return Ok(secret.into());
    }
    let parameter = outputs.webhook_token_parameter.clone().ok_or(ContextError::Missing(
        WEBHOOK_SECRET,
        "set it to the environment's webhook secret, or run where Terraform's output \
         webhook_token_parameter and AWS credentials are available",
    ))?;
    read_parameter(parameter, "the webhook secret").await
}

async fn read_parameter(name: String, what: &'static str) -> Result<SecretString, ContextError> {
    let shown = name.clone();
    SecretSource::Parameter(name)
        .resolve_from_env()
        .await
        .map_err(|e| ContextError::Secret {
            what,
            error: format!("SSM parameter {shown}: {e}"),
        })
}

/// The secret's bytes, for signing.
pub fn secret_bytes(secret: &SecretString) -> &[u8] {
    secret.expose_secret().as_bytes()
}
