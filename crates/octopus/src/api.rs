//! The capability the responder needs from Octopus, as a trait so the decision logic can be
//! driven by the real HTTP client or by a fake.

use std::future::Future;
use std::time::Duration;

use messaging::{DocumentId, OctopusId, SpaceId};
use serde_json::{Map, Value};
use tokio::time::Instant;

use crate::error::OctopusError;
use crate::model::Interruption;

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
}

pub trait OctopusApi: Send + Sync {
    /// How many events of `category` regard `document` (one request: `TotalResults`).
    fn count_events(
        &self,
        space: &SpaceId,
        document: &DocumentId,
        category: &str,
        deadline: Deadline,
    ) -> impl Future<Output = Result<u64, OctopusError>> + Send;

    /// Every pending interruption regarding `document`, over all pages.
    fn pending_interruptions(
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
