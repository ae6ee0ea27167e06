//! Handlers for the events (audit log) routes.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde_json::Value;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::json;
use crate::paging::Page;
use crate::params::Params;
use crate::state::{self, Event, Shared};
use crate::types::Permission;

/// `GET /api/{spaceId}/events`.
pub(crate) async fn list_in_space(
    State(shared): State<Shared>,
    Path(space): Path<String>,
    Caller(caller): Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let params = Params::parse(query.as_deref())?;
    let s = shared.lock();
    if !s.spaces.contains_key(&space) {
        return Err(ApiError::not_found());
    }
    s.require(&caller, &space, Permission::EventView)?;
    let prefix = format!("/api/{space}");
    list(&s, &[space], &prefix, &params, false).map(Json)
}

/// `GET /api/events`: mixed scope; `spaces` is a list or `all` (the default). 403 when
/// `EventView` is denied in any space asked for.
pub(crate) async fn list_all(
    State(shared): State<Shared>,
    Caller(caller): Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let params = Params::parse(query.as_deref())?;
    let s = shared.lock();
    let asked = params.list("spaces");
    let spaces: Vec<String> = if asked.is_empty() || asked.iter().any(|a| a == "all") {
        s.spaces.keys().cloned().collect()
    } else {
        asked
    };
    for space in &spaces {
        s.require(&caller, space, Permission::EventView)?;
    }
    list(&s, &spaces, "/api", &params, true).map(Json)
}

fn list(s: &state::State, spaces: &[String], prefix: &str, params: &Params, mixed: bool) -> Result<Value, ApiError> {
    let mut page = Page::from_params(params)?;
    let regarding = params.list("regarding");
    let regarding_any = params.list("regardingAny");
    let categories = params.list("eventCategories");
    let ids = params.list("ids");
    for (name, list) in [
        ("regarding", &regarding),
        ("regardingAny", &regarding_any),
        ("eventCategories", &categories),
        ("ids", &ids),
    ] {
        if !list.is_empty() {
            page.filter(name, list.join(","));
        }
    }
    if mixed && let Some(v) = params.single("spaces") {
        page.filter("spaces", v);
    }
    let any_of = |wanted: &[String], have: &str| wanted.is_empty() || wanted.iter().any(|w| w == have);
    let matching: Vec<&Event> = s
        .events
        .iter()
        .rev()
        .filter(|e| spaces.contains(&e.space_id))
        .filter(|e| regarding.iter().all(|r| e.related.contains(r)))
        .filter(|e| regarding_any.is_empty() || regarding_any.iter().any(|r| e.related.contains(r)))
        .filter(|e| any_of(&categories, &e.category) && any_of(&ids, &e.id))
        .collect();
    let items = page.window(&matching).iter().map(|e| json::event(e)).collect();
    let path = format!("{prefix}/events");
    let template = json::events_template(prefix, false);
    Ok(page.collection("Event", &path, &template, matching.len(), items))
}

/// `GET /api/{spaceId}/events/{id}`.
pub(crate) async fn get_in_space(
    State(shared): State<Shared>,
    Path((space, id)): Path<(String, String)>,
    Caller(caller): Caller,
) -> Result<Json<Value>, ApiError> {
    let s = shared.lock();
    let e = s
        .event(&id)
        .filter(|e| e.space_id == space)
        .ok_or_else(ApiError::not_found)?;
    s.require(&caller, &space, Permission::EventView)?;
    Ok(Json(json::event(e)))
}

/// `GET /api/events/{id}`.
pub(crate) async fn get(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    Caller(caller): Caller,
) -> Result<Json<Value>, ApiError> {
    let s = shared.lock();
    let e = s.event(&id).ok_or_else(ApiError::not_found)?;
    s.require(&caller, &e.space_id, Permission::EventView)?;
    Ok(Json(json::event(e)))
}
