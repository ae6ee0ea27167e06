//! Event subscriptions: adding them, their `SubscriptionResource` JSON, and the read routes
//! (the writes are in `subscription_writes`).

use std::time::SystemTime;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::clock::format_iso;
use crate::error::ApiError;
use crate::json::subscriptions_template;
use crate::paging::{ByName, Page};
use crate::params::Params;
use crate::state::{self, Shared, Subscription};
use crate::types::{Permission, SubscriptionSpec};

/// `WebhookTimeout` unless a client wrote another.
pub(crate) const DEFAULT_TIMEOUT: &str = "00:00:10";

impl state::State {
    /// Adds a subscription to `space` (registering the space if needed); its cursor
    /// (`WebhookLastProcessed*`) starts at now and the newest event so far.
    pub(crate) fn add_subscription(&mut self, space: &str, spec: SubscriptionSpec) -> String {
        self.insert_subscription(space, spec, DEFAULT_TIMEOUT.to_owned())
    }

    /// Like `add_subscription`, with the `WebhookTimeout` a client wrote.
    pub(crate) fn insert_subscription(
        &mut self,
        space: &str,
        spec: SubscriptionSpec,
        webhook_timeout: String,
    ) -> String {
        self.ensure_space(space);
        let id = self.alloc("Subscriptions");
        let last_processed_auto_id = self.events.last().map_or(0, |e| e.seq);
        self.subscriptions.push(Subscription {
            id: id.clone(),
            space_id: space.to_owned(),
            spec,
            webhook_timeout,
            last_processed: SystemTime::now(),
            last_processed_auto_id,
        });
        id
    }

    /// 404 unless `space` exists and holds subscription `id`.
    pub(crate) fn subscription_in(&self, space: &str, id: &str) -> Result<&Subscription, ApiError> {
        if !self.spaces.contains_key(space) {
            return Err(ApiError::not_found());
        }
        self.subscriptions
            .iter()
            .find(|sub| sub.id == id && sub.space_id == space)
            .ok_or_else(ApiError::not_found)
    }

    /// 404 for an unknown space, then 403 unless the caller may read subscriptions there.
    fn readable_subscriptions(&self, caller: &str, space: &str) -> Result<(), ApiError> {
        if !self.spaces.contains_key(space) {
            return Err(ApiError::not_found());
        }
        self.require(caller, space, Permission::SubscriptionView)
    }

    /// The subscriptions of `space`, alphabetically by name (then id), as real servers sort them.
    fn subscriptions_in(&self, space: &str) -> Vec<&Subscription> {
        let mut subs: Vec<&Subscription> = self.subscriptions.iter().filter(|s| s.space_id == space).collect();
        subs.sort_by(|a, b| a.spec.name.cmp(&b.spec.name).then_with(|| a.id.cmp(&b.id)));
        subs
    }
}

/// `WebhookHeaderValue`: a plain string (servers before 2026.1), or the sensitive property that
/// never echoes the value.
fn header_value(value: Option<&str>, sensitive: bool) -> Value {
    if sensitive {
        json!({
            "IsSensitive": true,
            "Value": null,
            "SensitiveValue": { "HasValue": value.is_some(), "Hint": null, "NewValue": null },
        })
    } else {
        json!(value)
    }
}

/// The `SubscriptionResource` every route answers with, however the subscription was added.
pub(crate) fn resource(sub: &Subscription, sensitive: bool) -> Value {
    let (spec, f) = (&sub.spec, &sub.spec.filter);
    json!({
        "Id": sub.id,
        "Name": spec.name,
        "Type": "Event",
        "IsDisabled": spec.is_disabled,
        "SpaceId": sub.space_id,
        "EventNotificationSubscription": {
            "Filter": {
                "Users": f.users,
                "Projects": f.projects,
                "ProjectGroups": f.project_groups,
                "Environments": f.environments,
                "EventGroups": f.event_groups,
                "EventCategories": f.event_categories,
                "EventAgents": f.event_agents,
                "Tenants": f.tenants,
                "Tags": f.tags,
                "DocumentTypes": f.document_types,
            },
            "EmailTeams": [],
            "EmailFrequencyPeriod": "01:00:00",
            "EmailPriority": "Normal",
            "EmailDigestLastProcessed": null,
            "EmailDigestLastProcessedEventAutoId": null,
            "EmailShowDatesInTimeZoneId": "UTC",
            "WebhookURI": spec.webhook_uri,
            "WebhookTeams": [],
            "WebhookTimeout": sub.webhook_timeout,
            "WebhookHeaderKey": spec.header_key,
            "WebhookHeaderValue": header_value(spec.header_value.as_deref(), sensitive),
            "WebhookLastProcessed": format_iso(sub.last_processed),
            "WebhookLastProcessedEventAutoId": sub.last_processed_auto_id,
        },
        "Links": { "Self": format!("/api/{}/subscriptions/{}", sub.space_id, sub.id) },
    })
}

/// `GET /api/{spaceId}/subscriptions`: paged; `ids` and `partialName` (case-insensitive) filter.
pub(crate) async fn list(
    State(shared): State<Shared>,
    Path(space): Path<String>,
    Caller(caller): Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let params = Params::parse(query.as_deref())?;
    let mut page = Page::from_params(&params)?;
    let by_name = ByName::read(&params, &mut page);
    let s = shared.lock();
    s.readable_subscriptions(&caller, &space)?;
    let matching: Vec<&Subscription> = s
        .subscriptions_in(&space)
        .into_iter()
        .filter(|sub| by_name.matches(&sub.id, &sub.spec.name))
        .collect();
    let sensitive = s.sensitive_header_values;
    let items = page
        .window(&matching)
        .iter()
        .map(|sub| resource(sub, sensitive))
        .collect();
    let path = format!("/api/{space}/subscriptions");
    let template = subscriptions_template(&space);
    Ok(Json(page.collection(
        "Subscription",
        &path,
        &template,
        matching.len(),
        items,
    )))
}

/// `GET /api/{spaceId}/subscriptions/all`: every subscription of the space, a plain array.
pub(crate) async fn all(
    State(shared): State<Shared>,
    Path(space): Path<String>,
    Caller(caller): Caller,
) -> Result<Json<Value>, ApiError> {
    let s = shared.lock();
    s.readable_subscriptions(&caller, &space)?;
    let sensitive = s.sensitive_header_values;
    let items: Vec<Value> = s
        .subscriptions_in(&space)
        .into_iter()
        .map(|sub| resource(sub, sensitive))
        .collect();
    Ok(Json(Value::Array(items)))
}

/// `GET /api/{spaceId}/subscriptions/{id}`.
pub(crate) async fn get(
    State(shared): State<Shared>,
    Path((space, id)): Path<(String, String)>,
    Caller(caller): Caller,
) -> Result<Json<Value>, ApiError> {
    let s = shared.lock();
    s.readable_subscriptions(&caller, &space)?;
    let sub = s.subscription_in(&space, &id)?;
    Ok(Json(resource(sub, s.sensitive_header_values)))
}
