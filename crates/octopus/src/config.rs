//! Where Octopus is and how to reach it, read once from the environment at cold start: the
//! part of configuration every function that talks to Octopus shares.

use std::time::Duration;

use messaging::config::{ConfigError, Lookup, parsed, required};
use reqwest::Url;
use secrets::{SecretError, SecretSource};

use crate::http::{Settings, is_secure_server_url};

pub const OCTOPUS_SERVER_URL: &str = "OCTOPUS_SERVER_URL";
pub const OCTOPUS_API_KEY: &str = "OCTOPUS_API_KEY";
pub const OCTOPUS_API_KEY_PARAMETER: &str = "OCTOPUS_API_KEY_PARAMETER";
pub const OCTOPUS_REQUEST_TIMEOUT_MS: &str = "OCTOPUS_REQUEST_TIMEOUT_MS";

/// The server, the API key (or where to read it) and the timeout of each call.
#[derive(Debug, Clone)]
pub struct Connection {
    pub server_url: Url,
    pub api_key: SecretSource,
    pub request_timeout: Duration,
}

impl Connection {
    pub fn from_lookup(lookup: &impl Lookup) -> Result<Self, ConfigError> {
        let raw_url = required(lookup, OCTOPUS_SERVER_URL)?;
        let server_url =
            Url::parse(&raw_url)
                .ok()
                .filter(is_secure_server_url)
                .ok_or_else(|| ConfigError::Invalid {
                    name: OCTOPUS_SERVER_URL,
                    reason: format!(
                        "{raw_url:?} is not an https URL such as https://octopus.example.com \
                     (plain http is allowed only on loopback, so the API key never travels in clear)"
                    ),
                })?;
        let api_key = SecretSource::from_lookup(lookup, OCTOPUS_API_KEY, OCTOPUS_API_KEY_PARAMETER)?.ok_or(
            ConfigError::Invalid {
                name: OCTOPUS_API_KEY,
                reason: format!("set {OCTOPUS_API_KEY} or {OCTOPUS_API_KEY_PARAMETER}"),
            },
        )?;
        let timeout_ms: u64 = parsed(lookup, OCTOPUS_REQUEST_TIMEOUT_MS, 10_000)?;
        Ok(Self {
            server_url,
            api_key,
            request_timeout: Duration::from_millis(timeout_ms.clamp(100, 60_000)),
        })
    }

    /// The client settings, reading the API key (from SSM when configured so).
    pub async fn settings(&self) -> Result<Settings, SecretError> {
        let api_key = self.api_key.clone().resolve_from_env().await?;
        let mut settings = Settings::new(self.server_url.clone(), api_key);
        settings.request_timeout = self.request_timeout;
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use messaging::config::Pairs;

    #[test]
    fn reads_the_server_the_key_and_the_default_timeout() {
        let connection = Connection::from_lookup(&Pairs(&[
            (OCTOPUS_SERVER_URL, "https://octopus.example.com"),
            (OCTOPUS_API_KEY, "API-TEST"),
        ]))
        .unwrap();
        assert_eq!(connection.server_url.as_str(), "https://octopus.example.com/");
        assert_eq!(connection.request_timeout, Duration::from_secs(10));
    }

    #[test]
    fn requires_an_api_key_and_an_https_url_unless_on_loopback() {
        let no_key = Connection::from_lookup(&Pairs(&[(OCTOPUS_SERVER_URL, "https://o.example.com")]));
        assert!(no_key.unwrap_err().to_string().contains(OCTOPUS_API_KEY_PARAMETER));
        for bad in ["octopus.example.com", "http://octopus.example.com", "ftp://127.0.0.1"] {
            let connection = Connection::from_lookup(&Pairs(&[(OCTOPUS_SERVER_URL, bad), (OCTOPUS_API_KEY, "k")]));
            assert!(
                matches!(
                    connection,
                    Err(ConfigError::Invalid {
                        name: OCTOPUS_SERVER_URL,
                        ..
                    })
                ),
                "{bad}"
            );
        }
        for loopback in ["http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080"] {
            let pairs = [(OCTOPUS_SERVER_URL, loopback), (OCTOPUS_API_KEY, "k")];
            assert!(Connection::from_lookup(&Pairs(&pairs)).is_ok(), "{loopback}");
        }
    }

    #[test]
    fn the_request_timeout_is_kept_within_a_tenth_of_a_second_and_a_minute() {
        let timeout = |ms: &str| {
            Connection::from_lookup(&Pairs(&[
                (OCTOPUS_SERVER_URL, "https://octopus.example.com"),
                (OCTOPUS_API_KEY, "k"),
                (OCTOPUS_REQUEST_TIMEOUT_MS, ms),
            ]))
            .unwrap()
            .request_timeout
        };
        assert_eq!(timeout("1"), Duration::from_millis(100));
        assert_eq!(timeout("600000"), Duration::from_secs(60));
    }
}
