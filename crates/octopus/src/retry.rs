//! Capped exponential backoff with jitter, bounded by a deadline, and the `Retry-After` header
//! that overrides it.

use std::time::{Duration, SystemTime};

use crate::error::OctopusError;

/// How transient failures are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
    /// Attempts in all, the first one included.
    pub max_attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(200),
            max: Duration::from_secs(5),
            max_attempts: 6,
        }
    }
}

/// The longest `Retry-After` honoured; a longer one gives the record back to SQS instead.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

impl Backoff {
    /// The wait before attempt `attempt + 1` after `error`, or `None` to give up: the error is
    /// not transient, the attempts are spent, or waiting would cross `remaining`.
    pub fn next_delay(&self, attempt: u32, error: &OctopusError, remaining: Duration) -> Option<Duration> {
        if !error.is_retryable() || attempt + 1 >= self.max_attempts {
            return None;
        }
        let delay = match error {
            OctopusError::Status {
                retry_after: Some(wait),
                ..
            } => *wait,
            _ => self.exponential(attempt),
        };
        (delay <= MAX_RETRY_AFTER && delay < remaining).then_some(delay)
    }

    /// `initial * 2^attempt`, capped, with up to 25 % jitter taken off so that concurrent
    /// records do not retry in step.
    fn exponential(&self, attempt: u32) -> Duration {
        let base = self.initial.saturating_mul(1u32 << attempt.min(16)).min(self.max);
        let jitter_permille = u64::from(jitter_seed() % 250);
        base - base.mul_f64(jitter_permille as f64 / 1000.0)
    }
}

/// The wait a `Retry-After` value asks for (RFC 9110 §10.2.3): delta-seconds, or an HTTP date
/// measured from `now` (zero when it is already past). `None` for anything else, so that the
/// caller falls back to its own backoff.
pub(crate) fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

fn jitter_seed() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16, retry_after_secs: Option<u64>) -> OctopusError {
        OctopusError::Status {
            method: "GET",
            path: "/api".into(),
            status: code,
            message: String::new(),
            retry_after: retry_after_secs.map(Duration::from_secs),
        }
    }

    const PLENTY: Duration = Duration::from_secs(600);

    #[test]
    fn backs_off_exponentially_up_to_the_cap() {
        let backoff = Backoff::default();
        let first = backoff.next_delay(0, &status(503, None), PLENTY).unwrap();
        let third = backoff.next_delay(2, &status(503, None), PLENTY).unwrap();
        assert!(
            first <= Duration::from_millis(200) && first >= Duration::from_millis(150),
            "{first:?}"
        );
        assert!(
            third <= Duration::from_millis(800) && third >= Duration::from_millis(600),
            "{third:?}"
        );
        let capped = Backoff {
            max_attempts: 100,
            ..backoff
        }
        .next_delay(20, &status(500, None), PLENTY)
        .unwrap();
        assert!(capped <= Duration::from_secs(5), "{capped:?}");
    }

    #[test]
    fn honours_retry_after_on_429() {
        let delay = Backoff::default().next_delay(0, &status(429, Some(2)), PLENTY);
        assert_eq!(delay, Some(Duration::from_secs(2)));
    }

    #[test]
    fn gives_up_on_permanent_errors_spent_attempts_or_a_close_deadline() {
        let backoff = Backoff::default();
        assert_eq!(backoff.next_delay(0, &status(404, None), PLENTY), None);
        assert_eq!(backoff.next_delay(5, &status(503, None), PLENTY), None);
        assert_eq!(
            backoff.next_delay(0, &status(429, Some(10)), Duration::from_secs(5)),
            None
        );
        assert_eq!(backoff.next_delay(0, &status(429, Some(300)), PLENTY), None);
    }

    #[test]
    fn retry_after_reads_delta_seconds_and_http_dates_in_all_three_formats() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(retry_after(" 120 ", now), Some(Duration::from_secs(120)));
        assert_eq!(retry_after("0", now), Some(Duration::ZERO));
        for later in [
            "Sun, 06 Nov 1994 08:50:07 GMT",
            "Sunday, 06-Nov-94 08:50:07 GMT",
            "Sun Nov  6 08:50:07 1994",
        ] {
            assert_eq!(retry_after(later, now), Some(Duration::from_secs(30)), "{later}");
        }
    }

    #[test]
    fn a_retry_after_date_in_the_past_means_retry_now() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now), Some(Duration::ZERO));
        let delay = Backoff::default().next_delay(0, &status(503, Some(0)), PLENTY);
        assert_eq!(delay, Some(Duration::ZERO));
    }

    #[test]
    fn an_unreadable_retry_after_is_ignored_so_the_exponential_backoff_applies() {
        let now = SystemTime::UNIX_EPOCH;
        for junk in ["", "soon", "-5", "1.5", "Sun, 06 Nov 1994", "Tomorrow 08:49:37 GMT"] {
            assert_eq!(retry_after(junk, now), None, "{junk:?}");
        }
    }
}
