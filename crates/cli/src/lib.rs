//! The operator CLI `octo-responder`: keeps the Octopus subscriptions that feed the responder as
//! code, prints a rule's webhook token, and checks a deployment end to end.
//!
//! Read top-down: `args` (the command line), `rules` (the rules file) and `outputs` (Terraform's
//! outputs) are read first; `context` finds keys and secrets; `resolve` turns rules into the
//! subscriptions Octopus should have; `changes` compares them with what it has; `sync` applies
//! the difference; `doctor` examines a deployment and `report` prints what it found.

pub mod args;
pub mod changes;
pub mod context;
pub mod doctor;
pub mod outputs;
pub mod report;
pub mod resolve;
pub mod rules;
pub mod sync;

use std::process::ExitCode;

use args::{Cli, Command, Rules, SubscriptionArgs, Subscriptions, Target};
use outputs::Outputs;

/// Why a command stopped: one message that says what to do.
pub type CliError = Box<dyn std::error::Error + Send + Sync>;

/// Runs one command. `Ok(FAILURE)` when the command ran and found something wrong (a doctor
/// finding, a rules file with errors).
pub async fn run(cli: Cli) -> Result<ExitCode, CliError> {
    match cli.command {
        Command::Rules(Rules::Check(file)) => {
            let path = file.path();
            let rules = rules::read(&path)?;
            println!("{}: {} rule(s), all valid", path.display(), rules.len());
            for rule in &rules {
                println!("  {} in {}: {}", rule.name, rule.space, rule.rule);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Token(args) => {
            let query = args.rule.split_once('?').map_or(args.rule.as_str(), |(_, query)| query);
            let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
            let rule = messaging::Rule::from_query(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .map_err(|e| format!("--rule: {e}"))?;
            let env = args.env.as_str();
            let outputs = match context::env(context::WEBHOOK_SECRET) {
                Some(_) => Outputs::default(),
                None => Outputs::read(args.terraform_outputs.as_deref(), env)?,
            };
            let secret = context::webhook_secret(&outputs).await?;
            eprintln!(
                "{env}: the header value for {} (its subscription's event filter must hold {}):",
                rule.canonical_query(),
                rule.kind.event_category()
            );
            println!("{}", rule.token(context::secret_bytes(&secret)));
            Ok(ExitCode::SUCCESS)
        }
        Command::Subscriptions(Subscriptions::Plan(args)) => subscriptions(&args, false).await,
        Command::Subscriptions(Subscriptions::Apply(args)) => subscriptions(&args, true).await,
        Command::Doctor(target) => doctor(&target).await,
    }
}

/// The header accept-message reads unless Terraform's `webhook_header_name` says otherwise.
const DEFAULT_HEADER: &str = "X-Octopus-Webhook-Token";

/// What every command against a deployment needs first.
struct Deployment {
    env: &'static str,
    file: String,
    rules: Vec<rules::RuleSpec>,
    outputs: Outputs,
    webhook_url: String,
    header_key: String,
}

impl Deployment {
    fn read(target: &Target) -> Result<Self, CliError> {
        let path = target.rules.path();
        let rules = rules::read(&path)?;
        let env = target.rules.env.as_str();
        let outputs = match (&target.webhook_url, &target.terraform_outputs) {
            (Some(_), None) if context::env(context::WEBHOOK_SECRET).is_some() => Outputs::default(),
            (_, file) => Outputs::read(file.as_deref(), env)?,
        };
        let webhook_url = target
            .webhook_url
            .clone()
            .or_else(|| outputs.webhook_url.clone())
            .ok_or("no webhook URL: pass --webhook-url, or run where Terraform's output webhook_url is available")?;
        let header_key = match target
            .header_name
            .clone()
            .or_else(|| outputs.webhook_header_name.clone())
        {
            Some(name) => name,
            None => {
                eprintln!("no --header-name and no Terraform output webhook_header_name: using {DEFAULT_HEADER}");
                DEFAULT_HEADER.to_owned()
            }
        };
        Ok(Self {
            env,
            file: path.display().to_string(),
            rules,
            outputs,
            webhook_url: webhook_url.trim_end_matches('?').to_owned(),
            header_key,
        })
    }
}

async fn subscriptions(args: &SubscriptionArgs, apply: bool) -> Result<ExitCode, CliError> {
    let deployment = Deployment::read(&args.target)?;
    sweep_interruptions::subscriptions::WebhookUrls::parse(&deployment.webhook_url)
        .map_err(|reason| format!("webhook URL: {reason}"))?;
    let secret = context::webhook_secret(&deployment.outputs).await?;
    let admin = context::admin()?;
    let deadline = context::deadline();
    let root = admin.root(deadline).await?;
    let spaces = admin.spaces(deadline).await?;
    let signing = resolve::Signing {
        webhook_url: &deployment.webhook_url,
        header_key: &deployment.header_key,
        secret: context::secret_bytes(&secret),
    };
    let desired = resolve::desired(
        &admin,
        &deployment.file,
        deployment.env,
        &deployment.rules,
        &signing,
        &spaces,
        deadline,
    )
    .await?;
    let existing = sync::existing(&admin, &spaces, deadline).await?;
    let changes = changes::plan(
        &desired,
        &existing,
        &resolve::prefix(deployment.env),
        args.rewrite_tokens,
    );
    sync::print_plan(&changes);
    let deletes = changes
        .iter()
        .filter(|c| matches!(c, changes::Change::Delete(_)))
        .count();
    if apply && deployment.rules.is_empty() && deletes > 0 && !args.allow_delete_all {
        return Err(format!(
            "{} has no rule, so this would delete all {deletes} subscription(s) of {}: nothing was changed. \
             Pass --allow-delete-all if that is meant (a tear-down)",
            deployment.file, deployment.env
        )
        .into());
    }
    if apply {
        let sensitive = sync::sensitive_header_values(&existing, root.sensitive_header_values());
        let done = sync::apply(&admin, &changes, sensitive, deadline).await?;
        println!("applied: {done} change(s)");
    }
    Ok(ExitCode::SUCCESS)
}

async fn doctor(target: &Target) -> Result<ExitCode, CliError> {
    let deployment = Deployment::read(target)?;
    let secret = context::webhook_secret(&deployment.outputs).await?;
    let responder = context::octopus(context::responder_key(&deployment.outputs).await?)?;
    let admin = match context::env(context::OCTOPUS_ADMIN_API_KEY) {
        Some(_) => Some(context::admin()?),
        None => None,
    };
    let server_url = context::env(context::OCTOPUS_SERVER_URL).unwrap_or_default();
    let patient = doctor::Patient {
        env: deployment.env,
        server_url: &server_url,
        responder: &responder,
        reader: admin.as_ref().unwrap_or(&responder),
        rules: &deployment.rules,
        webhook_url: &deployment.webhook_url,
        header_key: &deployment.header_key,
        secret: context::secret_bytes(&secret),
    };
    let report = doctor::examine(&patient, context::deadline()).await;
    println!("{report}");
    Ok(if report.failed() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
