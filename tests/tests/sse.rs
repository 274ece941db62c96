//! EventSourceResponse: sse-starlette's cases (encoding, pings, send timeout, disconnect,
//! HEAD, headers, background, shutdown) through the test client and over real sockets.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::stream::{self, StreamExt};
use respond::{Error, EventSourceResponse, Receiver, Scope, Sender, ServerSentEvent, TestClient};
use respond_tests::{TestServer, both, raw_bytes, respond_with};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sets its flag when dropped: proves a stream was dropped.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

async fn eventually(flag: &AtomicBool, what: &str) {
    for _ in 0..300 {
        if flag.load(Ordering::SeqCst) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{what} did not happen within 3 s");
}

/// An endless stream that owns a drop flag.
fn endless(
    flag: Arc<AtomicBool>,
    every: Duration,
) -> impl futures_util::Stream<Item = ServerSentEvent> + Send {
    let guard = DropFlag(flag);
    stream::unfold((guard, 0u64), move |(guard, n)| async move {
        tokio::time::sleep(every).await;
        Some((
            ServerSentEvent::new(format!("tick {n}")).id(n.to_string()),
            (guard, n + 1),
        ))
    })
}

#[tokio::test]
async fn serialization_of_items() {
    let app = respond_with(|| {
        EventSourceResponse::new(stream::iter(vec![
            Ok::<_, std::io::Error>(ServerSentEvent::new("1")),
            Ok(ServerSentEvent::new("two\nlines")
                .event("multi")
                .id("2")
                .retry(Duration::from_millis(500))),
            Ok(ServerSentEvent::comment_only("just a comment")),
        ]))
        .with_ping(Duration::ZERO)
    });
    for outcome in both(app, "GET", "/", &[]).await {
        assert_eq!(
            outcome.text(),
            "data: 1\r\n\r\nid: 2\r\nevent: multi\r\ndata: two\r\ndata: lines\r\nretry: 500\r\n\r\n: just a comment\r\n\r\n",
            "{}",
            outcome.outlet
        );
    }
}

#[tokio::test]
async fn strings_become_data_events_and_bytes_go_as_they_are() {
    let app = respond_with(|| {
        EventSourceResponse::new(stream::iter(["a", "b\nc"])).with_ping(Duration::ZERO)
    });
    for outcome in both(app, "GET", "/", &[]).await {
        assert_eq!(outcome.text(), "data: a\r\n\r\ndata: b\r\ndata: c\r\n\r\n");
    }
    let app = respond_with(|| {
        EventSourceResponse::new(stream::iter([Bytes::from_static(b"raw: yes\n\n")]))
            .with_ping(Duration::ZERO)
    });
    for outcome in both(app, "GET", "/", &[]).await {
        assert_eq!(outcome.text(), "raw: yes\n\n");
    }
}

#[tokio::test]
async fn every_separator() {
    for (separator, expected) in [
        ("\r\n", "data: x\r\ndata: y\r\n\r\n"),
        ("\n", "data: x\ndata: y\n\n"),
        ("\r", "data: x\rdata: y\r\r"),
    ] {
        let app = respond_with(move || {
            EventSourceResponse::new(stream::iter(["x\ny"]))
                .with_separator(separator)
                .with_ping(Duration::ZERO)
        });
        let response = TestClient::new(app).get("/").send().await;
        assert_eq!(response.text(), expected, "{separator:?}");
    }
    let app =
        respond_with(|| EventSourceResponse::new(stream::iter(["x"])).with_separator("\r\n\r\n"));
    let error = TestClient::new(app).get("/").try_send().await.unwrap_err();
    assert!(matches!(error, Error::InvalidSeparator(_)), "{error:?}");
}

#[tokio::test]
async fn headers_by_default_and_merged() {
    let app = respond_with(|| EventSourceResponse::new(stream::iter(["x"])));
    for outcome in both(app, "GET", "/", &[]).await {
        assert_eq!(
            outcome.header("content-type"),
            Some("text/event-stream; charset=utf-8")
        );
        assert_eq!(outcome.header("cache-control"), Some("no-store"));
        assert_eq!(outcome.header("x-accel-buffering"), Some("no"));
        assert_eq!(outcome.header("content-length"), None, "{}", outcome.outlet);
        // hyper answers `Connection: close` to a request that asked for it; the response
        // itself never adds `keep-alive`.
        assert_ne!(
            outcome.header("connection"),
            Some("keep-alive"),
            "{}",
            outcome.outlet
        );
    }
    let app = respond_with(|| {
        EventSourceResponse::new(stream::iter(["x"]))
            .with_header("cache-control", "no-cache")
            .with_header("x-custom", "1")
            .with_header("content-length", "999")
            .with_header("connection", "keep-alive")
    });
    for outcome in both(app, "GET", "/", &[]).await {
        assert_eq!(outcome.header("cache-control"), Some("no-cache"));
        assert_eq!(outcome.header("x-custom"), Some("1"));
        assert_eq!(
            outcome.header("content-length"),
            None,
            "never a length: {}",
            outcome.outlet
        );
        assert_ne!(
            outcome.header("connection"),
            Some("keep-alive"),
            "{}",
            outcome.outlet
        );
        assert_eq!(outcome.text(), "data: x\r\n\r\n");
    }
}

#[tokio::test]
async fn head_sends_headers_and_never_starts_the_stream() {
    let polled = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&polled);
    let app = respond_with(move || {
        let flag = Arc::clone(&flag);
        EventSourceResponse::new(stream::poll_fn(move |_| {
            flag.store(true, Ordering::SeqCst);
            std::task::Poll::Ready(Some("x"))
        }))
    });
    for outcome in both(app, "HEAD", "/", &[]).await {
        assert_eq!(
            outcome.header("content-type"),
            Some("text/event-stream; charset=utf-8")
        );
        assert!(outcome.body.is_empty());
    }
    assert!(
        !polled.load(Ordering::SeqCst),
        "the stream was polled for HEAD"
    );
}

#[tokio::test]
async fn ready_events_go_out_in_one_write() {
    let app =
        respond_with(|| EventSourceResponse::new(stream::iter((0..10).map(|n| n.to_string()))));
    let response = TestClient::new(app).get("/").send().await;
    let bodies: Vec<_> = response.messages()[1..]
        .iter()
        .filter_map(|m| m.chunk())
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(bodies.len(), 1, "{:?}", response.messages());
    assert_eq!(bodies[0].len(), response.body().len());
    assert!(
        response
            .text()
            .starts_with("data: 0\r\n\r\ndata: 1\r\n\r\n")
    );
}

#[tokio::test]
async fn ping_cadence_and_format() {
    let app = respond_with(|| {
        EventSourceResponse::new(stream::pending::<String>()).with_ping(Duration::from_millis(50))
    });
    let mut stream = TestClient::new(app).get("/").stream().await;
    let started = Instant::now();
    for _ in 0..3 {
        let chunk = stream.next_chunk().await.unwrap().unwrap();
        let text = String::from_utf8(chunk.to_vec()).unwrap();
        assert!(text.starts_with(": ping - 20"), "{text:?}");
        assert!(text.ends_with("+00:00\r\n\r\n"), "{text:?}");
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(140),
        "pinged too fast: {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_secs(2),
        "pinged too slowly: {elapsed:?}"
    );
}

#[tokio::test]
async fn custom_ping_event() {
    let app = respond_with(|| {
        EventSourceResponse::new(stream::pending::<String>())
            .with_ping(Duration::from_millis(20))
            .with_ping_event(|| ServerSentEvent::comment_only("ping"))
    });
    let mut stream = TestClient::new(app).get("/").stream().await;
    assert_eq!(
        stream.next_chunk().await.unwrap().unwrap(),
        ": ping\r\n\r\n"
    );
}

#[tokio::test]
async fn ping_zero_disables_pings() {
    let app = respond_with(|| {
        EventSourceResponse::new(stream::pending::<String>()).with_ping(Duration::ZERO)
    });
    let mut stream = TestClient::new(app).get("/").stream().await;
    let next = tokio::time::timeout(Duration::from_millis(300), stream.next_chunk()).await;
    assert!(next.is_err(), "a chunk arrived: {next:?}");
}

#[tokio::test]
async fn disconnect_drops_the_stream_and_runs_background() {
    let dropped = Arc::new(AtomicBool::new(false));
    let background = Arc::new(AtomicBool::new(false));
    let (d, b) = (Arc::clone(&dropped), Arc::clone(&background));
    let app = respond_with(move || {
        let b = Arc::clone(&b);
        EventSourceResponse::new(endless(Arc::clone(&d), Duration::from_millis(10)))
            .with_ping(Duration::from_millis(50))
            .with_background(async move { b.store(true, Ordering::SeqCst) })
    });

    // In memory.
    let mut stream = TestClient::new(app.clone()).get("/").stream().await;
    assert!(
        stream
            .next_chunk()
            .await
            .unwrap()
            .unwrap()
            .starts_with(b"id: 0")
    );
    stream.disconnect().await.unwrap();
    assert!(dropped.swap(false, Ordering::SeqCst), "stream dropped");
    assert!(background.swap(false, Ordering::SeqCst), "background ran");

    // Over a socket.
    let server = TestServer::start(app).await;
    let mut socket = TcpStream::connect(server.addr()).await.unwrap();
    socket
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = [0u8; 512];
    let read = socket.read(&mut buffer).await.unwrap();
    assert!(String::from_utf8_lossy(&buffer[..read]).starts_with("HTTP/1.1 200 OK"));
    drop(socket);
    eventually(&dropped, "dropping the stream after the disconnect").await;
    eventually(&background, "the background task after the disconnect").await;
    server.stop().await;
}

#[tokio::test]
async fn an_idle_stream_notices_the_disconnect_by_the_next_ping() {
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&dropped);
    let app = respond_with(move || {
        let guard = DropFlag(Arc::clone(&flag));
        let idle = stream::pending::<String>().map(move |item| {
            let _keep = &guard;
            item
        });
        EventSourceResponse::new(idle).with_ping(Duration::from_millis(100))
    });
    let server = TestServer::start(app).await;
    let mut socket = TcpStream::connect(server.addr()).await.unwrap();
    socket
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = [0u8; 512];
    let _ = socket.read(&mut buffer).await.unwrap();
    drop(socket);
    eventually(&dropped, "dropping an idle stream").await;
    server.stop().await;
}

#[tokio::test]
async fn send_timeout_drops_a_client_that_stops_reading() {
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&dropped);
    let app = respond_with(move || {
        let guard = DropFlag(Arc::clone(&flag));
        let big = "x".repeat(64 * 1024);
        let flood = stream::repeat(big).map(move |data| {
            let _keep = &guard;
            ServerSentEvent::new(data)
        });
        EventSourceResponse::new(flood).with_send_timeout(Duration::from_millis(300))
    });

    // In memory: the test client never reads, its channel fills, the send times out.
    let stream = TestClient::new(app.clone()).get("/").stream().await;
    eventually(&dropped, "the send timeout in memory").await;
    let outcome = stream.disconnect().await;
    assert!(matches!(outcome, Err(Error::SendTimeout(_))), "{outcome:?}");
    dropped.store(false, Ordering::SeqCst);

    // Over a socket that nobody reads.
    let server = TestServer::start(app).await;
    let mut socket = TcpStream::connect(server.addr()).await.unwrap();
    socket
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    eventually(&dropped, "the send timeout over a socket").await;
    drop(socket);
    server.stop().await;
}

#[tokio::test]
async fn background_runs_after_the_stream_ends() {
    let ran = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&ran);
    let app = respond_with(move || {
        let flag = Arc::clone(&flag);
        EventSourceResponse::new(stream::iter(["done"]))
            .with_background(async move { flag.store(true, Ordering::SeqCst) })
    });
    let response = TestClient::new(app).get("/").send().await;
    assert_eq!(response.text(), "data: done\r\n\r\n");
    assert!(ran.load(Ordering::SeqCst));
}

#[tokio::test]
async fn a_nul_in_an_id_aborts_the_stream() {
    let app = respond_with(|| {
        EventSourceResponse::new(stream::iter([ServerSentEvent::new("x").id("a\0b")]))
    });
    let error = TestClient::new(app.clone())
        .get("/")
        .try_send()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("NUL"), "{error}");
    let server = TestServer::start(app).await;
    let bytes = raw_bytes(
        server.addr(),
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        !text.contains("\r\n0\r\n\r\n"),
        "the response must not end cleanly: {text:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn shutdown_ends_open_streams_within_the_grace_period() {
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&dropped);
    let app = respond_with(move || {
        EventSourceResponse::new(endless(Arc::clone(&flag), Duration::from_millis(20)))
            .with_shutdown_grace(Duration::from_millis(200))
    });
    let server = TestServer::start(app).await;
    let addr = server.addr();
    let reader = tokio::spawn(async move {
        raw_bytes(
            addr,
            "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    server.stop().await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "shutdown waited {took:?}");
    assert!(
        took >= Duration::from_millis(150),
        "the grace period was skipped: {took:?}"
    );
    let text = String::from_utf8(reader.await.unwrap()).unwrap();
    assert!(text.contains("data: tick 0"), "{text:?}");
    assert!(
        text.ends_with("\r\n0\r\n\r\n"),
        "the stream ends cleanly: {text:?}"
    );
    assert!(dropped.load(Ordering::SeqCst));
}

#[tokio::test]
async fn streams_see_the_shutdown_and_can_say_goodbye() {
    async fn app(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
        let shutdown = scope
            .shutdown()
            .cloned()
            .expect("served by respond's server");
        let events = stream::unfold(Some(shutdown), |shutdown| async move {
            let shutdown = shutdown?;
            shutdown.requested().await;
            Some((ServerSentEvent::new("bye").event("shutdown"), None))
        });
        EventSourceResponse::new(events)
            .with_shutdown_grace(Duration::from_secs(5))
            .send(&scope, &mut receive, &mut send)
            .await
    }
    let server = TestServer::start(app).await;
    let addr = server.addr();
    let reader = tokio::spawn(async move {
        raw_bytes(
            addr,
            "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    server.stop().await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let text = String::from_utf8(reader.await.unwrap()).unwrap();
    assert!(
        text.contains("event: shutdown\r\ndata: bye\r\n\r\n"),
        "{text:?}"
    );
}

#[tokio::test]
async fn last_event_id_lets_a_stream_resume() {
    async fn app(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
        let next = scope
            .last_event_id()
            .and_then(|id| id.parse::<u64>().ok())
            .map_or(1, |id| id + 1);
        let events = stream::iter(next..next + 2)
            .map(|n| ServerSentEvent::new(format!("{n}")).id(n.to_string()));
        EventSourceResponse::new(events)
            .send(&scope, &mut receive, &mut send)
            .await
    }
    for outcome in both(app, "GET", "/", &[("Last-Event-ID", "41")]).await {
        assert_eq!(
            outcome.text(),
            "id: 42\r\ndata: 42\r\n\r\nid: 43\r\ndata: 43\r\n\r\n",
            "{}",
            outcome.outlet
        );
    }
}

#[tokio::test]
async fn a_blocking_iterator_runs_off_the_async_threads() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let app = respond_with(move || {
        let counter = Arc::clone(&counter);
        EventSourceResponse::from_iter((0..3).map(move |n| {
            std::thread::sleep(Duration::from_millis(5));
            counter.fetch_add(1, Ordering::SeqCst);
            ServerSentEvent::json(&serde_json::json!({ "n": n })).unwrap()
        }))
    });
    let response = TestClient::new(app).get("/").send().await;
    assert_eq!(
        response.text(),
        "data: {\"n\":0}\r\n\r\ndata: {\"n\":1}\r\n\r\ndata: {\"n\":2}\r\n\r\n"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}
