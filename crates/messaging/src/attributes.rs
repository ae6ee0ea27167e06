//! Names of the SQS message attributes. `Type`, `Action` and `MaximumRetry` are the original
//! OctoSubscriber contract (String attributes); `EventId` is ours and optional on read.

/// The interruption kind: `Guidance` or `Result`.
pub const TYPE: &str = "Type";
/// The answer: `Fail|Retry|Ignore|Exclude` or `Proceed|Abort`.
pub const ACTION: &str = "Action";
/// Retries allowed per failure, `0..=10`.
pub const MAXIMUM_RETRY: &str = "MaximumRetry";
/// For Retry: the answer once the retries are spent, `Fail|Exclude|Ignore|Leave` (default Fail).
pub const THEN: &str = "Then";
/// The Octopus event id (`Events-N`) that raised the interruption.
pub const EVENT_ID: &str = "EventId";
/// Who queued the message: absent (a webhook, as the original producer wrote it) or `sweep`
/// (the scheduled sweep found an interruption no webhook brought).
pub const ORIGIN: &str = "Origin";

/// Where a queued message came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Origin {
    /// An Octopus subscription's webhook, through accept-message (or the original producer).
    #[default]
    Webhook,
    /// The scheduled sweep, for an interruption no webhook brought.
    Sweep,
}

impl Origin {
    /// The `Origin` attribute's value; anything other than `sweep` (any case) is a webhook.
    pub fn from_attribute(value: Option<&str>) -> Self {
        match value {
            Some(v) if v.trim().eq_ignore_ascii_case("sweep") => Self::Sweep,
            _ => Self::Webhook,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webhook => "webhook",
            Self::Sweep => "sweep",
        }
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sweep_in_any_case_marks_a_message_from_the_sweep() {
        assert_eq!(Origin::from_attribute(Some("sweep")), Origin::Sweep);
        assert_eq!(Origin::from_attribute(Some(" Sweep ")), Origin::Sweep);
        assert_eq!(Origin::from_attribute(None), Origin::Webhook);
        assert_eq!(Origin::from_attribute(Some("webhook")), Origin::Webhook);
        assert_eq!(Origin::from_attribute(Some("other")), Origin::Webhook);
    }
}
