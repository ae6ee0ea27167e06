//! accept-message configuration, read once from the environment at cold start.

use aws_config::SdkConfig;
use lambda_http::http::HeaderName;
use messaging::config::{ConfigError, Lookup, flag, optional, required};
use secrecy::{ExposeSecret, SecretString};
use secrets::{SecretError, SecretSource};

use crate::auth::WebhookAuth;

pub const QUEUE_URL: &str = "QUEUE_URL";
pub const WEBHOOK_HEADER_NAME: &str = "WEBHOOK_HEADER_NAME";
pub const WEBHOOK_TOKEN: &str = "WEBHOOK_TOKEN";
pub const WEBHOOK_TOKEN_PARAMETER: &str = "WEBHOOK_TOKEN_PARAMETER";
pub const ALLOW_UNAUTHENTICATED_WEBHOOKS: &str = "ALLOW_UNAUTHENTICATED_WEBHOOKS";
/// `true` accepts the shared webhook secret itself as a header value, besides each rule's token:
/// a migration aid while subscriptions still send the secret. Off by default.
pub const ALLOW_SHARED_WEBHOOK_SECRET: &str = "ALLOW_SHARED_WEBHOOK_SECRET";
/// The header the Octopus subscription sends (its `WebhookHeaderKey`) unless configured otherwise.
pub const DEFAULT_HEADER_NAME: &str = "X-Octopus-Webhook-Token";

/// Shortest webhook secret accepted: shorter ones are guessable, and every string in a queued
/// body that contains the secret is scrubbed, which a short one would make collide with ids.
pub const MIN_TOKEN_CHARS: usize = 16;

/// Why the webhook secret cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error(transparent)]
    Read(#[from] SecretError),
    #[error("the webhook secret is {0} characters long; use at least {MIN_TOKEN_CHARS}")]
    TooShort(usize),
}

/// How webhooks are authenticated.
#[derive(Debug, Clone)]
pub enum TokenConfig {
    /// A shared secret is required in the webhook header.
    Required(SecretSource),
    /// No secret: every webhook is accepted. Only with `ALLOW_UNAUTHENTICATED_WEBHOOKS=true`.
    Disabled,
}

impl TokenConfig {
    /// Reads the secret (from SSM when configured so); `None` when authentication is disabled.
    pub async fn resolve(self, aws: &SdkConfig) -> Result<Option<SecretString>, TokenError> {
        match self {
            Self::Required(source) => {
                let secret = source.resolve(aws).await?;
                let chars = secret.expose_secret().chars().count();
                if chars < MIN_TOKEN_CHARS {
                    return Err(TokenError::TooShort(chars));
                }
                Ok(Some(secret))
            }
            Self::Disabled => {
                tracing::warn!(
                    "webhooks are NOT authenticated ({ALLOW_UNAUTHENTICATED_WEBHOOKS}=true): local demo only"
                );
                Ok(None)
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub queue_url: String,
    pub header_name: HeaderName,
    pub token: TokenConfig,
    /// `ALLOW_SHARED_WEBHOOK_SECRET`: the shared secret itself is accepted too (a migration aid).
    pub allow_shared_secret: bool,
}

impl Config {
    /// How webhooks are authenticated, once the secret is read ([`TokenConfig::resolve`]).
    pub fn webhook_auth(&self, secret: Option<SecretString>) -> WebhookAuth {
        WebhookAuth::new(self.header_name.clone(), secret).accepting_the_shared_secret(self.allow_shared_secret)
    }

    /// Refuses to build without a secret unless unauthenticated webhooks are allowed explicitly.
    pub fn from_lookup(lookup: &impl Lookup) -> Result<Self, ConfigError> {
        let queue_url = required(lookup, QUEUE_URL)?;
        let header = optional(lookup, WEBHOOK_HEADER_NAME).unwrap_or_else(|| DEFAULT_HEADER_NAME.to_owned());
        let header_name = HeaderName::try_from(header.as_str()).map_err(|e| ConfigError::Invalid {
            name: WEBHOOK_HEADER_NAME,
            reason: e.to_string(),
        })?;
        let source = SecretSource::from_lookup(lookup, WEBHOOK_TOKEN, WEBHOOK_TOKEN_PARAMETER)?;
        let token = match (source, flag(lookup, ALLOW_UNAUTHENTICATED_WEBHOOKS, false)?) {
            (Some(source), _) => TokenConfig::Required(source),
            (None, true) => TokenConfig::Disabled,
            (None, false) => {
                return Err(ConfigError::Invalid {
                    name: WEBHOOK_TOKEN,
                    reason: format!(
                        "no webhook secret: set {WEBHOOK_TOKEN} or {WEBHOOK_TOKEN_PARAMETER}, \
                         or {ALLOW_UNAUTHENTICATED_WEBHOOKS}=true for a local demo"
                    ),
                });
            }
        };
        let allow_shared_secret = flag(lookup, ALLOW_SHARED_WEBHOOK_SECRET, false)?;
        Ok(Self {
            queue_url,
            header_name,
            token,
            allow_shared_secret,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use messaging::config::Pairs;

    #[test]
    fn refuses_to_start_without_a_secret() {
        let err = Config::from_lookup(&Pairs(&[(QUEUE_URL, "http://q")])).unwrap_err();
        assert!(err.to_string().contains("no webhook secret"), "{err}");
    }

    #[test]
    fn starts_without_a_secret_only_when_explicitly_allowed() {
        let config = Config::from_lookup(&Pairs(&[
            (QUEUE_URL, "http://q"),
            (ALLOW_UNAUTHENTICATED_WEBHOOKS, "true"),
        ]))
        .unwrap();
        assert!(matches!(config.token, TokenConfig::Disabled));
        assert!(
            Config::from_lookup(&Pairs(&[
                (QUEUE_URL, "http://q"),
                (ALLOW_UNAUTHENTICATED_WEBHOOKS, "false")
            ]))
            .is_err()
        );
    }

    #[test]
    fn uses_the_default_header_name_and_requires_the_queue_url() {
        let config = Config::from_lookup(&Pairs(&[(QUEUE_URL, "http://q"), (WEBHOOK_TOKEN, "t")])).unwrap();
        assert_eq!(config.header_name.as_str(), "x-octopus-webhook-token");
        assert!(matches!(config.token, TokenConfig::Required(SecretSource::Inline(_))));
        assert_eq!(
            Config::from_lookup(&Pairs(&[(WEBHOOK_TOKEN, "t")])).unwrap_err(),
            ConfigError::Missing(QUEUE_URL)
        );
    }

    #[test]
    fn the_shared_secret_itself_is_refused_unless_allowed_for_a_migration() {
        let base = [(QUEUE_URL, "q"), (WEBHOOK_TOKEN, "sixteen-chars-ok")];
        assert!(!Config::from_lookup(&Pairs(&base)).unwrap().allow_shared_secret);
        for (value, allowed) in [("true", true), ("false", false)] {
            let pairs = [base[0], base[1], (ALLOW_SHARED_WEBHOOK_SECRET, value)];
            assert_eq!(
                Config::from_lookup(&Pairs(&pairs)).unwrap().allow_shared_secret,
                allowed,
                "{value}"
            );
        }
        let bad = [base[0], base[1], (ALLOW_SHARED_WEBHOOK_SECRET, "maybe")];
        assert!(matches!(
            Config::from_lookup(&Pairs(&bad)),
            Err(ConfigError::Invalid {
                name: ALLOW_SHARED_WEBHOOK_SECRET,
                ..
            })
        ));
    }

    #[test]
    fn refuses_a_header_name_that_is_not_a_valid_http_header() {
        let err = Config::from_lookup(&Pairs(&[
            (QUEUE_URL, "q"),
            (WEBHOOK_TOKEN, "t"),
            (WEBHOOK_HEADER_NAME, "bad header"),
        ]));
        assert!(matches!(
            err,
            Err(ConfigError::Invalid {
                name: WEBHOOK_HEADER_NAME,
                ..
            })
        ));
    }

    #[tokio::test]
    async fn refuses_a_secret_shorter_than_sixteen_characters() {
        let aws = aws_config::SdkConfig::builder().build();
        let short = Config::from_lookup(&Pairs(&[(QUEUE_URL, "q"), (WEBHOOK_TOKEN, "short")])).unwrap();
        assert!(matches!(short.token.resolve(&aws).await, Err(TokenError::TooShort(5))));
        let long = Config::from_lookup(&Pairs(&[(QUEUE_URL, "q"), (WEBHOOK_TOKEN, "sixteen-chars-ok")])).unwrap();
        assert!(long.token.resolve(&aws).await.unwrap().is_some());
    }

    #[test]
    fn a_token_parameter_is_read_at_cold_start() {
        let config =
            Config::from_lookup(&Pairs(&[(QUEUE_URL, "q"), (WEBHOOK_TOKEN_PARAMETER, "/octo/token")])).unwrap();
        assert!(matches!(config.token, TokenConfig::Required(SecretSource::Parameter(ref n)) if n == "/octo/token"));
    }
}
