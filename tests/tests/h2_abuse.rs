//! HTTP/2 abuse (issue 18), with hand-written frames where a well-behaved client library will
//! not misbehave: rapid resets, a CONTINUATION flood, SETTINGS and PING floods, thousands of
//! concurrent streams, a window that never opens, a peer that never answers PINGs. During
//! each attack another client's requests must all be answered within a second, and the
//! attacking connection must end.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::stream;
use respond::{PlainTextResponse, Receiver, Scope, Sender, StreamingResponse};
use respond_tests::TestServer;
use respond_tests::h2raw::{self, CONTINUATION, HEADERS, PING, RST_STREAM, frame};
use tokio::io::AsyncWriteExt;

const LIMIT: Duration = Duration::from_millis(300);
const STREAMS: u32 = 16;

/// What the app saw: requests running now, the most at once, bytes of `/stream` produced.
#[derive(Debug, Default)]
struct Seen {
    running: AtomicUsize,
    peak: AtomicUsize,
    produced: AtomicU64,
}

fn app(seen: Arc<Seen>) -> impl respond::App + Clone {
    move |scope: Scope, mut receive: Receiver, mut send: Sender| {
        let seen = Arc::clone(&seen);
        async move {
            let now = seen.running.fetch_add(1, Ordering::SeqCst) + 1;
            seen.peak.fetch_max(now, Ordering::SeqCst);
            let result = match scope.path() {
                "/slow" => {
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    PlainTextResponse::new("slow")
                        .send(&scope, &mut receive, &mut send)
                        .await
                }
                "/stream" => {
                    let seen = Arc::clone(&seen);
                    let chunks = stream::repeat_with(move || {
                        seen.produced.fetch_add(16 * 1024, Ordering::SeqCst);
                        Bytes::from(vec![b'x'; 16 * 1024])
                    });
                    StreamingResponse::new(chunks)
                        .send(&scope, &mut receive, &mut send)
                        .await
                }
                _ => {
                    PlainTextResponse::new("ok")
                        .send(&scope, &mut receive, &mut send)
                        .await
                }
            };
            seen.running.fetch_sub(1, Ordering::SeqCst);
            result
        }
    }
}

async fn start(seen: &Arc<Seen>) -> TestServer {
    TestServer::start_with(app(Arc::clone(seen)), |s| {
        s.with_header_timeout(LIMIT)
            .with_idle_timeout(LIMIT)
            .with_http2_max_concurrent_streams(STREAMS)
            .with_http2_keep_alive(LIMIT, LIMIT)
    })
    .await
}

/// Runs `attack` while an ordinary client sends GETs one after another; every GET must be
/// answered "ok" within a second. Returns the attack's result and how many were answered.
async fn meanwhile<T>(server: &TestServer, attack: impl Future<Output = T>) -> (T, usize) {
    let addr = server.addr();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let ordinary = tokio::spawn({
        let done = Arc::clone(&done);
        async move {
            let mut answered = 0;
            while !done.load(Ordering::SeqCst) || answered < 5 {
                let started = Instant::now();
                let response = tokio::time::timeout(
                    Duration::from_secs(1),
                    respond_tests::raw_request(addr, "GET", "/", &[]),
                )
                .await
                .unwrap_or_else(|_| {
                    panic!("an ordinary GET waited over a second (after {answered})")
                });
                assert_eq!(response.text(), "ok");
                assert!(started.elapsed() < Duration::from_secs(1));
                answered += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            answered
        }
    });
    let outcome = attack.await;
    done.store(true, Ordering::SeqCst);
    (outcome, ordinary.await.expect("the ordinary client"))
}

#[tokio::test]
async fn rapid_resets_end_the_connection_and_others_are_served() {
    let seen = Arc::new(Seen::default());
    let server = start(&seen).await;
    let socket = h2raw::connect(server.addr(), &[]).await;
    let ((written, goaway, closed), answered) = meanwhile(&server, async {
        // HEADERS then RST_STREAM(CANCEL), 100,000 times over.
        h2raw::flood(socket, 100_000 * 60, |i| {
            let id = 2 * i + 1;
            [
                h2raw::get(id, "/slow"),
                frame(RST_STREAM, 0, id, &8u32.to_be_bytes()),
            ]
            .concat()
        })
        .await
    })
    .await;
    let streams = written / 60;
    println!(
        "rapid reset: {streams} streams sent, goaway {goaway}, closed {closed}, {answered} ordinary answers"
    );
    assert!(goaway && closed, "the connection must end with GOAWAY");
    assert!(streams < 100_000, "{streams} resets were taken");
    server.stop().await;
}

#[tokio::test]
async fn a_continuation_flood_ends_the_connection() {
    let seen = Arc::new(Seen::default());
    let server = start(&seen).await;
    let socket = h2raw::connect(server.addr(), &[]).await;
    let ((written, goaway, closed), answered) = meanwhile(&server, async {
        h2raw::flood(socket, 64 << 20, |i| {
            if i == 0 {
                frame(HEADERS, 0, 1, &h2raw::get_block("/"))
            } else {
                // Header-block bytes that never end (no END_HEADERS).
                frame(CONTINUATION, 0, 1, &[0u8; 16 * 1024])
            }
        })
        .await
    })
    .await;
    println!(
        "continuation flood: {written} bytes taken, goaway {goaway}, closed {closed}, {answered} ordinary answers"
    );
    assert!(closed, "the connection must end");
    assert!(
        written < 4 << 20,
        "{written} bytes of one header block were taken"
    );
    server.stop().await;
}

#[tokio::test]
async fn settings_and_ping_floods_are_back_pressured_and_closed_at_the_deadline() {
    let seen = Arc::new(Seen::default());
    let server = start(&seen).await;
    for (name, flood_frame) in [
        ("SETTINGS", h2raw::settings(&[(0x3, 100)])),
        ("PING", frame(PING, 0, 0, &[7; 8])),
    ] {
        let mut socket = h2raw::connect(server.addr(), &[]).await;
        let started = Instant::now();
        let ((written, closed_after), answered) = meanwhile(&server, async {
            // Flood without reading, for at most a second of writing.
            let mut written = 0usize;
            while started.elapsed() < Duration::from_secs(1) {
                let batch = flood_frame.repeat(1000);
                match tokio::time::timeout(Duration::from_millis(200), socket.write_all(&batch))
                    .await
                {
                    Ok(Ok(())) => written += batch.len(),
                    _ => break,
                }
            }
            let closed = h2raw::until_closed(&mut socket, Duration::from_secs(5)).await;
            (written, closed.map(|_| started.elapsed()))
        })
        .await;
        let closed_after =
            closed_after.unwrap_or_else(|| panic!("{name} flood: still open after 5 s"));
        println!(
            "{name} flood: {written} bytes taken before back-pressure, closed {closed_after:?} after connecting, {answered} ordinary answers"
        );
        // No request ever came: the header deadline (300 ms) ends it, floods or not.
        assert!(
            closed_after >= LIMIT - Duration::from_millis(20),
            "{name}: {closed_after:?}"
        );
        assert!(
            closed_after < LIMIT + Duration::from_secs(1),
            "{name}: {closed_after:?}"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn thousands_of_concurrent_streams_are_refused_beyond_the_limit() {
    let seen = Arc::new(Seen::default());
    let server = start(&seen).await;
    let socket = h2raw::connect(server.addr(), &[]).await;
    let ((written, _goaway, closed), answered) = meanwhile(&server, async {
        h2raw::flood(socket, 5_000 * 20, |i| h2raw::get(2 * i + 1, "/slow")).await
    })
    .await;
    let peak = seen.peak.load(Ordering::SeqCst);
    println!(
        "5,000 streams: {} sent, app peak {peak}, closed {closed}, {answered} ordinary answers",
        written / 20
    );
    assert!(
        peak <= STREAMS as usize + 1,
        "{peak} requests ran at once on a limit of {STREAMS}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_window_that_never_opens_holds_bounded_data_and_an_unanswered_ping_ends_it() {
    let seen = Arc::new(Seen::default());
    let server = start(&seen).await;
    // SETTINGS_INITIAL_WINDOW_SIZE = 0: the server may send no DATA at all.
    let mut socket = h2raw::connect(server.addr(), &[(0x4, 0)]).await;
    let requests: Vec<u8> = (0..STREAMS)
        .flat_map(|i| h2raw::get(2 * i + 1, "/stream"))
        .collect();
    socket.write_all(&requests).await.unwrap();
    let (closed, answered) = meanwhile(&server, async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        // Reads (so the socket is not what blocks) but never acknowledges a PING.
        h2raw::until_closed(&mut socket, Duration::from_secs(5)).await
    })
    .await;
    let produced = seen.produced.load(Ordering::SeqCst);
    let closed = closed.expect("the connection ends: its PINGs went unanswered");
    println!(
        "zero window: {produced} bytes produced for {STREAMS} streams, closed after {closed:?}, {answered} ordinary answers"
    );
    // Per stream: the 64 KiB send buffer, one chunk in hand and one in the bridge.
    let bound = u64::from(STREAMS) * (64 + 2 * 16) * 1024;
    assert!(
        produced <= bound,
        "{produced} bytes produced, bound {bound}"
    );
    assert!(closed < Duration::from_secs(3), "{closed:?}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        seen.running.load(Ordering::SeqCst),
        0,
        "the streams' responses were dropped"
    );
    server.stop().await;
}
