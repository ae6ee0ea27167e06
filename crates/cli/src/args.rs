//! The command line: what each command needs and where it comes from, in `--help`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Operator tools for octo-responder: keep the Octopus subscriptions that feed the responder as
/// code, print a rule's webhook token, and check a deployment end to end.
///
/// Octopus is reached at OCTOPUS_SERVER_URL. Commands that change subscriptions use an
/// administrator's API key (OCTOPUS_ADMIN_API_KEY), never the responder's. The webhook secret
/// is read from WEBHOOK_SECRET or, by default, from the SSM parameter the environment's
/// Terraform created (output `webhook_token_parameter`).
#[derive(Debug, Parser)]
#[command(name = "octo-responder", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Make the Octopus subscriptions match the environment's rules file.
    #[command(subcommand)]
    Subscriptions(Subscriptions),
    /// Print the webhook header value that authorizes one rule, for a subscription made by hand.
    Token(TokenArgs),
    /// Check what makes answers fail, against the real server and API, and say how to fix it.
    Doctor(Target),
    /// Check a rules file without talking to anything.
    #[command(subcommand)]
    Rules(Rules),
}

#[derive(Debug, Subcommand)]
pub enum Subscriptions {
    /// Show what `apply` would create, update and delete; change nothing.
    Plan(SubscriptionArgs),
    /// Create the missing subscriptions, update the changed, delete those no rule wants any
    /// more. Only subscriptions named `octo-responder/<env>/...` are touched. Running it twice
    /// changes nothing the second time.
    Apply(SubscriptionArgs),
}

#[derive(Debug, Subcommand)]
pub enum Rules {
    /// Validate the rules file: the first error, with its line and field.
    Check(RulesFile),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    Dev,
    Staging,
    Prod,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dev => "dev",
            Self::Staging => "staging",
            Self::Prod => "prod",
        }
    }
}

/// Which environment, and where its rules file is.
#[derive(Debug, Clone, Args)]
pub struct RulesFile {
    /// The environment whose subscriptions these are.
    #[arg(long, value_enum)]
    pub env: Environment,
    /// The rules file [default: infra/envs/<env>.rules.toml].
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
}

impl RulesFile {
    pub fn path(&self) -> PathBuf {
        self.rules
            .clone()
            .unwrap_or_else(|| PathBuf::from(format!("infra/envs/{}.rules.toml", self.env.as_str())))
    }
}

/// Where the environment's responder is.
#[derive(Debug, Clone, Args)]
pub struct Target {
    #[command(flatten)]
    pub rules: RulesFile,
    /// The responder's webhook URL [default: Terraform output `webhook_url`].
    #[arg(long, value_name = "URL")]
    pub webhook_url: Option<String>,
    /// A file holding `terraform output -json` of the environment [default: run Terraform in
    /// infra/ with the environment's data directory, infra/.terraform/deploy-<env>].
    #[arg(long, value_name = "FILE")]
    pub terraform_outputs: Option<PathBuf>,
    /// The webhook header's name [default: Terraform output `webhook_header_name`].
    #[arg(long, value_name = "NAME")]
    pub header_name: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct SubscriptionArgs {
    #[command(flatten)]
    pub target: Target,
    /// Rewrite every subscription's header value, e.g. after the webhook secret was rotated
    /// (servers since 2026.1 never show it, so a changed token cannot be seen otherwise).
    #[arg(long)]
    pub rewrite_tokens: bool,
    /// Let a rules file without any rule delete every subscription this environment owns
    /// (a tear-down); without it such a run refuses, since an emptied file is more often a
    /// mistake.
    #[arg(long)]
    pub allow_delete_all: bool,
}

#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// The environment whose webhook secret signs the token.
    #[arg(long, value_enum)]
    pub env: Environment,
    /// The rule: the webhook URL's query, e.g. 'type=Guidance&action=Retry&maximumretry=2', or
    /// the whole URL.
    #[arg(long, value_name = "QUERY")]
    pub rule: String,
    /// A file holding `terraform output -json` of the environment, for the secret's SSM
    /// parameter when WEBHOOK_SECRET is not set [default: run Terraform in infra/ with the
    /// environment's data directory].
    #[arg(long, value_name = "FILE")]
    pub terraform_outputs: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn the_rules_file_defaults_to_the_one_beside_the_environments_tfvars() {
        let cli = Cli::try_parse_from(["octo-responder", "subscriptions", "plan", "--env", "dev"]).unwrap();
        let Command::Subscriptions(Subscriptions::Plan(args)) = cli.command else {
            panic!("plan")
        };
        assert_eq!(args.target.rules.path(), PathBuf::from("infra/envs/dev.rules.toml"));
        assert!(!args.rewrite_tokens);
    }

    #[test]
    fn an_unknown_environment_is_refused_with_the_ones_there_are() {
        let error = Cli::try_parse_from(["octo-responder", "doctor", "--env", "qa"]).unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("dev") && text.contains("staging") && text.contains("prod"),
            "{text}"
        );
    }
}
