//! Projects, environments and tenants: the documents a subscription filter names. Each
//! deployment's project and environment (and tenant) are registered under their generated names,
//! and tests add more by name; `GET /api/{space}/projects|environments|tenants` lists them, paged,
//! with the `partialName` (case-insensitive substring) and `ids` filters.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::paging::{ByName, Page};
use crate::params::Params;
use crate::spaces::slug;
use crate::state::{self, Collection, NamedDoc, Shared};
use crate::types::Permission;

/// `GET /api/{spaceId}/projects`: alphabetically by name (then id).
pub(crate) async fn projects(
    State(shared): State<Shared>,
    Path(space): Path<String>,
    Caller(caller): Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    list(&shared, Collection::Projects, &space, &caller, query.as_deref()).map(Json)
}

/// `GET /api/{spaceId}/environments`: in their sort order (the order they were added).
pub(crate) async fn environments(
    State(shared): State<Shared>,
    Path(space): Path<String>,
    Caller(caller): Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    list(&shared, Collection::Environments, &space, &caller, query.as_deref()).map(Json)
}

/// `GET /api/{spaceId}/tenants`: alphabetically by name (then id).
pub(crate) async fn tenants(
    State(shared): State<Shared>,
    Path(space): Path<String>,
    Caller(caller): Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    list(&shared, Collection::Tenants, &space, &caller, query.as_deref()).map(Json)
}

impl Collection {
    /// The id prefix, e.g. `Projects` for `Projects-101`.
    fn prefix(self) -> &'static str {
        match self {
            Collection::Projects => "Projects",
            Collection::Environments => "Environments",
            Collection::Tenants => "Tenants",
        }
    }

    fn item_type(self) -> &'static str {
        match self {
            Collection::Projects => "Project",
            Collection::Environments => "Environment",
            Collection::Tenants => "Tenant",
        }
    }

    fn segment(self) -> &'static str {
        match self {
            Collection::Projects => "projects",
            Collection::Environments => "environments",
            Collection::Tenants => "tenants",
        }
    }

    fn permission(self) -> Permission {
        match self {
            Collection::Projects => Permission::ProjectView,
            Collection::Environments => Permission::EnvironmentView,
            Collection::Tenants => Permission::TenantView,
        }
    }
}

impl state::State {
    /// Adds a document named `name` to `space` (registering the space if needed) and returns its id.
    pub(crate) fn add_named(&mut self, collection: Collection, space: &str, name: &str) -> String {
        self.ensure_space(space);
        let id = self.alloc(collection.prefix());
        self.register_named(collection, space, &id, name);
        id
    }

    /// Registers a document whose id was allocated elsewhere (a deployment's project), unless known.
    pub(crate) fn register_named(&mut self, collection: Collection, space: &str, id: &str, name: &str) {
        let known = self
            .named
            .iter()
            .any(|d| d.collection == collection && d.id == id && d.space_id == space);
        if !known {
            self.named.push(NamedDoc {
                collection,
                id: id.to_owned(),
                space_id: space.to_owned(),
                name: name.to_owned(),
            });
        }
    }

    /// The documents of `collection` in `space`, in the order the collection lists them.
    fn named_in(&self, collection: Collection, space: &str) -> Vec<(usize, &NamedDoc)> {
        let mut docs: Vec<(usize, &NamedDoc)> = self
            .named
            .iter()
            .filter(|d| d.collection == collection && d.space_id == space)
            .enumerate()
            .collect();
        if collection != Collection::Environments {
            docs.sort_by(|(_, a), (_, b)| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        }
        docs
    }
}

/// 404 for an unknown space, 403 without the collection's view permission, then one page.
fn list(
    shared: &Shared,
    collection: Collection,
    space: &str,
    caller: &str,
    query: Option<&str>,
) -> Result<Value, ApiError> {
    let params = Params::parse(query)?;
    let mut page = Page::from_params(&params)?;
    let by_name = ByName::read(&params, &mut page);
    let s = shared.lock();
    if !s.spaces.contains_key(space) {
        return Err(ApiError::not_found());
    }
    s.require(caller, space, collection.permission())?;
    let matching: Vec<(usize, &NamedDoc)> = s
        .named_in(collection, space)
        .into_iter()
        .filter(|(_, d)| by_name.matches(&d.id, &d.name))
        .collect();
    let items = page
        .window(&matching)
        .iter()
        .map(|(order, d)| resource(d, *order))
        .collect();
    let path = format!("/api/{space}/{}", collection.segment());
    let template = format!("{path}{{/id}}{{?skip,take,ids,partialName}}");
    Ok(page.collection(collection.item_type(), &path, &template, matching.len(), items))
}

/// The resource, with the fields of its kind a client might read besides `Id` and `Name`.
fn resource(d: &NamedDoc, sort_order: usize) -> Value {
    let mut v = json!({
        "Id": d.id,
        "Name": d.name,
        "Slug": slug(&d.name),
        "Description": "",
        "SpaceId": d.space_id,
        "Links": { "Self": format!("/api/{}/{}/{}", d.space_id, d.collection.segment(), d.id) },
    });
    let extra = match d.collection {
        Collection::Projects => json!({
            "ProjectGroupId": "ProjectGroups-1",
            "LifecycleId": "Lifecycles-1",
            "IsDisabled": false,
        }),
        Collection::Environments => json!({
            "SortOrder": sort_order,
            "UseGuidedFailure": false,
            "AllowDynamicInfrastructure": true,
        }),
        Collection::Tenants => json!({ "TenantTags": [], "ProjectEnvironments": {} }),
    };
    if let (Some(v), Value::Object(extra)) = (v.as_object_mut(), extra) {
        v.extend(extra);
    }
    v
}
