//! The axum router: routes, the 404 and 405 fallbacks, and the anonymous root documents.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use serde_json::Value;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::observe::observe;
use crate::state::{DEFAULT_SPACE, Shared};
use crate::{access, events, interruptions, json, named, spaces, subscription_writes, subscriptions};

pub(crate) fn router(shared: Shared) -> Router {
    Router::new()
        .route("/api", get(root))
        .route("/api/users/me", get(me))
        .route("/api/users/{id}/permissions", get(access::permissions))
        .route("/api/events", get(events::list_all))
        .route("/api/events/{id}", get(events::get))
        .route("/api/spaces", get(spaces::list))
        .route("/api/spaces/all", get(spaces::all))
        .route("/api/spaces/{id}", get(spaces::get))
        .route("/api/{space}", get(space_root))
        .route("/api/{space}/events", get(events::list_in_space))
        .route("/api/{space}/events/{id}", get(events::get_in_space))
        .route("/api/{space}/interruptions", get(interruptions::list))
        .route("/api/{space}/interruptions/{id}", get(interruptions::get))
        .route(
            "/api/{space}/interruptions/{id}/responsible",
            get(interruptions::responsible).put(interruptions::take_responsibility),
        )
        .route("/api/{space}/interruptions/{id}/submit", post(interruptions::submit))
        .route(
            "/api/{space}/subscriptions",
            get(subscriptions::list).post(subscription_writes::create),
        )
        .route("/api/{space}/subscriptions/all", get(subscriptions::all))
        .route(
            "/api/{space}/subscriptions/{id}",
            get(subscriptions::get)
                .put(subscription_writes::update)
                .delete(subscription_writes::delete),
        )
        .route("/api/{space}/projects", get(named::projects))
        .route("/api/{space}/environments", get(named::environments))
        .route("/api/{space}/tenants", get(named::tenants))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(shared.clone(), observe))
        .with_state(shared)
}

async fn root(State(shared): State<Shared>) -> Json<Value> {
    let version = shared.lock().version.clone();
    Json(json::root(DEFAULT_SPACE, &version))
}

async fn me(State(shared): State<Shared>, Caller(caller): Caller) -> Result<Json<Value>, ApiError> {
    let s = shared.lock();
    let user = s.user(&caller).ok_or_else(ApiError::unauthorized)?;
    Ok(Json(json::user(user)))
}

async fn space_root(
    State(shared): State<Shared>,
    Path(space): Path<String>,
    _caller: Caller,
) -> Result<Json<Value>, ApiError> {
    if shared.lock().spaces.contains_key(&space) {
        Ok(Json(json::space_root(&space)))
    } else {
        Err(ApiError::not_found())
    }
}

async fn not_found() -> ApiError {
    ApiError::not_found()
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "The requested HTTP method is not allowed for this resource.",
    )
}
