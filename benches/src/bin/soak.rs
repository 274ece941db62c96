//! Soak test: `soak <addr> <seconds> <concurrency> <static-dir>` drives the showcase with a
//! mixed load (plain, JSON, typed responses, files whole and in ranges, redirects, event
//! streams that connect and leave) and checks every response against its headers: the status
//! expected, `Content-Length` equal to the body, ranges equal to the file's bytes, JSON that
//! parses, events that arrive. It prints the counts; any unexpected status or malformed
//! response makes it exit 1. `soak.sh` runs it against the showcase and samples the RSS.
//!
//! With a fifth argument `attack`, hostile clients run beside the ordinary ones, each
//! reconnecting whenever the server closes it: silent sockets, idle keep-alive connections,
//! request bodies trickled at a byte a second, HTTP/2 PING floods and rapid resets. Their
//! closes are counted; the ordinary clients must still see zero errors.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

type HttpClient = Client<HttpConnector, Empty<Bytes>>;

#[derive(Default)]
struct Counts {
    requests: AtomicU64,
    unexpected_status: AtomicU64,
    malformed: AtomicU64,
    transport_errors: AtomicU64,
    events: AtomicU64,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 4 && !(args.len() == 5 && args[4] == "attack") {
        eprintln!("usage: soak <addr> <seconds> <concurrency> <static-dir> [attack]");
        std::process::exit(2);
    }
    let addr: SocketAddr = args[0].parse().expect("addr");
    let seconds: u64 = args[1].parse().expect("seconds");
    let concurrency: usize = args[2].parse().expect("concurrency");
    let dir = PathBuf::from(&args[3]);
    let file = Arc::new(std::fs::read(dir.join("hello.txt")).expect("examples/static/hello.txt"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let counts = Arc::new(Counts::default());
    runtime.block_on(async {
        let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let mut tasks = Vec::new();
        let attackers = Arc::new(attack::Closes::default());
        if args.len() == 5 {
            attack::spawn(addr, deadline, &attackers);
        }
        for worker in 0..concurrency {
            let (client, counts, file) = (client.clone(), Arc::clone(&counts), Arc::clone(&file));
            tasks.push(tokio::spawn(async move {
                let mut n = worker as u64;
                while Instant::now() < deadline {
                    n = n
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let outcome = one(&client, addr, n, &file, &counts).await;
                    counts.requests.fetch_add(1, Ordering::Relaxed);
                    match outcome {
                        Ok(()) => {}
                        Err(Failure::Status(what)) => {
                            counts.unexpected_status.fetch_add(1, Ordering::Relaxed);
                            eprintln!("unexpected status: {what}");
                        }
                        Err(Failure::Malformed(what)) => {
                            counts.malformed.fetch_add(1, Ordering::Relaxed);
                            eprintln!("malformed: {what}");
                        }
                        Err(Failure::Transport(what)) => {
                            counts.transport_errors.fetch_add(1, Ordering::Relaxed);
                            eprintln!("transport: {what}");
                        }
                    }
                }
            }));
        }
        for task in tasks {
            task.await.expect("worker");
        }
        if args.len() == 5 {
            println!("{}", attackers.report());
        }
    });
    let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
    println!(
        "requests {} unexpected_status {} malformed {} transport_errors {} events {}",
        get(&counts.requests),
        get(&counts.unexpected_status),
        get(&counts.malformed),
        get(&counts.transport_errors),
        get(&counts.events)
    );
    if get(&counts.unexpected_status) + get(&counts.malformed) + get(&counts.transport_errors) > 0 {
        std::process::exit(1);
    }
}

enum Failure {
    Status(String),
    Malformed(String),
    Transport(String),
}

async fn fetch(
    client: &HttpClient,
    addr: SocketAddr,
    path: &str,
    range: Option<String>,
) -> Result<(http::StatusCode, http::HeaderMap, Bytes), Failure> {
    let mut request = http::Request::get(format!("http://{addr}{path}"));
    if let Some(range) = range {
        request = request.header("range", range);
    }
    let request = request
        .body(Empty::new())
        .map_err(|e| Failure::Transport(e.to_string()))?;
    let response = client
        .request(request)
        .await
        .map_err(|e| Failure::Transport(format!("{path}: {e}")))?;
    let (parts, body) = response.into_parts();
    // hyper's client checks the framing (Content-Length or chunked) while it reads.
    let body = body
        .collect()
        .await
        .map_err(|e| Failure::Malformed(format!("{path}: body: {e}")))?
        .to_bytes();
    if let Some(length) = parts.headers.get("content-length") {
        let length: usize = length
            .to_str()
            .ok()
            .and_then(|l| l.parse().ok())
            .unwrap_or(usize::MAX);
        if length != body.len() {
            return Err(Failure::Malformed(format!(
                "{path}: content-length {length}, body {}",
                body.len()
            )));
        }
    }
    Ok((parts.status, parts.headers, body))
}

fn expect(status: http::StatusCode, wanted: u16, path: &str) -> Result<(), Failure> {
    if status == wanted {
        Ok(())
    } else {
        Err(Failure::Status(format!(
            "{path}: {status}, expected {wanted}"
        )))
    }
}

async fn one(
    client: &HttpClient,
    addr: SocketAddr,
    n: u64,
    file: &[u8],
    counts: &Counts,
) -> Result<(), Failure> {
    match (n >> 33) % 10 {
        0 | 1 => {
            let (status, _, body) = fetch(client, addr, "/plain", None).await?;
            expect(status, 200, "/plain")?;
            (body == "Hello, world!")
                .then_some(())
                .ok_or_else(|| Failure::Malformed(format!("/plain: {body:?}")))
        }
        2 | 3 => {
            let (status, _, body) = fetch(client, addr, "/json", None).await?;
            expect(status, 200, "/json")?;
            serde_json::from_slice::<serde_json::Value>(&body)
                .map(drop)
                .map_err(|e| Failure::Malformed(format!("/json: {e}")))
        }
        4 => {
            let (status, _, body) = fetch(client, addr, "/dsl/lookup?id=1", None).await?;
            expect(status, 200, "/dsl/lookup")?;
            (body == r#"{"id":1,"name":"widget"}"#)
                .then_some(())
                .ok_or_else(|| Failure::Malformed(format!("lookup: {body:?}")))
        }
        5 => {
            let (status, _, body) = fetch(client, addr, "/static/hello.txt", None).await?;
            expect(status, 200, "/static/hello.txt")?;
            (body.as_ref() == file)
                .then_some(())
                .ok_or_else(|| Failure::Malformed("whole file differs".into()))
        }
        6 | 7 => {
            let size = file.len() as u64;
            let start = (n >> 17) % size;
            let end = (start + (n >> 7) % 64).min(size - 1);
            let (status, headers, body) = fetch(
                client,
                addr,
                "/static/hello.txt",
                Some(format!("bytes={start}-{end}")),
            )
            .await?;
            expect(status, 206, "range")?;
            let content_range = headers
                .get("content-range")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if content_range != format!("bytes {start}-{end}/{size}") {
                return Err(Failure::Malformed(format!(
                    "range {start}-{end}: content-range {content_range:?}"
                )));
            }
            (body.as_ref() == &file[start as usize..=end as usize])
                .then_some(())
                .ok_or_else(|| Failure::Malformed(format!("range {start}-{end}: bytes differ")))
        }
        8 => {
            let (status, headers, _) = fetch(client, addr, "/redirect", None).await?;
            expect(status, 307, "/redirect")?;
            (headers.get("location").is_some_and(|l| l == "/html"))
                .then_some(())
                .ok_or_else(|| Failure::Malformed("redirect location".into()))
        }
        _ => {
            // An event stream: take one event, then leave.
            let request = http::Request::get(format!("http://{addr}/events"))
                .body(Empty::new())
                .map_err(|e| Failure::Transport(e.to_string()))?;
            let response = client
                .request(request)
                .await
                .map_err(|e| Failure::Transport(format!("/events: {e}")))?;
            expect(response.status(), 200, "/events")?;
            let mut body = response.into_body();
            let read = tokio::time::timeout(Duration::from_secs(5), async {
                while let Some(frame) = body.frame().await {
                    let frame = frame.map_err(|e| Failure::Malformed(format!("/events: {e}")))?;
                    if frame
                        .data_ref()
                        .is_some_and(|data| data.windows(6).any(|w| w == b"data: "))
                    {
                        return Ok(());
                    }
                }
                Err(Failure::Malformed("/events ended without an event".into()))
            })
            .await
            .map_err(|_| Failure::Malformed("/events: no event within 5 s".into()))?;
            counts.events.fetch_add(1, Ordering::Relaxed);
            read
        }
    }
}

/// The hostile clients of `soak ... attack`.
mod attack {
    use std::net::SocketAddr;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{Duration, Instant};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00";

    /// How often the server closed each kind of attacker.
    #[derive(Default)]
    pub(crate) struct Closes {
        silent: AtomicU64,
        idle: AtomicU64,
        trickle: AtomicU64,
        ping_flood: AtomicU64,
        rapid_reset: AtomicU64,
    }

    impl Closes {
        pub(crate) fn report(&self) -> String {
            let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
            format!(
                "attackers closed by the server: silent {} idle {} trickle {} ping_flood {} rapid_reset {}",
                get(&self.silent),
                get(&self.idle),
                get(&self.trickle),
                get(&self.ping_flood),
                get(&self.rapid_reset)
            )
        }
    }

    fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
        let mut bytes = (payload.len() as u32).to_be_bytes()[1..].to_vec();
        bytes.extend([kind, flags]);
        bytes.extend(stream.to_be_bytes());
        bytes.extend(payload);
        bytes
    }

    /// One kind of hostile client: how many, its close counter, what it sends first, its mode.
    type Kind = (usize, fn(&Closes) -> &AtomicU64, &'static [u8], u8);

    /// 100 silent sockets, 50 idle keep-alive ones, 20 trickled bodies, 5 PING floods and 5
    /// rapid-reset loops, each reconnecting when closed, until `deadline`.
    pub(crate) fn spawn(addr: SocketAddr, deadline: Instant, closes: &Arc<Closes>) {
        let kinds: [Kind; 5] = [
            (100, |c| &c.silent, b"", 0),
            (
                50,
                |c| &c.idle,
                b"GET /plain HTTP/1.1\r\nHost: soak\r\n\r\n",
                0,
            ),
            (
                20,
                |c| &c.trickle,
                b"POST /plain HTTP/1.1\r\nHost: soak\r\nContent-Length: 1000000\r\n\r\n",
                1,
            ),
            (5, |c| &c.ping_flood, PREFACE, 2),
            (5, |c| &c.rapid_reset, PREFACE, 3),
        ];
        for (count, counter, opening, mode) in kinds {
            for _ in 0..count {
                let closes = Arc::clone(closes);
                tokio::spawn(async move {
                    while Instant::now() < deadline {
                        let Ok(mut socket) = TcpStream::connect(addr).await else {
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            continue;
                        };
                        let _ = socket.write_all(opening).await;
                        let left = deadline.saturating_duration_since(Instant::now());
                        let closed = tokio::time::timeout(left, misbehave(&mut socket, mode)).await;
                        if closed.is_ok() {
                            counter(&closes).fetch_add(1, Ordering::Relaxed);
                        }
                    }
                });
            }
        }
    }

    /// Misbehaves until the server closes the connection.
    async fn misbehave(socket: &mut TcpStream, mode: u8) {
        let (mut read, mut write) = socket.split();
        let drain = async {
            let mut buf = vec![0u8; 16 * 1024];
            while matches!(read.read(&mut buf).await, Ok(n) if n > 0) {}
        };
        let act = async {
            let mut stream = 1u32;
            loop {
                let bytes = match mode {
                    1 => b"x".to_vec(),
                    2 => frame(0x6, 0, 0, &[1; 8]).repeat(100),
                    3 => {
                        // :method GET, :scheme http, :path /, :authority s; then RST_STREAM.
                        let mut bytes =
                            frame(0x1, 0x5, stream, &[0x82, 0x86, 0x84, 0x01, 0x01, b's']);
                        bytes.extend(frame(0x3, 0, stream, &8u32.to_be_bytes()));
                        stream += 2;
                        bytes
                    }
                    _ => return std::future::pending::<()>().await,
                };
                if write.write_all(&bytes).await.is_err() {
                    return;
                }
                if mode == 1 {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        };
        // A PING flood does not read (that is the attack); the others read what comes.
        if mode == 2 {
            act.await;
            drain.await;
        } else {
            tokio::select! {
                () = drain => {}
                () = act => {}
            }
        }
    }
}
