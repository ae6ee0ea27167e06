//! `make demo`: a local SQS (moto) and the Octopus simulator on 127.0.0.1, the three functions' real
//! handlers in-process, real-shaped webhooks, and a report of what happened. Stops everything it
//! started; exits non-zero if any outcome is not the expected one.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    match demo::run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demo failed: {e}");
            ExitCode::FAILURE
        }
    }
}
