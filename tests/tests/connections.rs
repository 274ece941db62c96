//! Hostile and idle connections (issue 18), over real sockets with short limits: silent
//! sockets and partial heads closed at the deadline counted from accept, idle keep-alive and
//! idle HTTP/2 connections closed, the connection cap shedding silent sockets while
//! legitimate requests are answered, trickled and stalled request bodies ended with an error
//! the app sees, and the file-descriptor limit raised at start.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use respond::{PlainTextResponse, Receiver, Scope, Sender, StatusCode};
use respond_tests::{TestServer, parse_response, raw_request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

/// The short limit every test configures (the defaults are nginx's, in seconds).
const LIMIT: Duration = Duration::from_millis(300);
/// What "closed at the limit" allows beyond it: timer slack and a loaded machine.
const SLACK: Duration = Duration::from_millis(1000);

/// `/` answers "ok"; `/slow` answers after 2 x LIMIT; `/hold` waits for a permit of `gate`;
/// `/body` reads the body and answers its length, or 408 with the reason it ended.
fn app(gate: Arc<Semaphore>) -> impl respond::App + Clone {
    move |scope: Scope, mut receive: Receiver, mut send: Sender| {
        let gate = Arc::clone(&gate);
        async move {
            let response = match scope.path() {
                "/slow" => {
                    tokio::time::sleep(LIMIT * 2).await;
                    PlainTextResponse::new("slow")
                }
                "/hold" => {
                    gate.acquire().await.expect("gate").forget();
                    PlainTextResponse::new("held")
                }
                "/body" => match receive.body().await {
                    Some(body) => PlainTextResponse::new(body.len().to_string()),
                    None => PlainTextResponse::new(
                        receive
                            .error()
                            .map_or("no error".to_owned(), ToString::to_string),
                    )
                    .with_status(StatusCode::REQUEST_TIMEOUT),
                },
                _ => PlainTextResponse::new("ok"),
            };
            response.send(&scope, &mut receive, &mut send).await
        }
    }
}

async fn start(configure: impl FnOnce(respond::Server) -> respond::Server) -> TestServer {
    TestServer::start_with(app(Arc::new(Semaphore::new(0))), configure).await
}

/// Reads until the server closes `stream`; how long that took (at most 10 s).
async fn closed_after(stream: &mut TcpStream, started: Instant) -> Duration {
    let mut buf = [0u8; 4096];
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await
    .expect("the server closes the connection within 10 s");
    started.elapsed()
}

/// Asserts that `what` was closed at the limit: not before it (timer slack aside), and no
/// later than `SLACK` after it.
fn assert_closed_at_limit(took: Duration, what: &str) {
    assert!(
        took >= LIMIT - Duration::from_millis(20),
        "{what} closed early, after {took:?}"
    );
    assert!(took <= LIMIT + SLACK, "{what} closed after {took:?}");
}

/// One GET on a fresh connection, answered "ok" within a second.
async fn assert_answered(server: &TestServer) -> Duration {
    let started = Instant::now();
    let response = tokio::time::timeout(
        Duration::from_secs(1),
        raw_request(server.addr(), "GET", "/", &[]),
    )
    .await
    .expect("answered within a second");
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), "ok");
    started.elapsed()
}

#[tokio::test]
async fn two_hundred_silent_connections_are_closed_at_the_header_deadline() {
    const N: usize = 200;
    let server = start(|s| s.with_header_timeout(LIMIT)).await;
    let started = Instant::now();
    let mut sockets = Vec::new();
    for _ in 0..N {
        sockets.push(TcpStream::connect(server.addr()).await.unwrap());
    }
    let closes = futures_util::future::join_all(
        sockets
            .iter_mut()
            .map(|socket| closed_after(socket, started)),
    )
    .await;
    let (first, last) = (closes.iter().min().unwrap(), closes.iter().max().unwrap());
    assert!(
        *first >= LIMIT - Duration::from_millis(20),
        "closed early: {first:?}"
    );
    assert!(
        *last <= LIMIT + SLACK,
        "{N} silent sockets, the last closed after {last:?}"
    );
    // Service answers at once after the deadline.
    let latency = assert_answered(&server).await;
    assert!(
        started.elapsed() <= LIMIT + SLACK + Duration::from_secs(1),
        "{latency:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn partial_heads_and_a_partial_http2_preface_are_closed_at_the_deadline() {
    let server = start(|s| s.with_header_timeout(LIMIT)).await;
    // "PRI * HT" keeps the HTTP/1-or-HTTP/2 detection waiting; "GET / HT" is an HTTP/1.1 head
    // begun; a whole HTTP/2 preface and SETTINGS with no request is a silent h2c client.
    let mut h2_hello = respond_tests::h2raw::PREFACE.to_vec();
    h2_hello.extend(respond_tests::h2raw::settings(&[]));
    for start in [
        &b"PRI * HT"[..],
        b"GET / HT",
        b"GET / HTTP/1.1\r\nHost: t\r\n",
        &h2_hello,
    ] {
        let started = Instant::now();
        let mut socket = TcpStream::connect(server.addr()).await.unwrap();
        socket.write_all(start).await.unwrap();
        let took = closed_after(&mut socket, started).await;
        let what = String::from_utf8_lossy(&start[..8.min(start.len())]).into_owned();
        assert_closed_at_limit(took, &format!("{what:?}"));
    }
    assert_answered(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_and_a_slow_response_is_not() {
    let server = start(|s| s.with_header_timeout(LIMIT).with_idle_timeout(LIMIT)).await;
    let mut socket = TcpStream::connect(server.addr()).await.unwrap();
    // A response that takes twice the idle timeout is not cut: the request is in flight.
    socket
        .write_all(b"GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = socket.read(&mut buf).await.unwrap();
    let response = parse_response(&buf[..n], false);
    assert_eq!(
        (response.status.as_u16(), response.text().as_str()),
        (200, "slow")
    );
    // Then idle: closed at the idle timeout.
    let idle_since = Instant::now();
    let took = closed_after(&mut socket, idle_since).await;
    assert_closed_at_limit(took, "idle keep-alive");
    server.stop().await;
}

#[tokio::test]
async fn a_slow_next_head_on_a_keep_alive_connection_is_dropped_at_the_header_timeout() {
    // The idle timeout is long: only the header timeout, counted from the next head's first
    // byte, may close the connection here.
    let server = start(|s| {
        s.with_header_timeout(LIMIT)
            .with_idle_timeout(Duration::from_secs(30))
    })
    .await;
    let mut socket = TcpStream::connect(server.addr()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    // Idle between requests for longer than the header timeout: kept open.
    for _ in 0..2 {
        socket
            .write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            .await
            .unwrap();
        let n = socket.read(&mut buf).await.unwrap();
        assert_eq!(parse_response(&buf[..n], false).text(), "ok");
        tokio::time::sleep(LIMIT * 2).await;
    }
    // Then a head begun and never finished.
    socket.write_all(b"GET / HTTP/1.1\r\nHo").await.unwrap();
    let begun = Instant::now();
    let took = closed_after(&mut socket, begun).await;
    assert_closed_at_limit(took, "a slow next head");
    assert_answered(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn an_idle_http2_connection_gets_goaway_and_closes() {
    let server = start(|s| s.with_header_timeout(LIMIT).with_idle_timeout(LIMIT)).await;
    let tcp = TcpStream::connect(server.addr()).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
            .await
            .unwrap();
    let driving = tokio::spawn(connection);
    let request = http::Request::get("http://t/")
        .body(Empty::<Bytes>::new())
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.into_body().collect().await.unwrap().to_bytes(),
        "ok"
    );
    let idle_since = Instant::now();
    tokio::time::timeout(LIMIT + SLACK + LIMIT, driving)
        .await
        .expect("the server closed the idle HTTP/2 connection")
        .unwrap()
        .expect("a clean close (GOAWAY), not an error");
    let took = idle_since.elapsed();
    assert_closed_at_limit(took, "idle HTTP/2");
    server.stop().await;
}

#[tokio::test]
async fn at_the_cap_silent_sockets_are_shed_while_fifty_requests_are_answered() {
    const CAP: usize = 16;
    const SILENT: usize = 200;
    // The header deadline is long: only the cap sheds here.
    let server = start(|s| {
        s.with_max_connections(CAP)
            .with_header_timeout(Duration::from_secs(30))
    })
    .await;
    let mut silent = Vec::new();
    for _ in 0..SILENT {
        silent.push(TcpStream::connect(server.addr()).await.unwrap());
    }
    let mut slowest = Duration::ZERO;
    for _ in 0..50 {
        slowest = slowest.max(assert_answered(&server).await);
    }
    assert!(
        slowest < Duration::from_secs(1),
        "slowest answer {slowest:?}"
    );
    // The server keeps at most CAP of the silent sockets open.
    let mut open = 0;
    for socket in &mut silent {
        let mut byte = [0u8; 1];
        if tokio::time::timeout(Duration::from_millis(20), socket.read(&mut byte))
            .await
            .is_err()
        {
            open += 1;
        }
    }
    assert!(
        open <= CAP,
        "{open} silent sockets still open at a cap of {CAP}"
    );
    server.stop().await;
}

#[tokio::test]
async fn at_the_cap_busy_connections_are_kept_and_a_new_one_waits_for_a_slot() {
    let gate = Arc::new(Semaphore::new(0));
    let server =
        TestServer::start_with(app(Arc::clone(&gate)), |s| s.with_max_connections(2)).await;
    let addr = server.addr();
    let held: Vec<_> = (0..2)
        .map(|_| tokio::spawn(async move { raw_request(addr, "GET", "/hold", &[]).await }))
        .collect();
    tokio::time::sleep(LIMIT).await;
    let third = tokio::spawn(async move { raw_request(addr, "GET", "/", &[]).await });
    tokio::time::sleep(LIMIT).await;
    assert!(
        !third.is_finished(),
        "a third connection was served over a cap of 2"
    );
    gate.add_permits(1);
    let third = tokio::time::timeout(Duration::from_secs(2), third)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(third.text(), "ok");
    gate.add_permits(1);
    for held in held {
        assert_eq!(
            held.await.unwrap().text(),
            "held",
            "busy connections are never shed"
        );
    }
    server.stop().await;
}

/// Sends a POST /body head announcing 1000 bytes, then `trickle` bytes one every 50 ms
/// while reading the response; the response and when it came.
async fn post_trickled(
    server: &TestServer,
    trickle: usize,
) -> (respond_tests::RawResponse, Duration) {
    let socket = TcpStream::connect(server.addr()).await.unwrap();
    let (mut read, mut write) = socket.into_split();
    write
        .write_all(
            b"POST /body HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n",
        )
        .await
        .unwrap();
    let started = Instant::now();
    let writer = tokio::spawn(async move {
        for _ in 0..trickle {
            if write.write_all(b"x").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Hold the connection open without sending more.
        tokio::time::sleep(Duration::from_secs(10)).await;
        drop(write);
    });
    let mut bytes = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), read.read_to_end(&mut bytes))
        .await
        .expect("the server answers within 5 s")
        .ok();
    let took = started.elapsed();
    writer.abort();
    (parse_response(&bytes, false), took)
}

#[tokio::test]
async fn a_body_trickled_at_twenty_bytes_a_second_is_ended_and_the_app_sees_why() {
    // 1000 bytes/s after 300 ms of grace; the client sends 20 bytes/s forever.
    let server = start(|s| s.with_request_body_min_rate(1000, LIMIT)).await;
    let (response, took) = post_trickled(&server, 1000).await;
    assert_eq!(
        response.status,
        StatusCode::REQUEST_TIMEOUT,
        "{}",
        response.text()
    );
    assert!(
        response.text().contains("slower than 1000 bytes/s"),
        "{}",
        response.text()
    );
    // 300 ms of grace plus what the trickled bytes earned (a few ms each).
    assert!(took >= LIMIT, "{took:?}");
    assert!(
        took <= LIMIT + SLACK,
        "the trickled body ended after {took:?}"
    );
    assert_answered(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn a_stalled_body_is_ended_by_the_body_timeout() {
    let server = start(|s| {
        s.with_request_body_timeout(LIMIT)
            .with_request_body_min_rate(0, Duration::ZERO)
    })
    .await;
    // Ten bytes, then nothing.
    let (response, took) = post_trickled(&server, 10).await;
    assert_eq!(
        response.status,
        StatusCode::REQUEST_TIMEOUT,
        "{}",
        response.text()
    );
    assert!(response.text().contains("stalled"), "{}", response.text());
    // Ten bytes over 500 ms, then the 300 ms timeout.
    assert!(took >= LIMIT + Duration::from_millis(450), "{took:?}");
    assert!(
        took <= LIMIT + Duration::from_millis(500) + SLACK,
        "{took:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn the_soft_file_descriptor_limit_is_raised_to_the_hard_limit() {
    let server = start(|s| s).await;
    assert_answered(&server).await;
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .unwrap();
    let figures: Vec<&str> = line.split_whitespace().skip(3).take(2).collect();
    assert_eq!(figures[0], figures[1], "soft and hard limits: {line}");
    server.stop().await;
}
