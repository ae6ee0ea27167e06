//! What the CLI needs of the environment's Terraform: the webhook URL and header name, and the
//! SSM parameters holding the webhook secret and the responder's API key. Read from
//! `terraform output -json`, either a saved file or by running Terraform in `infra/` (the
//! binary in `TF`, default `terraform`, already initialised for the environment).

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
        "could not run `{command}` ({detail}); initialise Terraform for the environment first (`terraform -chdir=infra init -backend-config=envs/<env>.s3.tfbackend`), or pass the value as a flag or --terraform-outputs <file of `terraform output -json`>"
    )]
    Terraform { command: String, detail: String },
    #[error("`terraform output -json` is not what Terraform writes: {0}")]
    Shape(String),
}

impl Outputs {
    /// From a saved file, or else by running Terraform.
    pub fn read(file: Option<&Path>) -> Result<Self, OutputsError> {
        let text = match file {
            Some(file) => std::fs::read_to_string(file).map_err(|error| OutputsError::File {
                file: file.display().to_string(),
                error,
            })?,
            None => run_terraform()?,
        };
        Self::parse(&text)
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

fn run_terraform() -> Result<String, OutputsError> {
    let terraform = std::env::var("TF").unwrap_or_else(|_| "terraform".to_owned());
    let command = format!("{terraform} -chdir=infra output -json");
    let output = Command::new(&terraform)
        .args(["-chdir=infra", "output", "-json"])
        .output()
        .map_err(|e| OutputsError::Terraform {
            command: command.clone(),
            detail: e.to_string(),
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(OutputsError::Terraform {
            command,
            detail: stderr
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("failed")
                .trim()
                .to_owned(),
        });
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
    fn something_else_than_terraforms_json_is_refused() {
        assert!(matches!(Outputs::parse("[]"), Err(OutputsError::Shape(_))));
        assert!(matches!(Outputs::parse("webhook_url = x"), Err(OutputsError::Shape(_))));
    }
}
