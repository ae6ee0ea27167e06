//! One webhook token per rule: the header value that authorizes one rule's URL and no other.
//! It is the HMAC-SHA256 of the rule's canonical query under the environment's webhook secret,
//! in lower-case hex, so it can be computed anywhere the secret is known, e.g.
//! `printf '%s' 'type=Guidance&action=Retry&maximumretry=3&then=Fail' | openssl dgst -sha256 -hmac "$secret"`.
//!
//! The canonical query names every part of the rule in a fixed order and spelling, with the
//! defaults written out, so `?type=guidance&action=retry` and
//! `?action=Retry&type=Guidance&maximumretry=1` share one token: the rule is what is authorized,
//! not the URL's spelling.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::rule::{Action, Rule};

impl Rule {
    /// `type=<Type>&action=<Action>`, and for a Retry rule `&maximumretry=<n>&then=<Then>`.
    pub fn canonical_query(&self) -> String {
        let mut query = format!("type={}&action={}", self.kind, self.action);
        if self.action == Action::Retry {
            query.push_str(&format!("&maximumretry={}&then={}", self.maximum_retry, self.then));
        }
        query
    }

    /// The webhook header value that authorizes this rule under `secret`.
    pub fn token(&self, secret: &[u8]) -> String {
        // An HMAC takes a key of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable!());
        mac.update(self.canonical_query().as_bytes());
        mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(query: &[(&'static str, &'static str)]) -> Rule {
        Rule::from_query(query.iter().copied()).unwrap()
    }

    #[test]
    fn the_canonical_query_spells_out_the_defaults_in_a_fixed_order() {
        let retry = rule(&[("action", "retry"), ("TYPE", "guidance")]);
        assert_eq!(
            retry.canonical_query(),
            "type=Guidance&action=Retry&maximumretry=1&then=Fail"
        );
        let proceed = rule(&[("type", "result"), ("action", "proceed"), ("maximumretry", "4")]);
        assert_eq!(proceed.canonical_query(), "type=Result&action=Proceed");
    }

    #[test]
    fn the_token_is_the_hmac_of_the_canonical_query_as_openssl_computes_it() {
        // printf '%s' 'type=Guidance&action=Retry&maximumretry=3&then=Fail' | openssl dgst -sha256 -hmac 'an-environment-secret'
        let token =
            rule(&[("type", "Guidance"), ("action", "Retry"), ("maximumretry", "3")]).token(b"an-environment-secret");
        assert_eq!(token, OPENSSL_TOKEN);
    }

    #[test]
    fn spellings_of_one_rule_share_a_token_and_other_rules_or_secrets_do_not() {
        let secret = b"an-environment-secret";
        let a = rule(&[("type", "Guidance"), ("action", "Retry")]).token(secret);
        let b = rule(&[
            ("action", "RETRY"),
            ("type", "guidance"),
            ("maximumretry", "1"),
            ("then", "fail"),
        ])
        .token(secret);
        assert_eq!(a, b);
        assert_ne!(
            a,
            rule(&[("type", "Guidance"), ("action", "Retry"), ("maximumretry", "2")]).token(secret)
        );
        assert_ne!(a, rule(&[("type", "Result"), ("action", "Proceed")]).token(secret));
        assert_ne!(
            a,
            rule(&[("type", "Guidance"), ("action", "Retry")]).token(b"another-environment")
        );
        assert_eq!(a.len(), 64);
    }

    /// Computed by openssl (the command above), not by this code.
    const OPENSSL_TOKEN: &str = "d7dee1a92747d1847f4deb5e6838a241ba7b4cddf7e6d1bf4c740de32cf47b1f";
}
