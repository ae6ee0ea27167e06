//! Injected faults: which requests they hit, how many times, and what they do.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::http::Method;

/// What an injected fault does to a matching request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer with this status and an Octopus error body instead of handling the request.
    Status(u16),
    /// Answer 429 with `Retry-After: retry_after_secs` and the rate-limit advisory headers.
    TooManyRequests { retry_after_secs: u64 },
    /// Sleep this long, then handle the request normally (for client timeouts).
    Delay(Duration),
    /// Handle the request normally (state changes, a submit is recorded), then close the
    /// connection before any byte of the response is written: the client sees a transport error
    /// (connection closed before the response), never an HTTP status. The request log records the
    /// status the handler produced.
    ApplyThenDrop,
    /// Before the request is handled, the other user (`Users-2`) answers the interruption named
    /// in its path with these values: a person who answered in the moment between the client's
    /// read and its write, deterministically.
    AnsweredFirst(Vec<(String, String)>),
    /// Hold each matching request until `parties` of them have arrived, then handle them all:
    /// proves requests overlap without measuring time. Requests that do not meet (the client
    /// sent them one after another) are answered 504 after [`BARRIER_GIVE_UP`], so a test fails
    /// rather than hangs.
    Barrier { id: u64, parties: usize },
}

/// How long a request waits at a barrier for the others before it is answered 504.
pub const BARRIER_GIVE_UP: Duration = Duration::from_secs(10);

static NEXT_BARRIER: AtomicU64 = AtomicU64::new(1);

/// A fault that fires on the next `times` requests matching `method` and `path_contains`.
///
/// `path_contains` is matched against the path plus `?query` when there is one. `None` matches all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub method: Option<Method>,
    pub path_contains: Option<String>,
    pub times: u32,
    pub kind: FaultKind,
}

impl Fault {
    /// A fault of `kind` that fires once on any request.
    pub fn new(kind: FaultKind) -> Self {
        Self {
            method: None,
            path_contains: None,
            times: 1,
            kind,
        }
    }

    /// Answer with `code`.
    pub fn status(code: u16) -> Self {
        Self::new(FaultKind::Status(code))
    }

    /// Answer 429 with `Retry-After`.
    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        Self::new(FaultKind::TooManyRequests { retry_after_secs })
    }

    /// Delay the answer.
    pub fn delay(d: Duration) -> Self {
        Self::new(FaultKind::Delay(d))
    }

    /// Handle the request, then drop the connection instead of answering.
    pub fn apply_then_drop() -> Self {
        Self::new(FaultKind::ApplyThenDrop)
    }

    /// Before handling the request, `Users-2` answers the interruption in its path with `values`.
    pub fn answered_first(values: &[(&str, &str)]) -> Self {
        Self::new(FaultKind::AnsweredFirst(
            values.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        ))
    }

    /// The next `parties` matching requests wait for each other before any is handled.
    pub fn barrier(parties: usize) -> Self {
        let id = NEXT_BARRIER.fetch_add(1, Ordering::Relaxed);
        Self::new(FaultKind::Barrier { id, parties }).times(u32::try_from(parties).unwrap_or(u32::MAX))
    }

    /// Only hit requests with this method.
    pub fn method(mut self, method: Method) -> Self {
        self.method = Some(method);
        self
    }

    /// Only hit requests whose path (and query) contains `fragment`.
    pub fn path_contains(mut self, fragment: impl Into<String>) -> Self {
        self.path_contains = Some(fragment.into());
        self
    }

    /// Fire this many times (default 1).
    pub fn times(mut self, times: u32) -> Self {
        self.times = times;
        self
    }

    fn matches(&self, method: &Method, target: &str) -> bool {
        self.method.as_ref().is_none_or(|m| m == method)
            && self.path_contains.as_deref().is_none_or(|p| target.contains(p))
    }
}

/// Consumes one firing of the first queued fault matching the request, if any.
pub(crate) fn take_matching(queue: &mut VecDeque<Fault>, method: &Method, target: &str) -> Option<FaultKind> {
    let index = queue.iter().position(|f| f.times > 0 && f.matches(method, target))?;
    let fault = queue.get_mut(index)?;
    fault.times -= 1;
    let kind = fault.kind.clone();
    if fault.times == 0 {
        queue.remove(index);
    }
    Some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fires_in_order_and_only_on_matching_requests() {
        let mut q = VecDeque::from([
            Fault::status(500).method(Method::POST).times(2),
            Fault::status(502).path_contains("/events"),
        ]);
        assert_eq!(
            take_matching(&mut q, &Method::GET, "/api/Spaces-1/events"),
            Some(FaultKind::Status(502))
        );
        assert_eq!(take_matching(&mut q, &Method::GET, "/api/x"), None);
        assert_eq!(take_matching(&mut q, &Method::POST, "/a"), Some(FaultKind::Status(500)));
        assert_eq!(take_matching(&mut q, &Method::POST, "/a"), Some(FaultKind::Status(500)));
        assert!(q.is_empty());
    }
}
