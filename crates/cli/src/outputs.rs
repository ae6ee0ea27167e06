//! What the CLI needs of the environment's Terraform: the webhook URL and header name, and the
//! SSM parameters holding the webhook secret and the responder's API key. Read from
//! `terraform output -json`, either a saved file (`make subscriptions`/`doctor` pass the
//! environment's own) or by running Terraform in `infra/` with the environment's data directory,
//! `infra/.terraform/deploy-<env>`, which `make plan ENV=<env>` initialises (the binary in `TF`,
//! default `terraform`). Outputs of another environment are refused.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// The outputs the CLI reads, each optional: a command says which one it missed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outputs {
    pub webhook_url: Option<String>,
    pub webhook_header_name: Option<String>,
    pub webhook_token_parameter: Option<String>,
    pub octopus_api_key_parameter: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum OutputsError {
    #[error("cannot read {file}: {error}")]
    File { file: String, error: std::io::Error },
    #[error(
        "could not run `{command}` ({detail}); run `make plan ENV={env}` once (it initialises infra/.terraform/deploy-{env}), use `make subscriptions|doctor ENV={env}`, or pass --terraform-outputs <file of `terraform output -json`>"
    )]
    Terraform {
        command: String,
        env: String,
        detail: String,
    },
    #[error(
        "these Terraform outputs are not {env}'s (its webhook secret parameter is {parameter}): pass the outputs of {env}"
    )]
    OtherEnvironment { env: String, parameter: String },
    #[error("`terraform output -json` is not what Terraform writes: {0}")]
    Shape(String),
}

impl Outputs {
    /// `env`'s outputs: from a saved file, or else by running Terraform with its data directory.
    pub fn read(file: Option<&Path>, env: &str) -> Result<Self, OutputsError> {
        let text = match file {
            Some(file) => std::fs::read_to_string(file).map_err(|error| OutputsError::File {
                file: file.display().to_string(),
                error,
            })?,
            None => run_terraform(env)?,
        };
        Self::parse(&text)?.of(env)
    }

    /// Refuses outputs of another environment: the responder's parameters are named
    /// `/<project>/<env>/...`.
    pub fn of(self, env: &str) -> Result<Self, OutputsError> {
        match &self.webhook_token_parameter {
            Some(parameter) if !parameter.contains(&format!("/{env}/")) => Err(OutputsError::OtherEnvironment {
                env: env.to_owned(),
                parameter: parameter.clone(),
            }),
            _ => Ok(self),
        }
    }

    /// `{"name": {"value": ..., "type": ..., "sensitive": ...}, ...}`; a `null` value is unset.
    pub fn parse(text: &str) -> Result<Self, OutputsError> {
        let json: Value = serde_json::from_str(text).map_err(|e| OutputsError::Shape(e.to_string()))?;
        let object = json
            .as_object()
            .ok_or_else(|| OutputsError::Shape("not a JSON object".to_owned()))?;
        let string = |name: &str| {
            object
                .get(name)
                .and_then(|o| o.get("value"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        Ok(Self {
            webhook_url: string("webhook_url"),
            webhook_header_name: string("webhook_header_name"),
            webhook_token_parameter: string("webhook_token_parameter"),
            octopus_api_key_parameter: string("octopus_api_key_parameter"),
        })
    }
}

fn run_terraform(env: &str) -> Result<String, OutputsError> {
    let terraform = std::env::var("TF").unwrap_or_else(|_| "terraform".to_owned());
    let data_dir = std::env::current_dir()
        .unwrap_or_default()
        .join(format!("infra/.terraform/deploy-{env}"));
    let command = format!(
        "TF_DATA_DIR={} {terraform} -chdir=infra output -json -no-color",
        data_dir.display()
    );
    let failed = |detail: String| OutputsError::Terraform {
        command: command.clone(),
        env: env.to_owned(),
        detail,
    };
    if !data_dir.is_dir() {
        return Err(failed(format!("{} does not exist", data_dir.display())));
    }
    let output = Command::new(&terraform)
        .args(["-chdir=infra", "output", "-json", "-no-color"])
        .env("TF_DATA_DIR", &data_dir)
        .output()
        .map_err(|e| failed(e.to_string()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let line = stderr
            .lines()
            .map(|l| l.trim_matches(|c: char| c.is_whitespace() || "│╷╵".contains(c)))
            .find(|l| !l.is_empty())
            .unwrap_or("failed");
        return Err(failed(line.to_owned()));
    }
    String::from_utf8(output.stdout).map_err(|e| OutputsError::Shape(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_outputs_it_needs_and_treats_null_as_unset() {
        let outputs = Outputs::parse(
            r#"{
              "webhook_url": {"sensitive": false, "type": "string", "value": "https://abc.execute-api.eu-west-1.amazonaws.com/octopus/webhook"},
              "webhook_header_name": {"sensitive": false, "type": "string", "value": "X-Octopus-Webhook-Token"},
              "webhook_token_parameter": {"sensitive": false, "type": "string", "value": "/octo-responder/dev/webhook-token"},
              "octopus_api_key_parameter": {"sensitive": false, "type": "string", "value": null},
              "queue_url": {"sensitive": false, "type": "string", "value": "https://sqs"}
            }"#,
        )
        .unwrap();
        assert_eq!(
            outputs.webhook_url.as_deref(),
            Some("https://abc.execute-api.eu-west-1.amazonaws.com/octopus/webhook")
        );
        assert_eq!(
            outputs.webhook_token_parameter.as_deref(),
            Some("/octo-responder/dev/webhook-token")
        );
        assert_eq!(outputs.octopus_api_key_parameter, None);
    }

    #[test]
    fn outputs_of_another_environment_are_refused() {
        let prod = Outputs {
            webhook_token_parameter: Some("/octo-responder/prod/webhook-token".to_owned()),
            ..Outputs::default()
        };
        assert!(prod.clone().of("prod").is_ok());
        let error = prod.of("dev").unwrap_err();
        assert!(error.to_string().contains("not dev's"), "{error}");
    }

    #[test]
    fn something_else_than_terraforms_json_is_refused() {
        assert!(matches!(Outputs::parse("[]"), Err(OutputsError::Shape(_))));
        assert!(matches!(Outputs::parse("webhook_url = x"), Err(OutputsError::Shape(_))));
    }
}
