//! Running `upnotes serve`/`watch` as a child process, reading its status lines, and speaking raw
//! HTTP/1.1 to it (raw, so tests can send paths a client library would clean up).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long any wait may take before the test fails: generous, for a loaded 2-core machine.
pub const PATIENCE: Duration = Duration::from_secs(90);

/// A running `upnotes` child with its output collected line by line.
#[derive(Debug)]
pub struct Running {
    child: Child,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Running {
    /// Starts `upnotes ARGS` in `dir`.
    pub fn start(dir: &Path, args: &[&str]) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_upnotes"))
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start upnotes");
        let stdout = collect(child.stdout.take().expect("stdout"));
        let stderr = collect(child.stderr.take().expect("stderr"));
        Running {
            child,
            stdout,
            stderr,
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// False once the process has ended (crashed or exited).
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Status lines printed so far.
    pub fn lines(&self) -> Vec<String> {
        self.stdout.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Everything printed so far, for failure messages.
    pub fn transcript(&self) -> String {
        let err = self.stderr.lock().map(|l| l.join("\n")).unwrap_or_default();
        format!("stdout:\n{}\nstderr:\n{err}", self.lines().join("\n"))
    }

    /// Rebuild status lines so far (good and failed).
    pub fn rebuilds(&self) -> Vec<String> {
        self.lines()
            .into_iter()
            .filter(|l| l.starts_with("rebuilt in") || l.starts_with("rebuild failed"))
            .collect()
    }

    /// Waits until `done` holds for the status lines; fails the test after [`PATIENCE`].
    pub fn wait_for(&self, what: &str, done: impl Fn(&[String]) -> bool) -> Vec<String> {
        let started = Instant::now();
        loop {
            let lines = self.lines();
            if done(&lines) {
                return lines;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "timed out waiting for {what}\n{}",
                self.transcript()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for the line that starts with `prefix` and returns it.
    pub fn wait_for_line(&self, prefix: &str) -> String {
        let lines = self.wait_for(prefix, |lines| lines.iter().any(|l| l.starts_with(prefix)));
        lines
            .into_iter()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_default()
    }

    /// Waits for the process to end by itself and returns its exit code.
    pub fn wait_exit(&mut self) -> i32 {
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                // Let the readers drain the pipes.
                std::thread::sleep(Duration::from_millis(100));
                return status.code().unwrap_or(-1);
            }
            assert!(
                started.elapsed() < PATIENCE,
                "the process did not exit\n{}",
                self.transcript()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn collect(stream: impl Read + Send + 'static) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&lines);
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if let Ok(mut lines) = sink.lock() {
                lines.push(line);
            }
        }
    });
    lines
}

/// A running `upnotes serve` and where it serves.
#[derive(Debug)]
pub struct Server {
    /// The process.
    pub process: Running,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// The site's base path, e.g. `/mesos/`.
    pub prefix: String,
}

impl Server {
    /// Starts `upnotes serve --port 0` on the site in `dir` and waits until it serves.
    pub fn start(dir: &Path) -> Server {
        let process = Running::start(dir, &["serve", "--port", "0"]);
        let line = process.wait_for_line("serving http://");
        let url = line
            .trim_start_matches("serving http://")
            .split(' ')
            .next()
            .unwrap_or_default()
            .to_string();
        let slash = url.find('/').unwrap_or(url.len());
        Server {
            addr: url[..slash].to_string(),
            prefix: url[slash..].to_string(),
            process,
        }
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Response {
        self.request(&format!("GET {path} HTTP/1.1"))
    }

    /// Sends `request_line` with a Host header, reads the whole response.
    pub fn request(&self, request_line: &str) -> Response {
        http(&self.addr, request_line)
    }
}

/// An HTTP response.
#[derive(Debug)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Header lines, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One request on a fresh connection; `Connection: close` so the body ends with the stream.
pub fn http(addr: &str, request_line: &str) -> Response {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
    let request = format!("{request_line}\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("send");
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    parse(&raw)
}

fn parse(raw: &[u8]) -> Response {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let body = raw.get(split + 4..).unwrap_or_default().to_vec();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Response {
        status,
        headers,
        body,
    }
}

/// The first Server-Sent Event of the reload stream: the current status as JSON.
pub fn first_status(addr: &str) -> serde_json::Value {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
    let request = format!("GET /__upnotes/events HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("send");
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    while reader.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
        if let Some(data) = line.trim_end().strip_prefix("data:") {
            return serde_json::from_str(data.trim()).expect("status JSON");
        }
        line.clear();
    }
    panic!("the event stream ended without an event");
}
