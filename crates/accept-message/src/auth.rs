//! Webhook authentication: a shared secret in one header, which the Octopus subscription sends
//! as its `WebhookHeaderKey`/`WebhookHeaderValue`. The presented value and the secret are both
//! reduced to SHA-256 digests, and the digests (always 32 bytes) are compared with
//! `subtle::ConstantTimeEq`, so neither the content nor the length of the secret leaks through
//! timing. [`TokenDigest`] has no `==`: [`TokenDigest::matches`] is the only comparison there is.

use std::fmt;

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
    secret: Option<(SecretString, TokenDigest)>,
}

impl WebhookAuth {
    /// `secret: None` accepts every request (local demo only; the config refuses it otherwise).
    pub fn new(header: HeaderName, secret: Option<SecretString>) -> Self {
        let secret = secret.map(|s| {
            let digest = TokenDigest::of(s.expose_secret().as_bytes());
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
        if expected.matches(&TokenDigest::of(value.as_bytes())) {
            Ok(())
        } else {
            Err(AuthFailure::Wrong)
        }
    }
}

/// The SHA-256 digest of a token: 32 bytes whatever the token's length. Deliberately neither
/// `PartialEq` nor readable, and its `Debug` shows nothing of it (a digest of the secret allows
/// guessing it offline).
struct TokenDigest([u8; 32]);

impl TokenDigest {
    fn of(token: &[u8]) -> Self {
        Self(Sha256::digest(token).into())
    }

    /// Constant time over the 32 bytes: `subtle` looks at every byte whatever differs.
    fn matches(&self, presented: &TokenDigest) -> bool {
        #[cfg(test)]
        tests::count_comparison();
        bool::from(self.0.ct_eq(&presented.0))
    }
}

impl fmt::Debug for TokenDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenDigest(..)")
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use lambda_http::http::HeaderValue;

    thread_local! {
        /// How many digest comparisons this test thread made.
        static COMPARISONS: Cell<usize> = const { Cell::new(0) };
    }

    pub(super) fn count_comparison() {
        COMPARISONS.with(|c| c.set(c.get() + 1));
    }

    /// The result of `check` and how many constant-time digest comparisons it made.
    fn check_counting(auth: &WebhookAuth, headers: &HeaderMap) -> (Result<(), AuthFailure>, usize) {
        let before = COMPARISONS.with(Cell::get);
        let result = auth.check(headers);
        (result, COMPARISONS.with(Cell::get) - before)
    }

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

    /// Fails when `check` decides without [`TokenDigest::matches`], for example by `==` on the
    /// raw strings, which stops at the first differing byte and at a length difference.
    #[test]
    fn every_presented_value_of_any_length_is_judged_by_exactly_one_constant_time_digest_comparison() {
        let auth = WebhookAuth::new(
            HeaderName::from_static("x-octopus-webhook-token"),
            Some("sixteen-chars-ok".to_owned().into()),
        );
        let cases = [
            ("sixteen-chars-ok", Ok(())),
            ("sixteen-chars-no", Err(AuthFailure::Wrong)),
            ("ko-srahc-neetxis", Err(AuthFailure::Wrong)),
            ("sixteen", Err(AuthFailure::Wrong)),
            ("sixteen-chars-ok-and-more", Err(AuthFailure::Wrong)),
            ("", Err(AuthFailure::Wrong)),
        ];
        for (value, expected) in cases {
            let mut map = HeaderMap::new();
            map.insert("x-octopus-webhook-token", HeaderValue::from_static(value));
            assert_eq!(check_counting(&auth, &map), (expected, 1), "{value:?}");
        }
    }

    #[test]
    fn a_missing_or_repeated_header_is_refused_without_comparing_anything() {
        assert_eq!(check_counting(&auth(), &headers(&[])), (Err(AuthFailure::Missing), 0));
        let repeated = headers(&[("x-octopus-webhook-token", "s3cret"), ("x-octopus-webhook-token", "x")]);
        assert_eq!(check_counting(&auth(), &repeated), (Err(AuthFailure::Repeated), 0));
    }

    #[test]
    fn digests_of_tokens_of_any_length_are_32_bytes_and_match_only_the_same_token() {
        for token in ["", "s", "s3cret", &"s".repeat(10_000)] {
            assert_eq!(TokenDigest::of(token.as_bytes()).0.len(), 32);
            assert!(TokenDigest::of(token.as_bytes()).matches(&TokenDigest::of(token.as_bytes())));
            assert!(!TokenDigest::of(token.as_bytes()).matches(&TokenDigest::of(b"other")));
        }
    }

    #[test]
    fn debug_output_shows_neither_the_secret_nor_its_digest() {
        let debug = format!("{:?}", auth());
        assert!(!debug.contains("s3cret"), "{debug}");
        let digest = TokenDigest::of(b"s3cret").0;
        assert!(!debug.contains(&format!("{digest:?}")), "{debug}");
        assert!(debug.contains("TokenDigest(..)"), "{debug}");
    }

    #[test]
    fn without_a_secret_everything_is_accepted() {
        let open = WebhookAuth::new(HeaderName::from_static("x-t"), None);
        assert_eq!(open.check(&headers(&[])), Ok(()));
        assert_eq!(open.secret(), None);
    }
}
