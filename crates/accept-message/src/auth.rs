//! Webhook authentication: a shared secret in one header, which the Octopus subscription sends
//! as its `WebhookHeaderKey`/`WebhookHeaderValue`. Compared in constant time over SHA-256
//! digests, so neither the content nor the length of the secret leaks through timing.

use lambda_http::http::{HeaderMap, HeaderName};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Why a webhook was not authenticated. Logged, never echoed in detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthFailure {
    #[error("the webhook header is missing")]
    Missing,
    #[error("the webhook header is given more than once")]
    Repeated,
    #[error("the webhook header value is wrong")]
    Wrong,
}

#[derive(Debug)]
pub struct WebhookAuth {
    header: HeaderName,
    secret: Option<(SecretString, [u8; 32])>,
}

impl WebhookAuth {
    /// `secret: None` accepts every request (local demo only; the config refuses it otherwise).
    pub fn new(header: HeaderName, secret: Option<SecretString>) -> Self {
        let secret = secret.map(|s| {
            let digest = digest(s.expose_secret().as_bytes());
            (s, digest)
        });
        Self { header, secret }
    }

    pub fn header(&self) -> &HeaderName {
        &self.header
    }

    /// The secret, so it can be scrubbed from what is queued.
    pub fn secret(&self) -> Option<&str> {
        self.secret.as_ref().map(|(s, _)| s.expose_secret())
    }

    pub fn check(&self, headers: &HeaderMap) -> Result<(), AuthFailure> {
        let Some((_, expected)) = &self.secret else {
            return Ok(());
        };
        let mut values = headers.get_all(&self.header).iter();
        let value = values.next().ok_or(AuthFailure::Missing)?;
        if values.next().is_some() {
            return Err(AuthFailure::Repeated);
        }
        if bool::from(digest(value.as_bytes()).ct_eq(expected)) {
            Ok(())
        } else {
            Err(AuthFailure::Wrong)
        }
    }
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::http::HeaderValue;

    fn auth() -> WebhookAuth {
        WebhookAuth::new(
            HeaderName::from_static("x-octopus-webhook-token"),
            Some("s3cret".to_owned().into()),
        )
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn accepts_the_right_secret() {
        assert_eq!(auth().check(&headers(&[("x-octopus-webhook-token", "s3cret")])), Ok(()));
    }

    #[test]
    fn refuses_a_missing_wrong_or_repeated_header() {
        assert_eq!(auth().check(&headers(&[])), Err(AuthFailure::Missing));
        assert_eq!(
            auth().check(&headers(&[("x-octopus-webhook-token", "s3cre")])),
            Err(AuthFailure::Wrong)
        );
        assert_eq!(
            auth().check(&headers(&[("x-octopus-webhook-token", "s3cret ")])),
            Err(AuthFailure::Wrong)
        );
        assert_eq!(
            auth().check(&headers(&[
                ("x-octopus-webhook-token", "s3cret"),
                ("x-octopus-webhook-token", "s3cret")
            ])),
            Err(AuthFailure::Repeated)
        );
    }

    #[test]
    fn a_secret_in_another_header_does_not_count() {
        assert_eq!(
            auth().check(&headers(&[("authorization", "s3cret")])),
            Err(AuthFailure::Missing)
        );
    }

    #[test]
    fn without_a_secret_everything_is_accepted() {
        let open = WebhookAuth::new(HeaderName::from_static("x-t"), None);
        assert_eq!(open.check(&headers(&[])), Ok(()));
        assert_eq!(open.secret(), None);
    }
}
