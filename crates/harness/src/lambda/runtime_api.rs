//! A minimal Lambda Runtime API on loopback, enough to run a function binary as Lambda does:
//! the binary polls `GET /invocation/next`, gets an event with a request id and a deadline, and
//! posts the response (or an error). The time of the first poll marks "ready for the first event".

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use tokio::sync::{Notify, mpsc};

/// What the function answered for one invocation.
#[derive(Debug, Clone)]
pub struct Answer {
    pub at: Instant,
    pub ok: bool,
    pub body: String,
}

#[derive(Debug, Default)]
struct Shared {
    first_poll: Option<Instant>,
    answers: HashMap<String, Answer>,
}

#[derive(Debug, Clone)]
struct Api {
    shared: Arc<Mutex<Shared>>,
    events: Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<(String, String)>>>,
    changed: Arc<Notify>,
}

#[derive(Debug)]
pub struct RuntimeApi {
    pub address: SocketAddr,
    api: Api,
    sender: mpsc::UnboundedSender<(String, String)>,
    server: tokio::task::JoinHandle<()>,
    next_id: u64,
}

impl RuntimeApi {
    pub async fn start() -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let (sender, receiver) = mpsc::unbounded_channel();
        let api = Api {
            shared: Arc::default(),
            events: Arc::new(tokio::sync::Mutex::new(receiver)),
            changed: Arc::new(Notify::new()),
        };
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(api.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            address,
            api,
            sender,
            server,
            next_id: 0,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.api.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until the function first asks for an event; `None` after `timeout`.
    pub async fn ready(&self, timeout: Duration) -> Option<Instant> {
        let deadline = Instant::now() + timeout;
        loop {
            let notified = self.api.changed.notified();
            if let Some(at) = self.lock().first_poll {
                return Some(at);
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            let _ = tokio::time::timeout(left, notified).await;
        }
    }

    /// Queues an event; returns its request id.
    pub fn invoke(&mut self, event: String) -> String {
        self.next_id += 1;
        let id = format!("local-{:06}", self.next_id);
        let _ = self.sender.send((id.clone(), event));
        id
    }

    /// Waits for the answer to `id`; `None` after `timeout`.
    pub async fn answer(&self, id: &str, timeout: Duration) -> Option<Answer> {
        let deadline = Instant::now() + timeout;
        loop {
            let notified = self.api.changed.notified();
            if let Some(answer) = self.lock().answers.get(id).cloned() {
                return Some(answer);
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            let _ = tokio::time::timeout(left, notified).await;
        }
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn next(State(api): State<Api>) -> impl IntoResponse {
    {
        let mut shared = api.shared.lock().unwrap_or_else(PoisonError::into_inner);
        shared.first_poll.get_or_insert_with(Instant::now);
    }
    api.changed.notify_waiters();
    let Some((id, event)) = api.events.lock().await.recv().await else {
        return (StatusCode::GONE, HeaderMap::new(), String::new());
    };
    let deadline_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| (d + Duration::from_secs(60)).as_millis());
    let mut headers = HeaderMap::new();
    let mut put = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    put("lambda-runtime-aws-request-id", id);
    put("lambda-runtime-deadline-ms", deadline_ms.to_string());
    put(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-1:123456789012:function:local".to_owned(),
    );
    put(
        "lambda-runtime-trace-id",
        "Root=1-00000000-000000000000000000000000;Sampled=0".to_owned(),
    );
    (StatusCode::OK, headers, event)
}

fn record(api: &Api, id: String, ok: bool, body: Bytes) -> StatusCode {
    let answer = Answer {
        at: Instant::now(),
        ok,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    api.shared
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .answers
        .insert(id, answer);
    api.changed.notify_waiters();
    StatusCode::ACCEPTED
}

async fn response(State(api): State<Api>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    record(&api, id, true, body)
}

async fn error(State(api): State<Api>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    record(&api, id, false, body)
}

async fn init_error(State(api): State<Api>, body: Bytes) -> StatusCode {
    record(&api, "init".to_owned(), false, body)
}
