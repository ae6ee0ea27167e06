//! Function binaries run as Lambda runs them, on loopback: a minimal Runtime API
//! ([`runtime_api`]), one binary spawned under it ([`running`]), and a stand-in for the Lambda
//! service's Invoke API ([`invoke_api`]) whose published versions are real binaries, so a caller
//! using the AWS SDK's Lambda client invokes the code that would ship.

pub mod invoke_api;
pub mod running;
pub mod runtime_api;

use std::path::PathBuf;

pub use invoke_api::{Invocation, LocalLambda};
pub use running::{LambdaError, Running};

/// The debug build of the workspace binary `name` (`target/debug/<name>`), which
/// `cargo test --workspace` builds before it runs any test: cargo builds every package's binaries
/// when it tests the package's integration tests. Fails with what to run when it is missing.
pub fn workspace_binary(name: &str) -> Result<PathBuf, LambdaError> {
    let exe = std::env::current_exe()?;
    // target/debug/deps/<test executable>: the binaries are in target/debug.
    let debug = exe
        .parent()
        .and_then(|deps| deps.parent())
        .ok_or("the test executable is not under target/<profile>/deps")?;
    let binary = debug.join(name);
    if binary.is_file() {
        Ok(binary)
    } else {
        Err(format!(
            "no {} binary: run `cargo build --workspace` (or `cargo test --workspace`, as `make test` does) first",
            binary.display()
        )
        .into())
    }
}
