//! A moto server on 127.0.0.1, started on first use and shared by one test process. It runs
//! under a small shell guard that reads the test process's pipe and stops moto when the pipe
//! closes, so the server ends with the process that started it, even when a test panics.

use std::io;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sqs::config::Credentials;

/// Set to use an already running moto (e.g. `http://127.0.0.1:5000`) instead of starting one.
pub const MOTO_ENDPOINT: &str = "MOTO_ENDPOINT";
/// Set to the `moto_server` executable; defaults to the project venv's, then to `PATH`.
pub const MOTO_SERVER: &str = "MOTO_SERVER";

#[derive(Debug)]
pub struct Moto {
    endpoint: String,
    // Held open for the life of the process; the guard stops moto when it closes.
    _guard: Option<Child>,
}

static SHARED: OnceLock<Result<Moto, String>> = OnceLock::new();
static QUEUE_COUNTER: AtomicU32 = AtomicU32::new(0);

impl Moto {
    /// The process-wide moto server, started on first call.
    pub fn shared() -> Result<&'static Moto, String> {
        SHARED
            .get_or_init(|| Self::start().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Starts a new moto server on a free loopback port and waits until it answers.
    pub fn start() -> io::Result<Moto> {
        if let Ok(endpoint) = std::env::var(MOTO_ENDPOINT) {
            return Ok(Self { endpoint, _guard: None });
        }
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let server = moto_server();
        let script = "\"$0\" -H 127.0.0.1 -p \"$1\" >/dev/null 2>&1 & m=$!; cat >/dev/null; kill $m 2>/dev/null";
        let guard = Command::new("sh")
            .args(["-c", script])
            .arg(&server)
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()?;
        let address = format!("127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(&address).is_err() {
            if Instant::now() > deadline {
                return Err(io::Error::other(format!(
                    "moto server ({}) did not answer on {address} within 30 s; run `make venv` or set {MOTO_SERVER}",
                    server.display()
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(Self {
            endpoint: format!("http://{address}"),
            _guard: Some(guard),
        })
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// An AWS config that points every client at this server with dummy credentials.
    pub async fn sdk_config(&self) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&self.endpoint)
            .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
            .load()
            .await
    }

    /// Creates a uniquely named queue with a dead-letter queue after `max_receive_count`
    /// receives. Returns `(queue_url, dlq_url)`.
    pub async fn create_queue_pair(
        &self,
        sqs: &aws_sdk_sqs::Client,
        fifo: bool,
        max_receive_count: u32,
    ) -> Result<(String, String), aws_sdk_sqs::Error> {
        let stem = unique_name("octo");
        let suffix = if fifo { ".fifo" } else { "" };
        let dlq_url = create_queue(sqs, &format!("{stem}-dlq{suffix}"), fifo, None).await?;
        let dlq_arn = sqs
            .get_queue_attributes()
            .queue_url(&dlq_url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await?
            .attributes
            .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn).cloned())
            .unwrap_or_default();
        let redrive = format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"{max_receive_count}"}}"#);
        let queue_url = create_queue(sqs, &format!("{stem}{suffix}"), fifo, Some(redrive)).await?;
        Ok((queue_url, dlq_url))
    }
}

async fn create_queue(
    sqs: &aws_sdk_sqs::Client,
    name: &str,
    fifo: bool,
    redrive: Option<String>,
) -> Result<String, aws_sdk_sqs::Error> {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let mut request = sqs
        .create_queue()
        .queue_name(name)
        .attributes(A::VisibilityTimeout, "30");
    if fifo {
        request = request.attributes(A::FifoQueue, "true");
    }
    if let Some(redrive) = redrive {
        request = request.attributes(A::RedrivePolicy, redrive);
    }
    Ok(request.send().await?.queue_url.unwrap_or_default())
}

/// A name no other test in this run (or a recent run) uses.
pub fn unique_name(prefix: &str) -> String {
    let n = QUEUE_COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}-{}-{nanos}-{n}", std::process::id())
}

fn moto_server() -> PathBuf {
    if let Some(path) = std::env::var_os(MOTO_SERVER) {
        return PathBuf::from(path);
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/moto_server");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("moto_server")
    }
}
