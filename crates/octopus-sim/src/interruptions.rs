//! Handlers for the interruption routes: list, get, responsible and submit.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use serde_json::Value;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::json;
use crate::paging::Page;
use crate::params::Params;
use crate::state::{Interruption, Shared};
use crate::types::Permission;

/// `GET /api/{spaceId}/interruptions`: `pendingOnly`, `regarding` (one id), `ids`, `skip`, `take`;
/// newest `Created` first (ties: the later raised first).
pub(crate) async fn list(
    State(shared): State<Shared>,
    Path(space): Path<String>,
    Caller(caller): Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let params = Params::parse(query.as_deref())?;
    let mut page = Page::from_params(&params)?;
    let pending_only = params.bool("pendingOnly")?;
    let regarding = params.single("regarding");
    let ids = params.list("ids");
    if let Some(r) = &regarding {
        page.filter("regarding", r.clone());
    }
    if let Some(p) = pending_only {
        page.filter("pendingOnly", if p { "True" } else { "False" }.into());
    }
    if !ids.is_empty() {
        page.filter("ids", ids.join(","));
    }
    let s = shared.lock();
    if !s.spaces.contains_key(&space) {
        return Err(ApiError::not_found());
    }
    s.require(&caller, &space, Permission::InterruptionView)?;
    let concerns = |i: &Interruption, r: &str| i.target.task_id == r || i.related.iter().any(|d| d == r);
    let mut matching: Vec<&Interruption> = s
        .interruptions
        .iter()
        .rev()
        .filter(|i| i.space_id == space)
        .filter(|i| i.pending || pending_only != Some(true))
        .filter(|i| regarding.as_deref().is_none_or(|r| concerns(i, r)))
        .filter(|i| ids.is_empty() || ids.contains(&i.id))
        .collect();
    matching.sort_by_key(|i| std::cmp::Reverse(i.created));
    let items = page
        .window(&matching)
        .iter()
        .map(|i| json::interruption(i, &caller))
        .collect();
    let path = format!("/api/{space}/interruptions");
    let template = format!("{path}{{?skip,take,regarding,pendingOnly,ids}}");
    Ok(Json(page.collection(
        "Interruption",
        &path,
        &template,
        matching.len(),
        items,
    )))
}

/// `GET /api/{spaceId}/interruptions/{id}`.
pub(crate) async fn get(
    State(shared): State<Shared>,
    Path((space, id)): Path<(String, String)>,
    Caller(caller): Caller,
) -> Result<Json<Value>, ApiError> {
    let s = shared.lock();
    let i = s.interruption_in(&space, &id)?;
    s.require(&caller, &space, Permission::InterruptionView)?;
    Ok(Json(json::interruption(i, &caller)))
}

/// `GET /api/{spaceId}/interruptions/{id}/responsible`: the user, or `null` when nobody holds it.
pub(crate) async fn responsible(
    State(shared): State<Shared>,
    Path((space, id)): Path<(String, String)>,
    Caller(caller): Caller,
) -> Result<Json<Value>, ApiError> {
    let s = shared.lock();
    let i = s.interruption_in(&space, &id)?;
    s.require(&caller, &space, Permission::InterruptionView)?;
    let user = i.responsible_user.as_deref().and_then(|u| s.user(u));
    Ok(Json(user.map_or(Value::Null, json::user)))
}

/// `PUT /api/{spaceId}/interruptions/{id}/responsible`: the caller takes responsibility.
pub(crate) async fn take_responsibility(
    State(shared): State<Shared>,
    Path((space, id)): Path<(String, String)>,
    Caller(caller): Caller,
) -> Result<Json<Value>, ApiError> {
    let mut s = shared.lock();
    s.take_responsibility(&space, &id, &caller)?;
    let user = s.user(&caller).ok_or_else(ApiError::unauthorized)?;
    Ok(Json(json::user(user)))
}

/// `POST /api/{spaceId}/interruptions/{id}/submit` with the `Form.Values` dictionary as body.
pub(crate) async fn submit(
    State(shared): State<Shared>,
    Path((space, id)): Path<(String, String)>,
    Caller(caller): Caller,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let values = parse_values(&body)?;
    let mut s = shared.lock();
    s.submit(&space, &id, &caller, values)?;
    let i = s.interruption_in(&space, &id)?;
    Ok(Json(json::interruption(i, &caller)))
}

/// The body must be a JSON object of string or null values.
fn parse_values(body: &[u8]) -> Result<BTreeMap<String, Option<String>>, ApiError> {
    let invalid = || ApiError::bad_request("The request body must be a JSON object of form values.");
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return Err(invalid());
    };
    map.into_iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k, Some(s))),
            Value::Null => Ok((k, None)),
            _ => Err(invalid().with_errors(vec![format!("The value of {k} must be a string.")])),
        })
        .collect()
}
