//! The capability the responder needs from Octopus, as a trait so the decision logic can be
//! driven by the real HTTP client or by a fake.

use std::future::Future;
use std::time::Duration;

use messaging::{DocumentId, OctopusId, SpaceId};
use serde_json::{Map, Value};
use tokio::time::Instant;

use crate::error::OctopusError;
use crate::model::{EventCount, Interruption};

/// The last moment at which a call may still be (re)tried: the invocation's end less a margin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Deadline(pub Instant);

impl Deadline {
    pub fn after(duration: Duration) -> Self {
        Self(Instant::now() + duration)
    }

    pub fn remaining(&self) -> Duration {
        self.0.saturating_duration_since(Instant::now())
    }

    /// A Lambda invocation's deadline (milliseconds since the epoch) less `margin`, kept back to
    /// report. Some local runtimes send the function timeout instead (cargo lambda sends 600000):
    /// a value too small to be a timestamp (before 2020) is taken as a duration from now.
    pub fn of_invocation(deadline_ms: u64, margin: Duration) -> Self {
        const EARLIEST_TIMESTAMP_MS: u64 = 1_577_836_800_000;
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let remaining_ms = if deadline_ms < EARLIEST_TIMESTAMP_MS {
            deadline_ms
        } else {
            deadline_ms.saturating_sub(now_ms)
        };
        Self::after(Duration::from_millis(remaining_ms).saturating_sub(margin))
    }
}

pub trait OctopusApi: Send + Sync {
    /// How many events of `category` regard `document`, and when the newest of them occurred
    /// (one request: `TotalResults` and the first item of a newest-first page).
    fn count_events(
        &self,
        space: &SpaceId,
        document: &DocumentId,
        category: &str,
        deadline: Deadline,
    ) -> impl Future<Output = Result<EventCount, OctopusError>> + Send;

    /// Every pending interruption regarding `document`, over all pages.
    fn pending_interruptions(
        &self,
        space: &SpaceId,
        document: &DocumentId,
        deadline: Deadline,
    ) -> impl Future<Output = Result<Vec<Interruption>, OctopusError>> + Send;

    /// Every interruption regarding `document`, answered ones included (with the values they
    /// were answered with), over all pages: the task's history and its pending ones in one read.
    fn interruptions_regarding(
        &self,
        space: &SpaceId,
        document: &DocumentId,
        deadline: Deadline,
    ) -> impl Future<Output = Result<Vec<Interruption>, OctopusError>> + Send;

    /// One interruption as it is now.
    fn interruption(
        &self,
        space: &SpaceId,
        id: &OctopusId,
        deadline: Deadline,
    ) -> impl Future<Output = Result<Interruption, OctopusError>> + Send;

    /// Makes the API key's user responsible for the interruption.
    fn take_responsibility(
        &self,
        space: &SpaceId,
        id: &OctopusId,
        deadline: Deadline,
    ) -> impl Future<Output = Result<(), OctopusError>> + Send;

    /// Submits form values, e.g. `{"Guidance": "Retry", "Notes": "..."}`.
    fn submit(
        &self,
        space: &SpaceId,
        id: &OctopusId,
        values: &Map<String, Value>,
        deadline: Deadline,
    ) -> impl Future<Output = Result<Interruption, OctopusError>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{SystemTime, UNIX_EPOCH};

    #[test]
    fn a_deadline_given_as_a_timeout_by_a_local_runtime_counts_from_now() {
        let remaining = Deadline::of_invocation(600_000, Duration::from_secs(2)).remaining();
        assert!(
            remaining <= Duration::from_secs(598) && remaining > Duration::from_secs(597),
            "{remaining:?}"
        );
    }

    #[test]
    fn the_deadline_keeps_a_margin_before_the_invocation_ends() {
        let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        let deadline = Deadline::of_invocation(now_ms + 10_000, Duration::from_secs(2));
        let remaining = deadline.remaining();
        assert!(
            remaining <= Duration::from_secs(8) && remaining > Duration::from_secs(7),
            "{remaining:?}"
        );
        let past = Deadline::of_invocation(now_ms - 1, Duration::from_secs(2));
        assert_eq!(past.remaining(), Duration::ZERO);
    }
}
