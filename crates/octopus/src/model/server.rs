//! What an operator asks the server about itself: its version (`GET /api`), the API key's user
//! (`GET /api/users/me`) and what that user may do (`GET /api/users/{id}/permissions`), and the
//! projects, environments and tenants a subscription filter names.

use std::collections::BTreeMap;

use messaging::SpaceId;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::null_as_empty;

/// The first version whose `WebhookHeaderValue` is a sensitive property
/// (OctopusDeploy/Issues#9807).
pub const SENSITIVE_HEADER_VALUES_SINCE: (u32, u32, u32) = (2026, 1, 3777);

/// The root document (`GET /api`). Every field is optional and a value of another type reads as
/// absent: a doctor reports what it finds rather than failing on a proxy's or a new server's shape.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RootDocument {
    #[serde(default, deserialize_with = "lenient_string")]
    pub application: Option<String>,
    /// The server version, e.g. `2026.1.3777`.
    #[serde(default, deserialize_with = "lenient_string")]
    pub version: Option<String>,
    /// The API schema version, e.g. `3.0.0`.
    #[serde(default, deserialize_with = "lenient_string")]
    pub api_version: Option<String>,
}

impl RootDocument {
    /// `Version` as (year, release, build): the leading dot-separated numbers, before any `-` or
    /// `+` suffix (`2026.3.0-sim` is (2026, 3, 0)); a missing build reads as 0. `None` unless at
    /// least year and release are numbers.
    pub fn version_numbers(&self) -> Option<(u32, u32, u32)> {
        let version = self.version.as_deref()?.trim();
        let core = version.split(['-', '+', ' ']).next().unwrap_or_default();
        let mut parts = core.split('.').map(str::parse::<u32>);
        let year = parts.next()?.ok()?;
        let release = parts.next()?.ok()?;
        let build = match parts.next() {
            Some(build) => build.ok()?,
            None => 0,
        };
        Some((year, release, build))
    }

    /// Whether the server takes and answers `WebhookHeaderValue` as a sensitive property: its
    /// version is [`SENSITIVE_HEADER_VALUES_SINCE`] or later. An absent or unreadable version
    /// reads as false (a plain string, the shape of every release before 2026 and of the
    /// swagger); where a subscription exists, how the server echoes its value
    /// ([`super::EchoedHeaderValue::is_sensitive`]) is the surer sign.
    pub fn sensitive_header_values(&self) -> bool {
        self.version_numbers()
            .is_some_and(|version| version >= SENSITIVE_HEADER_VALUES_SINCE)
    }
}

/// A user (`GET /api/users/me`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct User {
    pub id: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    /// A service account (API keys only, no password).
    #[serde(default)]
    pub is_service: bool,
}

/// What a user may do (`UserPermissionSetResource`), as far as a doctor checks it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserPermissions {
    /// Permission name (`SubscriptionView`, ...) to where it is held.
    #[serde(default, deserialize_with = "scopes_by_permission")]
    pub space_permissions: BTreeMap<String, Vec<PermissionScope>>,
    /// System-wide permissions (`AdministerSystem`, ...).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub system_permissions: Vec<String>,
}

/// Where a permission is held: one space (or every space when `SpaceId` is null), possibly
/// only for some environments, projects, project groups or tenants.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PermissionScope {
    #[serde(default)]
    pub space_id: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub restricted_to_environment_ids: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub restricted_to_project_ids: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub restricted_to_project_group_ids: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub restricted_to_tenant_ids: Vec<String>,
}

impl PermissionScope {
    /// Its space is `space`, or it has none (system-wide).
    pub fn applies_to(&self, space: &SpaceId) -> bool {
        self.space_id
            .as_deref()
            .is_none_or(|id| id.eq_ignore_ascii_case(space.as_str()))
    }

    /// Held only for some environments, projects, project groups or tenants.
    pub fn is_restricted(&self) -> bool {
        [
            &self.restricted_to_environment_ids,
            &self.restricted_to_project_ids,
            &self.restricted_to_project_group_ids,
            &self.restricted_to_tenant_ids,
        ]
        .iter()
        .any(|ids| !ids.is_empty())
    }
}

impl UserPermissions {
    /// The scopes of `permission` (its name compared ignoring ASCII case) that apply to `space`.
    pub fn scopes<'a>(&'a self, permission: &'a str, space: &'a SpaceId) -> impl Iterator<Item = &'a PermissionScope> {
        self.space_permissions
            .iter()
            .filter(move |(name, _)| name.eq_ignore_ascii_case(permission))
            .flat_map(|(_, scopes)| scopes)
            .filter(move |scope| scope.applies_to(space))
    }

    /// Held in `space`, or system-wide, restricted or not.
    pub fn has(&self, permission: &str, space: &SpaceId) -> bool {
        self.scopes(permission, space).next().is_some()
    }

    /// Held in `space` only with restrictions: every scope that applies is restricted. False when
    /// the permission is not held there at all (see [`UserPermissions::has`]).
    pub fn restricted(&self, permission: &str, space: &SpaceId) -> bool {
        self.has(permission, space) && self.scopes(permission, space).all(PermissionScope::is_restricted)
    }

    /// A system-wide permission such as `AdministerSystem`.
    pub fn has_system(&self, permission: &str) -> bool {
        self.system_permissions
            .iter()
            .any(|name| name.eq_ignore_ascii_case(permission))
    }
}

/// The collections an operator looks documents up in by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Named {
    Projects,
    Environments,
    Tenants,
}

impl Named {
    /// The route segment below the space: `projects`, `environments` or `tenants`.
    pub fn segment(self) -> &'static str {
        match self {
            Named::Projects => "projects",
            Named::Environments => "environments",
            Named::Tenants => "tenants",
        }
    }
}

/// A project, environment or tenant: its id and name, both required.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NamedResource {
    pub id: String,
    pub name: String,
}

impl NamedResource {
    /// Its name is `name`, ignoring case and surrounding white space (a lookup by name, where the
    /// server's `partialName` only finds candidates).
    pub fn is_named(&self, name: &str) -> bool {
        self.name.trim().to_lowercase() == name.trim().to_lowercase()
    }
}

fn lenient_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::String(s) => Some(s),
        _ => None,
    })
}

/// `SpacePermissions`, where `null` (the whole map or one permission's list) reads as empty.
fn scopes_by_permission<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, Vec<PermissionScope>>, D::Error> {
    let raw = Option::<BTreeMap<String, Option<Vec<PermissionScope>>>>::deserialize(deserializer)?;
    Ok(raw
        .unwrap_or_default()
        .into_iter()
        .map(|(name, scopes)| (name, scopes.unwrap_or_default()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn root(version: Value) -> RootDocument {
        serde_json::from_value(json!({"Application": "Octopus Deploy", "Version": version, "ApiVersion": "3.0.0"}))
            .unwrap()
    }

    #[test]
    fn header_values_are_sensitive_from_2026_1_3777_on() {
        let cases = [
            ("2026.1.3777", true),
            ("2026.1.3776", false),
            ("2026.3.0-sim", true),
            ("2027.1", true),
            ("2026.1", false),
            ("2025.4.10333", false),
            ("2019.7.12", false),
            (" 2026.2.100+build.7 ", true),
        ];
        for (version, sensitive) in cases {
            assert_eq!(root(json!(version)).sensitive_header_values(), sensitive, "{version}");
        }
    }

    #[test]
    fn an_absent_or_unreadable_version_reads_as_plain_header_values() {
        for version in [
            json!(null),
            json!(2026),
            json!("latest"),
            json!("2026"),
            json!("2026.x.1"),
            json!(""),
        ] {
            let root = root(version.clone());
            assert!(!root.sensitive_header_values(), "{version}");
            assert_eq!(root.version_numbers(), None, "{version}");
        }
        let empty: RootDocument = serde_json::from_value(json!({})).unwrap();
        assert_eq!(empty, RootDocument::default());
    }

    fn permissions() -> UserPermissions {
        serde_json::from_value(json!({
            "Id": "Users-1",
            "SpacePermissions": {
                "SubscriptionView": [{"SpaceId": "Spaces-1", "RestrictedToEnvironmentIds": [],
                    "RestrictedToProjectIds": null, "RestrictedToProjectGroupIds": [], "RestrictedToTenantIds": []}],
                "InterruptionSubmit": [
                    {"SpaceId": "Spaces-1", "RestrictedToProjectIds": ["Projects-1"]},
                    {"SpaceId": "Spaces-2", "RestrictedToProjectIds": ["Projects-9"]},
                    {"SpaceId": "Spaces-2"}
                ],
                "EventView": [{"SpaceId": null, "RestrictedToTenantIds": ["Tenants-1"]}],
                "TaskView": null
            },
            "SystemPermissions": ["AdministerSystem"],
            "Teams": []
        }))
        .unwrap()
    }

    fn space(id: &str) -> SpaceId {
        SpaceId::parse(id).unwrap()
    }

    #[test]
    fn a_permission_is_held_in_its_own_space_or_everywhere_when_its_space_is_null() {
        let held = permissions();
        assert!(held.has("SubscriptionView", &space("Spaces-1")));
        assert!(held.has("subscriptionview", &space("Spaces-1")), "names ignore case");
        assert!(!held.has("SubscriptionView", &space("Spaces-2")));
        assert!(held.has("EventView", &space("Spaces-7")), "null SpaceId is system-wide");
        assert!(!held.has("TaskView", &space("Spaces-1")), "null list holds nothing");
        assert!(!held.has("SubscriptionCreate", &space("Spaces-1")));
        assert!(held.has_system("AdministerSystem"));
    }

    #[test]
    fn a_permission_is_restricted_only_when_every_scope_that_applies_is() {
        let held = permissions();
        assert!(held.restricted("InterruptionSubmit", &space("Spaces-1")));
        assert!(
            !held.restricted("InterruptionSubmit", &space("Spaces-2")),
            "one unrestricted entry"
        );
        assert!(held.restricted("EventView", &space("Spaces-2")));
        assert!(!held.restricted("SubscriptionView", &space("Spaces-1")));
        assert!(
            !held.restricted("SubscriptionCreate", &space("Spaces-1")),
            "not held is not restricted"
        );
    }

    #[test]
    fn a_named_resource_matches_its_whole_name_ignoring_case_only() {
        let web_app = NamedResource {
            id: "Projects-1".into(),
            name: "Web App".into(),
        };
        assert!(web_app.is_named("web app"));
        assert!(web_app.is_named(" Web App "));
        assert!(!web_app.is_named("Web"));
        assert!(!web_app.is_named("Web App Legacy"));
        let missing_name = serde_json::from_value::<NamedResource>(json!({"Id": "Projects-1"}));
        assert!(missing_name.unwrap_err().to_string().contains("`Name`"));
    }
}
