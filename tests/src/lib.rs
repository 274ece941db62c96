//! Helpers shared by the integration tests: a server on loopback and clients that show the
//! exact bytes on the wire; [`provision`] brings what the tests need from outside Cargo.

pub mod provision;

/// The README's examples, compiled and run as doc tests (one of them is an axum app; this
/// crate builds respond with the `axum` feature).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

pub mod h2raw;
pub mod tls;

pub mod events;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod redis;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use respond::{App, Server, TestClient};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A respond server running on 127.0.0.1 on a free port.
#[derive(Debug)]
pub struct TestServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    /// Starts serving `app`.
    pub async fn start<A: App>(app: A) -> Self {
        TestServer::start_with(app, |server| server).await
    }

    /// Starts serving `app` on a server that `configure` set up (limits, timeouts).
    pub async fn start_with<A: App>(app: A, configure: impl FnOnce(Server) -> Server) -> Self {
        let server = configure(Server::bind("127.0.0.1:0").await.expect("bind loopback"));
        let addr = server.local_addr().expect("local address");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(
            server
                .with_graceful_shutdown(async {
                    stopped.await.ok();
                })
                .with_shutdown_timeout(Duration::from_secs(5))
                .serve(app),
        );
        TestServer {
            addr,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops it gracefully and waits until it has stopped.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task").expect("server result");
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
    }
}

/// A response read off the socket, byte for byte.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// The status line and header lines, as sent.
    pub head: String,
    /// The status.
    pub status: StatusCode,
    /// The headers, parsed.
    pub headers: HeaderMap,
    /// The body, de-chunked when it was chunked.
    pub body: Bytes,
    /// Whether the body arrived whole (its length matched, or the last chunk came).
    pub complete: bool,
}

impl RawResponse {
    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends `request` (a whole HTTP/1.1 request, `Connection: close` included) and reads the
/// response until the server closes the connection.
pub async fn raw_exchange(addr: SocketAddr, request: &str) -> RawResponse {
    let bytes = raw_bytes(addr, request).await;
    parse_response(&bytes, request.starts_with("HEAD "))
}

/// Sends `request` and returns every byte the server wrote before closing the connection.
pub async fn raw_bytes(addr: SocketAddr, request: &str) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("write request");
    let mut bytes = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut bytes))
        .await
        .expect("response within 20 s")
        .ok();
    bytes
}

/// `GET`-like request with `method`, `target` and extra header lines.
pub async fn raw_request(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
) -> RawResponse {
    let mut request =
        format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    raw_exchange(addr, &request).await
}

/// Parses an HTTP/1.1 response from its bytes.
pub fn parse_response(bytes: &[u8], head_request: bool) -> RawResponse {
    let split = bytes
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of head in {:?}", String::from_utf8_lossy(bytes)));
    let head = String::from_utf8(bytes[..split].to_vec()).expect("ASCII head");
    let rest = &bytes[split + 4..];
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("status line");
    let code: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("status code");
    let mut headers = HeaderMap::new();
    for line in lines {
        let (name, value) = line.split_once(':').expect("header line");
        headers.append(
            HeaderName::try_from(name.trim()).expect("header name"),
            HeaderValue::try_from(value.trim()).expect("header value"),
        );
    }
    let status = StatusCode::from_u16(code).expect("status");
    let no_body =
        head_request || status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED;
    let chunked = headers
        .get("transfer-encoding")
        .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"chunked"));
    let (body, complete) = if no_body {
        (Bytes::new(), rest.is_empty())
    } else if chunked {
        dechunk(rest)
    } else if let Some(length) = headers.get("content-length") {
        let length: usize = length.to_str().unwrap().parse().unwrap();
        let complete = rest.len() == length;
        (
            Bytes::copy_from_slice(&rest[..rest.len().min(length)]),
            complete,
        )
    } else {
        (Bytes::copy_from_slice(rest), true)
    };
    RawResponse {
        head,
        status,
        headers,
        body,
        complete,
    }
}

fn dechunk(mut rest: &[u8]) -> (Bytes, bool) {
    let mut body = Vec::new();
    loop {
        let Some(end) = rest.windows(2).position(|window| window == b"\r\n") else {
            return (body.into(), false);
        };
        let size_text = std::str::from_utf8(&rest[..end]).unwrap_or("");
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size_text, 16) else {
            return (body.into(), false);
        };
        rest = &rest[end + 2..];
        if size == 0 {
            return (body.into(), true);
        }
        if rest.len() < size + 2 {
            body.extend_from_slice(&rest[..rest.len().min(size)]);
            return (body.into(), false);
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

/// What one outlet produced for a request, for assertions that must hold for both.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Which outlet: `"messages"` (TestClient) or `"hyper"` (real socket).
    pub outlet: &'static str,
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl Outcome {
    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    /// Every value of a header.
    pub fn header_all(&self, name: &str) -> Vec<String> {
        self.headers
            .get_all(name)
            .iter()
            .map(|value| value.to_str().unwrap().to_owned())
            .collect()
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Runs `method target` with `headers` against `app` twice: in memory through the
/// [`TestClient`] and over a real socket through the hyper server.
pub async fn both<A: App + Clone>(
    app: A,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
) -> [Outcome; 2] {
    let client = TestClient::new(app.clone());
    let mut request = client.request(method.parse().expect("method"), target);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let memory = request.send().await;
    let server = TestServer::start(app).await;
    let wire = raw_request(server.addr(), method, target, headers).await;
    server.stop().await;
    assert!(wire.complete, "incomplete body on the wire: {wire:?}");
    [
        Outcome {
            outlet: "messages",
            status: memory.status(),
            headers: memory.headers().clone(),
            body: memory.body().clone(),
        },
        Outcome {
            outlet: "hyper",
            status: wire.status,
            headers: wire.headers,
            body: wire.body,
        },
    ]
}

/// An app that sends the response `make` builds, for every request.
pub fn respond_with<F, R>(make: F) -> impl App + Clone
where
    F: Fn() -> R + Clone + Send + Sync + 'static,
    R: respond::IntoResponse,
{
    move |scope: respond::Scope, mut receive: respond::Receiver, mut send: respond::Sender| {
        let response = make().into_response();
        async move { response.send(&scope, &mut receive, &mut send).await }
    }
}

/// A directory of its own under the system's temp dir, removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new, empty directory whose name starts with `respond-{tag}-`.
    pub fn new(tag: &str) -> Self {
        static COUNT: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "respond-{tag}-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("create a temp dir");
        TempDir(dir)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `contents` to the file `name` in the directory and returns its path.
    pub fn file(&self, name: &str, contents: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).expect("write a temp file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
