//! Typed reads of environment variables through a lookup function, so configuration is parsed
//! from a map in tests and never needs `set_var`.

use std::str::FromStr;

/// Why the configuration cannot be used. The function refuses to start with this message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is required")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// A source of configuration values by name (the process environment, or a map in tests).
pub trait Lookup {
    fn get(&self, name: &str) -> Option<String>;
}

impl<F: Fn(&str) -> Option<String>> Lookup for F {
    fn get(&self, name: &str) -> Option<String> {
        self(name)
    }
}

/// The process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct Env;

impl Lookup for Env {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

/// A fixed set of values, for tests and tools that configure a function without its environment.
#[derive(Debug, Clone, Copy)]
pub struct Pairs<'a>(pub &'a [(&'a str, &'a str)]);

impl Lookup for Pairs<'_> {
    fn get(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| (*value).to_owned())
    }
}

/// A value that is set and not blank.
pub fn optional(lookup: &impl Lookup, name: &'static str) -> Option<String> {
    lookup.get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

pub fn required(lookup: &impl Lookup, name: &'static str) -> Result<String, ConfigError> {
    optional(lookup, name).ok_or(ConfigError::Missing(name))
}

/// `true`/`false` (also 1/0, yes/no), `default` when unset.
pub fn flag(lookup: &impl Lookup, name: &'static str, default: bool) -> Result<bool, ConfigError> {
    match optional(lookup, name).map(|v| v.to_ascii_lowercase()) {
        None => Ok(default),
        Some(v) if matches!(v.as_str(), "true" | "1" | "yes") => Ok(true),
        Some(v) if matches!(v.as_str(), "false" | "0" | "no") => Ok(false),
        Some(v) => Err(ConfigError::Invalid {
            name,
            reason: format!("expected true or false, got {v:?}"),
        }),
    }
}

/// A parsed value, `default` when unset.
pub fn parsed<T: FromStr>(lookup: &impl Lookup, name: &'static str, default: T) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    optional(lookup, name).map_or(Ok(default), |v| {
        v.parse().map_err(|e: T::Err| ConfigError::Invalid {
            name,
            reason: e.to_string(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_values_count_as_unset() {
        let lookup = Pairs(&[("A", "  ")]);
        assert_eq!(optional(&lookup, "A"), None);
        assert_eq!(required(&lookup, "A"), Err(ConfigError::Missing("A")));
    }

    #[test]
    fn flags_accept_true_false_and_refuse_anything_else() {
        let lookup = Pairs(&[("T", "TRUE"), ("F", "0"), ("X", "maybe")]);
        assert_eq!(flag(&lookup, "T", false), Ok(true));
        assert_eq!(flag(&lookup, "F", true), Ok(false));
        assert_eq!(flag(&lookup, "UNSET", true), Ok(true));
        assert!(matches!(
            flag(&lookup, "X", false),
            Err(ConfigError::Invalid { name: "X", .. })
        ));
    }

    #[test]
    fn parsed_values_report_the_variable_name_on_error() {
        let lookup = Pairs(&[("N", "12"), ("BAD", "x")]);
        assert_eq!(parsed(&lookup, "N", 0u32), Ok(12));
        assert_eq!(parsed(&lookup, "UNSET", 7u32), Ok(7));
        let err = parsed(&lookup, "BAD", 0u32).unwrap_err();
        assert!(err.to_string().starts_with("environment variable BAD is invalid"));
    }
}
