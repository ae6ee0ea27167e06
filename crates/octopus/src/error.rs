//! What can go wrong talking to Octopus, classified for retries, logs and metrics.

use std::time::Duration;

/// An Octopus call that failed. Messages carry the method, the path (never the API key) and
/// Octopus's own `ErrorMessage` where it sent one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OctopusError {
    #[error("{method} {path}: Octopus answered {status}: {message}")]
    Status {
        method: &'static str,
        path: String,
        status: u16,
        message: String,
        /// How long Octopus asked us to wait, from a `Retry-After` header in seconds or as an
        /// HTTP date (zero for a date already past), when it sent one that could be read.
        retry_after: Option<Duration>,
    },
    /// A 3xx answer. Redirects are never followed: the API key would go to wherever the
    /// `Location` points and a POST could turn into a GET, so the server URL is wrong instead.
    #[error(
        "{method} {path}: Octopus answered {status} redirecting to {}: set OCTOPUS_SERVER_URL to \
         the address Octopus is served at",
        .location_host.as_deref().unwrap_or("an unnamed location")
    )]
    Redirected {
        method: &'static str,
        path: String,
        status: u16,
        /// The host of the `Location` header: never its path or query, which may carry tokens.
        location_host: Option<String>,
    },
    #[error("{method} {path}: no answer: {detail}")]
    Transport {
        method: &'static str,
        path: String,
        detail: String,
        timed_out: bool,
        /// The request may have reached Octopus (anything but a failed connect or no time left).
        maybe_delivered: bool,
    },
    #[error("{method} {path}: unexpected response body: {detail}")]
    Decode {
        method: &'static str,
        path: String,
        detail: String,
    },
}

impl OctopusError {
    /// Whether Octopus may have acted on the request although the caller saw a failure: a
    /// timeout or dropped connection after the request was sent, or a 5xx (a gateway may answer
    /// 502/504 after forwarding it). Never for 429, a failed connect or a refusal (4xx). A call
    /// that changes something is not simply sent again after such a failure.
    pub fn may_have_been_applied(&self) -> bool {
        match self {
            Self::Status { status, .. } => *status >= 500,
            Self::Transport { maybe_delivered, .. } => *maybe_delivered,
            Self::Redirected { .. } | Self::Decode { .. } => false,
        }
    }

    /// Connect failures, timeouts, 5xx and 429 may succeed when tried again.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Status { status, .. } => *status == 429 || *status >= 500,
            Self::Transport { .. } => true,
            Self::Redirected { .. } | Self::Decode { .. } => false,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } | Self::Redirected { status, .. } => Some(*status),
            Self::Transport { .. } | Self::Decode { .. } => None,
        }
    }

    /// A short, stable name for logs and metrics.
    pub fn cause(&self) -> &'static str {
        match self {
            Self::Status { status: 401, .. } => "unauthorized",
            Self::Status { status: 403, .. } => "forbidden",
            Self::Status { status: 404, .. } => "not_found",
            Self::Status { status: 429, .. } => "rate_limited",
            Self::Status { status, .. } if *status >= 500 => "server_error",
            Self::Status { .. } => "rejected",
            Self::Redirected { .. } => "redirected",
            Self::Transport { timed_out: true, .. } => "timeout",
            Self::Transport { .. } => "unreachable",
            Self::Decode { .. } => "bad_response",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16) -> OctopusError {
        OctopusError::Status {
            method: "GET",
            path: "/api".into(),
            status: code,
            message: String::new(),
            retry_after: None,
        }
    }

    #[test]
    fn server_errors_rate_limits_and_transport_failures_are_retryable() {
        assert!(status(500).is_retryable());
        assert!(status(503).is_retryable());
        assert!(status(429).is_retryable());
        let transport = OctopusError::Transport {
            method: "GET",
            path: "/api".into(),
            detail: "refused".into(),
            timed_out: false,
            maybe_delivered: false,
        };
        assert!(transport.is_retryable());
    }

    #[test]
    fn only_a_failure_after_the_request_may_have_reached_octopus_may_have_been_applied() {
        let transport = |maybe_delivered| OctopusError::Transport {
            method: "POST",
            path: "/api".into(),
            detail: "connection closed".into(),
            timed_out: false,
            maybe_delivered,
        };
        assert!(transport(true).may_have_been_applied());
        assert!(
            !transport(false).may_have_been_applied(),
            "a failed connect sent nothing"
        );
        assert!(status(502).may_have_been_applied());
        assert!(!status(429).may_have_been_applied());
        assert!(!status(400).may_have_been_applied());
    }

    #[test]
    fn authentication_permission_lookup_and_validation_errors_are_not() {
        for code in [400, 401, 403, 404, 409] {
            assert!(!status(code).is_retryable(), "{code}");
        }
        assert_eq!(status(401).cause(), "unauthorized");
        assert_eq!(status(403).cause(), "forbidden");
        assert_eq!(status(400).cause(), "rejected");
    }

    #[test]
    fn a_redirect_is_a_permanent_configuration_error_naming_only_the_target_host() {
        let redirected = OctopusError::Redirected {
            method: "POST",
            path: "/Spaces-1/interruptions/Interruptions-7/submit".into(),
            status: 302,
            location_host: Some("proxy.example.com".into()),
        };
        assert!(!redirected.is_retryable());
        assert_eq!(redirected.cause(), "redirected");
        assert_eq!(redirected.status(), Some(302));
        assert_eq!(
            redirected.to_string(),
            "POST /Spaces-1/interruptions/Interruptions-7/submit: Octopus answered 302 redirecting to \
             proxy.example.com: set OCTOPUS_SERVER_URL to the address Octopus is served at"
        );
    }
}
