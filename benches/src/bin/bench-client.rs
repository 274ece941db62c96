//! Load clients the general-purpose tools do not cover:
//!
//! - `bench-client sse <addr> <connections> <seconds>`: opens that many event streams on
//!   `/events` and prints the events per second received in all;
//! - `bench-client slow <addr> <connections> <seconds> <bytes-per-second>`: that many
//!   downloads of `/file`, each read at the given rate, held open for the duration.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    match args.first().map(String::as_str) {
        Some("sse") if args.len() == 4 => runtime.block_on(sse(
            args[1].parse().expect("addr"),
            args[2].parse().expect("connections"),
            Duration::from_secs(args[3].parse().expect("seconds")),
        )),
        Some("slow") if args.len() == 5 => runtime.block_on(slow(
            args[1].parse().expect("addr"),
            args[2].parse().expect("connections"),
            Duration::from_secs(args[3].parse().expect("seconds")),
            args[4].parse().expect("bytes per second"),
        )),
        _ => {
            eprintln!(
                "usage: bench-client sse <addr> <connections> <seconds>\n       bench-client slow <addr> <connections> <seconds> <bytes-per-second>"
            );
            std::process::exit(2);
        }
    }
}

async fn connect(addr: SocketAddr, path: &str) -> Option<TcpStream> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    Some(stream)
}

/// Counts `tick` in everything read: one per event (a rare split across reads is missed).
async fn sse(addr: SocketAddr, connections: usize, duration: Duration) {
    let events = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + duration;
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let events = Arc::clone(&events);
        tasks.push(tokio::spawn(async move {
            let Some(mut stream) = connect(addr, "/events").await else {
                return;
            };
            let mut buffer = vec![0u8; 64 * 1024];
            while Instant::now() < deadline {
                let Ok(Ok(read)) =
                    tokio::time::timeout_at(deadline.into(), stream.read(&mut buffer)).await
                else {
                    break;
                };
                if read == 0 {
                    break;
                }
                let count = buffer[..read]
                    .windows(4)
                    .filter(|window| window == b"tick")
                    .count();
                events.fetch_add(count as u64, Ordering::Relaxed);
            }
        }));
    }
    let started = Instant::now();
    for task in tasks {
        let _ = task.await;
    }
    let total = events.load(Ordering::Relaxed);
    let seconds = started.elapsed().as_secs_f64().max(duration.as_secs_f64());
    println!("events_per_second {:.0}", total as f64 / seconds);
}

async fn slow(addr: SocketAddr, connections: usize, duration: Duration, rate: u64) {
    let received = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + duration;
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let received = Arc::clone(&received);
        tasks.push(tokio::spawn(async move {
            let Some(mut stream) = connect(addr, "/file").await else {
                return;
            };
            let mut buffer = vec![0u8; 4096];
            let started = Instant::now();
            let mut total = 0u64;
            while Instant::now() < deadline {
                let Ok(read) = stream.read(&mut buffer).await else {
                    break;
                };
                if read == 0 {
                    break;
                }
                total += read as u64;
                received.fetch_add(read as u64, Ordering::Relaxed);
                // Hold back to the given rate.
                let due = Duration::from_secs_f64(total as f64 / rate as f64);
                if let Some(wait) = due.checked_sub(started.elapsed()) {
                    tokio::time::sleep(
                        wait.min(deadline.saturating_duration_since(Instant::now())),
                    )
                    .await;
                }
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    println!("bytes_received {}", received.load(Ordering::Relaxed));
}
