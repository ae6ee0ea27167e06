//! Where a secret comes from (an environment variable or an SSM SecureString parameter) and how
//! it is read: once, at cold start, so an invocation never pays for it and a missing secret
//! stops the function at Init with a legible error instead of failing every request.

use aws_config::SdkConfig;
use messaging::config::{ConfigError, Lookup, optional};
use secrecy::SecretString;

/// Where to find one secret.
#[derive(Debug, Clone)]
pub enum SecretSource {
    /// The value itself, from an environment variable (local runs and tests).
    Inline(SecretString),
    /// The name of an SSM SecureString parameter, read with decryption.
    Parameter(String),
}

/// Why a secret could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("could not read SSM parameter {name}: {detail}")]
    Ssm { name: String, detail: String },
    #[error("SSM parameter {0} has no value")]
    Empty(String),
}

impl SecretSource {
    /// Reads the source from `value_var` (the secret itself) or `parameter_var` (an SSM
    /// parameter name). Both set is refused, because it is unclear which one is meant.
    pub fn from_lookup(
        lookup: &impl Lookup,
        value_var: &'static str,
        parameter_var: &'static str,
    ) -> Result<Option<Self>, ConfigError> {
        match (optional(lookup, value_var), optional(lookup, parameter_var)) {
            (Some(_), Some(_)) => Err(ConfigError::Invalid {
                name: parameter_var,
                reason: format!("set either {value_var} or {parameter_var}, not both"),
            }),
            (Some(value), None) => Ok(Some(Self::Inline(value.into()))),
            (None, Some(name)) => Ok(Some(Self::Parameter(name))),
            (None, None) => Ok(None),
        }
    }

    /// Resolves the secret, loading the AWS config from the environment only when a parameter
    /// has to be read, so an inline secret costs nothing at cold start.
    pub async fn resolve_from_env(self) -> Result<SecretString, SecretError> {
        match self {
            Self::Inline(value) => Ok(value),
            parameter => parameter.resolve(&aws_config::load_from_env().await).await,
        }
    }

    /// Resolves the secret with a given AWS config. Only a `Parameter` source touches the network.
    pub async fn resolve(self, aws: &SdkConfig) -> Result<SecretString, SecretError> {
        match self {
            Self::Inline(value) => Ok(value),
            Self::Parameter(name) => read_parameter(&aws_sdk_ssm::Client::new(aws), name).await,
        }
    }
}

#[tracing::instrument(skip(client))]
async fn read_parameter(client: &aws_sdk_ssm::Client, name: String) -> Result<SecretString, SecretError> {
    let output = client
        .get_parameter()
        .name(&name)
        .with_decryption(true)
        .send()
        .await
        .map_err(|e| SecretError::Ssm {
            name: name.clone(),
            detail: aws_sdk_ssm::error::DisplayErrorContext(e).to_string(),
        })?;
    output
        .parameter
        .and_then(|p| p.value)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .map(SecretString::from)
        .ok_or(SecretError::Empty(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use messaging::config::Pairs;
    use secrecy::ExposeSecret;

    #[test]
    fn an_inline_value_is_used_as_is() {
        let source = SecretSource::from_lookup(&Pairs(&[("TOKEN", "abc")]), "TOKEN", "TOKEN_PARAMETER").unwrap();
        assert!(matches!(source, Some(SecretSource::Inline(ref s)) if s.expose_secret() == "abc"));
    }

    #[test]
    fn a_parameter_name_is_kept_for_reading_at_cold_start() {
        let source =
            SecretSource::from_lookup(&Pairs(&[("TOKEN_PARAMETER", "/x/token")]), "TOKEN", "TOKEN_PARAMETER").unwrap();
        assert!(matches!(source, Some(SecretSource::Parameter(ref n)) if n == "/x/token"));
    }

    #[test]
    fn both_set_is_refused_and_neither_is_none() {
        let both = Pairs(&[("TOKEN", "a"), ("TOKEN_PARAMETER", "/p")]);
        assert!(SecretSource::from_lookup(&both, "TOKEN", "TOKEN_PARAMETER").is_err());
        assert!(
            SecretSource::from_lookup(&Pairs(&[]), "TOKEN", "TOKEN_PARAMETER")
                .unwrap()
                .is_none()
        );
    }
}
