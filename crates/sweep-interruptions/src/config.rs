//! sweep-interruptions configuration, read once from the environment at cold start, with
//! errors that say what to set.

use std::time::Duration;

use messaging::SpaceId;
use messaging::config::{ConfigError, Lookup, flag, optional, parsed, required};
use octopus::Connection;
use telemetry::Dimensions;

use crate::plan::Window;
use crate::subscriptions::WebhookUrls;

pub const QUEUE_URL: &str = "QUEUE_URL";
pub const WEBHOOK_URLS: &str = "WEBHOOK_URLS";
pub const SWEEP_SPACES: &str = "SWEEP_SPACES";
pub const SWEEP_GRACE_SECONDS: &str = "SWEEP_GRACE_SECONDS";
pub const SWEEP_MAX_AGE_SECONDS: &str = "SWEEP_MAX_AGE_SECONDS";
pub const DRY_RUN: &str = "DRY_RUN";

/// The longest grace period: an interruption waits at most this long for its webhook.
const MAX_GRACE_SECONDS: u64 = 86_400;
/// The longest maximum age: a week.
const MAX_AGE_SECONDS: u64 = 7 * 86_400;

/// What a sweep does, apart from where Octopus and the queue are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepSettings {
    /// The responder's webhook URLs: a subscription counts when its URI points at one.
    pub webhook_urls: WebhookUrls,
    /// The spaces to sweep; `None`: every space the API key can see.
    pub spaces: Option<Vec<SpaceId>>,
    pub window: Window,
    /// Report what would be queued, queue nothing.
    pub dry_run: bool,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub octopus: Connection,
    pub queue_url: String,
    pub sweep: SweepSettings,
    pub dimensions: Dimensions,
    /// Who is told about interruptions left to a person (`NEEDS_A_PERSON_TOPIC_ARN`, `NOTICES_TABLE`).
    pub notifier: notify::Notifier,
}

impl Config {
    pub fn from_lookup(lookup: &impl Lookup) -> Result<Self, ConfigError> {
        let octopus = Connection::from_lookup(lookup)?;
        let queue_url = required(lookup, QUEUE_URL)?;
        let webhook_urls =
            WebhookUrls::parse(&required(lookup, WEBHOOK_URLS)?).map_err(|reason| ConfigError::Invalid {
                name: WEBHOOK_URLS,
                reason,
            })?;
        let spaces = optional(lookup, SWEEP_SPACES)
            .map(|raw| parse_spaces(&raw))
            .transpose()?;
        let grace: u64 = parsed(lookup, SWEEP_GRACE_SECONDS, Window::default().grace.as_secs())?;
        let max_age: u64 = parsed(lookup, SWEEP_MAX_AGE_SECONDS, Window::default().max_age.as_secs())?;
        if grace > MAX_GRACE_SECONDS {
            return Err(ConfigError::Invalid {
                name: SWEEP_GRACE_SECONDS,
                reason: format!("must be at most {MAX_GRACE_SECONDS} (a day), not {grace}"),
            });
        }
        if max_age <= grace || max_age > MAX_AGE_SECONDS {
            return Err(ConfigError::Invalid {
                name: SWEEP_MAX_AGE_SECONDS,
                reason: format!(
                    "must be more than {SWEEP_GRACE_SECONDS} ({grace}) and at most {MAX_AGE_SECONDS} (a week), not {max_age}"
                ),
            });
        }
        Ok(Self {
            octopus,
            queue_url,
            sweep: SweepSettings {
                webhook_urls,
                spaces,
                window: Window {
                    grace: Duration::from_secs(grace),
                    max_age: Duration::from_secs(max_age),
                },
                dry_run: flag(lookup, DRY_RUN, false)?,
            },
            dimensions: Dimensions::from_lookup(|name| lookup.get(name), "sweep-interruptions"),
            notifier: notify::Notifier::from_lookup(lookup)?,
        })
    }
}

fn parse_spaces(raw: &str) -> Result<Vec<SpaceId>, ConfigError> {
    let spaces = raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            SpaceId::parse(s).ok_or_else(|| ConfigError::Invalid {
                name: SWEEP_SPACES,
                reason: format!(
                    "{:?} is not a space id such as Spaces-1 (leave {SWEEP_SPACES} unset to sweep every space)",
                    messaging::payload::shorten(s)
                ),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut spaces = spaces;
    let mut seen = std::collections::HashSet::new();
    spaces.retain(|space| seen.insert(space.clone()));
    if spaces.is_empty() {
        return Err(ConfigError::Invalid {
            name: SWEEP_SPACES,
            reason: format!("names no space; leave {SWEEP_SPACES} unset to sweep every space"),
        });
    }
    Ok(spaces)
}

#[cfg(test)]
mod tests {
    use super::*;
    use messaging::config::Pairs;
    use octopus::config::{OCTOPUS_API_KEY, OCTOPUS_SERVER_URL};

    const BASE: [(&str, &str); 4] = [
        (OCTOPUS_SERVER_URL, "https://octopus.example.com"),
        (OCTOPUS_API_KEY, "API-TEST"),
        (
            QUEUE_URL,
            "https://sqs.eu-west-1.amazonaws.com/1/octo-responder-dev.fifo",
        ),
        (
            WEBHOOK_URLS,
            "https://abc.execute-api.eu-west-1.amazonaws.com/octopus/webhook",
        ),
    ];

    fn with(extra: &[(&'static str, &'static str)]) -> Result<Config, ConfigError> {
        let mut pairs = BASE.to_vec();
        pairs.extend_from_slice(extra);
        Config::from_lookup(&Pairs(&pairs))
    }

    #[test]
    fn defaults_sweep_every_space_after_five_minutes_and_up_to_a_day() {
        let config = with(&[]).unwrap();
        assert_eq!(config.sweep.spaces, None);
        assert_eq!(config.sweep.window.grace, Duration::from_secs(300));
        assert_eq!(config.sweep.window.max_age, Duration::from_secs(86_400));
        assert!(!config.sweep.dry_run);
        assert_eq!(config.dimensions.function_name, "sweep-interruptions");
    }

    #[test]
    fn reads_spaces_window_and_dry_run() {
        let config = with(&[
            (SWEEP_SPACES, "Spaces-1, Spaces-22, Spaces-1"),
            (SWEEP_GRACE_SECONDS, "60"),
            (SWEEP_MAX_AGE_SECONDS, "3600"),
            (DRY_RUN, "true"),
        ])
        .unwrap();
        let spaces: Vec<&str> = config
            .sweep
            .spaces
            .as_ref()
            .unwrap()
            .iter()
            .map(SpaceId::as_str)
            .collect();
        assert_eq!(spaces, ["Spaces-1", "Spaces-22"]);
        assert_eq!(config.sweep.window.grace, Duration::from_secs(60));
        assert!(config.sweep.dry_run);
    }

    #[test]
    fn refuses_what_it_cannot_use_naming_the_variable() {
        let invalid = |extra: &[(&'static str, &'static str)]| match with(extra) {
            Err(ConfigError::Invalid { name, reason }) => (name, reason),
            other => panic!("{other:?}"),
        };
        assert_eq!(invalid(&[(SWEEP_SPACES, "Default")]).0, SWEEP_SPACES);
        assert_eq!(invalid(&[(SWEEP_SPACES, " , ")]).0, SWEEP_SPACES);
        assert_eq!(invalid(&[(SWEEP_GRACE_SECONDS, "soon")]).0, SWEEP_GRACE_SECONDS);
        assert_eq!(invalid(&[(SWEEP_GRACE_SECONDS, "90000")]).0, SWEEP_GRACE_SECONDS);
        let (name, reason) = invalid(&[(SWEEP_GRACE_SECONDS, "600"), (SWEEP_MAX_AGE_SECONDS, "600")]);
        assert_eq!(name, SWEEP_MAX_AGE_SECONDS);
        assert!(reason.contains("more than SWEEP_GRACE_SECONDS"), "{reason}");
        let no_urls = Config::from_lookup(&Pairs(&BASE[..3]));
        assert_eq!(no_urls.unwrap_err(), ConfigError::Missing(WEBHOOK_URLS));
        let pairs = [BASE[0], BASE[1], BASE[2], (WEBHOOK_URLS, "/octopus/webhook")];
        assert!(matches!(
            Config::from_lookup(&Pairs(&pairs)),
            Err(ConfigError::Invalid { name: WEBHOOK_URLS, .. })
        ));
    }
}
