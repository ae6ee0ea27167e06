//! process-message configuration, read once from the environment at cold start.

use std::time::Duration;

use messaging::config::{ConfigError, Lookup, flag, parsed, required};
use octopus::Settings;
use reqwest::Url;
use secrets::{SecretError, SecretSource};

pub const OCTOPUS_SERVER_URL: &str = "OCTOPUS_SERVER_URL";
pub const OCTOPUS_API_KEY: &str = "OCTOPUS_API_KEY";
pub const OCTOPUS_API_KEY_PARAMETER: &str = "OCTOPUS_API_KEY_PARAMETER";
pub const OCTOPUS_REQUEST_TIMEOUT_MS: &str = "OCTOPUS_REQUEST_TIMEOUT_MS";
pub const DRY_RUN: &str = "DRY_RUN";
pub const MAX_CONCURRENCY: &str = "MAX_CONCURRENCY";

/// How the responder behaves, independent of where Octopus is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Decide and log everything, submit nothing.
    pub dry_run: bool,
    /// Deployments answered at once within one batch.
    pub max_concurrency: usize,
    /// Time kept back from the invocation deadline to report the batch.
    pub safety_margin: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            dry_run: false,
            max_concurrency: 4,
            safety_margin: Duration::from_millis(1500),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub server_url: Url,
    pub api_key: SecretSource,
    pub request_timeout: Duration,
    pub options: Options,
}

impl Config {
    pub fn from_lookup(lookup: &impl Lookup) -> Result<Self, ConfigError> {
        let raw_url = required(lookup, OCTOPUS_SERVER_URL)?;
        let server_url = Url::parse(&raw_url)
            .ok()
            .filter(|u| u.scheme() == "https" || (u.scheme() == "http" && is_loopback(u)))
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
        let max_concurrency: usize = parsed(lookup, MAX_CONCURRENCY, Options::default().max_concurrency)?;
        if !(1..=10).contains(&max_concurrency) {
            return Err(ConfigError::Invalid {
                name: MAX_CONCURRENCY,
                reason: format!("must be from 1 to 10, not {max_concurrency}"),
            });
        }
        Ok(Self {
            server_url,
            api_key,
            request_timeout: Duration::from_millis(timeout_ms.clamp(100, 60_000)),
            options: Options {
                dry_run: flag(lookup, DRY_RUN, false)?,
                max_concurrency,
                ..Options::default()
            },
        })
    }

    /// The Octopus client settings, reading the API key (from SSM when configured so).
    pub async fn octopus_settings(&self) -> Result<Settings, SecretError> {
        let api_key = self.api_key.clone().resolve_from_env().await?;
        let mut settings = Settings::new(self.server_url.clone(), api_key);
        settings.request_timeout = self.request_timeout;
        Ok(settings)
    }
}

fn is_loopback(url: &Url) -> bool {
    url.host_str().is_some_and(|host| {
        host.eq_ignore_ascii_case("localhost")
            || host
                .trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use messaging::config::Pairs;

    #[test]
    fn reads_the_server_key_and_defaults() {
        let config = Config::from_lookup(&Pairs(&[
            (OCTOPUS_SERVER_URL, "https://octopus.example.com"),
            (OCTOPUS_API_KEY, "API-TEST"),
        ]))
        .unwrap();
        assert_eq!(config.server_url.as_str(), "https://octopus.example.com/");
        assert_eq!(config.request_timeout, Duration::from_secs(10));
        assert_eq!(config.options, Options::default());
    }

    #[test]
    fn requires_an_api_key_and_an_https_url_unless_on_loopback() {
        let no_key = Config::from_lookup(&Pairs(&[(OCTOPUS_SERVER_URL, "https://o.example.com")]));
        assert!(no_key.unwrap_err().to_string().contains(OCTOPUS_API_KEY_PARAMETER));
        for bad in ["octopus.example.com", "http://octopus.example.com", "ftp://127.0.0.1"] {
            let config = Config::from_lookup(&Pairs(&[(OCTOPUS_SERVER_URL, bad), (OCTOPUS_API_KEY, "k")]));
            assert!(
                matches!(
                    config,
                    Err(ConfigError::Invalid {
                        name: OCTOPUS_SERVER_URL,
                        ..
                    })
                ),
                "{bad}"
            );
        }
        for loopback in ["http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080"] {
            assert!(Config::from_lookup(&Pairs(&[(OCTOPUS_SERVER_URL, loopback), (OCTOPUS_API_KEY, "k")])).is_ok());
        }
    }

    #[test]
    fn dry_run_and_concurrency_are_configurable_within_bounds() {
        let config = Config::from_lookup(&Pairs(&[
            (OCTOPUS_SERVER_URL, "http://127.0.0.1:8080"),
            (OCTOPUS_API_KEY, "k"),
            (DRY_RUN, "true"),
            (MAX_CONCURRENCY, "2"),
        ]))
        .unwrap();
        assert!(config.options.dry_run);
        assert_eq!(config.options.max_concurrency, 2);
        let too_many = Config::from_lookup(&Pairs(&[
            (OCTOPUS_SERVER_URL, "http://127.0.0.1:8080"),
            (OCTOPUS_API_KEY, "k"),
            (MAX_CONCURRENCY, "50"),
        ]));
        assert!(too_many.is_err());
    }
}
