//! canary-check configuration, read once at cold start from the environment Terraform sets
//! (infra/lambda.tf), with errors that say what to set.

use messaging::config::{ConfigError, Lookup, optional, required};
use messaging::{OctopusId, SpaceId};
use secrets::SecretSource;

use crate::probes::Kind;

pub const ACCEPT_MESSAGE_FUNCTION: &str = "ACCEPT_MESSAGE_FUNCTION";
pub const PROCESS_MESSAGE_FUNCTION: &str = "PROCESS_MESSAGE_FUNCTION";
/// Unset when the environment has no sweep (`sweep_enabled = false`).
pub const SWEEP_INTERRUPTIONS_FUNCTION: &str = "SWEEP_INTERRUPTIONS_FUNCTION";
/// The header accept-message reads the rule's token from (as accept-message is told).
pub const WEBHOOK_HEADER_NAME: &str = "WEBHOOK_HEADER_NAME";
/// The environment's webhook secret itself (local runs and tests) ...
pub const WEBHOOK_TOKEN: &str = "WEBHOOK_TOKEN";
/// ... or the SSM SecureString parameter holding it (in AWS).
pub const WEBHOOK_TOKEN_PARAMETER: &str = "WEBHOOK_TOKEN_PARAMETER";
/// The space the synthetic events name (default `Spaces-1`).
pub const CANARY_SPACE_ID: &str = "CANARY_SPACE_ID";
/// The server task the synthetic events are about: one that cannot exist.
pub const CANARY_SERVER_TASK: &str = "CANARY_SERVER_TASK";

const DEFAULT_SPACE: &str = "Spaces-1";
const DEFAULT_TASK: &str = "ServerTasks-999999999";

/// This environment's functions, by name: the only ones the hook checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Functions {
    pub accept_message: String,
    pub process_message: String,
    pub sweep_interruptions: Option<String>,
}

impl Functions {
    /// Which function `name` is (a name or an ARN); `None` for any other function.
    pub fn kind_of(&self, name: &str) -> Option<Kind> {
        let name = name.rsplit_once(":function:").map_or(name, |(_, rest)| rest);
        let name = name.split_once(':').map_or(name, |(bare, _)| bare);
        if name == self.accept_message {
            Some(Kind::AcceptMessage)
        } else if name == self.process_message {
            Some(Kind::ProcessMessage)
        } else if self.sweep_interruptions.as_deref() == Some(name) {
            Some(Kind::SweepInterruptions)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub functions: Functions,
    pub header_name: String,
    pub secret: SecretSource,
    pub space: SpaceId,
    pub task: OctopusId,
}

impl Config {
    pub fn from_lookup(lookup: &impl Lookup) -> Result<Self, ConfigError> {
        let functions = Functions {
            accept_message: required(lookup, ACCEPT_MESSAGE_FUNCTION)?,
            process_message: required(lookup, PROCESS_MESSAGE_FUNCTION)?,
            sweep_interruptions: optional(lookup, SWEEP_INTERRUPTIONS_FUNCTION),
        };
        let secret = SecretSource::from_lookup(lookup, WEBHOOK_TOKEN, WEBHOOK_TOKEN_PARAMETER)?
            .ok_or(ConfigError::Missing(WEBHOOK_TOKEN_PARAMETER))?;
        let space_raw = optional(lookup, CANARY_SPACE_ID).unwrap_or_else(|| DEFAULT_SPACE.to_owned());
        let space = SpaceId::parse(&space_raw).ok_or_else(|| ConfigError::Invalid {
            name: CANARY_SPACE_ID,
            reason: format!("{space_raw:?} is not a space id like Spaces-1"),
        })?;
        let task_raw = optional(lookup, CANARY_SERVER_TASK).unwrap_or_else(|| DEFAULT_TASK.to_owned());
        let task = OctopusId::parse(&task_raw)
            .filter(|id| id.has_prefix("ServerTasks-"))
            .ok_or_else(|| ConfigError::Invalid {
                name: CANARY_SERVER_TASK,
                reason: format!("{task_raw:?} is not a server task id like ServerTasks-999999999"),
            })?;
        Ok(Self {
            functions,
            header_name: required(lookup, WEBHOOK_HEADER_NAME)?,
            secret,
            space,
            task,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use messaging::config::Pairs;

    const FUNCTIONS: [(&str, &str); 4] = [
        (ACCEPT_MESSAGE_FUNCTION, "octo-responder-dev-accept-message"),
        (PROCESS_MESSAGE_FUNCTION, "octo-responder-dev-process-message"),
        (WEBHOOK_HEADER_NAME, "X-Octopus-Webhook-Token"),
        (WEBHOOK_TOKEN_PARAMETER, "/octo-responder/dev/webhook-token"),
    ];

    #[test]
    fn reads_the_functions_and_defaults_the_space_and_the_task() {
        let config = Config::from_lookup(&Pairs(&FUNCTIONS)).unwrap();
        assert_eq!(config.functions.sweep_interruptions, None);
        assert_eq!(config.space.as_str(), "Spaces-1");
        assert_eq!(config.task.as_str(), "ServerTasks-999999999");
        assert!(
            matches!(config.secret, SecretSource::Parameter(ref name) if name == "/octo-responder/dev/webhook-token")
        );
    }

    #[test]
    fn knows_its_functions_by_name_or_arn_and_no_other() {
        let mut pairs = FUNCTIONS.to_vec();
        pairs.push((SWEEP_INTERRUPTIONS_FUNCTION, "octo-responder-dev-sweep-interruptions"));
        let config = Config::from_lookup(&Pairs(&pairs)).unwrap();
        let functions = &config.functions;
        assert_eq!(
            functions.kind_of("octo-responder-dev-accept-message"),
            Some(Kind::AcceptMessage)
        );
        assert_eq!(
            functions.kind_of("arn:aws:lambda:eu-west-1:123456789012:function:octo-responder-dev-process-message:live"),
            Some(Kind::ProcessMessage)
        );
        assert_eq!(
            functions.kind_of("octo-responder-dev-sweep-interruptions"),
            Some(Kind::SweepInterruptions)
        );
        assert_eq!(functions.kind_of("octo-responder-prod-process-message"), None);
    }

    #[test]
    fn refuses_to_start_without_a_secret_or_with_a_space_that_is_not_one() {
        let without_secret: Vec<_> = FUNCTIONS
            .iter()
            .copied()
            .filter(|(k, _)| *k != WEBHOOK_TOKEN_PARAMETER)
            .collect();
        assert_eq!(
            Config::from_lookup(&Pairs(&without_secret)).unwrap_err(),
            ConfigError::Missing(WEBHOOK_TOKEN_PARAMETER)
        );
        let mut bad_space = FUNCTIONS.to_vec();
        bad_space.push((CANARY_SPACE_ID, "Projects-1"));
        let error = Config::from_lookup(&Pairs(&bad_space)).unwrap_err().to_string();
        assert!(
            error.contains(CANARY_SPACE_ID) && error.contains("Projects-1"),
            "{error}"
        );
    }
}
