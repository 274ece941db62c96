//! Channel hub benchmarks: fan-out to many subscribers (respond's hub, in-process or on
//! Redis, against axum + `tokio::sync::broadcast` + axum's `Sse`), memory per idle
//! subscriber, and publish-to-receive latency across two replicas on one Redis.
//!
//! ```text
//! channel-bench fanout  <respond|redis|axum> <subscribers> <events> [redis-url]
//! channel-bench idle    <respond|redis|axum> <subscribers> [redis-url]
//! channel-bench latency <redis-url> <events> <per-second>
//! ```
//!
//! Server and clients share the process (the clients are plain sockets counting bytes), so
//! the CPU figure includes the clients' reads; compare engines with each other, not with
//! figures from other harnesses.

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
        }
    }
}

fn hub(kind: &str, redis: Option<&str>) -> ChannelHub {
    let builder = ChannelHub::builder().max_lag(1 << 16).history_size(1 << 16);
    match kind {
        "respond" => builder.build(),
        "redis" => builder
            .build_redis(redis.expect("a Redis URL for the redis engine"))
            .expect("Redis hub"),
        other => panic!("unknown server {other:?}: respond, redis or axum"),
    }
}

/// Serves the channel `bench` at `GET /` and returns what publishes to it.
async fn start(kind: &str, redis: Option<&str>) -> (SocketAddr, Target) {
    if kind == "axum" {
        let (sender, _) = broadcast::channel::<String>(1 << 16);
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
    let server = Server::bind("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr().unwrap();
    tokio::spawn(server.serve(app));
    (addr, Target::Hub(hub))
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

/// The process's CPU time (user + system) so far.
fn cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(vec![], |(_, rest)| rest.split_whitespace().collect());
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i)?.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10)
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

async fn fanout(kind: &str, subscribers: usize, events: usize, redis: Option<&str>) {
    let (addr, target) = start(kind, redis).await;
    let mut sockets = Vec::with_capacity(subscribers);
    for _ in 0..subscribers {
        sockets.push(subscribe(addr).await);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let readers: Vec<_> = sockets
        .into_iter()
        .map(|socket| tokio::spawn(read_until(socket, b"data: end")))
        .collect();
    let (started, cpu_before) = (Instant::now(), cpu());
    let payload = "x".repeat(64);
    for n in 0..events {
        target.publish(format!("{n} {payload}")).await;
        if n % 64 == 0 {
            tokio::task::yield_now().await;
        }
    }
    target.publish("end".to_owned()).await;
    for reader in readers {
        reader.await.expect("reader");
    }
    let (elapsed, used) = (started.elapsed(), cpu() - cpu_before);
    let delivered = (subscribers * (events + 1)) as f64;
    println!(
        "fanout {kind}: {subscribers} subscribers x {events} events: {:.0} events/s delivered, {:.2} µs process CPU per delivered event (clients included), {:.2?} wall",
        delivered / elapsed.as_secs_f64(),
        used.as_secs_f64() * 1e6 / delivered,
        elapsed
    );
}

async fn idle(kind: &str, subscribers: usize, redis: Option<&str>) {
    let (addr, _target) = start(kind, redis).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = rss_kib();
    let mut sockets = Vec::with_capacity(subscribers);
    for _ in 0..subscribers {
        sockets.push(subscribe(addr).await);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = rss_kib();
    println!(
        "idle {kind}: {subscribers} subscribers: RSS {before} KiB -> {after} KiB, {:.1} KiB per idle subscriber (client sockets included)",
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
                let Some(end) = text[at..].find("\r\n") else { break };
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
        publisher.publish("bench", sent.to_string()).await.expect("publish");
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

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str);
    let number = |i: usize, default: usize| arg(i).and_then(|v| v.parse().ok()).unwrap_or(default);
    match arg(0) {
        Some("fanout") => fanout(arg(1).unwrap_or("respond"), number(2, 1000), number(3, 1000), arg(4)).await,
        Some("idle") => idle(arg(1).unwrap_or("respond"), number(2, 1000), arg(3)).await,
        Some("latency") => {
            latency(arg(1).expect("a Redis URL"), number(2, 2000), number(3, 1000) as u64).await
        }
        _ => eprintln!(
            "usage: channel-bench fanout <respond|redis|axum> <subscribers> <events> [redis-url]\n       channel-bench idle <respond|redis|axum> <subscribers> [redis-url]\n       channel-bench latency <redis-url> <events> <per-second>"
        ),
    }
}
