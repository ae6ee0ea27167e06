//! API Gateway HTTP API (payload 2.0) events, built as JSON and read back through lambda_http's
//! own deserializer, so a handler sees exactly what it would see in Lambda.

use lambda_http::Request;
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
