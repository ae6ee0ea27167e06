//! A moto server on 127.0.0.1, started on first use and shared by one test process. It runs
//! under a small shell guard that reads the test process's pipe and stops moto when the pipe
//! closes, so the server ends with the process that started it, even when a test panics.
//!
//! moto is started on port 0: the OS hands it a free port that moto holds from then on, and
//! moto (werkzeug) announces it as `Running on http://127.0.0.1:PORT`. Choosing a port here and
//! passing it on would leave a window in which another process could take it.

use std::io::{self, BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sqs::config::Credentials;

/// Set to use an already running moto (e.g. `http://127.0.0.1:5000`) instead of starting one.
pub const MOTO_ENDPOINT: &str = "MOTO_ENDPOINT";
/// Set to the `moto_server` executable; defaults to the project venv's, then to `PATH`.
pub const MOTO_SERVER: &str = "MOTO_SERVER";

/// How long moto may take to start and answer, all told.
const STARTUP: Duration = Duration::from_secs(30);
/// How many of moto's last lines an error quotes when it does not start.
const QUOTED_LINES: usize = 20;

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

    /// Starts a new moto server on a loopback port it picks itself and waits until it answers.
    pub fn start() -> io::Result<Moto> {
        if let Ok(endpoint) = std::env::var(MOTO_ENDPOINT) {
            return Ok(Self { endpoint, _guard: None });
        }
        Self::start_server(&moto_server())
    }

    /// Starts `server` (a `moto_server`) with `-H 127.0.0.1 -p 0`, reads the port it announces
    /// and waits until it answers there, for at most [`STARTUP`] in all.
    fn start_server(server: &Path) -> io::Result<Moto> {
        let deadline = Instant::now() + STARTUP;
        // moto's output (werkzeug logs to stderr) goes to the guard's stdout, our pipe; the guard
        // then points its own stdout elsewhere, so the pipe ends when moto does.
        let script =
            "\"$0\" -H 127.0.0.1 -p 0 2>&1 >/dev/null & m=$!; exec >/dev/null; cat >/dev/null; kill $m 2>/dev/null";
        let mut guard = Command::new("sh")
            .args(["-c", script])
            .arg(server)
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let output = guard
            .stdout
            .take()
            .ok_or_else(|| io::Error::other("the moto guard has no stdout"))?;
        let announced = watch_output(output)?;
        let wait = deadline.saturating_duration_since(Instant::now());
        let port = match announced.recv_timeout(wait) {
            Ok(Ok(port)) => port,
            Ok(Err(last_lines)) => {
                return Err(io::Error::other(format!(
                    "moto server ({}) ended without announcing a port; run `make venv` or set {MOTO_SERVER}. \
                     Its last output:\n{last_lines}",
                    server.display()
                )));
            }
            Err(_) => {
                return Err(io::Error::other(format!(
                    "moto server ({}) announced no port within {} s; run `make venv` or set {MOTO_SERVER}",
                    server.display(),
                    STARTUP.as_secs()
                )));
            }
        };
        let address = format!("127.0.0.1:{port}");
        // moto announces the port once it listens, so this normally connects at once.
        while TcpStream::connect(&address).is_err() {
            if Instant::now() > deadline {
                return Err(io::Error::other(format!(
                    "moto server ({}) announced {address} but did not answer there within {} s",
                    server.display(),
                    STARTUP.as_secs()
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

/// Reads moto's output on a thread of its own for the life of moto, so moto never blocks on a
/// full pipe. Sends the port once moto announces it, or moto's last lines if it ends first.
fn watch_output(output: impl io::Read + Send + 'static) -> io::Result<mpsc::Receiver<Result<u16, String>>> {
    let (announce, announced) = mpsc::channel();
    std::thread::Builder::new()
        .name("moto-output".to_owned())
        .spawn(move || {
            let mut announce = Some(announce);
            let mut last_lines: Vec<String> = Vec::new();
            let mut reader = BufReader::new(output);
            let mut bytes = Vec::new();
            // To the end of moto's output, whatever it is (not only UTF-8), so moto never blocks.
            while matches!(reader.read_until(b'\n', &mut bytes), Ok(read) if read > 0) {
                let line = String::from_utf8_lossy(&bytes).trim_end().to_owned();
                bytes.clear();
                let Some(sender) = &announce else { continue };
                if let Some(port) = announced_port(&line) {
                    // The receiver is gone only when start-up already gave up.
                    let _ = sender.send(Ok(port));
                    announce = None;
                } else {
                    if last_lines.len() == QUOTED_LINES {
                        last_lines.remove(0);
                    }
                    last_lines.push(line);
                }
            }
            if let Some(sender) = announce {
                let _ = sender.send(Err(last_lines.join("\n")));
            }
        })?;
    Ok(announced)
}

/// The port in werkzeug's ` * Running on http://127.0.0.1:PORT` line.
fn announced_port(line: &str) -> Option<u16> {
    let (_, rest) = line.split_once("Running on http://")?;
    let address = rest.split_whitespace().next()?;
    let (_, port) = address.rsplit_once(':')?;
    let digits: String = port.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|&port| port != 0)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Behaves as moto would were its port taken by another process between being chosen and
    /// being bound: any port but 0 fails. On port 0 it listens where the OS says and announces it.
    const FAKE_MOTO: &str = r#"#!/usr/bin/env python3
import socket, sys
port = int(sys.argv[sys.argv.index("-p") + 1])
if port != 0:
    print("OSError: [Errno 98] Address already in use", file=sys.stderr, flush=True)
    sys.exit(1)
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen()
print("WARNING: This is a development server.", file=sys.stderr, flush=True)
print(" * Running on http://127.0.0.1:%d" % server.getsockname()[1], file=sys.stderr, flush=True)
while True:
    server.accept()[0].close()
"#;

    const FAILING_MOTO: &str = "#!/bin/sh\necho 'ImportError: no module named moto' >&2\nexit 1\n";

    /// Writes an executable script from a child process, so no file descriptor open for writing
    /// is ever inherited by a process another test spawns (which would make it "text file busy").
    fn script(name: &str, text: &str) -> PathBuf {
        use std::io::Write;
        let path = std::env::temp_dir().join(unique_name(name));
        let mut writer = Command::new("sh")
            .args(["-c", "cat > \"$0\" && chmod 755 \"$0\""])
            .arg(&path)
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        writer.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
        assert!(writer.wait().unwrap().success());
        path
    }

    #[test]
    fn reads_the_port_from_werkzeug_s_announcement() {
        assert_eq!(announced_port(" * Running on http://127.0.0.1:41577"), Some(41577));
        assert_eq!(
            announced_port(" * Running on http://127.0.0.1:5000 (Press CTRL+C to quit)"),
            Some(5000)
        );
        assert_eq!(
            announced_port("\u{1b}[33m * Running on http://127.0.0.1:8080\u{1b}[0m"),
            Some(8080)
        );
        assert_eq!(announced_port(" * Running on http://127.0.0.1:0"), None);
        assert_eq!(announced_port("Press CTRL+C to quit"), None);
        assert_eq!(announced_port("127.0.0.1 - - \"POST / HTTP/1.1\" 200 -"), None);
    }

    #[test]
    fn moto_is_started_on_port_zero_and_reached_on_the_port_it_announces() {
        let fake = script("fake-moto", FAKE_MOTO);

        let moto = Moto::start_server(&fake);

        std::fs::remove_file(&fake).unwrap();
        let moto = moto.unwrap();
        let port: u16 = moto.endpoint().rsplit_once(':').unwrap().1.parse().unwrap();
        assert_ne!(port, 0);
        assert!(TcpStream::connect(("127.0.0.1", port)).is_ok());
    }

    #[test]
    fn a_moto_that_ends_before_announcing_a_port_is_reported_with_its_output() {
        let failing = script("failing-moto", FAILING_MOTO);

        let error = Moto::start_server(&failing).unwrap_err().to_string();

        std::fs::remove_file(&failing).unwrap();
        assert!(error.contains("ended without announcing a port"), "{error}");
        assert!(error.contains("no module named moto"), "{error}");
    }

    #[test]
    fn a_missing_moto_server_is_reported_naming_the_executable() {
        let error = Moto::start_server(Path::new("/nonexistent/moto_server"))
            .unwrap_err()
            .to_string();

        assert!(error.contains("/nonexistent/moto_server"), "{error}");
        assert!(error.contains("make venv"), "{error}");
    }

    #[test]
    fn two_real_moto_servers_started_at_once_each_answer_on_their_own_port() {
        let starts: Vec<_> = (0..2)
            .map(|_| std::thread::spawn(|| Moto::start_server(&moto_server())))
            .collect();
        let motos: Vec<Moto> = starts.into_iter().map(|s| s.join().unwrap().unwrap()).collect();

        assert_ne!(motos[0].endpoint(), motos[1].endpoint());
        for moto in &motos {
            let address = moto.endpoint().trim_start_matches("http://");
            assert!(TcpStream::connect(address).is_ok(), "{address}");
        }
    }
}
