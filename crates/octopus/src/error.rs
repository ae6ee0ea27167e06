//! What can go wrong talking to Octopus, classified for retries, logs and metrics.

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
        /// Seconds from a `Retry-After` header, when Octopus sent one.
        retry_after: Option<u64>,
    },
    #[error("{method} {path}: no answer: {detail}")]
    Transport {
        method: &'static str,
        path: String,
        detail: String,
        timed_out: bool,
    },
    #[error("{method} {path}: unexpected response body: {detail}")]
    Decode {
        method: &'static str,
        path: String,
        detail: String,
    },
}

impl OctopusError {
    /// Connect failures, timeouts, 5xx and 429 may succeed when tried again.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Status { status, .. } => *status == 429 || *status >= 500,
            Self::Transport { .. } => true,
            Self::Decode { .. } => false,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
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
        };
        assert!(transport.is_retryable());
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
}
