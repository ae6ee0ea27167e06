//! Webhook authentication: one token per rule, in one header, which the Octopus subscription
//! sends as its `WebhookHeaderKey`/`WebhookHeaderValue`. A rule's token is the HMAC-SHA256 of
//! its canonical query under the environment's webhook secret (`messaging`'s `Rule::token`), so
//! a header value authorizes its own rule only: a subscription whose header value leaks can be
//! used for nothing but the answer it was already configured for.
//!
//! Two steps, because the rule comes from the URL, which is read after the header is found:
//! [`WebhookAuth::presented`] takes the one header value (missing or repeated: refused at once),
//! and [`WebhookAuth::authorize`] compares it with the token of the request's rule. The presented
//! value and the token are both reduced to SHA-256 digests, and the digests (always 32 bytes) are
//! compared with `subtle::ConstantTimeEq`, so neither the content nor the length of the token
//! leaks through timing. [`TokenDigest`] has no `==`: [`TokenDigest::matches`] is the only
//! comparison there is.
//!
//! During a migration from the shared secret (`ALLOW_SHARED_WEBHOOK_SECRET=true`) the secret
//! itself is accepted too, compared the same way, with a warning naming the rule (never the
//! value). Then every presented value is compared with both, whichever matches, so the time taken
//! does not tell which one it was.

use std::fmt;

use lambda_http::http::{HeaderMap, HeaderName, HeaderValue};
use messaging::Rule;
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
    #[error("the webhook header value is not this rule's token")]
    Wrong,
}

/// The header value a request presented, before it is compared with anything.
#[derive(Debug, Clone, Copy)]
pub enum Presented<'h> {
    /// Authentication is off (no secret; local demo only): nothing to compare.
    Unchecked,
    /// The one value of the webhook header.
    Value(&'h HeaderValue),
}

/// What authorized a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authorized {
    /// The rule's own token: the way every request should come.
    RuleToken,
    /// The environment's shared secret, accepted only while `ALLOW_SHARED_WEBHOOK_SECRET=true`.
    SharedSecret,
    /// Authentication is off (no secret; local demo only).
    Unauthenticated,
}

#[derive(Debug)]
pub struct WebhookAuth {
    header: HeaderName,
    secret: Option<Secret>,
    /// Whether the shared secret itself is accepted (a migration aid); off by default.
    shared_secret_accepted: bool,
}

/// The environment's webhook secret and the digest it is compared as, during a migration.
#[derive(Debug)]
struct Secret {
    value: SecretString,
    digest: TokenDigest,
}

impl WebhookAuth {
    /// `secret: None` accepts every request (local demo only; the config refuses it otherwise).
    /// Each rule's token is derived from `secret`; the secret itself is refused unless
    /// [`WebhookAuth::accepting_the_shared_secret`] says otherwise.
    pub fn new(header: HeaderName, secret: Option<SecretString>) -> Self {
        let secret = secret.map(|value| Secret {
            digest: TokenDigest::of(value.expose_secret().as_bytes()),
            value,
        });
        Self {
            header,
            secret,
            shared_secret_accepted: false,
        }
    }

    /// Accept the shared secret itself as well as each rule's token (`ALLOW_SHARED_WEBHOOK_SECRET`),
    /// while subscriptions still send the secret; each such request is logged as a warning.
    pub fn accepting_the_shared_secret(mut self, accepted: bool) -> Self {
        self.shared_secret_accepted = accepted;
        self
    }

    pub fn header(&self) -> &HeaderName {
        &self.header
    }

    /// The secret, so it can be scrubbed from what is queued.
    pub fn secret(&self) -> Option<&str> {
        self.secret.as_ref().map(|s| s.value.expose_secret())
    }

    /// Whether the shared secret itself is accepted (during a migration).
    pub fn shared_secret_accepted(&self) -> bool {
        self.shared_secret_accepted
    }

    /// The one value of the webhook header: missing or repeated is refused without comparing
    /// anything. [`Presented::Unchecked`] when authentication is off.
    pub fn presented<'h>(&self, headers: &'h HeaderMap) -> Result<Presented<'h>, AuthFailure> {
        if self.secret.is_none() {
            return Ok(Presented::Unchecked);
        }
        let mut values = headers.get_all(&self.header).iter();
        let value = values.next().ok_or(AuthFailure::Missing)?;
        if values.next().is_some() {
            return Err(AuthFailure::Repeated);
        }
        Ok(Presented::Value(value))
    }

    /// Whether `presented` is `rule`'s token (or, during a migration, the shared secret): one
    /// constant-time digest comparison, two while the shared secret is accepted, whatever the
    /// value presented.
    pub fn authorize(&self, presented: Presented<'_>, rule: &Rule) -> Result<Authorized, AuthFailure> {
        let (Some(secret), Presented::Value(value)) = (&self.secret, presented) else {
            return Ok(Authorized::Unauthenticated);
        };
        let presented = TokenDigest::of(value.as_bytes());
        let token = TokenDigest::of(rule.token(secret.value.expose_secret().as_bytes()).as_bytes());
        let is_token = token.matches(&presented);
        // Both comparisons are always made, so the time does not tell which one matched.
        let is_secret = self.shared_secret_accepted && secret.digest.matches(&presented);
        if is_token {
            Ok(Authorized::RuleToken)
        } else if is_secret {
            Ok(Authorized::SharedSecret)
        } else {
            Err(AuthFailure::Wrong)
        }
    }

    /// [`WebhookAuth::presented`] then [`WebhookAuth::authorize`].
    pub fn check(&self, headers: &HeaderMap, rule: &Rule) -> Result<Authorized, AuthFailure> {
        self.authorize(self.presented(headers)?, rule)
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

    thread_local! {
        /// How many digest comparisons this test thread made.
        static COMPARISONS: Cell<usize> = const { Cell::new(0) };
    }

    pub(super) fn count_comparison() {
        COMPARISONS.with(|c| c.set(c.get() + 1));
    }

    const SECRET: &str = "sixteen-chars-ok";
    const HEADER: &str = "x-octopus-webhook-token";

    /// The result of `check` and how many constant-time digest comparisons it made.
    fn check_counting(
        auth: &WebhookAuth,
        headers: &HeaderMap,
        rule: &Rule,
    ) -> (Result<Authorized, AuthFailure>, usize) {
        let before = COMPARISONS.with(Cell::get);
        let result = auth.check(headers, rule);
        (result, COMPARISONS.with(Cell::get) - before)
    }

    fn auth() -> WebhookAuth {
        WebhookAuth::new(HeaderName::from_static(HEADER), Some(SECRET.to_owned().into()))
    }

    fn rule(query: &str) -> Rule {
        Rule::from_query(query.split('&').filter_map(|pair| pair.split_once('='))).unwrap()
    }

    fn retry() -> Rule {
        rule("type=Guidance&action=Retry")
    }

    fn token(rule: &Rule) -> String {
        rule.token(SECRET.as_bytes())
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(HeaderName::try_from(*k).unwrap(), HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn accepts_the_token_of_the_request_s_rule() {
        let retry = retry();
        assert_eq!(
            auth().check(&headers(&[(HEADER, &token(&retry))]), &retry),
            Ok(Authorized::RuleToken)
        );
    }

    #[test]
    fn refuses_the_token_of_another_rule() {
        let proceed = rule("type=Result&action=Proceed");
        let retry_token = token(&retry());
        assert_eq!(
            auth().check(&headers(&[(HEADER, &retry_token)]), &proceed),
            Err(AuthFailure::Wrong)
        );
        let retry_twice = rule("type=Guidance&action=Retry&maximumretry=2");
        assert_eq!(
            auth().check(&headers(&[(HEADER, &retry_token)]), &retry_twice),
            Err(AuthFailure::Wrong)
        );
    }

    #[test]
    fn refuses_the_shared_secret_unless_a_migration_accepts_it() {
        let retry = retry();
        let secret = headers(&[(HEADER, SECRET)]);
        assert_eq!(auth().check(&secret, &retry), Err(AuthFailure::Wrong));
        let migrating = auth().accepting_the_shared_secret(true);
        assert_eq!(migrating.check(&secret, &retry), Ok(Authorized::SharedSecret));
        assert_eq!(
            migrating.check(&headers(&[(HEADER, &token(&retry))]), &retry),
            Ok(Authorized::RuleToken)
        );
        assert_eq!(
            migrating.check(&headers(&[(HEADER, "guess")]), &retry),
            Err(AuthFailure::Wrong)
        );
    }

    #[test]
    fn refuses_a_missing_wrong_or_repeated_header() {
        let retry = retry();
        let right = token(&retry);
        assert_eq!(auth().check(&headers(&[]), &retry), Err(AuthFailure::Missing));
        assert_eq!(
            auth().check(&headers(&[(HEADER, &right[1..])]), &retry),
            Err(AuthFailure::Wrong)
        );
        assert_eq!(
            auth().check(&headers(&[(HEADER, &format!("{right} "))]), &retry),
            Err(AuthFailure::Wrong)
        );
        assert_eq!(
            auth().check(&headers(&[(HEADER, &right.to_uppercase())]), &retry),
            Err(AuthFailure::Wrong),
            "the token is lower-case hex, as openssl prints it"
        );
        assert_eq!(
            auth().check(&headers(&[(HEADER, &right), (HEADER, &right)]), &retry),
            Err(AuthFailure::Repeated)
        );
    }

    #[test]
    fn a_token_in_another_header_does_not_count() {
        let retry = retry();
        assert_eq!(
            auth().check(&headers(&[("authorization", &token(&retry))]), &retry),
            Err(AuthFailure::Missing)
        );
    }

    /// Fails when `check` decides without [`TokenDigest::matches`], for example by `==` on the
    /// raw strings, which stops at the first differing byte and at a length difference.
    #[test]
    fn every_presented_value_of_any_length_is_judged_by_exactly_one_constant_time_digest_comparison() {
        let retry = retry();
        let right = token(&retry);
        let reversed: String = right.chars().rev().collect();
        let cases = [
            (right.clone(), Ok(Authorized::RuleToken)),
            (reversed, Err(AuthFailure::Wrong)),
            (format!("{}0", &right[..63]), Err(AuthFailure::Wrong)),
            (right[..7].to_owned(), Err(AuthFailure::Wrong)),
            (format!("{right}-and-more"), Err(AuthFailure::Wrong)),
            (SECRET.to_owned(), Err(AuthFailure::Wrong)),
            (String::new(), Err(AuthFailure::Wrong)),
        ];
        for (value, expected) in cases {
            let map = headers(&[(HEADER, &value)]);
            assert_eq!(check_counting(&auth(), &map, &retry), (expected, 1), "{value:?}");
        }
    }

    /// With the shared secret accepted, every value is compared with the rule's token and with
    /// the secret, whichever matches (or neither), so timing does not tell them apart.
    #[test]
    fn while_the_shared_secret_is_accepted_every_value_is_judged_by_exactly_two_comparisons() {
        let migrating = auth().accepting_the_shared_secret(true);
        let retry = retry();
        let cases = [
            (token(&retry), Ok(Authorized::RuleToken)),
            (SECRET.to_owned(), Ok(Authorized::SharedSecret)),
            ("sixteen-chars-no".to_owned(), Err(AuthFailure::Wrong)),
            (String::new(), Err(AuthFailure::Wrong)),
        ];
        for (value, expected) in cases {
            let map = headers(&[(HEADER, &value)]);
            assert_eq!(check_counting(&migrating, &map, &retry), (expected, 2), "{value:?}");
        }
    }

    #[test]
    fn a_missing_or_repeated_header_is_refused_without_comparing_anything() {
        let retry = retry();
        assert_eq!(
            check_counting(&auth(), &headers(&[]), &retry),
            (Err(AuthFailure::Missing), 0)
        );
        let repeated = headers(&[(HEADER, "s3cret"), (HEADER, "x")]);
        assert_eq!(
            check_counting(&auth(), &repeated, &retry),
            (Err(AuthFailure::Repeated), 0)
        );
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
        assert!(!debug.contains(SECRET), "{debug}");
        let digest = TokenDigest::of(SECRET.as_bytes()).0;
        assert!(!debug.contains(&format!("{digest:?}")), "{debug}");
        assert!(debug.contains("TokenDigest(..)"), "{debug}");
    }

    #[test]
    fn without_a_secret_everything_is_accepted() {
        let open = WebhookAuth::new(HeaderName::from_static("x-t"), None);
        assert_eq!(open.check(&headers(&[]), &retry()), Ok(Authorized::Unauthenticated));
        assert_eq!(open.secret(), None);
    }
}
