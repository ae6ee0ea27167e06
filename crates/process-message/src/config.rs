//! process-message configuration, read once from the environment at cold start: where Octopus
//! is (shared with the other functions, `octopus::Connection`) and how the responder behaves.

use std::time::Duration;

use messaging::config::{ConfigError, Lookup, flag, parsed};
use octopus::{Connection, Settings};
use secrets::SecretError;

use crate::metrics::Dimensions;

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
    pub octopus: Connection,
    pub options: Options,
    pub dimensions: Dimensions,
    /// Who is told when a person is needed (`NEEDS_A_PERSON_TOPIC_ARN`, `NOTICES_TABLE`).
    pub notifier: notify::Notifier,
}

impl Config {
    pub fn from_lookup(lookup: &impl Lookup) -> Result<Self, ConfigError> {
        let octopus = Connection::from_lookup(lookup)?;
        let max_concurrency: usize = parsed(lookup, MAX_CONCURRENCY, Options::default().max_concurrency)?;
        if !(1..=10).contains(&max_concurrency) {
            return Err(ConfigError::Invalid {
                name: MAX_CONCURRENCY,
                reason: format!("must be from 1 to 10, not {max_concurrency}"),
            });
        }
        Ok(Self {
            octopus,
            options: Options {
                dry_run: flag(lookup, DRY_RUN, false)?,
                max_concurrency,
                ..Options::default()
            },
            dimensions: Dimensions::from_lookup(|name| lookup.get(name), "process-message"),
            notifier: notify::Notifier::from_lookup(lookup)?,
        })
    }

    /// The Octopus client settings, reading the API key (from SSM when configured so).
    pub async fn octopus_settings(&self) -> Result<Settings, SecretError> {
        self.octopus.settings().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use messaging::config::Pairs;
    use octopus::config::{OCTOPUS_API_KEY, OCTOPUS_SERVER_URL};

    #[test]
    fn reads_where_octopus_is_and_the_default_options() {
        let config = Config::from_lookup(&Pairs(&[
            (OCTOPUS_SERVER_URL, "https://octopus.example.com"),
            (OCTOPUS_API_KEY, "API-TEST"),
        ]))
        .unwrap();
        assert_eq!(config.octopus.server_url.as_str(), "https://octopus.example.com/");
        assert_eq!(config.options, Options::default());
        assert_eq!(config.dimensions, Dimensions::local("process-message"));
        assert!(!config.notifier.is_on(), "nobody is told without a topic");
    }

    #[test]
    fn a_topic_and_its_ledger_table_turn_notices_on() {
        let config = Config::from_lookup(&Pairs(&[
            (OCTOPUS_SERVER_URL, "https://octopus.example.com"),
            (OCTOPUS_API_KEY, "k"),
            (
                notify::NEEDS_A_PERSON_TOPIC_ARN,
                "arn:aws:sns:eu-west-1:123456789012:needs-a-person",
            ),
            (notify::NOTICES_TABLE, "octo-responder-dev-notices"),
        ]))
        .unwrap();
        assert!(config.notifier.is_on());
    }

    #[test]
    fn an_octopus_url_that_is_not_https_is_refused() {
        let config = Config::from_lookup(&Pairs(&[
            (OCTOPUS_SERVER_URL, "http://octopus.example.com"),
            (OCTOPUS_API_KEY, "k"),
        ]));
        assert!(matches!(
            config,
            Err(ConfigError::Invalid {
                name: OCTOPUS_SERVER_URL,
                ..
            })
        ));
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
