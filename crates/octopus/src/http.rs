//! The Octopus client over HTTP: one `reqwest::Client` per cold start, the API key in the
//! `X-Octopus-ApiKey` header (marked sensitive), space-scoped routes, a timeout on every call
//! and retries of transient failures inside the caller's deadline.
//!
//! The key goes only where the server URL says: https (plain http only on loopback), no
//! redirects followed, and an explicit or environment proxy that is tunnelled through for https.

use std::time::{Duration, SystemTime};

use messaging::{DocumentId, OctopusId, SpaceId};
use reqwest::header::{HeaderMap, HeaderValue, LOCATION, RETRY_AFTER};
use reqwest::{Method, Proxy, Response, redirect};
use secrecy::{ExposeSecret, SecretString};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::{Map, Value};
use url::{Host, Url};

use crate::api::{Deadline, OctopusApi};
use crate::error::OctopusError;
use crate::model::{EventCount, EventSummary, Interruption, Page, Space, Subscription};
use crate::retry::{self, Backoff};

mod operator;

const API_KEY_HEADER: &str = "X-Octopus-ApiKey";
/// Safety net against a server whose `Page.Next` never ends.
const MAX_PAGES: u32 = 50;
/// Longest error text kept from a response body.
const MAX_MESSAGE: usize = 400;
/// TCP keepalive probes on open connections, so a peer that vanished is noticed while the
/// process runs (reqwest's own default, pinned here).
const TCP_KEEPALIVE: Duration = Duration::from_secs(15);

#[derive(Debug, Clone)]
pub struct Settings {
    /// The server, with its virtual directory if any: `https://octopus.example.com[/vdir]`.
    /// Plain http is accepted only on loopback (127.0.0.0/8, `::1`, `localhost`).
    pub server_url: Url,
    pub api_key: SecretString,
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
    pub backoff: Backoff,
    pub page_size: u32,
    /// A proxy for every Octopus request, e.g. `http://proxy.internal:3128`. `None` (the
    /// default) follows the environment like curl: `HTTPS_PROXY` for an https server,
    /// `HTTP_PROXY` for http, `ALL_PROXY` for either (each also in lower case), and a host
    /// listed in `NO_PROXY` is reached directly. An https server is reached through a `CONNECT`
    /// tunnel, so the proxy never sees the API key.
    pub proxy: Option<Url>,
    /// How long a connection may sit idle in the pool and still be reused; default
    /// [`Settings::DEFAULT_POOL_IDLE_TIMEOUT`]. Lambda freezes the process between invocations,
    /// and a connection left idle across a freeze has likely been closed by the server, a load
    /// balancer or a NAT gateway without the client seeing it: past this age it is dropped, so
    /// the first call after a thaw opens a fresh connection instead of failing on a dead one.
    pub pool_idle_timeout: Duration,
}

impl Settings {
    /// Below the shortest keep-alive common in front of Octopus (5 s for Apache httpd and
    /// Node), yet long enough to reuse one connection across the calls of one invocation.
    pub const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(4);

    pub fn new(server_url: Url, api_key: SecretString) -> Self {
        Self {
            server_url,
            api_key,
            request_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(3),
            backoff: Backoff::default(),
            page_size: 100,
            proxy: None,
            pool_idle_timeout: Self::DEFAULT_POOL_IDLE_TIMEOUT,
        }
    }
}

/// Why the client could not be built. Raised at cold start, so the function refuses to start.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("the Octopus API key is empty or not a valid header value")]
    InvalidApiKey,
    /// The server URL would send the API key in clear, or is not a web address at all. Names
    /// only the scheme, host and port.
    #[error(
        "the Octopus server URL {0} is not https: plain http is allowed only on loopback \
         (127.0.0.1, ::1, localhost), so the API key never travels in clear"
    )]
    InsecureServerUrl(String),
    /// The explicit proxy is not an `http://` or `https://` URL with a host. Names only its
    /// scheme, host and port (a proxy URL may carry credentials).
    #[error("the proxy {0} is not an http:// or https:// URL with a host")]
    InvalidProxy(String),
    #[error("could not build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

#[derive(Debug, Clone)]
pub struct HttpOctopus {
    client: reqwest::Client,
    /// `<server>/api`, without query or fragment; every route is pushed onto it as segments.
    api_root: Url,
    request_timeout: Duration,
    backoff: Backoff,
    page_size: u32,
}

/// One request, its route given as path segments below the API root.
struct Call<'a> {
    method: Method,
    segments: Vec<&'a str>,
    query: Vec<(&'static str, String)>,
    body: Option<&'a Map<String, Value>>,
    /// Sending it twice does no harm. A call that is not (submit) is retried here only when
    /// Octopus cannot have acted on it (a failed connect, 429); otherwise the caller decides,
    /// after reading what Octopus did.
    idempotent: bool,
    /// A 404 to a retry after an attempt that may have been applied means that attempt did the
    /// work (a delete), and reads as an empty success.
    done_when_gone: bool,
}

impl<'a> Call<'a> {
    /// An idempotent request without query or body.
    fn new(method: Method, segments: Vec<&'a str>) -> Self {
        Self {
            method,
            segments,
            query: Vec::new(),
            body: None,
            idempotent: true,
            done_when_gone: false,
        }
    }

    /// The route as logs and errors show it: `/Spaces-1/interruptions/Interruptions-7`, or `/`
    /// for the root document.
    fn path(&self) -> String {
        if self.segments.is_empty() {
            return "/".to_owned();
        }
        self.segments.iter().map(|s| format!("/{s}")).collect()
    }
}

impl HttpOctopus {
    /// Refuses an API key that cannot be sent as a header (e.g. one with a line break), a server
    /// URL that is not https (plain http only on loopback) and a proxy that is not an http URL.
    pub fn new(settings: Settings) -> Result<Self, ClientError> {
        let api_root = api_root(&settings.server_url)?;
        let mut key = HeaderValue::from_str(settings.api_key.expose_secret().trim())
            .ok()
            .filter(|k| !k.is_empty())
            .ok_or(ClientError::InvalidApiKey)?;
        key.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(API_KEY_HEADER, key);
        let mut builder = reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(settings.connect_timeout)
            .pool_idle_timeout(settings.pool_idle_timeout)
            .tcp_keepalive(TCP_KEEPALIVE)
            .redirect(redirect::Policy::none())
            .user_agent(concat!("octo-responder/", env!("CARGO_PKG_VERSION")));
        if let Some(proxy) = &settings.proxy {
            if !matches!(proxy.scheme(), "http" | "https") || proxy.host().is_none() {
                return Err(ClientError::InvalidProxy(origin(proxy)));
            }
            // Replaces the environment's proxies (and its NO_PROXY) altogether.
            builder = builder.proxy(Proxy::all(proxy.clone())?);
        }
        Ok(Self {
            client: builder.build()?,
            api_root,
            request_timeout: settings.request_timeout,
            backoff: settings.backoff,
            page_size: settings.page_size.max(1),
        })
    }

    /// The URL of the route `segments` below the API root, each segment percent-encoded.
    fn endpoint(&self, segments: &[&str]) -> Url {
        let mut url = self.api_root.clone();
        // Always `Ok`: `api_root` refused a URL without a path to push onto (`mailto:`).
        if let Ok(mut path) = url.path_segments_mut() {
            path.extend(segments);
        }
        url
    }

    /// Sends `call`, retrying transient failures while the deadline allows.
    async fn send<T: DeserializeOwned>(&self, call: Call<'_>, deadline: Deadline) -> Result<T, OctopusError> {
        let mut attempt = 0;
        let mut maybe_applied = false;
        loop {
            let error = match self.attempt(&call, deadline).await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            if call.done_when_gone && maybe_applied && error.status() == Some(404) {
                tracing::info!(path = %call.path(), "octopus: gone on retry, so an earlier attempt was applied");
                return serde_json::from_value(Value::Null).map_err(|e| OctopusError::Decode {
                    method: method_name(&call.method),
                    path: call.path(),
                    detail: e.to_string(),
                });
            }
            maybe_applied |= error.may_have_been_applied();
            if !call.idempotent && error.may_have_been_applied() {
                return Err(error);
            }
            let Some(delay) = self.backoff.next_delay(attempt, &error, deadline.remaining()) else {
                return Err(error);
            };
            tracing::warn!(error = %error, attempt = attempt + 1, retry_in_ms = delay.as_millis() as u64, "octopus call failed; retrying");
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    async fn attempt<T: DeserializeOwned>(&self, call: &Call<'_>, deadline: Deadline) -> Result<T, OctopusError> {
        let (method, path) = (method_name(&call.method), call.path());
        let transport = |e: reqwest::Error| OctopusError::Transport {
            method,
            path: path.clone(),
            detail: without_url(&e),
            timed_out: e.is_timeout(),
            maybe_delivered: !e.is_connect(),
        };
        let remaining = deadline.remaining();
        if remaining.is_zero() {
            return Err(OctopusError::Transport {
                method,
                path: path.clone(),
                detail: "no time left in this invocation".to_owned(),
                timed_out: true,
                maybe_delivered: false,
            });
        }
        let mut request = self
            .client
            .request(call.method.clone(), self.endpoint(&call.segments))
            .query(&call.query)
            .timeout(self.request_timeout.min(remaining));
        if let Some(body) = call.body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(transport)?;
        let status = response.status();
        if status.is_redirection() {
            return Err(OctopusError::Redirected {
                method,
                path: path.clone(),
                status: status.as_u16(),
                location_host: location_host(&response),
            });
        }
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
            .and_then(|v| retry::retry_after(v, SystemTime::now()));
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

/// `<server>/api` for a server URL with or without a virtual directory, trailing slashes or a
/// trailing `/api`; its query and fragment are dropped. Only https, or http on loopback.
fn api_root(server: &Url) -> Result<Url, ClientError> {
    let secure = is_secure_server_url(server);
    let insecure = || ClientError::InsecureServerUrl(origin(server));
    let segments: Vec<&str> = match server.path_segments() {
        Some(segments) if secure => segments.collect(),
        _ => return Err(insecure()),
    };
    let trailing_slashes = segments.iter().rev().take_while(|s| s.is_empty()).count();
    let ends_in_api = segments
        .iter()
        .rev()
        .find(|s| !s.is_empty())
        .is_some_and(|last| last.eq_ignore_ascii_case("api"));
    let mut root = server.clone();
    root.set_query(None);
    root.set_fragment(None);
    {
        let mut path = root.path_segments_mut().map_err(|()| insecure())?;
        for _ in 0..trailing_slashes {
            path.pop();
        }
        if !ends_in_api {
            path.push("api");
        }
    }
    Ok(root)
}

/// https with a host, or http on loopback: the only server URLs the API key is sent to.
pub(crate) fn is_secure_server_url(server: &Url) -> bool {
    match server.scheme() {
        "https" => server.host().is_some(),
        "http" => on_loopback(server),
        _ => false,
    }
}

/// The host is `localhost` or a loopback address (127.0.0.0/8, `::1`).
fn on_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// `scheme://host[:port]`, without credentials, path or query.
fn origin(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{}://{host}:{port}", url.scheme()),
        (Some(host), None) => format!("{}://{host}", url.scheme()),
        (None, _) => format!("{}:", url.scheme()),
    }
}

/// The host a redirect points to (a relative `Location` points to the server itself).
fn location_host(response: &Response) -> Option<String> {
    let location = response.headers().get(LOCATION)?.to_str().ok()?;
    let target = response.url().join(location.trim()).ok()?;
    target.host_str().map(str::to_owned)
}

/// The reads of a sweep: whole collections, one request per page.
impl HttpOctopus {
    /// Every space the API key's user can see.
    pub async fn spaces(&self, deadline: Deadline) -> Result<Vec<Space>, OctopusError> {
        self.all_pages(vec!["spaces"], Vec::new(), deadline).await
    }

    /// Every subscription of `space` (needs `SubscriptionView`).
    pub async fn subscriptions(&self, space: &SpaceId, deadline: Deadline) -> Result<Vec<Subscription>, OctopusError> {
        self.all_pages(vec![space.as_str(), "subscriptions"], Vec::new(), deadline)
            .await
    }

    /// Every pending interruption of `space`, newest first.
    pub async fn pending_in_space(
        &self,
        space: &SpaceId,
        deadline: Deadline,
    ) -> Result<Vec<Interruption>, OctopusError> {
        let query = vec![("pendingOnly", "true".to_owned())];
        self.all_pages(vec![space.as_str(), "interruptions"], query, deadline)
            .await
    }

    /// Every item of a paged collection, following `Page.Next` (at most [`MAX_PAGES`] pages; a
    /// server that offers more is an error, never a silently partial list).
    async fn all_pages<T: DeserializeOwned>(
        &self,
        segments: Vec<&str>,
        query: Vec<(&'static str, String)>,
        deadline: Deadline,
    ) -> Result<Vec<T>, OctopusError> {
        let mut all = Vec::new();
        for _ in 0..MAX_PAGES {
            let mut page_query = query.clone();
            page_query.push(("skip", all.len().to_string()));
            page_query.push(("take", self.page_size.to_string()));
            let call = Call {
                query: page_query,
                ..Call::new(Method::GET, segments.clone())
            };
            let page: Page<T> = self.send(call, deadline).await?;
            let more = page.has_next();
            all.extend(page.items);
            if !more {
                return Ok(all);
            }
        }
        // A partial list could hide a conflicting rule or a pending interruption: fail instead.
        Err(OctopusError::Decode {
            method: "GET",
            path: format!("/{}", segments.join("/")),
            detail: format!("Octopus offers more than {MAX_PAGES} pages; refusing to act on a partial list"),
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
    ) -> Result<EventCount, OctopusError> {
        let call = Call {
            query: vec![
                ("regarding", document.to_string()),
                ("eventCategories", category.to_owned()),
                ("take", "1".to_owned()),
                ("excludeDifference", "true".to_owned()),
            ],
            ..Call::new(Method::GET, vec![space.as_str(), "events"])
        };
        let page: Page<EventSummary> = self.send(call, deadline).await?;
        Ok(EventCount {
            total: page.total_results,
            newest_occurred: page.items.into_iter().next().and_then(|e| e.occurred),
        })
    }

    async fn pending_interruptions(
        &self,
        space: &SpaceId,
        document: &DocumentId,
        deadline: Deadline,
    ) -> Result<Vec<Interruption>, OctopusError> {
        let query = vec![("regarding", document.to_string()), ("pendingOnly", "true".to_owned())];
        self.all_pages(vec![space.as_str(), "interruptions"], query, deadline)
            .await
    }

    async fn interruptions_regarding(
        &self,
        space: &SpaceId,
        document: &DocumentId,
        deadline: Deadline,
    ) -> Result<Vec<Interruption>, OctopusError> {
        let query = vec![("regarding", document.to_string())];
        self.all_pages(vec![space.as_str(), "interruptions"], query, deadline)
            .await
    }

    async fn interruption(
        &self,
        space: &SpaceId,
        id: &OctopusId,
        deadline: Deadline,
    ) -> Result<Interruption, OctopusError> {
        let call = Call::new(Method::GET, vec![space.as_str(), "interruptions", id.as_str()]);
        self.send(call, deadline).await
    }

    async fn take_responsibility(
        &self,
        space: &SpaceId,
        id: &OctopusId,
        deadline: Deadline,
    ) -> Result<(), OctopusError> {
        let call = Call::new(
            Method::PUT,
            vec![space.as_str(), "interruptions", id.as_str(), "responsible"],
        );
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
            body: Some(values),
            idempotent: false,
            ..Call::new(
                Method::POST,
                vec![space.as_str(), "interruptions", id.as_str(), "submit"],
            )
        };
        self.send(call, deadline).await
    }
}

fn method_name(method: &Method) -> &'static str {
    match *method {
        Method::PUT => "PUT",
        Method::POST => "POST",
        Method::DELETE => "DELETE",
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

    fn octopus_at(url: &str) -> Result<HttpOctopus, ClientError> {
        HttpOctopus::new(Settings::new(Url::parse(url).unwrap(), "API-X".to_owned().into()))
    }

    #[test]
    fn the_api_root_handles_virtual_directories_and_trailing_api() {
        let root = |url: &str| octopus_at(url).unwrap().api_root.to_string();
        let cases = [
            ("https://o.example", "https://o.example/api"),
            ("https://o.example/", "https://o.example/api"),
            ("https://o.example//", "https://o.example/api"),
            ("https://o.example/vdir", "https://o.example/vdir/api"),
            ("https://o.example/vdir/", "https://o.example/vdir/api"),
            ("https://o.example/a/b//", "https://o.example/a/b/api"),
            ("https://o.example/api", "https://o.example/api"),
            ("https://o.example/api/", "https://o.example/api"),
            ("https://o.example/vdir/API", "https://o.example/vdir/API"),
            ("https://o.example/my%20dir/", "https://o.example/my%20dir/api"),
            ("https://o.example:8443/vdir", "https://o.example:8443/vdir/api"),
            ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/api"),
        ];
        for (server, expected) in cases {
            assert_eq!(root(server), expected, "{server}");
        }
    }

    #[test]
    fn the_api_root_drops_the_query_and_fragment_of_the_server_url() {
        let root = octopus_at("https://octopus.example.com/vdir/?token=abc#top")
            .unwrap()
            .api_root;
        assert_eq!(root.as_str(), "https://octopus.example.com/vdir/api");
    }

    #[test]
    fn routes_are_pushed_below_the_api_root_as_percent_encoded_segments() {
        let octopus = octopus_at("https://octopus.example.com/vdir/?token=abc").unwrap();
        let url = octopus.endpoint(&["Spaces-1", "interruptions", "Interruptions-7", "submit"]);
        assert_eq!(
            url.as_str(),
            "https://octopus.example.com/vdir/api/Spaces-1/interruptions/Interruptions-7/submit"
        );
        let odd = octopus.endpoint(&["Spaces 1", "a/b?c#d"]);
        assert_eq!(
            odd.as_str(),
            "https://octopus.example.com/vdir/api/Spaces%201/a%2Fb%3Fc%23d"
        );
    }

    #[test]
    fn a_plain_http_server_url_is_refused_unless_it_is_on_loopback() {
        for refused in [
            "http://octopus.example.com",
            "http://10.0.0.5:8080/octopus",
            "http://127.0.0.1.example.com",
            "http://[::ffff:10.0.0.1]",
            "ftp://127.0.0.1",
            "file:///etc/passwd",
            "mailto:ops@example.com",
        ] {
            let built = octopus_at(refused);
            assert!(matches!(built, Err(ClientError::InsecureServerUrl(_))), "{refused}");
        }
        for allowed in [
            "https://octopus.example.com",
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://localhost:8080/vdir",
            "http://LOCALHOST",
            "http://[::1]:8080",
        ] {
            assert!(octopus_at(allowed).is_ok(), "{allowed}");
        }
    }

    #[test]
    fn the_refusal_of_an_insecure_url_names_its_origin_but_not_its_credentials_or_path() {
        let Err(error) = octopus_at("http://admin:hunter2@octopus.example.com:81/vdir?key=API-X") else {
            panic!("plain http to a remote host was accepted");
        };
        let text = error.to_string();
        assert!(text.contains("http://octopus.example.com:81 "), "{text}");
        for hidden in ["admin", "hunter2", "vdir", "API-X"] {
            assert!(!text.contains(hidden), "{hidden} in {text}");
        }
    }

    #[test]
    fn settings_default_to_a_pool_idle_timeout_of_a_few_seconds_and_the_environment_proxy() {
        let settings = Settings::new(Url::parse("https://o.example.com").unwrap(), "API-X".to_owned().into());
        assert_eq!(settings.pool_idle_timeout, Settings::DEFAULT_POOL_IDLE_TIMEOUT);
        assert!(settings.pool_idle_timeout >= Duration::from_secs(1));
        assert!(settings.pool_idle_timeout < Duration::from_secs(5));
        assert_eq!(settings.proxy, None);
    }

    #[test]
    fn a_proxy_that_is_not_an_http_url_is_refused_at_start_without_naming_its_credentials() {
        let with_proxy = |proxy: &str| {
            let mut settings = Settings::new(Url::parse("https://o.example.com").unwrap(), "API-X".to_owned().into());
            settings.proxy = Some(Url::parse(proxy).unwrap());
            HttpOctopus::new(settings)
        };
        for refused in [
            "mailto:proxy@example.com",
            "socks5://user:secret@proxy.example.com:1080",
        ] {
            let Err(error) = with_proxy(refused) else {
                panic!("{refused} was accepted");
            };
            assert!(matches!(error, ClientError::InvalidProxy(_)), "{refused}: {error}");
            assert!(!error.to_string().contains("secret"), "{error}");
        }
        for accepted in ["http://proxy.example.com:3128", "https://user:secret@proxy.example.com"] {
            assert!(with_proxy(accepted).is_ok(), "{accepted}");
        }
    }
}
