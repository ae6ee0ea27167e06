//! API Gateway HTTP API (payload 2.0) events, built as JSON and read back through lambda_http's
//! own deserializer, so a handler sees exactly what it would see in Lambda.

use lambda_http::{Request, RequestExt};
use messaging::Rule;
use serde_json::{Map, Value, json};

/// A `POST /octopus/webhook` event with the given raw query, headers and body.
#[derive(Debug, Clone)]
pub struct WebhookRequest {
    pub method: &'static str,
    pub raw_query: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    pub is_base64_encoded: bool,
}

impl WebhookRequest {
    pub fn post(raw_query: &str, body: impl Into<String>) -> Self {
        Self {
            method: "POST",
            raw_query: raw_query.to_owned(),
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body: Some(body.into()),
            is_base64_encoded: false,
        }
    }

    /// A `POST` presenting, in `header`, the token of the rule in `raw_query` under the
    /// environment's webhook `secret`: what an Octopus subscription configured for that rule
    /// sends. Panics when `raw_query` is not a valid rule (use [`WebhookRequest::post`] and
    /// [`WebhookRequest::header`] for a request that is meant to be refused).
    pub fn signed(raw_query: &str, body: impl Into<String>, header: &str, secret: &str) -> Self {
        let token = rule_token(raw_query, secret)
            .unwrap_or_else(|| panic!("{raw_query:?} is not a rule: a signed webhook needs one"));
        Self::post(raw_query, body).header(header, &token)
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn method(mut self, method: &'static str) -> Self {
        self.method = method;
        self
    }

    /// The API Gateway v2 event JSON.
    pub fn to_event(&self) -> Value {
        let mut headers = Map::new();
        for (name, value) in &self.headers {
            // API Gateway joins repeated headers with a comma, as HTTP allows.
            let joined = match headers.get(name).and_then(Value::as_str) {
                Some(existing) => format!("{existing},{value}"),
                None => value.clone(),
            };
            headers.insert(name.clone(), Value::String(joined));
        }
        headers.insert("host".to_owned(), json!("abc123.execute-api.us-east-1.amazonaws.com"));
        json!({
            "version": "2.0",
            "routeKey": "POST /octopus/webhook",
            "rawPath": "/octopus/webhook",
            "rawQueryString": self.raw_query,
            "headers": headers,
            "requestContext": {
                "accountId": "123456789012", "apiId": "abc123",
                "domainName": "abc123.execute-api.us-east-1.amazonaws.com", "domainPrefix": "abc123",
                "http": {"method": self.method, "path": "/octopus/webhook", "protocol": "HTTP/1.1",
                         "sourceIp": "127.0.0.1", "userAgent": "OctopusDeploy"},
                "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "routeKey": "POST /octopus/webhook",
                "stage": "$default", "time": "10/Sep/2026:08:15:09 +0000", "timeEpoch": 1_788_768_909_000_u64
            },
            "body": self.body,
            "isBase64Encoded": self.is_base64_encoded
        })
    }

    /// The event as lambda_http hands it to the handler.
    pub fn to_request(&self) -> Request {
        lambda_http::request::from_str(&self.to_event().to_string())
            .unwrap_or_else(|e| panic!("harness built an API Gateway event lambda_http cannot read: {e}"))
    }
}

/// The token of the rule in `raw_query` under `secret` (the webhook header value a subscription
/// for that rule sends), or `None` when the query is not a valid rule. The query is read as
/// accept-message reads it: through lambda_http's parameters of an API Gateway event.
pub fn rule_token(raw_query: &str, secret: &str) -> Option<String> {
    let request = WebhookRequest::post(raw_query, String::new()).to_request();
    let parameters = request.query_string_parameters();
    let rule = Rule::from_query(parameters.iter()).ok()?;
    Some(rule.token(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_request_carries_the_rule_s_token_whatever_the_query_s_spelling() {
        let secret = "an-environment-secret";
        let token = |query: &str| {
            let request = WebhookRequest::signed(query, "{}", "x-token", secret);
            request
                .headers
                .iter()
                .find(|(n, _)| n == "x-token")
                .map(|(_, v)| v.clone())
        };
        // printf '%s' 'type=Guidance&action=Retry&maximumretry=3&then=Fail' | openssl dgst -sha256 -hmac 'an-environment-secret'
        let openssl = "d7dee1a92747d1847f4deb5e6838a241ba7b4cddf7e6d1bf4c740de32cf47b1f";
        assert_eq!(
            token("type=Guidance&action=Retry&maximumretry=3").as_deref(),
            Some(openssl)
        );
        assert_eq!(
            token("action=retry&MaximumRetry=3&TYPE=guidance&then=Fail").as_deref(),
            Some(openssl)
        );
        assert_ne!(token("type=Result&action=Proceed").as_deref(), Some(openssl));
    }

    #[test]
    fn a_query_that_is_not_a_rule_has_no_token() {
        assert_eq!(rule_token("type=Guidance&action=Nope", "an-environment-secret"), None);
        assert_eq!(rule_token("", "an-environment-secret"), None);
    }
}
