//! Publishers around accept-message's `MessagePublisher`: one that makes SQS unavailable for a
//! window (through the real SDK path, to a loopback endpoint that closes every connection
//! unanswered) and one that only records, for the hostile-input properties.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use accept_message::{MessagePublisher, OutgoingMessage, PublishError, SqsPublisher};
use aws_config::SdkConfig;
use aws_sdk_sqs::config::retry::RetryConfig;

/// The real [`SqsPublisher`], except that while a window is open every publish goes to an SQS
/// endpoint that closes every connection without answering, so accept-message sees the SDK
/// error it would see when SQS is unavailable. Keeps a copy of every message that reached the queue. Clones share
/// the window and the copies.
#[derive(Debug, Clone)]
pub struct GatedPublisher(Arc<Gate>);

#[derive(Debug)]
struct Gate {
    live: SqsPublisher,
    dead: SqsPublisher,
    // Keeps the dead endpoint's port for as long as `dead` may be used.
    _unavailable: UnavailableEndpoint,
    refuse_next: AtomicUsize,
    refused: AtomicUsize,
    published: Mutex<Vec<OutgoingMessage>>,
}

impl GatedPublisher {
    /// Panics when no loopback port can be bound for the unavailable endpoint.
    pub fn new(aws: &SdkConfig, sqs: aws_sdk_sqs::Client, queue_url: &str) -> Self {
        let unavailable = UnavailableEndpoint::bind()
            .unwrap_or_else(|e| panic!("cannot bind a loopback port for the unavailable SQS endpoint: {e}"));
        let dead_config = aws_sdk_sqs::config::Builder::from(aws)
            .endpoint_url(format!("http://{}", unavailable.address()))
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(2)
                    .with_initial_backoff(Duration::from_millis(5)),
            )
            .build();
        let dead = aws_sdk_sqs::Client::from_conf(dead_config);
        Self(Arc::new(Gate {
            live: SqsPublisher::new(sqs, queue_url.to_owned()),
            dead: SqsPublisher::new(dead, queue_url.to_owned()),
            _unavailable: unavailable,
            refuse_next: AtomicUsize::new(0),
            refused: AtomicUsize::new(0),
            published: Mutex::new(Vec::new()),
        }))
    }

    /// SQS is unavailable for the next `publishes` publishes.
    pub fn refuse_next(&self, publishes: usize) {
        self.0.refuse_next.store(publishes, Ordering::SeqCst);
    }

    /// How many publishes were refused so far.
    pub fn refused(&self) -> usize {
        self.0.refused.load(Ordering::SeqCst)
    }

    /// Every message SQS accepted, in order.
    pub fn published(&self) -> Vec<OutgoingMessage> {
        self.0.published.lock().map(|p| p.clone()).unwrap_or_default()
    }

    fn take_refusal(&self) -> bool {
        self.0
            .refuse_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}

impl MessagePublisher for GatedPublisher {
    async fn publish(&self, message: OutgoingMessage) -> Result<String, PublishError> {
        if self.take_refusal() {
            self.0.refused.fetch_add(1, Ordering::SeqCst);
            return match self.0.dead.publish(message).await {
                Err(e) => Err(e),
                Ok(id) => Err(PublishError(format!("the closed SQS endpoint accepted {id}"))),
            };
        }
        let copy = message.clone();
        let id = self.0.live.publish(message).await?;
        if let Ok(mut published) = self.0.published.lock() {
            published.push(copy);
        }
        Ok(id)
    }
}

/// A loopback endpoint that accepts every connection and closes it at once, unanswered. It holds
/// its port for as long as it lives, so no other process can start listening there meanwhile (a
/// port bound and given back could be taken by anyone before the SDK connects to it).
#[derive(Debug)]
struct UnavailableEndpoint {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl UnavailableEndpoint {
    fn bind() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        std::thread::Builder::new()
            .name("unavailable-sqs".to_owned())
            .spawn(move || {
                for connection in listener.incoming() {
                    if stopped.load(Ordering::SeqCst) {
                        break;
                    }
                    drop(connection);
                }
            })?;
        Ok(Self { address, stop })
    }

    fn address(&self) -> SocketAddr {
        self.address
    }
}

impl Drop for UnavailableEndpoint {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accepting thread, which then sees `stop`, ends and gives the port back.
        let _ = TcpStream::connect(self.address);
    }
}

/// Records what would be queued and answers with a made-up message id. Clones share the record.
#[derive(Debug, Clone, Default)]
pub struct RecordingPublisher {
    messages: Arc<Mutex<Vec<OutgoingMessage>>>,
}

impl RecordingPublisher {
    pub fn count(&self) -> usize {
        self.messages.lock().map(|m| m.len()).unwrap_or_default()
    }

    pub fn last(&self) -> Option<OutgoingMessage> {
        self.messages.lock().ok().and_then(|m| m.last().cloned())
    }
}

impl MessagePublisher for RecordingPublisher {
    async fn publish(&self, message: OutgoingMessage) -> Result<String, PublishError> {
        let mut messages = self
            .messages
            .lock()
            .map_err(|_| PublishError("recording publisher poisoned".to_owned()))?;
        messages.push(message);
        Ok(format!("recorded-{}", messages.len()))
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use super::*;

    #[test]
    fn the_unavailable_endpoint_keeps_its_port_so_no_other_process_can_listen_there() {
        let endpoint = UnavailableEndpoint::bind().unwrap();

        let error = TcpListener::bind(endpoint.address()).unwrap_err();

        assert_eq!(error.kind(), std::io::ErrorKind::AddrInUse);
    }

    #[test]
    fn the_unavailable_endpoint_closes_a_connection_without_answering() {
        let endpoint = UnavailableEndpoint::bind().unwrap();
        let mut connection = TcpStream::connect(endpoint.address()).unwrap();
        // Written before the endpoint closes, or refused once it has: either way, no answer.
        let _ = connection.write_all(b"POST / HTTP/1.1\r\nHost: sqs\r\nContent-Length: 0\r\n\r\n");

        // Only a bound on a broken endpoint that keeps the connection open: the test then fails.
        connection.set_read_timeout(Some(Duration::from_secs(30))).unwrap();

        let mut answer = Vec::new();
        let read = connection.read_to_end(&mut answer);

        match read {
            Ok(_) => assert!(answer.is_empty(), "answered {answer:?}"),
            Err(e) => assert!(
                !matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut),
                "the connection was kept open"
            ),
        }
    }
}
