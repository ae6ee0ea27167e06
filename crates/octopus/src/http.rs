//! The Octopus client over HTTP: one `reqwest::Client` per cold start, the API key in the
//! `X-Octopus-ApiKey` header (marked sensitive), space-scoped routes, a timeout on every call
//! and retries of transient failures inside the caller's deadline.

use std::time::Duration;

use messaging::{DocumentId, OctopusId, SpaceId};
use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Method, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::{Map, Value};

use crate::api::{Deadline, OctopusApi};
use crate::error::OctopusError;
use crate::model::{Interruption, Page};
use crate::retry::Backoff;

const API_KEY_HEADER: &str = "X-Octopus-ApiKey";
/// Safety net against a server whose `Page.Next` never ends.
const MAX_PAGES: u32 = 50;
/// Longest error text kept from a response body.
const MAX_MESSAGE: usize = 400;

#[derive(Debug, Clone)]
pub struct Settings {
    /// The server, with its virtual directory if any: `https://octopus.example.com[/vdir]`.
    pub server_url: Url,
    pub api_key: SecretString,
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
    pub backoff: Backoff,
    pub page_size: u32,
}

impl Settings {
    pub fn new(server_url: Url, api_key: SecretString) -> Self {
        Self {
            server_url,
            api_key,
            request_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(3),
            backoff: Backoff::default(),
            page_size: 100,
        }
    }
}

/// Why the client could not be built. Raised at cold start, so the function refuses to start.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("the Octopus API key is empty or not a valid header value")]
    InvalidApiKey,
    #[error("could not build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

#[derive(Debug, Clone)]
pub struct HttpOctopus {
    client: reqwest::Client,
    api_root: String,
    request_timeout: Duration,
    backoff: Backoff,
    page_size: u32,
}

struct Call<'a> {
    method: Method,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Option<&'a Map<String, Value>>,
}

impl HttpOctopus {
    /// Refuses an API key that cannot be sent as a header (e.g. one with a line break).
    pub fn new(settings: Settings) -> Result<Self, ClientError> {
        let mut key = HeaderValue::from_str(settings.api_key.expose_secret().trim())
            .ok()
            .filter(|k| !k.is_empty())
            .ok_or(ClientError::InvalidApiKey)?;
        key.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(API_KEY_HEADER, key);
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(settings.connect_timeout)
            .user_agent(concat!("octo-responder/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let base = settings.server_url.as_str().trim_end_matches('/');
        let api_root = if base.ends_with("/api") {
            base.to_owned()
        } else {
            format!("{base}/api")
        };
        Ok(Self {
            client,
            api_root,
            request_timeout: settings.request_timeout,
            backoff: settings.backoff,
            page_size: settings.page_size.max(1),
        })
    }

    /// Sends `call`, retrying transient failures while the deadline allows.
    async fn send<T: DeserializeOwned>(&self, call: Call<'_>, deadline: Deadline) -> Result<T, OctopusError> {
        let mut attempt = 0;
        loop {
            let error = match self.attempt(&call, deadline).await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let Some(delay) = self.backoff.next_delay(attempt, &error, deadline.remaining()) else {
                return Err(error);
            };
            tracing::warn!(error = %error, attempt = attempt + 1, retry_in_ms = delay.as_millis() as u64, "octopus call failed; retrying");
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    async fn attempt<T: DeserializeOwned>(&self, call: &Call<'_>, deadline: Deadline) -> Result<T, OctopusError> {
        let (method, path) = (method_name(&call.method), call.path.clone());
        let transport = |e: reqwest::Error| OctopusError::Transport {
            method,
            path: path.clone(),
            detail: without_url(&e),
            timed_out: e.is_timeout(),
        };
        let remaining = deadline.remaining();
        if remaining.is_zero() {
            return Err(OctopusError::Transport {
                method,
                path: path.clone(),
                detail: "no time left in this invocation".to_owned(),
                timed_out: true,
            });
        }
        let mut request = self
            .client
            .request(call.method.clone(), format!("{}{}", self.api_root, call.path))
            .query(&call.query)
            .timeout(self.request_timeout.min(remaining));
        if let Some(body) = call.body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(transport)?;
        let status = response.status();
        if status.is_success() {
            let bytes = response.bytes().await.map_err(transport)?;
            // An empty success (e.g. 204 on PUT .../responsible) reads as JSON null.
            let body: &[u8] = if bytes.trim_ascii().is_empty() { b"null" } else { &bytes };
            return serde_json::from_slice(body).map_err(|e| OctopusError::Decode {
                method,
                path: path.clone(),
                detail: e.to_string(),
            });
        }
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let text = response.text().await.unwrap_or_default();
        Err(OctopusError::Status {
            method,
            path: path.clone(),
            status: status.as_u16(),
            message: error_message(&text),
            retry_after,
        })
    }
}

impl OctopusApi for HttpOctopus {
    async fn count_events(
        &self,
        space: &SpaceId,
        document: &DocumentId,
        category: &str,
        deadline: Deadline,
    ) -> Result<u64, OctopusError> {
        let call = Call {
            method: Method::GET,
            path: format!("/{space}/events"),
            query: vec![
                ("regarding", document.to_string()),
                ("eventCategories", category.to_owned()),
                ("take", "1".to_owned()),
                ("excludeDifference", "true".to_owned()),
            ],
            body: None,
        };
        let page: Page<IgnoredAny> = self.send(call, deadline).await?;
        Ok(page.total_results)
    }

    async fn pending_interruptions(
        &self,
        space: &SpaceId,
        document: &DocumentId,
        deadline: Deadline,
    ) -> Result<Vec<Interruption>, OctopusError> {
        let mut all = Vec::new();
        for _ in 0..MAX_PAGES {
            let call = Call {
                method: Method::GET,
                path: format!("/{space}/interruptions"),
                query: vec![
                    ("regarding", document.to_string()),
                    ("pendingOnly", "true".to_owned()),
                    ("skip", all.len().to_string()),
                    ("take", self.page_size.to_string()),
                ],
                body: None,
            };
            let page: Page<Interruption> = self.send(call, deadline).await?;
            let more = page.has_next();
            all.extend(page.items);
            if !more {
                break;
            }
        }
        Ok(all)
    }

    async fn interruption(
        &self,
        space: &SpaceId,
        id: &OctopusId,
        deadline: Deadline,
    ) -> Result<Interruption, OctopusError> {
        let call = Call {
            method: Method::GET,
            path: format!("/{space}/interruptions/{id}"),
            query: Vec::new(),
            body: None,
        };
        self.send(call, deadline).await
    }

    async fn take_responsibility(
        &self,
        space: &SpaceId,
        id: &OctopusId,
        deadline: Deadline,
    ) -> Result<(), OctopusError> {
        let call = Call {
            method: Method::PUT,
            path: format!("/{space}/interruptions/{id}/responsible"),
            query: Vec::new(),
            body: None,
        };
        self.send::<IgnoredAny>(call, deadline).await.map(|_| ())
    }

    async fn submit(
        &self,
        space: &SpaceId,
        id: &OctopusId,
        values: &Map<String, Value>,
        deadline: Deadline,
    ) -> Result<Interruption, OctopusError> {
        let call = Call {
            method: Method::POST,
            path: format!("/{space}/interruptions/{id}/submit"),
            query: Vec::new(),
            body: Some(values),
        };
        self.send(call, deadline).await
    }
}

fn method_name(method: &Method) -> &'static str {
    match *method {
        Method::PUT => "PUT",
        Method::POST => "POST",
        _ => "GET",
    }
}

/// A transport error's text without the URL (which is already in the error's path).
fn without_url(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Octopus's `ErrorMessage` and `Errors[]`, or the start of whatever body came back.
fn error_message(body: &str) -> String {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let message = parsed
        .as_ref()
        .and_then(|v| v.get("ErrorMessage"))
        .and_then(Value::as_str)
        .map(|m| {
            let errors: Vec<&str> = parsed
                .as_ref()
                .and_then(|v| v.get("Errors"))
                .and_then(Value::as_array)
                .map(|e| e.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if errors.is_empty() {
                m.to_owned()
            } else {
                format!("{m} ({})", errors.join("; "))
            }
        })
        .unwrap_or_else(|| body.trim().to_owned());
    message.chars().take(MAX_MESSAGE).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_combine_error_message_and_errors() {
        let body = r#"{"ErrorMessage":"There was a problem with your request.","Errors":["Guidance must be one of Fail, Retry"]}"#;
        assert_eq!(
            error_message(body),
            "There was a problem with your request. (Guidance must be one of Fail, Retry)"
        );
        assert_eq!(error_message("<html>bad gateway</html>"), "<html>bad gateway</html>");
        assert_eq!(error_message(&"x".repeat(1000)).len(), MAX_MESSAGE);
    }

    #[test]
    fn an_api_key_that_is_not_a_header_value_is_refused_at_start() {
        let url = Url::parse("https://octopus.example.com").unwrap();
        for key in ["", "  ", "API-X\nHost: evil"] {
            let built = HttpOctopus::new(Settings::new(url.clone(), key.to_owned().into()));
            assert!(matches!(built, Err(ClientError::InvalidApiKey)), "{key:?}");
        }
    }

    #[test]
    fn the_api_root_handles_virtual_directories_and_trailing_api() {
        let root = |url: &str| {
            HttpOctopus::new(Settings::new(Url::parse(url).unwrap(), "API-X".to_owned().into()))
                .unwrap()
                .api_root
        };
        assert_eq!(root("https://octopus.example.com"), "https://octopus.example.com/api");
        assert_eq!(
            root("https://octopus.example.com/vdir/"),
            "https://octopus.example.com/vdir/api"
        );
        assert_eq!(
            root("https://octopus.example.com/api"),
            "https://octopus.example.com/api"
        );
    }
}
