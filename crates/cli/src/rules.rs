//! The rules file: one per environment beside its tfvars (`infra/envs/<env>.rules.toml`), each
//! rule a subscription the CLI keeps in Octopus. Read strictly: an unknown key, a bad value, a
//! repeated name are refused with the line and the field, so a typo never becomes a rule.
//!
//! ```toml
//! [[rule]]
//! name = "retry-web"            # the subscription is named octo-responder/<env>/retry-web
//! space = "Default"             # a space's name or id
//! type = "Guidance"
//! action = "Retry"
//! maximumretry = 2
//! then = "Exclude"
//! projects = ["Web App"]        # names or ids; absent or empty: every project
//! environments = ["Production"]
//! tenants = []
//! ```

use std::ops::Range;
use std::path::Path;

use messaging::{Rule, RuleError};
use serde::Deserialize;
use toml::Spanned;

/// The longest rule name: the subscription's name adds `octo-responder/<env>/` to it, and
/// Octopus names are at most 200 characters.
pub const MAX_NAME: usize = 100;

/// One rule of the file, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSpec {
    pub name: String,
    /// A space name or `Spaces-N`, not yet resolved.
    pub space: String,
    pub rule: Rule,
    /// Project, environment and tenant names or ids, not yet resolved; empty: no filter.
    pub projects: Vec<String>,
    pub environments: Vec<String>,
    pub tenants: Vec<String>,
    /// The line the rule starts on, for later errors (a name that does not resolve).
    pub line: usize,
}

/// Why a rules file cannot be used: where, which field, and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {field}: {message}")]
pub struct RulesError {
    pub file: String,
    pub line: usize,
    pub field: String,
    pub message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: Spanned<String>,
    space: Spanned<String>,
    #[serde(rename = "type")]
    kind: Spanned<String>,
    action: Spanned<String>,
    maximumretry: Option<Spanned<i64>>,
    then: Option<Spanned<String>>,
    projects: Option<Spanned<Vec<String>>>,
    environments: Option<Spanned<Vec<String>>>,
    tenants: Option<Spanned<Vec<String>>>,
}

/// Reads and validates the rules file at `path`.
pub fn read(path: &Path) -> Result<Vec<RuleSpec>, RulesError> {
    let text = std::fs::read_to_string(path).map_err(|e| RulesError {
        file: path.display().to_string(),
        line: 0,
        field: "file".to_owned(),
        message: format!("cannot be read ({e}); create it (see infra/envs/dev.rules.toml) or pass --rules"),
    })?;
    parse(&path.display().to_string(), &text)
}

/// Validates the rules in `text`, naming `file` in errors.
pub fn parse(file: &str, text: &str) -> Result<Vec<RuleSpec>, RulesError> {
    let error = |span: Option<Range<usize>>, field: &str, message: String| RulesError {
        file: file.to_owned(),
        line: span.map_or(0, |s| line_of(text, s.start)),
        field: field.to_owned(),
        message,
    };
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        // The key is named in the message (`unknown field `x``, `missing field `y``), else it is
        // the one on the line the error points at.
        let named = e
            .message()
            .split('`')
            .nth(1)
            .filter(|k| k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        let on_line = e.span().and_then(|s| {
            let start = text[..s.start.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
            let line = text[start..].lines().next().unwrap_or("");
            line.split_once('=').map(|(key, _)| key.trim().to_owned())
        });
        let field = named
            .map(str::to_owned)
            .or(on_line)
            .unwrap_or_else(|| "toml".to_owned());
        error(e.span(), &field, e.message().trim().to_owned())
    })?;
    let mut specs: Vec<RuleSpec> = Vec::new();
    for spanned in raw.rule {
        let span = spanned.span();
        let raw = spanned.into_inner();
        let name = raw.name.get_ref().trim().to_owned();
        if name.is_empty()
            || name.len() > MAX_NAME
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(error(
                Some(raw.name.span()),
                "name",
                format!("must be 1 to {MAX_NAME} letters, digits, '-', '_' or '.', not {name:?}"),
            ));
        }
        if let Some(first) = specs.iter().find(|s| s.name.eq_ignore_ascii_case(&name)) {
            return Err(error(
                Some(raw.name.span()),
                "name",
                format!(
                    "{name:?} is already the name of the rule on line {}: names must be unique",
                    first.line
                ),
            ));
        }
        let space = raw.space.get_ref().trim().to_owned();
        if space.is_empty() {
            return Err(error(
                Some(raw.space.span()),
                "space",
                "must name a space (its name or Spaces-N)".to_owned(),
            ));
        }
        let retry = raw.maximumretry.as_ref().map(|m| m.get_ref().to_string());
        let mut query = vec![
            ("type", raw.kind.get_ref().as_str()),
            ("action", raw.action.get_ref().as_str()),
        ];
        if let Some(retry) = &retry {
            query.push(("maximumretry", retry.as_str()));
        }
        if let Some(then) = &raw.then {
            query.push(("then", then.get_ref().as_str()));
        }
        let rule = Rule::from_query(query).map_err(|e| {
            let field = parameter_of(&e);
            let at = match field {
                "type" => Some(raw.kind.span()),
                "action" => Some(raw.action.span()),
                "maximumretry" => raw.maximumretry.as_ref().map(Spanned::span),
                "then" => raw.then.as_ref().map(Spanned::span),
                _ => None,
            };
            error(at.or(Some(span.clone())), field, e.to_string())
        })?;
        if let Some(retry) = raw
            .maximumretry
            .as_ref()
            .filter(|_| rule.action != messaging::Action::Retry)
        {
            return Err(error(
                Some(retry.span()),
                "maximumretry",
                "`maximumretry` goes only with action=Retry: it counts retries".to_owned(),
            ));
        }
        let list = |field: &str, list: &Option<Spanned<Vec<String>>>| -> Result<Vec<String>, RulesError> {
            let Some(list) = list else { return Ok(Vec::new()) };
            let values: Vec<String> = list.get_ref().iter().map(|v| v.trim().to_owned()).collect();
            if values.iter().any(String::is_empty) {
                return Err(error(
                    Some(list.span()),
                    field,
                    "an entry is empty: give a name or an id".to_owned(),
                ));
            }
            Ok(values)
        };
        let (projects, environments, tenants) = (
            list("projects", &raw.projects)?,
            list("environments", &raw.environments)?,
            list("tenants", &raw.tenants)?,
        );
        specs.push(RuleSpec {
            name,
            space,
            rule,
            projects,
            environments,
            tenants,
            line: line_of(text, span.start),
        });
    }
    Ok(specs)
}

/// The rules-file key a rule error is about.
fn parameter_of(error: &RuleError) -> &'static str {
    match error {
        RuleError::MissingType | RuleError::UnknownType(_) => "type",
        RuleError::MissingAction(_) | RuleError::UnknownAction { .. } => "action",
        RuleError::InvalidMaximumRetry(_) => "maximumretry",
        RuleError::UnknownThen(_) | RuleError::ThenWithoutRetry => "then",
        RuleError::Repeated(name) => name,
    }
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).map_or(0, |before| before.matches('\n').count()) + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use messaging::{Action, Then};

    const FILE: &str = r#"
# retry web deployments, then exclude the machine
[[rule]]
name = "retry-web"
space = "Default"
type = "Guidance"
action = "Retry"
maximumretry = 2
then = "Exclude"
projects = ["Web App"]
environments = ["Production", "Environments-7"]

[[rule]]
name = "approve-dev"
space = "Spaces-2"
type = "result"
action = "proceed"
"#;

    fn error(text: &str) -> RulesError {
        parse("dev.rules.toml", text).unwrap_err()
    }

    #[test]
    fn reads_each_rule_with_its_space_filter_and_line() {
        let rules = parse("dev.rules.toml", FILE).unwrap();
        assert_eq!(rules.len(), 2);
        let retry = &rules[0];
        assert_eq!(retry.name, "retry-web");
        assert_eq!(retry.space, "Default");
        assert_eq!(retry.rule.action, Action::Retry);
        assert_eq!(retry.rule.then, Then::Exclude);
        assert_eq!(retry.rule.maximum_retry.get(), 2);
        assert_eq!(retry.projects, ["Web App"]);
        assert_eq!(retry.environments, ["Production", "Environments-7"]);
        assert!(retry.tenants.is_empty());
        assert_eq!(retry.line, 3);
        assert_eq!(rules[1].rule.to_string(), "type=Result action=Proceed");
        assert_eq!(rules[1].line, 13);
    }

    #[test]
    fn an_empty_file_has_no_rules() {
        assert!(parse("dev.rules.toml", "# nothing yet\n").unwrap().is_empty());
    }

    #[test]
    fn a_bad_value_names_the_line_and_the_field_and_what_to_write() {
        let e = error(&FILE.replace(r#"action = "Retry""#, r#"action = "Again""#));
        assert_eq!((e.line, e.field.as_str()), (7, "action"), "{e}");
        assert!(e.message.contains("Fail, Retry, Ignore, Exclude"), "{e}");

        let e = error(&FILE.replace("maximumretry = 2", "maximumretry = 11"));
        assert_eq!((e.line, e.field.as_str()), (8, "maximumretry"), "{e}");

        let e = error(&FILE.replace(r#"action = "proceed""#, "action = \"proceed\"\nthen = \"Fail\""));
        assert_eq!((e.line, e.field.as_str()), (18, "then"), "{e}");
        assert!(e.to_string().starts_with("dev.rules.toml:18: then: "), "{e}");
    }

    #[test]
    fn an_unknown_key_a_missing_field_or_a_repeated_name_is_refused_with_its_line() {
        let e = error(&FILE.replace("maximumretry = 2", "maximumretries = 2"));
        assert_eq!(e.field, "maximumretries", "{e}");
        assert_eq!(e.line, 8, "{e}");

        let e = error(&FILE.replace("space = \"Spaces-2\"\n", ""));
        assert_eq!(e.field, "space", "{e}");

        let e = error(&FILE.replace("approve-dev", "Retry-Web"));
        assert_eq!((e.line, e.field.as_str()), (14, "name"), "{e}");
        assert!(e.message.contains("line 3"), "{e}");

        let e = error(&FILE.replace("approve-dev", "approve dev"));
        assert_eq!(e.field, "name", "{e}");
    }

    #[test]
    fn a_value_of_the_wrong_type_names_its_key_and_maximumretry_goes_only_with_retry() {
        let e = error(&FILE.replace("maximumretry = 2", "maximumretry = \"2\""));
        assert_eq!((e.line, e.field.as_str()), (8, "maximumretry"), "{e}");
        let e = error(&FILE.replace("action = \"proceed\"", "action = \"proceed\"\nmaximumretry = 3"));
        assert_eq!((e.line, e.field.as_str()), (18, "maximumretry"), "{e}");
        assert!(e.message.contains("only with action=Retry"), "{e}");
    }

    #[test]
    fn an_empty_entry_in_a_filter_is_refused() {
        let e = error(&FILE.replace(r#"projects = ["Web App"]"#, r#"projects = ["Web App", " "]"#));
        assert_eq!((e.line, e.field.as_str()), (10, "projects"), "{e}");
    }
}
