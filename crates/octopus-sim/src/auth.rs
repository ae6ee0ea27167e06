//! API-key authentication: the `X-Octopus-ApiKey` header or the `apikey` query parameter.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::error::ApiError;
use crate::params::Params;
use crate::state::Shared;

/// The authenticated caller's user id.
#[derive(Debug, Clone)]
pub(crate) struct Caller(pub(crate) String);

impl FromRequestParts<Shared> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, ApiError> {
        let key = parts
            .headers
            .get("X-Octopus-ApiKey")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| Params::api_key(parts.uri.query()))
            .ok_or_else(ApiError::unauthorized)?;
        let state = state.lock();
        state
            .user_by_key(key.trim())
            .map(|u| Caller(u.id.clone()))
            .ok_or_else(ApiError::unauthorized)
    }
}
