//! Handlers for the spaces routes and the `SpaceResource` they answer with.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::json::SPACES_TEMPLATE;
use crate::paging::{ByName, Page};
use crate::params::Params;
use crate::state::{self, DEFAULT_SPACE, Shared, Space};

/// Lower case, runs of anything but letters and digits as one `-`.
pub(crate) fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

fn resource(id: &str, space: &Space) -> Value {
    json!({
        "Id": id,
        "Name": space.name,
        "Slug": slug(&space.name),
        "Description": null,
        "IsDefault": id == DEFAULT_SPACE,
        "TaskQueueStopped": false,
        "SpaceManagersTeams": [],
        "SpaceManagersTeamMembers": [],
        "Links": {
            "Self": format!("/api/spaces/{id}"),
            "SpaceHome": format!("/api/{id}"),
            "Web": format!("/app#/{id}"),
        },
    })
}

/// Every space, alphabetically by name (then id), as real servers sort them.
fn sorted(s: &state::State) -> Vec<(&String, &Space)> {
    let mut all: Vec<(&String, &Space)> = s.spaces.iter().collect();
    all.sort_by(|a, b| a.1.name.cmp(&b.1.name).then_with(|| a.0.cmp(b.0)));
    all
}

/// `GET /api/spaces`: paged; `ids` and `partialName` (case-insensitive) filter.
pub(crate) async fn list(
    State(shared): State<Shared>,
    _caller: Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let params = Params::parse(query.as_deref())?;
    let mut page = Page::from_params(&params)?;
    let by_name = ByName::read(&params, &mut page);
    let s = shared.lock();
    let matching: Vec<(&String, &Space)> = sorted(&s)
        .into_iter()
        .filter(|(id, sp)| by_name.matches(id, &sp.name))
        .collect();
    let items = page.window(&matching).iter().map(|(id, sp)| resource(id, sp)).collect();
    Ok(Json(page.collection(
        "Space",
        "/api/spaces",
        SPACES_TEMPLATE,
        matching.len(),
        items,
    )))
}

/// `GET /api/spaces/all`: every space, a plain array.
pub(crate) async fn all(State(shared): State<Shared>, _caller: Caller) -> Json<Value> {
    let s = shared.lock();
    Json(sorted(&s).into_iter().map(|(id, sp)| resource(id, sp)).collect())
}

/// `GET /api/spaces/{id}`.
pub(crate) async fn get(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    _caller: Caller,
) -> Result<Json<Value>, ApiError> {
    let s = shared.lock();
    let space = s.spaces.get(&id).ok_or_else(ApiError::not_found)?;
    Ok(Json(resource(&id, space)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_lower_case_and_dash_separated() {
        assert_eq!(slug("Default"), "default");
        assert_eq!(slug("Team  B / Prod!"), "team-b-prod");
    }
}
