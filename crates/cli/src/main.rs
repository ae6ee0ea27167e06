//! `octo-responder`: the operator CLI (see `--help`).

use std::process::ExitCode;

use clap::Parser;
use octo_responder_cli::args::Cli;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match octo_responder_cli::run(cli).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("octo-responder: {error}");
            ExitCode::FAILURE
        }
    }
}
