//! Loopback servers for the transport tests, each bound once by the test that starts it and
//! stopped when dropped: a forward proxy that records what reaches it, and a keep-alive Octopus
//! that reports which connection served each request and when a connection was closed.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use messaging::{OctopusId, SpaceId};
use octopus::{Deadline, HttpOctopus, Interruption, OctopusApi, OctopusError};
use reqwest::Url;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};

pub const KEY: &str = "API-SECRETKEY0123456789ABCDEF";
/// The route of `get_one`, below the API root.
pub const ONE: &str = "/api/Spaces-1/interruptions/Interruptions-7";

pub fn interruption_json(id: &str) -> Value {
    json!({
        "Id": id, "Title": "Deploy requires failure guidance", "Type": "GuidedFailure", "IsPending": true,
        "Form": {"Values": {"Guidance": null}, "Elements": [
            {"Name": "Guidance", "Control": {"Type": "SubmitButtonGroup", "Buttons": [
                {"Text": "Fail", "Value": "Fail"}, {"Text": "Retry", "Value": "Retry"}]}}]},
        "RelatedDocumentIds": ["ServerTasks-42"], "TaskId": "ServerTasks-42",
        "ResponsibleUserId": null, "CanTakeResponsibility": true, "HasResponsibility": false
    })
}

/// Reads `Interruptions-7` of `Spaces-1`, with a deadline far enough away for any test.
pub async fn get_one(octopus: &HttpOctopus) -> Result<Interruption, OctopusError> {
    let (space, id) = (
        SpaceId::parse("Spaces-1").unwrap(),
        OctopusId::parse("Interruptions-7").unwrap(),
    );
    let deadline = Deadline::after(std::time::Duration::from_secs(10));
    octopus.interruption(&space, &id, deadline).await
}

/// A 200 with `body` as JSON, its length given so the connection can be kept alive.
fn json_response(body: &Value, close: bool) -> String {
    let body = body.to_string();
    let connection = if close { "close" } else { "keep-alive" };
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: {connection}\r\n\r\n{body}",
        body.len()
    )
}

/// The request line and headers of the next request on `reader`, lower-cased header names left
/// as sent; `None` once the peer has closed the connection.
async fn read_head(reader: &mut BufReader<TcpStream>) -> Option<String> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            return Some(head);
        }
        head.push_str(&line);
    }
}

/// A forward proxy on loopback that records the head of every request it receives and answers
/// it itself: an absolute-form request (`GET http://host/...`) with an interruption, a
/// `CONNECT` with 403 so that no tunnel is opened.
#[derive(Debug)]
pub struct RecordingProxy {
    url: Url,
    heads: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl RecordingProxy {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let task = tokio::spawn(Self::serve(listener, Arc::clone(&heads)));
        Self { url, heads, task }
    }

    /// `http://127.0.0.1:PORT`, as a proxy setting or variable names it.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The heads received so far, oldest first. Each was recorded before it was answered.
    /// Asserts the proxy carried exactly one `GET <server><route>` (absolute form) and the
    /// server itself was never called directly.
    pub async fn assert_carried_one_get_for(&self, server: &wiremock::MockServer, route: &str) {
        let heads = self.heads();
        assert_eq!(heads.len(), 1, "{heads:?}");
        assert!(
            heads[0].starts_with(&format!("GET {}{route} HTTP/1.1\r\n", server.uri())),
            "{heads:?}"
        );
        assert_eq!(server.received_requests().await.unwrap_or_default().len(), 0);
    }

    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }

    async fn serve(listener: TcpListener, heads: Arc<Mutex<Vec<String>>>) {
        while let Ok((stream, _)) = listener.accept().await {
            let mut reader = BufReader::new(stream);
            let Some(head) = read_head(&mut reader).await else {
                continue;
            };
            let tunnel = head.starts_with("CONNECT ");
            heads.lock().unwrap().push(head);
            let answer = if tunnel {
                "HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_owned()
            } else {
                json_response(&interruption_json("Interruptions-7"), true)
            };
            let mut stream = reader.into_inner();
            let _ = stream.write_all(answer.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
    }
}

impl Drop for RecordingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What a [`KeepAliveOctopus`] saw, connections numbered from 1 in the order accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// A request was answered on this connection.
    Served(usize),
    /// The client closed this connection.
    Closed(usize),
}

/// An Octopus on loopback that keeps every connection open for as long as the client wants,
/// answers each request with an interruption, and reports what it saw in order.
#[derive(Debug)]
pub struct KeepAliveOctopus {
    url: String,
    seen: mpsc::UnboundedReceiver<Seen>,
    task: JoinHandle<()>,
}

impl KeepAliveOctopus {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, seen) = mpsc::unbounded_channel();
        let task = tokio::spawn(Self::serve(listener, tx));
        Self { url, seen, task }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The next thing seen; it is reported before the client gets the answer it concerns.
    pub async fn next(&mut self) -> Seen {
        self.seen.recv().await.unwrap()
    }

    async fn serve(listener: TcpListener, seen: mpsc::UnboundedSender<Seen>) {
        // Dropped with this task, which aborts every connection still open.
        let mut connections = JoinSet::new();
        let mut accepted = 0;
        while let Ok((stream, _)) = listener.accept().await {
            accepted += 1;
            connections.spawn(Self::connection(accepted, stream, seen.clone()));
        }
    }

    async fn connection(number: usize, stream: TcpStream, seen: mpsc::UnboundedSender<Seen>) {
        let mut reader = BufReader::new(stream);
        while read_head(&mut reader).await.is_some() {
            let _ = seen.send(Seen::Served(number));
            let answer = json_response(&interruption_json("Interruptions-7"), false);
            if reader.get_mut().write_all(answer.as_bytes()).await.is_err() {
                break;
            }
        }
        let _ = seen.send(Seen::Closed(number));
    }
}

impl Drop for KeepAliveOctopus {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Settings for `url` with the test key and one attempt, adjusted by `tweak`.
pub fn client_at(url: &str, tweak: impl FnOnce(&mut octopus::Settings)) -> HttpOctopus {
    let mut settings = octopus::Settings::new(Url::parse(url).unwrap(), KEY.to_owned().into());
    settings.request_timeout = std::time::Duration::from_secs(5);
    settings.backoff.max_attempts = 1;
    tweak(&mut settings);
    HttpOctopus::new(settings).unwrap()
}
