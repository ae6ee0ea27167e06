//! The answering rule: which kind of interruption (`Type`), which answer (`Action`), how many
//! retries a failure gets (`MaximumRetry`) and, for Retry, the answer once they are spent
//! (`Then`). Parsed from the webhook query string and from the queue message attributes,
//! case-insensitively, and always rendered in the canonical spelling the original OctoSubscriber
//! used, so either side of the queue can be swapped.

use std::fmt;

use crate::payload::shorten;

/// Octopus's event category for a guided failure.
pub const GUIDED_FAILURE_CATEGORY: &str = "GuidedFailureInterruptionRaised";
/// Octopus's event category for a manual intervention.
pub const MANUAL_INTERVENTION_CATEGORY: &str = "ManualInterventionInterruptionRaised";

/// The kind of interruption a rule answers. Its name is also the name of the form element that
/// carries the answer (`Guidance` on guided failures, `Result` on manual interventions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InterruptionKind {
    /// A guided failure: Fail, Retry, Ignore or Exclude.
    Guidance,
    /// A manual intervention: Proceed or Abort.
    Result,
}

impl InterruptionKind {
    /// The canonical `Type` value, which is also the form element name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Guidance => "Guidance",
            Self::Result => "Result",
        }
    }

    /// The event category that raises this kind of interruption.
    pub fn event_category(self) -> &'static str {
        match self {
            Self::Guidance => GUIDED_FAILURE_CATEGORY,
            Self::Result => MANUAL_INTERVENTION_CATEGORY,
        }
    }

    /// The actions Octopus offers for this kind of interruption.
    pub fn actions(self) -> &'static [Action] {
        match self {
            Self::Guidance => &[Action::Fail, Action::Retry, Action::Ignore, Action::Exclude],
            Self::Result => &[Action::Proceed, Action::Abort],
        }
    }

    fn parse(value: &str) -> Result<Self, RuleError> {
        [Self::Guidance, Self::Result]
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(value.trim()))
            .ok_or_else(|| RuleError::UnknownType(shorten(value)))
    }
}

impl fmt::Display for InterruptionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An answer to an interruption, spelled as the value of the form's submit button.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Fail,
    Retry,
    Ignore,
    Exclude,
    Proceed,
    Abort,
}

impl Action {
    /// The canonical spelling, which is also the button value Octopus expects on submit.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fail => "Fail",
            Self::Retry => "Retry",
            Self::Ignore => "Ignore",
            Self::Exclude => "Exclude",
            Self::Proceed => "Proceed",
            Self::Abort => "Abort",
        }
    }

    fn parse(kind: InterruptionKind, value: &str) -> Result<Self, RuleError> {
        kind.actions()
            .iter()
            .copied()
            .find(|action| action.as_str().eq_ignore_ascii_case(value.trim()))
            .ok_or_else(|| RuleError::UnknownAction {
                kind,
                value: shorten(value),
            })
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a Retry rule answers once a failure's retry budget is spent (`then=`): Fail (the default,
/// as the original did), Exclude the machine, Ignore, or Leave it to a person.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Then {
    #[default]
    Fail,
    Exclude,
    Ignore,
    /// Answer nothing: a person decides (and is told).
    Leave,
}

impl Then {
    const ALL: [Self; 4] = [Self::Fail, Self::Exclude, Self::Ignore, Self::Leave];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fail => "Fail",
            Self::Exclude => "Exclude",
            Self::Ignore => "Ignore",
            Self::Leave => "Leave",
        }
    }

    /// The answer to submit, or `None` for Leave.
    pub fn action(self) -> Option<Action> {
        match self {
            Self::Fail => Some(Action::Fail),
            Self::Exclude => Some(Action::Exclude),
            Self::Ignore => Some(Action::Ignore),
            Self::Leave => None,
        }
    }

    fn parse(value: &str) -> Result<Self, RuleError> {
        Self::ALL
            .into_iter()
            .find(|then| then.as_str().eq_ignore_ascii_case(value.trim()))
            .ok_or_else(|| RuleError::UnknownThen(shorten(value)))
    }
}

impl fmt::Display for Then {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How many times one failure is answered Retry before the rule's `then` answer.
/// Bounded by 10, the most retries the Octopus guided-failure feature is documented to allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MaximumRetry(u8);

impl MaximumRetry {
    pub const LIMIT: u8 = 10;
    pub const DEFAULT: Self = Self(1);

    pub fn new(value: u8) -> Option<Self> {
        (value <= Self::LIMIT).then_some(Self(value))
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// Strict parse for the webhook URL: a whole number from 0 to 10.
    fn parse_strict(value: &str) -> Result<Self, RuleError> {
        value
            .trim()
            .parse::<u8>()
            .ok()
            .and_then(Self::new)
            .ok_or_else(|| RuleError::InvalidMaximumRetry(shorten(value)))
    }

    /// Lenient parse for queue attributes written by older producers: larger numbers are
    /// clamped to the limit, anything that is not a whole number is refused.
    fn parse_clamped(value: &str) -> Result<Self, RuleError> {
        value
            .trim()
            .parse::<u64>()
            .map(|n| Self(u8::try_from(n.min(u64::from(Self::LIMIT))).unwrap_or(Self::LIMIT)))
            .map_err(|_| RuleError::InvalidMaximumRetry(shorten(value)))
    }
}

impl Default for MaximumRetry {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl fmt::Display for MaximumRetry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A complete answering rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rule {
    pub kind: InterruptionKind,
    pub action: Action,
    pub maximum_retry: MaximumRetry,
    /// The answer once the retry budget is spent; `Fail` for every rule but Retry.
    pub then: Then,
}

/// Why a rule could not be read. The messages name what is accepted, because they are shown to
/// whoever configured the webhook URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("`type` is required: use type=Guidance (guided failure) or type=Result (manual intervention)")]
    MissingType,
    #[error("`type` must be Guidance or Result, not {0:?}")]
    UnknownType(String),
    #[error("`action` is required: use one of {}", list_actions(*.0))]
    MissingAction(InterruptionKind),
    #[error("`action` for type={kind} must be one of {}, not {value:?}", list_actions(*.kind))]
    UnknownAction { kind: InterruptionKind, value: String },
    #[error("`maximumretry` must be a whole number from 0 to 10, not {0:?}")]
    InvalidMaximumRetry(String),
    #[error("`then` must be one of Fail, Exclude, Ignore, Leave, not {0:?}")]
    UnknownThen(String),
    #[error("`then` goes only with action=Retry: it is the answer once the retries are spent")]
    ThenWithoutRetry,
    #[error("`{0}` is given more than once")]
    Repeated(&'static str),
}

fn list_actions(kind: InterruptionKind) -> String {
    kind.actions().iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", ")
}

impl Rule {
    /// Reads a rule from webhook query parameters (`type`, `action`, `maximumretry`), matching
    /// names and values case-insensitively. Other parameters are ignored, as the original did.
    pub fn from_query<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, RuleError> {
        let (mut kind, mut action, mut retry, mut then) = (None, None, None, None);
        for (name, value) in pairs {
            let slot = match name.trim().to_ascii_lowercase().as_str() {
                "type" => (&mut kind, "type"),
                "action" => (&mut action, "action"),
                "maximumretry" => (&mut retry, "maximumretry"),
                "then" => (&mut then, "then"),
                _ => continue,
            };
            if slot.0.replace(value).is_some() {
                return Err(RuleError::Repeated(slot.1));
            }
        }
        let kind = InterruptionKind::parse(kind.ok_or(RuleError::MissingType)?)?;
        let action = Action::parse(kind, action.ok_or(RuleError::MissingAction(kind))?)?;
        let maximum_retry = retry.map(MaximumRetry::parse_strict).transpose()?.unwrap_or_default();
        Self::with_then(kind, action, maximum_retry, then)
    }

    /// Reads a rule from queue message attributes. `lookup` returns an attribute's string value
    /// by its exact name. `MaximumRetry` defaults to 1 and is clamped to 10 when a producer sent more.
    pub fn from_attributes<'a>(lookup: impl Fn(&str) -> Option<&'a str>) -> Result<Self, RuleError> {
        let kind = InterruptionKind::parse(lookup(crate::TYPE).ok_or(RuleError::MissingType)?)?;
        let action = Action::parse(kind, lookup(crate::ACTION).ok_or(RuleError::MissingAction(kind))?)?;
        let maximum_retry = lookup(crate::MAXIMUM_RETRY)
            .map(MaximumRetry::parse_clamped)
            .transpose()?
            .unwrap_or_default();
        Self::with_then(kind, action, maximum_retry, lookup(crate::THEN))
    }

    fn with_then(
        kind: InterruptionKind,
        action: Action,
        maximum_retry: MaximumRetry,
        then: Option<&str>,
    ) -> Result<Self, RuleError> {
        let then = match then {
            Some(_) if action != Action::Retry => return Err(RuleError::ThenWithoutRetry),
            Some(value) => Then::parse(value)?,
            None => Then::default(),
        };
        Ok(Self {
            kind,
            action,
            maximum_retry,
            then,
        })
    }

    /// The canonical `(name, value)` attribute pairs of this rule: `Then` only for Retry.
    pub fn attributes(&self) -> Vec<(&'static str, String)> {
        let mut attributes = vec![
            (crate::TYPE, self.kind.as_str().to_owned()),
            (crate::ACTION, self.action.as_str().to_owned()),
            (crate::MAXIMUM_RETRY, self.maximum_retry.to_string()),
        ];
        if self.action == Action::Retry {
            attributes.push((crate::THEN, self.then.as_str().to_owned()));
        }
        attributes
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "type={} action={}", self.kind, self.action)?;
        if self.action == Action::Retry {
            write!(f, " maximumretry={} then={}", self.maximum_retry, self.then)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(q: &[(&'static str, &'static str)]) -> Result<Rule, RuleError> {
        Rule::from_query(q.iter().copied())
    }

    #[test]
    fn then_names_the_answer_once_retries_are_spent_and_defaults_to_fail() {
        let rule = query(&[("type", "Guidance"), ("action", "Retry"), ("THEN", "exclude")]).unwrap();
        assert_eq!(rule.then, Then::Exclude);
        assert_eq!(rule.then.action(), Some(Action::Exclude));
        let default = query(&[("type", "Guidance"), ("action", "Retry")]).unwrap();
        assert_eq!(default.then, Then::Fail);
        let leave = query(&[("type", "Guidance"), ("action", "Retry"), ("then", "Leave")]).unwrap();
        assert_eq!(leave.then.action(), None);
        assert!(rule.attributes().contains(&("Then", "Exclude".to_owned())));
        let attributes = rule.attributes();
        let lookup = |name: &str| attributes.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str());
        assert_eq!(Rule::from_attributes(lookup).unwrap(), rule, "read back from the queue");
        assert_eq!(
            rule.to_string(),
            "type=Guidance action=Retry maximumretry=1 then=Exclude"
        );
    }

    #[test]
    fn then_is_refused_with_another_action_or_an_unknown_answer() {
        let with_fail = query(&[("type", "Guidance"), ("action", "Fail"), ("then", "Exclude")]);
        assert_eq!(with_fail, Err(RuleError::ThenWithoutRetry));
        let unknown = query(&[("type", "Guidance"), ("action", "Retry"), ("then", "Proceed")]);
        assert_eq!(unknown, Err(RuleError::UnknownThen("Proceed".into())));
        assert!(
            unknown
                .unwrap_err()
                .to_string()
                .contains("Fail, Exclude, Ignore, Leave")
        );
        let proceed = query(&[("type", "Result"), ("action", "Proceed")]).unwrap();
        assert!(
            proceed.attributes().iter().all(|(name, _)| *name != "Then"),
            "Then only for Retry"
        );
    }

    #[test]
    fn a_long_bad_value_is_quoted_to_at_most_64_characters() {
        let long = "x".repeat(500);
        for err in [
            Rule::from_query([("type", long.as_str())]).unwrap_err(),
            Rule::from_query([("type", "Result"), ("action", long.as_str())]).unwrap_err(),
            Rule::from_query([
                ("type", "Guidance"),
                ("action", "Retry"),
                ("maximumretry", long.as_str()),
            ])
            .unwrap_err(),
        ] {
            let text = err.to_string();
            assert!(text.len() < 200 && !text.contains(&long), "{text}");
        }
    }

    #[test]
    fn reads_the_original_webhook_url_contract() {
        let rule = query(&[("type", "Guidance"), ("action", "Retry"), ("maximumretry", "3")]).unwrap();
        assert_eq!(rule.kind, InterruptionKind::Guidance);
        assert_eq!(rule.action, Action::Retry);
        assert_eq!(rule.maximum_retry.get(), 3);
    }

    #[test]
    fn matches_names_and_values_case_insensitively_and_normalises_them() {
        let rule = query(&[("TYPE", "guidance"), ("Action", "rEtRy"), ("MaximumRetry", "2")]).unwrap();
        assert_eq!(
            rule.attributes(),
            [
                ("Type", "Guidance".to_owned()),
                ("Action", "Retry".to_owned()),
                ("MaximumRetry", "2".to_owned()),
                ("Then", "Fail".to_owned())
            ]
        );
    }

    #[test]
    fn defaults_maximum_retry_to_one() {
        let rule = query(&[("type", "Result"), ("action", "proceed")]).unwrap();
        assert_eq!(rule.maximum_retry, MaximumRetry::DEFAULT);
        assert_eq!(rule.maximum_retry.get(), 1);
    }

    #[test]
    fn ignores_unknown_parameters() {
        assert!(query(&[("type", "Result"), ("action", "Abort"), ("utm", "x")]).is_ok());
    }

    #[test]
    fn refuses_a_missing_type_and_names_the_accepted_values() {
        let err = query(&[("action", "Retry")]).unwrap_err();
        assert_eq!(err, RuleError::MissingType);
        assert!(err.to_string().contains("type=Guidance"));
    }

    #[test]
    fn refuses_an_action_that_belongs_to_the_other_type() {
        let err = query(&[("type", "Guidance"), ("action", "Proceed")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`action` for type=Guidance must be one of Fail, Retry, Ignore, Exclude, not \"Proceed\""
        );
    }

    #[test]
    fn refuses_a_missing_action_listing_the_actions_of_the_type() {
        let err = query(&[("type", "Result")]).unwrap_err();
        assert_eq!(err.to_string(), "`action` is required: use one of Proceed, Abort");
    }

    #[test]
    fn refuses_maximum_retry_outside_zero_to_ten_or_not_a_number() {
        for bad in ["11", "-1", "two", "", "1.5"] {
            let err = query(&[("type", "Guidance"), ("action", "Retry"), ("maximumretry", bad)]).unwrap_err();
            assert_eq!(err, RuleError::InvalidMaximumRetry(bad.to_owned()), "{bad}");
        }
        assert!(query(&[("type", "Guidance"), ("action", "Retry"), ("maximumretry", "0")]).is_ok());
        assert!(query(&[("type", "Guidance"), ("action", "Retry"), ("maximumretry", "10")]).is_ok());
    }

    #[test]
    fn refuses_a_parameter_given_twice() {
        let err = query(&[("type", "Guidance"), ("Type", "Result"), ("action", "Fail")]).unwrap_err();
        assert_eq!(err, RuleError::Repeated("type"));
    }

    #[test]
    fn reads_attributes_written_by_the_original_producer() {
        let attrs = [("Type", "Guidance"), ("Action", "retry"), ("MaximumRetry", "1")];
        let rule = Rule::from_attributes(|name| attrs.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)).unwrap();
        assert_eq!(
            (rule.kind, rule.action, rule.maximum_retry.get()),
            (InterruptionKind::Guidance, Action::Retry, 1)
        );
    }

    #[test]
    fn clamps_attribute_maximum_retry_above_ten() {
        let attrs = [("Type", "Guidance"), ("Action", "Retry"), ("MaximumRetry", "50")];
        let rule = Rule::from_attributes(|name| attrs.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)).unwrap();
        assert_eq!(rule.maximum_retry.get(), 10);
    }

    #[test]
    fn refuses_a_non_numeric_attribute_maximum_retry() {
        let attrs = [("Type", "Guidance"), ("Action", "Retry"), ("MaximumRetry", "lots")];
        let err = Rule::from_attributes(|name| attrs.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)).unwrap_err();
        assert_eq!(err, RuleError::InvalidMaximumRetry("lots".into()));
    }

    #[test]
    fn maps_each_kind_to_its_event_category() {
        assert_eq!(
            InterruptionKind::Guidance.event_category(),
            "GuidedFailureInterruptionRaised"
        );
        assert_eq!(
            InterruptionKind::Result.event_category(),
            "ManualInterventionInterruptionRaised"
        );
    }
}
