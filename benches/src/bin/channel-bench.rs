//! Channel hub benchmarks: fan-out to many subscribers (respond's hub, in-process or on
//! Redis, against axum + `tokio::sync::broadcast` + axum's `Sse`), memory per idle
//! subscriber, and publish-to-receive latency across two replicas on one Redis.
//!
//! ```text
//! ulimit -n 65536
//! taskset -c 1 channel-bench fanout  <respond|redis|axum|starlette> <subscribers> <events> [redis-url]
//! taskset -c 1 channel-bench idle    <respond|redis|axum|starlette|sse> <subscribers> [redis-url]
//! channel-bench latency <redis-url> <events> <per-second>
//! ```
//!
//! `fanout` and `idle` start the server under test as a child process pinned to core 0
//! (`channel-bench serve`, one thread), so its CPU time and RSS are its own; the clients
//! (plain sockets counting bytes) run here, on core 1. The in-process hub and axum's
//! broadcast publish from a task of the server, started by one request, and so does the
//! sse-starlette peer (`sse_starlette_channel.py`: `broadcaster` on Redis pub/sub, there and
//! back through Redis). On respond's Redis engine another replica publishes, as behind a load
//! balancer: a third process (`channel-bench publish`, on core 1 beside the clients) with a hub
//! of its own on the same Redis. Each publish is awaited before the next, as a handler would.
//! `idle sse` holds respond event streams with no hub behind them, to tell what the hub's
//! subscriber adds to a connection.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::response::sse::{Event, Sse};
use futures_util::StreamExt;
use respond::{ChannelHub, Receiver, Scope, Sender, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::broadcast;

/// What a publisher hands to the server under test.
#[derive(Clone)]
enum Target {
    Hub(ChannelHub),
    Broadcast(broadcast::Sender<String>),
    /// `sse`: event streams with no channel behind them (measured idle only).
    Nothing,
}

impl Target {
    async fn publish(&self, data: String) {
        match self {
            Target::Hub(hub) => {
                hub.publish("bench", data).await.expect("publish");
            }
            Target::Broadcast(sender) => {
                let _ = sender.send(data);
            }
            Target::Nothing => panic!("the sse kind has no channel to publish to: idle only"),
        }
    }
}

/// Events a channel buffers for its subscribers (the hub's `max_lag` and history, the axum
/// peer's broadcast capacity): 65,536 for the fan-out runs, whose bursts must not make a
/// subscriber lag, and the hub's default 1,024 for the idle runs, where the buffer is a cost of
/// the channel that 10,000 subscribers should not be charged for (a 65,536-event ring is about
/// 5 MiB). Set for the server under test by `CHANNEL_BENCH_BUFFER`.
fn buffer() -> usize {
    std::env::var("CHANNEL_BENCH_BUFFER")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(1 << 16)
}

fn hub(kind: &str, redis: Option<&str>) -> ChannelHub {
    let builder = ChannelHub::builder()
        .max_lag(buffer())
        .history_size(buffer());
    match kind {
        "respond" => builder.build(),
        "redis" => builder
            .build_redis(redis.expect("a Redis URL for the redis engine"))
            .expect("Redis hub"),
        other => panic!("unknown server {other:?}: respond, redis, axum, starlette or sse"),
    }
}

/// Serves the channel `bench` at `GET /` and returns what publishes to it.
async fn start(kind: &str, redis: Option<&str>) -> (SocketAddr, Target) {
    if kind == "axum" {
        let (sender, _) = broadcast::channel::<String>(buffer());
        let live = sender.clone();
        let app = axum::Router::new().route(
            "/",
            axum::routing::get(move || {
                let receiver = live.subscribe();
                async move {
                    let events = tokio_stream_of(receiver)
                        .map(|data| Ok::<_, Infallible>(Event::default().data(data)));
                    Sse::new(events)
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        return (addr, Target::Broadcast(sender));
    }
    if kind == "sse" {
        // A respond event stream with no hub behind it (a stream that never yields): what
        // the connection and the event stream cost before the hub's subscriber is added.
        let app = |scope: Scope, mut receive: Receiver, mut send: Sender| async move {
            respond::EventSourceResponse::new(futures_util::stream::pending::<String>())
                .send(&scope, &mut receive, &mut send)
                .await
        };
        return (serve_respond(app).await, Target::Nothing);
    }
    let hub = hub(kind, redis);
    let served = hub.clone();
    let app = move |scope: Scope, mut receive: Receiver, mut send: Sender| {
        let hub = served.clone();
        async move {
            hub.subscribe(&scope, "bench")?
                .send(&scope, &mut receive, &mut send)
                .await
        }
    };
    (serve_respond(app).await, Target::Hub(hub))
}

/// Serves `app` on respond's server on a free loopback port.
async fn serve_respond(app: impl respond::App) -> SocketAddr {
    let server = Server::bind("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr().unwrap();
    tokio::spawn(server.serve(app));
    addr
}

/// The receiver as a stream, ending on lag (as users write it with `BroadcastStream`).
fn tokio_stream_of(
    receiver: broadcast::Receiver<String>,
) -> impl futures_util::Stream<Item = String> + Send {
    futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.ok().map(|data| (data, receiver))
    })
}

/// A subscriber's socket, its request sent and its response head read.
async fn subscribe(addr: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(b"GET / HTTP/1.1\r\nhost: bench\r\naccept: text/event-stream\r\n\r\n")
        .await
        .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).await.expect("response head");
        head.push(byte[0]);
    }
    stream
}

/// Reads until `marker` went by.
async fn read_until(mut stream: TcpStream, marker: &'static [u8]) {
    let mut buffer = vec![0u8; 64 * 1024];
    let mut tail: Vec<u8> = Vec::new();
    loop {
        let n = stream.read(&mut buffer).await.expect("read");
        assert!(n > 0, "the stream ended early");
        tail.extend_from_slice(&buffer[..n]);
        if tail.windows(marker.len()).any(|window| window == marker) {
            return;
        }
        let keep = tail.len().saturating_sub(marker.len());
        tail.drain(..keep);
    }
}

/// User plus system CPU time from the text of a `/proc/<pid>/stat`.
fn ticks(stat: &str) -> Duration {
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(vec![], |(_, rest)| rest.split_whitespace().collect());
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i)?.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10)
}

/// `VmRSS` in KiB from the text of a `/proc/<pid>/status`.
fn rss_of(status: &str) -> u64 {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The server under test in a child process of its own, pinned to core 0 (`taskset`), so
/// its CPU time and memory are its own: the clients stay in this process, and on Redis the
/// publishing replica is a third process (`channel-bench publish`).
struct Child {
    process: std::process::Child,
    addr: SocketAddr,
    /// Where `POST /publish?n=E` goes.
    trigger: SocketAddr,
}

impl Child {
    fn spawn(kind: &str, redis: Option<&str>, buffer: usize) -> Child {
        use std::io::BufRead;
        let exe = std::env::current_exe().expect("own path");
        let mut command = std::process::Command::new("taskset");
        if kind == "starlette" {
            // sse-starlette with broadcaster on Redis, under uvicorn (one process, one loop).
            let script = concat!(env!("CARGO_MANIFEST_DIR"), "/sse_starlette_channel.py");
            command.args(["-c", "0", "python3", script]);
        } else {
            command.args(["-c", "0"]).arg(exe).args(["serve", kind]);
        }
        command
            .args(redis)
            .env("CHANNEL_BENCH_BUFFER", buffer.to_string());
        let mut process = command
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("taskset (util-linux) to start the server");
        let mut lines = std::io::BufReader::new(process.stdout.take().expect("stdout")).lines();
        let mut next_addr = || -> SocketAddr {
            let line = lines.next().expect("an address line").expect("stdout");
            line.trim().parse().expect("an address")
        };
        let (addr, trigger) = (next_addr(), next_addr());
        Child {
            process,
            addr,
            trigger,
        }
    }

    fn stat(&self, field: &str) -> String {
        std::fs::read_to_string(format!("/proc/{}/{field}", self.process.id())).unwrap_or_default()
    }

    /// User plus system CPU time so far.
    fn cpu(&self) -> Duration {
        ticks(&self.stat("stat"))
    }

    fn rss_kib(&self) -> u64 {
        rss_of(&self.stat("status"))
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// `channel-bench serve`: serves `GET /` (a subscription to the channel `bench`) and, for
/// the engines published from inside the server (in-process hub, axum's broadcast),
/// `POST /publish?n=E`, which publishes E events and then `end` from a task of the server.
async fn serve(kind: &str, redis: Option<&str>) {
    let (addr, target) = start(kind, redis).await;
    println!("{addr}");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    // The publish trigger listens on the next line's port: one tiny HTTP/1.1 exchange.
    println!("{}", listener.local_addr().unwrap());
    loop {
        let (mut socket, _) = listener.accept().await.unwrap();
        let target = target.clone();
        tokio::spawn(async move {
            let mut request = vec![0u8; 1024];
            let n = socket.read(&mut request).await.unwrap_or(0);
            let text = String::from_utf8_lossy(&request[..n]);
            let events: usize = text
                .split_once("n=")
                .and_then(|(_, rest)| {
                    rest.split(|c: char| !c.is_ascii_digit())
                        .next()?
                        .parse()
                        .ok()
                })
                .unwrap_or(0);
            let _ = socket
                .write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n")
                .await;
            publish_all(&target, events).await;
        });
    }
}

/// Publishes `events` events (64 bytes of payload each) and then `end`, awaiting each
/// publish as a handler does, yielding every 64 so the subscribers run.
async fn publish_all(target: &Target, events: usize) {
    let payload = "x".repeat(64);
    for n in 0..events {
        target.publish(format!("{n} {payload}")).await;
        if n % 64 == 0 {
            tokio::task::yield_now().await;
        }
    }
    target.publish("end".to_owned()).await;
}

async fn fanout(kind: &str, subscribers: usize, events: usize, redis: Option<&str>) {
    let child = Child::spawn(kind, redis, 1 << 16);
    let mut sockets = Vec::with_capacity(subscribers);
    for _ in 0..subscribers {
        sockets.push(subscribe(child.addr).await);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let readers: Vec<_> = sockets
        .into_iter()
        .map(|socket| tokio::spawn(read_until(socket, b"data: end")))
        .collect();
    let (started, cpu_before) = (Instant::now(), child.cpu());
    if kind == "redis" {
        // Another replica publishes, as behind a load balancer: a process of its own with its
        // own hub on the same Redis, beside the clients on core 1.
        let mut replica = std::process::Command::new("taskset");
        replica
            .args(["-c", "1"])
            .arg(std::env::current_exe().expect("own path"));
        replica.args(["publish", &events.to_string()]).args(redis);
        let status = tokio::task::spawn_blocking(move || replica.status())
            .await
            .expect("the publishing replica")
            .expect("the publishing replica");
        assert!(status.success(), "the publishing replica failed: {status}");
    } else {
        let mut trigger = TcpStream::connect(child.trigger).await.expect("trigger");
        trigger
            .write_all(
                format!("POST /publish?n={events} HTTP/1.1\r\nhost: bench\r\n\r\n").as_bytes(),
            )
            .await
            .unwrap();
    }
    for reader in readers {
        reader.await.expect("reader");
    }
    let (elapsed, used) = (started.elapsed(), child.cpu() - cpu_before);
    let delivered = (subscribers * (events + 1)) as f64;
    println!(
        "fanout {kind}: {subscribers} subscribers x {events} events: {:.0} events/s delivered, {:.3} µs server CPU per delivered event, {:.2?} wall",
        delivered / elapsed.as_secs_f64(),
        used.as_secs_f64() * 1e6 / delivered,
        elapsed
    );
}

async fn idle(kind: &str, subscribers: usize, redis: Option<&str>) {
    let child = Child::spawn(kind, redis, 1024);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = child.rss_kib();
    let mut sockets = Vec::with_capacity(subscribers);
    for _ in 0..subscribers {
        sockets.push(subscribe(child.addr).await);
    }
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let after = child.rss_kib();
    println!(
        "idle {kind}: {subscribers} subscribers: server RSS {before} KiB -> {after} KiB, {:.1} KiB per idle subscriber",
        (after.saturating_sub(before)) as f64 / subscribers as f64
    );
    drop(sockets);
}

async fn latency(redis: &str, events: usize, per_second: u64) {
    let (addr, _) = start("redis", Some(redis)).await;
    let publisher = hub("redis", Some(redis));
    let origin = Instant::now();
    let socket = subscribe(addr).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let reader = tokio::spawn(async move {
        let mut stream = socket;
        let mut samples = Vec::with_capacity(events);
        let mut text = String::new();
        let mut buffer = vec![0u8; 64 * 1024];
        while samples.len() < events {
            let n = stream.read(&mut buffer).await.expect("read");
            assert!(n > 0, "the stream ended early");
            text.push_str(&String::from_utf8_lossy(&buffer[..n]));
            while let Some(at) = text.find("data: ") {
                let Some(end) = text[at..].find("\r\n") else {
                    break;
                };
                let sent: u64 = text[at + 6..at + end].parse().unwrap_or(0);
                samples.push(origin.elapsed().as_micros() as u64 - sent);
                text.drain(..at + end);
            }
        }
        samples
    });
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / per_second));
    for _ in 0..events {
        ticker.tick().await;
        let sent = origin.elapsed().as_micros() as u64;
        publisher
            .publish("bench", sent.to_string())
            .await
            .expect("publish");
    }
    let mut samples = reader.await.expect("reader");
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    println!(
        "latency across two replicas on Redis, {events} events at {per_second}/s: p50 {} µs, p99 {} µs, max {} µs",
        at(0.5),
        at(0.99),
        samples[samples.len() - 1]
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str);
    let number = |i: usize, default: usize| arg(i).and_then(|v| v.parse().ok()).unwrap_or(default);
    match arg(0) {
        Some("serve") => serve(arg(1).unwrap_or("respond"), arg(2)).await,
        Some("fanout") => {
            fanout(
                arg(1).unwrap_or("respond"),
                number(2, 1000),
                number(3, 1000),
                arg(4),
            )
            .await
        }
        Some("publish") => {
            let redis = arg(2).expect("a Redis URL");
            publish_all(&Target::Hub(hub("redis", Some(redis))), number(1, 1000)).await
        }
        Some("idle") => idle(arg(1).unwrap_or("respond"), number(2, 1000), arg(3)).await,
        Some("latency") => {
            latency(
                arg(1).expect("a Redis URL"),
                number(2, 2000),
                number(3, 1000) as u64,
            )
            .await
        }
        _ => eprintln!(
            "usage: taskset -c 1 channel-bench fanout <respond|redis|axum|starlette> <subscribers> <events> [redis-url]\n       channel-bench idle <respond|redis|axum|starlette|sse> <subscribers> [redis-url]\n       channel-bench latency <redis-url> <events> <per-second>"
        ),
    }
}
