//! Who may do what: the permissions each simulated user holds (the responder less what
//! `Simulator::deny`/`deny_in` took), the 403 a route answers without one, and
//! `GET /api/users/{id}/permissions`, which lists them.

use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Map, Value, json};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::{self, ADMIN_ID, OTHER_ID, RESPONDER_ID, Shared};
use crate::types::Permission;

/// System permissions of the administrator; the other users hold none.
const ADMIN_SYSTEM_PERMISSIONS: [&str; 3] = ["AdministerSystem", "SpaceView", "UserView"];

impl state::State {
    /// 403 with the Octopus "Missing permission" body unless `user` holds `permission` in `space`.
    pub(crate) fn require(&self, user: &str, space: &str, permission: Permission) -> Result<(), ApiError> {
        if self.holds(user, space, permission) {
            Ok(())
        } else {
            Err(ApiError::missing_permission(permission.name()))
        }
    }

    /// The administrator holds everything; the responder and `Users-2` everything but the
    /// administrative permissions, the responder less what was denied to it everywhere or in `space`.
    pub(crate) fn holds(&self, user: &str, space: &str, permission: Permission) -> bool {
        let granted = match user {
            ADMIN_ID => true,
            RESPONDER_ID | OTHER_ID => !permission.administrative(),
            _ => false,
        };
        let denied = user == RESPONDER_ID
            && self
                .denied
                .iter()
                .any(|(p, s)| *p == permission && s.as_deref().is_none_or(|s| s == space));
        granted && !denied
    }
}

/// `GET /api/users/{id}/permissions`: 404 for an unknown user; then the caller's own, or anyone's
/// for the administrator (the swagger documents it for the current user only, so anyone else
/// gets 403 `UserView`).
pub(crate) async fn permissions(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    Caller(caller): Caller,
) -> Result<Json<Value>, ApiError> {
    let s = shared.lock();
    let user = s.user(&id).ok_or_else(ApiError::not_found)?;
    if user.id != caller && caller != ADMIN_ID {
        return Err(ApiError::missing_permission("UserView"));
    }
    Ok(Json(permission_set(&s, &user.id)))
}

/// A `UserPermissionSetResource`: each permission held, with one unrestricted entry per space it
/// is held in; a permission held nowhere is left out.
fn permission_set(s: &state::State, user: &str) -> Value {
    let mut space_permissions = Map::new();
    for permission in Permission::ALL {
        let scopes: Vec<Value> = s
            .spaces
            .keys()
            .filter(|space| s.holds(user, space, permission))
            .map(|space| {
                json!({
                    "SpaceId": space,
                    "RestrictedToEnvironmentIds": [],
                    "RestrictedToProjectIds": [],
                    "RestrictedToProjectGroupIds": [],
                    "RestrictedToTenantIds": [],
                })
            })
            .collect();
        if !scopes.is_empty() {
            space_permissions.insert(permission.name().to_owned(), Value::Array(scopes));
        }
    }
    let system: &[&str] = if user == ADMIN_ID {
        &ADMIN_SYSTEM_PERMISSIONS
    } else {
        &[]
    };
    json!({
        "Id": user,
        "SpacePermissions": space_permissions,
        "SystemPermissions": system,
        "Teams": [],
        "IsPermissionsComplete": true,
        "IsTeamsComplete": true,
        "Links": {
            "Self": format!("/api/users/{user}/permissions"),
            "Export": format!("/api/users/{user}/permissions/export"),
        },
    })
}
