//! Writing subscriptions: `POST /api/{space}/subscriptions` (201), `PUT` and `DELETE` on
//! `/api/{space}/subscriptions/{id}`, the permission each needs, and the 400s for a body Octopus
//! would refuse. What is written is answered by the read routes like an added subscription.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Map, Value};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::{self, Shared};
use crate::subscriptions::{DEFAULT_TIMEOUT, resource};
use crate::types::{Permission, SubscriptionFilter, SubscriptionSpec};

/// The `ErrorMessage` of a validation failure; `Errors` says what is wrong.
const PROBLEM: &str = "There was a problem with your request.";

/// `POST /api/{spaceId}/subscriptions`: 404 for an unknown space, 403 without
/// `SubscriptionCreate`, 400 for a body it cannot take or a name the space already uses; else 201
/// with the new `Subscriptions-N`.
pub(crate) async fn create(
    State(shared): State<Shared>,
    Path(space): Path<String>,
    Caller(caller): Caller,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut s = shared.lock();
    if !s.spaces.contains_key(&space) {
        return Err(ApiError::not_found());
    }
    s.require(&caller, &space, Permission::SubscriptionCreate)?;
    let written = Written::parse(&body, &space, None)?;
    s.refuse_taken_name(&space, &written.spec.name, None)?;
    let id = s.insert_subscription(&space, written.spec, written.timeout);
    let sub = s.subscription_in(&space, &id)?;
    Ok((StatusCode::CREATED, Json(resource(sub, s.sensitive_header_values))))
}

/// `PUT /api/{spaceId}/subscriptions/{id}`: 404 for an unknown space or id, 403 without
/// `SubscriptionEdit`, 400 as for a create; else the whole subscription is replaced (its
/// `WebhookLastProcessed*` cursor kept) and answered.
pub(crate) async fn update(
    State(shared): State<Shared>,
    Path((space, id)): Path<(String, String)>,
    Caller(caller): Caller,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let mut s = shared.lock();
    let current_value = s.subscription_in(&space, &id)?.spec.header_value.clone();
    s.require(&caller, &space, Permission::SubscriptionEdit)?;
    let written = Written::parse(&body, &space, current_value.as_deref())?;
    s.refuse_taken_name(&space, &written.spec.name, Some(&id))?;
    let sensitive = s.sensitive_header_values;
    let sub = s
        .subscriptions
        .iter_mut()
        .find(|sub| sub.id == id && sub.space_id == space)
        .ok_or_else(ApiError::not_found)?;
    sub.spec = written.spec;
    sub.webhook_timeout = written.timeout;
    Ok(Json(resource(sub, sensitive)))
}

/// `DELETE /api/{spaceId}/subscriptions/{id}`: 404 for an unknown space or id (so a second
/// delete is a 404), 403 without `SubscriptionDelete`; else 200 with an empty body, as the
/// swagger documents it.
pub(crate) async fn delete(
    State(shared): State<Shared>,
    Path((space, id)): Path<(String, String)>,
    Caller(caller): Caller,
) -> Result<StatusCode, ApiError> {
    let mut s = shared.lock();
    s.subscription_in(&space, &id)?;
    s.require(&caller, &space, Permission::SubscriptionDelete)?;
    s.subscriptions.retain(|sub| !(sub.id == id && sub.space_id == space));
    Ok(StatusCode::OK)
}

impl state::State {
    /// 400 when another subscription of `space` has `name` (ignoring case, as Octopus's
    /// database does).
    fn refuse_taken_name(&self, space: &str, name: &str, except: Option<&str>) -> Result<(), ApiError> {
        let wanted = name.to_lowercase();
        let taken = self
            .subscriptions
            .iter()
            .filter(|sub| sub.space_id == space && Some(sub.id.as_str()) != except)
            .any(|sub| sub.spec.name.trim().to_lowercase() == wanted);
        if taken {
            Err(ApiError::bad_request(PROBLEM).with_errors(vec![format!(
                "A subscription with the name '{name}' already exists in this space. Please choose a \
                 different name."
            )]))
        } else {
            Ok(())
        }
    }
}

/// A subscription as a client wrote it.
#[derive(Debug)]
struct Written {
    spec: SubscriptionSpec,
    timeout: String,
}

impl Written {
    /// Reads a `SubscriptionResource` body. `Name` and `EventNotificationSubscription` are
    /// required; absent or `null` lists, flags and strings read as empty. `current_value` is the
    /// header value a sensitive `{"HasValue": true, "NewValue": null}` keeps.
    fn parse(body: &[u8], space: &str, current_value: Option<&str>) -> Result<Self, ApiError> {
        let Ok(Value::Object(root)) = serde_json::from_slice::<Value>(body) else {
            return Err(ApiError::bad_request(PROBLEM).with_errors(vec![
                "No request body was supplied, or it is not a JSON object.".to_owned(),
            ]));
        };
        let mut read = Reader::default();
        let name = read
            .string(&root, "Name")
            .map(|n| n.trim().to_owned())
            .unwrap_or_default();
        if name.is_empty() {
            read.errors
                .push("Please provide a name for the subscription.".to_owned());
        }
        if let Some(kind) = read.string(&root, "Type")
            && kind != "Event"
        {
            read.errors
                .push(format!("The subscription type '{kind}' is not valid; use Event."));
        }
        if let Some(written_space) = read.string(&root, "SpaceId")
            && written_space != space
        {
            read.errors.push(format!(
                "SpaceId '{written_space}' is not the space of the route, {space}."
            ));
        }
        let is_disabled = read.bool(&root, "IsDisabled");
        let empty = Map::new();
        let notification = match root.get("EventNotificationSubscription") {
            Some(Value::Object(n)) => n,
            _ => {
                read.errors
                    .push("EventNotificationSubscription is required.".to_owned());
                &empty
            }
        };
        let filter = read.filter(notification.get("Filter"));
        let spec = SubscriptionSpec {
            name,
            is_disabled,
            webhook_uri: read.string(notification, "WebhookURI").unwrap_or_default(),
            header_key: read.string(notification, "WebhookHeaderKey"),
            header_value: read.header_value(notification.get("WebhookHeaderValue"), current_value),
            filter,
        };
        let timeout = read
            .string(notification, "WebhookTimeout")
            .unwrap_or_else(|| DEFAULT_TIMEOUT.to_owned());
        if read.errors.is_empty() {
            Ok(Self { spec, timeout })
        } else {
            Err(ApiError::bad_request(PROBLEM).with_errors(read.errors))
        }
    }
}

/// Reads fields of a JSON object, collecting what is wrong instead of stopping at the first.
#[derive(Debug, Default)]
struct Reader {
    errors: Vec<String>,
}

impl Reader {
    /// A string; `None` when absent or `null`.
    fn string(&mut self, object: &Map<String, Value>, key: &str) -> Option<String> {
        match object.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                self.errors.push(format!("{key} must be a string."));
                None
            }
        }
    }

    /// A flag; false when absent or `null`.
    fn bool(&mut self, object: &Map<String, Value>, key: &str) -> bool {
        match object.get(key) {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                self.errors.push(format!("{key} must be true or false."));
                false
            }
        }
    }

    /// A list of strings; empty when absent or `null`.
    fn list(&mut self, object: &Map<String, Value>, key: &str) -> Vec<String> {
        match object.get(key) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
                items.iter().filter_map(Value::as_str).map(str::to_owned).collect()
            }
            Some(_) => {
                self.errors.push(format!("Filter.{key} must be a list of strings."));
                Vec::new()
            }
        }
    }

    /// The event filter; every list empty when absent or `null`.
    fn filter(&mut self, filter: Option<&Value>) -> SubscriptionFilter {
        let empty = Map::new();
        let f = match filter {
            None | Some(Value::Null) => &empty,
            Some(Value::Object(f)) => f,
            Some(_) => {
                self.errors.push("Filter must be an object.".to_owned());
                &empty
            }
        };
        SubscriptionFilter {
            event_categories: self.list(f, "EventCategories"),
            projects: self.list(f, "Projects"),
            environments: self.list(f, "Environments"),
            tenants: self.list(f, "Tenants"),
            project_groups: self.list(f, "ProjectGroups"),
            tags: self.list(f, "Tags"),
            document_types: self.list(f, "DocumentTypes"),
            event_groups: self.list(f, "EventGroups"),
            users: self.list(f, "Users"),
            event_agents: self.list(f, "EventAgents"),
        }
    }

    /// `WebhookHeaderValue` written as a plain string, `null`, the sensitive write shape
    /// `{"HasValue", "NewValue"}`, or the read shape `{"IsSensitive", "Value", "SensitiveValue"}`
    /// sent back as it was read.
    fn header_value(&mut self, value: Option<&Value>, current: Option<&str>) -> Option<String> {
        let object = match value {
            None | Some(Value::Null) => return None,
            Some(Value::String(s)) => return Some(s.clone()),
            Some(Value::Object(o)) => o,
            Some(_) => {
                self.errors
                    .push("WebhookHeaderValue must be a string or a sensitive value.".to_owned());
                return None;
            }
        };
        if object.contains_key("HasValue") {
            return self.sensitive(object, current);
        }
        let is_sensitive = object.get("IsSensitive") != Some(&Value::Bool(false));
        match (object.get("SensitiveValue"), object.get("Value")) {
            (Some(Value::Object(inner)), _) if is_sensitive => self.sensitive(inner, current),
            (_, Some(Value::String(plain))) => Some(plain.clone()),
            (_, None | Some(Value::Null)) => None,
            (_, Some(_)) => {
                self.errors
                    .push("WebhookHeaderValue.Value must be a string.".to_owned());
                None
            }
        }
    }

    /// `{"HasValue": true, "NewValue": "v"}` sets `v`; `NewValue` `null` with `HasValue` true keeps
    /// the current value, with `HasValue` false (or absent) clears it.
    fn sensitive(&mut self, object: &Map<String, Value>, current: Option<&str>) -> Option<String> {
        let has_value = match object.get("HasValue") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                self.errors
                    .push("WebhookHeaderValue.HasValue must be true or false.".to_owned());
                return None;
            }
        };
        match (has_value, object.get("NewValue")) {
            (Some(false), Some(Value::String(_))) => {
                self.errors
                    .push("WebhookHeaderValue has a NewValue but HasValue is false.".to_owned());
                None
            }
            (_, Some(Value::String(new))) => Some(new.clone()),
            (Some(true), None | Some(Value::Null)) => current.map(str::to_owned),
            (_, None | Some(Value::Null)) => None,
            (_, Some(_)) => {
                self.errors
                    .push("WebhookHeaderValue.NewValue must be a string.".to_owned());
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn header(value: Value, current: Option<&str>) -> (Option<String>, Vec<String>) {
        let mut read = Reader::default();
        let got = read.header_value(Some(&value), current);
        (got, read.errors)
    }

    #[test]
    fn a_header_value_is_read_from_a_string_or_either_sensitive_shape() {
        assert_eq!(header(json!("t"), None).0.as_deref(), Some("t"));
        assert_eq!(header(Value::Null, Some("old")).0, None);
        assert_eq!(
            header(json!({"HasValue": true, "NewValue": "t"}), None).0.as_deref(),
            Some("t")
        );
        let read_shape = json!({"IsSensitive": true, "Value": null,
            "SensitiveValue": {"HasValue": true, "Hint": null, "NewValue": null}});
        assert_eq!(header(read_shape, Some("old")).0.as_deref(), Some("old"));
        assert_eq!(
            header(json!({"HasValue": false, "NewValue": null}), Some("old")).0,
            None
        );
        assert_eq!(
            header(json!({"IsSensitive": false, "Value": "plain"}), None)
                .0
                .as_deref(),
            Some("plain")
        );
    }

    #[test]
    fn a_header_value_of_another_shape_is_an_error_naming_the_field() {
        for bad in [
            json!(7),
            json!({"HasValue": "yes"}),
            json!({"HasValue": false, "NewValue": "t"}),
        ] {
            let (_, errors) = header(bad.clone(), None);
            assert!(
                errors.iter().any(|e| e.starts_with("WebhookHeaderValue")),
                "{bad}: {errors:?}"
            );
        }
    }

    #[test]
    fn a_body_without_a_name_or_a_notification_lists_both_problems() {
        let Err(error) = Written::parse(br#"{"Name": "  ", "IsDisabled": false}"#, "Spaces-1", None) else {
            panic!("accepted");
        };
        let text = format!("{error:?}");
        assert!(text.contains("provide a name"), "{text}");
        assert!(text.contains("EventNotificationSubscription is required"), "{text}");
    }
}
