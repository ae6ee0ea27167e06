//! From the rules file to the subscriptions Octopus should have: spaces, projects,
//! environments and tenants named in the file are looked up through the API (an id is taken as
//! written), every rule gets its URL, its own token and its category's filter. Everything is
//! resolved before anything changes: one name that does not resolve stops the run.

use messaging::{Rule, SpaceId};
use octopus::{Deadline, HttpOctopus, Named, OctopusError, Space};

use crate::changes::{Desired, Filter};
use crate::rules::RuleSpec;

/// The prefix of every subscription the CLI owns in `env`.
pub fn prefix(env: &str) -> String {
    format!("octo-responder/{env}/")
}

/// The subscription a rule named `rule` becomes in `env`.
pub fn subscription_name(env: &str, rule: &str) -> String {
    format!("{}{rule}", prefix(env))
}

/// Where the rules' subscriptions point and how they sign.
#[derive(Debug, Clone)]
pub struct Signing<'a> {
    /// The responder's webhook URL, without a query.
    pub webhook_url: &'a str,
    pub header_key: &'a str,
    pub secret: &'a [u8],
}

impl Signing<'_> {
    /// `<webhook url>?<canonical query>`.
    pub fn uri(&self, rule: &Rule) -> String {
        format!("{}?{}", self.webhook_url, rule.canonical_query())
    }
}

/// Why a rule cannot be turned into a subscription.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("{file}:{line}: rule {rule:?}: {problem}")]
    Name {
        file: String,
        line: usize,
        rule: String,
        problem: String,
    },
    #[error(transparent)]
    Octopus(#[from] OctopusError),
}

/// The subscriptions the rules want, in file order.
pub async fn desired(
    octopus: &HttpOctopus,
    file: &str,
    env: &str,
    specs: &[RuleSpec],
    signing: &Signing<'_>,
    spaces: &[Space],
    deadline: Deadline,
) -> Result<Vec<Desired>, ResolveError> {
    let mut desired = Vec::new();
    for spec in specs {
        let problem = |problem: String| ResolveError::Name {
            file: file.to_owned(),
            line: spec.line,
            rule: spec.name.clone(),
            problem,
        };
        let space = space_of(&spec.space, spaces).map_err(problem)?;
        let mut ids = Vec::new();
        for (kind, names) in [
            (Named::Projects, &spec.projects),
            (Named::Environments, &spec.environments),
            (Named::Tenants, &spec.tenants),
        ] {
            let mut resolved = Vec::new();
            for name in names {
                resolved.push(id_of(octopus, &space, kind, name, deadline).await?.map_err(problem)?);
            }
            ids.push(resolved);
        }
        let [projects, environments, tenants]: [Vec<String>; 3] = ids
            .try_into()
            .map_err(|_| problem("internal: three filter lists expected".to_owned()))?;
        desired.push(Desired {
            space_id: space.to_string(),
            name: subscription_name(env, &spec.name),
            webhook_uri: signing.uri(&spec.rule),
            header_key: signing.header_key.to_owned(),
            header_value: spec.rule.token(signing.secret),
            filter: Filter {
                event_categories: vec![spec.rule.kind.event_category().to_owned()],
                projects,
                environments,
                tenants,
            }
            .normalized(),
            rule: spec.rule.to_string(),
        });
    }
    Ok(desired)
}

/// A space by id (`Spaces-N`) or by name, among those the key can see.
pub fn space_of(wanted: &str, spaces: &[Space]) -> Result<SpaceId, String> {
    let found = spaces
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(wanted))
        .or_else(|| spaces.iter().find(|s| s.name.eq_ignore_ascii_case(wanted)));
    match found.and_then(|s| SpaceId::parse(&s.id)) {
        Some(id) => Ok(id),
        None => Err(format!(
            "space {wanted:?} not found; the key sees: {}",
            spaces
                .iter()
                .map(|s| format!("{} ({})", s.name, s.id))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// An id as written, or the one resource of `kind` named `name` (any letter case).
async fn id_of(
    octopus: &HttpOctopus,
    space: &SpaceId,
    kind: Named,
    name: &str,
    deadline: Deadline,
) -> Result<Result<String, String>, OctopusError> {
    if looks_like_id(kind, name) {
        return Ok(Ok(name.to_owned()));
    }
    let found = octopus.named(space, kind, name, deadline).await?;
    let what = kind.segment().trim_end_matches('s');
    Ok(match found.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => Err(format!("{what} {name:?} not found in {space}")),
        many => Err(format!(
            "{what} {name:?} is ambiguous in {space} ({}): use the id",
            many.iter().map(|r| r.id.as_str()).collect::<Vec<_>>().join(", ")
        )),
    })
}

/// `Projects-12`, `Environments-3`, `Tenants-7`.
fn looks_like_id(kind: Named, value: &str) -> bool {
    let prefix = match kind {
        Named::Projects => "Projects-",
        Named::Environments => "Environments-",
        Named::Tenants => "Tenants-",
    };
    value
        .strip_prefix(prefix)
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spaces() -> Vec<Space> {
        serde_json::from_value(serde_json::json!([
            {"Id": "Spaces-1", "Name": "Default"},
            {"Id": "Spaces-2", "Name": "Platform"}
        ]))
        .unwrap()
    }

    #[test]
    fn a_space_is_found_by_id_or_by_name_in_any_letter_case() {
        assert_eq!(space_of("Spaces-2", &spaces()).unwrap().as_str(), "Spaces-2");
        assert_eq!(space_of("platform", &spaces()).unwrap().as_str(), "Spaces-2");
        let error = space_of("Ops", &spaces()).unwrap_err();
        assert!(error.contains("Default (Spaces-1), Platform (Spaces-2)"), "{error}");
    }

    #[test]
    fn only_a_well_formed_id_of_the_right_kind_is_taken_as_written() {
        assert!(looks_like_id(Named::Projects, "Projects-12"));
        assert!(!looks_like_id(Named::Projects, "Environments-12"));
        assert!(!looks_like_id(Named::Projects, "Projects-"));
        assert!(!looks_like_id(Named::Tenants, "Tenants-1a"));
    }

    #[test]
    fn a_rule_points_at_the_webhook_with_its_canonical_query() {
        let signing = Signing {
            webhook_url: "https://abc.execute-api.eu-west-1.amazonaws.com/octopus/webhook",
            header_key: "X-Octopus-Webhook-Token",
            secret: b"an-environment-secret",
        };
        let rule = Rule::from_query([("type", "guidance"), ("action", "retry")]).unwrap();
        assert_eq!(
            signing.uri(&rule),
            "https://abc.execute-api.eu-west-1.amazonaws.com/octopus/webhook?type=Guidance&action=Retry&maximumretry=1&then=Fail"
        );
    }
}
