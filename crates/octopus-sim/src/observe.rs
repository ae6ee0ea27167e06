//! Middleware on every request: latency, outage, injected faults, and the request log.

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::faults::{FaultKind, take_matching};
use crate::state::Shared;
use crate::types::RequestRecord;

pub(crate) async fn observe(State(shared): State<Shared>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
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
    let outage = shared.lock().outage;
    let response = match fault {
        _ if outage => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "The Octopus Server is currently unavailable.",
        )
        .into_response(),
        Some(FaultKind::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            ApiError::new(status, format!("Injected fault: HTTP {code}")).into_response()
        }
        Some(FaultKind::TooManyRequests { retry_after_secs }) => {
            ApiError::too_many_requests(retry_after_secs).into_response()
        }
        Some(FaultKind::Delay(_)) | None => next.run(request).await,
    };
    let status = response.status().as_u16();
    tracing::debug!(%method, %target, status, "octopus-sim request");
    shared.lock().requests.push(RequestRecord {
        method: method.to_string(),
        path,
        query,
        status,
        started,
        finished: Instant::now(),
    });
    response
}
