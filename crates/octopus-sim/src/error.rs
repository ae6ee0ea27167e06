//! The Octopus error body (`ErrorMessage`, `Errors`, ...) and the responses that carry it.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error answered with the Octopus error body.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    status: StatusCode,
    message: String,
    errors: Vec<String>,
    retry_after: Option<u64>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            errors: Vec::new(),
            retry_after: None,
        }
    }

    pub(crate) fn with_errors(mut self, errors: Vec<String>) -> Self {
        self.errors = errors;
        self
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub(crate) fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "The resource you requested was not found.")
    }

    pub(crate) fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "You must be logged in to request this resource. Please provide a valid API key.",
        )
    }

    /// 403 as Octopus answers a caller whose teams lack `permission`.
    pub(crate) fn missing_permission(permission: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            format!(
                "You do not have permission to perform this action. Please contact your Octopus \
                 administrator. Missing permission: {permission}"
            ),
        )
    }

    pub(crate) fn too_many_requests(retry_after_secs: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Rate limit exceeded. Please retry later.",
        );
        e.retry_after = Some(retry_after_secs);
        e
    }

    pub(crate) fn invalid_value(name: &str, value: &str) -> Self {
        Self::bad_request(format!("The value '{value}' is not valid for {name}."))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "ErrorMessage": self.message,
            "Errors": self.errors,
            "FullException": null,
            "HelpText": null,
        });
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            let headers = response.headers_mut();
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
            headers.insert("Octopus-RateLimit-Policy", HeaderValue::from_static("l=60;rpm=60"));
            if let Ok(v) = HeaderValue::from_str(&format!("r=0;t={secs}")) {
                headers.insert("Octopus-RateLimit", v);
            }
        }
        response
    }
}
