//! Shared helpers for the HTTP tests: a started simulator and a small JSON client.
#![allow(dead_code)]

use octopus_sim::Simulator;
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub struct Api {
    pub sim: Simulator,
    pub http: reqwest::Client,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Api {
    pub async fn start() -> Api {
        let sim = Simulator::start().await.expect("simulator starts");
        Api {
            sim,
            http: reqwest::Client::new(),
        }
    }

    /// Sends with an optional key and JSON body; the path may be absolute or a link.
    pub async fn send(&self, method: Method, path: &str, key: Option<&str>, body: Option<Value>) -> Reply {
        let mut req = self.http.request(method, format!("{}{path}", self.sim.base_url()));
        if let Some(key) = key {
            req = req.header("X-Octopus-ApiKey", key);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request is answered");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body is read");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply { status, headers, body }
    }

    /// GET as the responder.
    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, Some(self.sim.api_key()), None).await
    }

    /// Sends with the administrator's key (`Users-3`).
    pub async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        self.send(method, path, Some(self.sim.admin_api_key()), body).await
    }

    /// PUT .../responsible as the responder.
    pub async fn take(&self, space: &str, id: &str) -> Reply {
        let path = format!("/api/{space}/interruptions/{id}/responsible");
        self.send(Method::PUT, &path, Some(self.sim.api_key()), None).await
    }

    /// POST .../submit as the responder.
    pub async fn submit(&self, space: &str, id: &str, body: Value) -> Reply {
        let path = format!("/api/{space}/interruptions/{id}/submit");
        self.send(Method::POST, &path, Some(self.sim.api_key()), Some(body))
            .await
    }
}

/// Asserts the Octopus error body shape and returns its `ErrorMessage`.
pub fn error_message(body: &Value) -> String {
    let obj = body.as_object().expect("error body is an object");
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["ErrorMessage", "Errors", "FullException", "HelpText"]);
    assert!(body["Errors"].is_array());
    body["ErrorMessage"]
        .as_str()
        .expect("ErrorMessage is a string")
        .to_owned()
}

/// The ids of a collection's items.
pub fn item_ids(page: &Value) -> Vec<String> {
    page["Items"]
        .as_array()
        .expect("Items is an array")
        .iter()
        .map(|i| i["Id"].as_str().expect("Id").to_owned())
        .collect()
}

/// The sorted keys of a JSON object.
pub fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
    k.sort_unstable();
    k
}
