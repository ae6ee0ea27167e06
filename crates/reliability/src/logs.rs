//! Logs of every thread, for multi-threaded tests (`harness::logs::capture` only sees the
//! thread it was set on, which suits a current-thread runtime).

use harness::logs::Captured;

/// Installs a process-wide JSON subscriber at `level` and above, writing into the returned
/// buffer. Fails when a global subscriber is installed already (one test per binary uses it).
pub fn capture_everywhere(level: tracing::Level) -> Result<Captured, crate::Error> {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(level)
        .with_writer(captured.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber)?;
    Ok(captured)
}
