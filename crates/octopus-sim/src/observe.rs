//! Middleware on every request: latency, outage, injected faults (including dropped answers), and
//! the request log.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::conn::Cut;
use crate::error::ApiError;
use crate::faults::{BARRIER_GIVE_UP, FaultKind, take_matching};
use crate::state::OTHER_ID;
use crate::state::Shared;
use crate::types::RequestRecord;

/// Logs a request when it completes, or with status 499 when the client gave up on it first (the
/// server drops the handler then): so the log shows every request, including abandoned ones.
struct LogEntry {
    shared: Shared,
    record: Option<RequestRecord>,
}

impl LogEntry {
    fn finish(mut self, status: u16) {
        if let Some(mut record) = self.record.take() {
            record.status = status;
            record.finished = Instant::now();
            self.shared.lock().requests.push(record);
        }
    }
}

impl Drop for LogEntry {
    fn drop(&mut self) {
        if let Some(mut record) = self.record.take() {
            record.status = CLIENT_CLOSED;
            record.finished = Instant::now();
            self.shared.lock().requests.push(record);
        }
    }
}

/// nginx's "client closed request": the status logged for a request the client abandoned.
pub const CLIENT_CLOSED: u16 = 499;

/// The gate of `Fault::barrier`: opens once `parties` requests wait at it together. A request
/// abandoned while waiting no longer counts, so requests sent one after another never open it.
#[derive(Debug)]
pub(crate) struct Gate {
    parties: usize,
    waiting: std::sync::Mutex<usize>,
    opened: std::sync::atomic::AtomicBool,
    open: tokio::sync::Notify,
}

struct Waiting<'a>(&'a Gate);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if let Ok(mut n) = self.0.waiting.lock() {
            *n = n.saturating_sub(1);
        }
    }
}

impl Gate {
    pub(crate) fn new(parties: usize) -> Self {
        Self {
            parties,
            waiting: std::sync::Mutex::new(0),
            opened: std::sync::atomic::AtomicBool::new(false),
            open: tokio::sync::Notify::new(),
        }
    }

    async fn pass(&self) {
        use std::sync::atomic::Ordering;
        let notified = self.open.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let arrived = {
            let Ok(mut n) = self.waiting.lock() else { return };
            *n += 1;
            *n
        };
        let _waiting = Waiting(self);
        if arrived >= self.parties {
            self.opened.store(true, Ordering::SeqCst);
            self.open.notify_waiters();
        }
        if self.opened.load(Ordering::SeqCst) {
            return;
        }
        notified.await;
    }
}

pub(crate) async fn observe(State(shared): State<Shared>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
    let entry = LogEntry {
        shared: shared.clone(),
        record: Some(RequestRecord {
            method: method.to_string(),
            path: path.clone(),
            query: query.clone(),
            status: 0,
            started,
            finished: started,
        }),
    };
    let target = match &query {
        Some(q) => format!("{path}?{q}"),
        None => path.clone(),
    };
    let (latency, fault) = {
        let mut s = shared.lock();
        let fault = take_matching(&mut s.faults, &method, &target);
        (s.latency, fault)
    };
    let delay = match &fault {
        Some(FaultKind::Delay(d)) => latency + *d,
        _ => latency,
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let mut barrier_missed = false;
    match &fault {
        Some(FaultKind::Barrier { id, parties }) => {
            let gate = Arc::clone(
                shared
                    .lock()
                    .barriers
                    .entry(*id)
                    .or_insert_with(|| Arc::new(Gate::new(*parties))),
            );
            barrier_missed = tokio::time::timeout(BARRIER_GIVE_UP, gate.pass()).await.is_err();
        }
        Some(FaultKind::AnsweredFirst(values)) => {
            let values: BTreeMap<String, Option<String>> =
                values.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect();
            if let Some(id) = path.split('/').find(|segment| segment.starts_with("Interruptions-")) {
                shared.lock().complete(id, &values, OTHER_ID);
            }
        }
        _ => {}
    }
    let outage = shared.lock().outage;
    let response = match fault {
        _ if outage => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "The Octopus Server is currently unavailable.",
        )
        .into_response(),
        _ if barrier_missed => ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            "Injected barrier: the other requests never arrived while this one waited",
        )
        .into_response(),
        Some(FaultKind::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            ApiError::new(status, format!("Injected fault: HTTP {code}")).into_response()
        }
        Some(FaultKind::TooManyRequests { retry_after_secs }) => {
            ApiError::too_many_requests(retry_after_secs).into_response()
        }
        Some(FaultKind::ApplyThenDrop) => {
            let cut = request.extensions().get::<ConnectInfo<Cut>>().map(|c| c.0.clone());
            let response = next.run(request).await;
            match cut {
                Some(cut) => cut.cut(),
                None => tracing::warn!(%method, %target, "octopus-sim: no connection to drop, answering"),
            }
            response
        }
        Some(FaultKind::Delay(_) | FaultKind::AnsweredFirst(_) | FaultKind::Barrier { .. }) | None => {
            next.run(request).await
        }
    };
    let status = response.status().as_u16();
    tracing::debug!(%method, %target, status, "octopus-sim request");
    entry.finish(status);
    response
}
