//! `make demo`: starts a local SQS (moto) on 127.0.0.1, runs accept-message's handler on real
//! API Gateway events and prints what happened. Stops everything it started and exits 0.

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
