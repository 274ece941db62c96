//! The hyper outlet and the protocol: apps that send messages themselves, request bodies,
//! failures, disconnects, HTTP/2 and graceful shutdown, over real sockets.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use respond::{
    Error, HeaderMap, Message, PlainTextResponse, Receiver, RequestEvent, Scope, Sender,
    StatusCode, TestClient,
};
use respond_tests::{TestServer, raw_exchange, raw_request, respond_with};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

fn start(status: u16) -> Message {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", "text/plain; charset=utf-8".parse().unwrap());
    Message::Start {
        status: StatusCode::from_u16(status).unwrap(),
        headers,
    }
}

/// A Starlette-style app that sends its messages one by one.
async fn counting(_scope: Scope, _receive: Receiver, mut send: Sender) -> respond::Result<()> {
    send.send(start(200)).await?;
    for n in 1..=5 {
        send.send(Message::body(format!("{n}, "), true)).await?;
    }
    send.send(Message::body("done", false)).await
}

#[tokio::test]
async fn an_app_that_sends_messages_is_bridged_to_hyper() {
    let server = TestServer::start(counting).await;
    let response = raw_request(server.addr(), "GET", "/", &[]).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("transfer-encoding"), Some("chunked"));
    assert_eq!(response.text(), "1, 2, 3, 4, 5, done");
    assert!(response.complete);
    server.stop().await;

    let response = TestClient::new(counting).get("/").send().await;
    assert_eq!(response.messages().len(), 7);
    assert_eq!(response.messages()[1], Message::body("1, ", true));
    assert_eq!(response.messages()[6], Message::body("done", false));
}

#[tokio::test]
async fn a_declared_length_is_honoured_by_the_bridge() {
    async fn app(_: Scope, _: Receiver, mut send: Sender) -> respond::Result<()> {
        let mut headers = HeaderMap::new();
        headers.insert("content-length", "10".parse().unwrap());
        send.send(Message::Start {
            status: StatusCode::OK,
            headers,
        })
        .await?;
        send.send(Message::body("01234", true)).await?;
        send.send(Message::body("56789", false)).await
    }
    let server = TestServer::start(app).await;
    let response = raw_request(server.addr(), "GET", "/", &[]).await;
    assert_eq!(response.header("content-length"), Some("10"));
    assert_eq!(response.header("transfer-encoding"), None);
    assert_eq!(response.text(), "0123456789");
    server.stop().await;
}

#[tokio::test]
async fn the_request_body_reaches_the_app() {
    async fn echo(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
        let body = receive.body().await.unwrap_or_default();
        let text = format!("{} {}", scope.method(), String::from_utf8_lossy(&body));
        PlainTextResponse::new(text)
            .send(&scope, &mut receive, &mut send)
            .await
    }
    let server = TestServer::start(echo).await;
    let request = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nConnection: close\r\n\r\nhello world";
    let response = raw_exchange(server.addr(), request).await;
    assert_eq!(response.text(), "POST hello world");
    server.stop().await;

    let response = TestClient::new(echo)
        .post("/echo")
        .body("hello world")
        .send()
        .await;
    assert_eq!(response.text(), "POST hello world");
}

#[tokio::test]
async fn receive_waits_for_the_disconnect_after_the_body() {
    async fn waits(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
        receive.body().await;
        receive.disconnected().await;
        PlainTextResponse::new("never")
            .send(&scope, &mut receive, &mut send)
            .await
    }
    let response = TestClient::new(waits).post("/").body("x").send();
    let response = tokio::time::timeout(Duration::from_millis(300), response).await;
    assert!(
        response.is_err(),
        "receive() after the body waits for a disconnect"
    );
}

#[tokio::test]
async fn chunked_request_bodies_arrive_in_pieces() {
    async fn sizes(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
        let mut seen = Vec::new();
        while let RequestEvent::Body { chunk, more_body } = receive.receive().await {
            seen.push(chunk.len());
            if !more_body {
                break;
            }
        }
        let total: usize = seen.iter().sum();
        PlainTextResponse::new(format!("{total}"))
            .send(&scope, &mut receive, &mut send)
            .await
    }
    let server = TestServer::start(sizes).await;
    let request = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
                   3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n";
    let response = raw_exchange(server.addr(), request).await;
    assert_eq!(response.text(), "7");
    server.stop().await;
}

#[tokio::test]
async fn app_errors_and_panics_become_500_and_the_server_goes_on() {
    async fn fails(_: Scope, _: Receiver, _: Sender) -> respond::Result<()> {
        Err(Error::other("database is down"))
    }
    async fn panics(_: Scope, _: Receiver, _: Sender) -> respond::Result<()> {
        panic!("boom")
    }
    async fn silent(_: Scope, _: Receiver, _: Sender) -> respond::Result<()> {
        Ok(())
    }
    let fails = TestServer::start(fails).await;
    let panics = TestServer::start(panics).await;
    let silent = TestServer::start(silent).await;
    for _ in 0..3 {
        for server in [&fails, &panics, &silent] {
            let response = raw_request(server.addr(), "GET", "/", &[]).await;
            assert_eq!(response.status, 500);
            assert_eq!(response.text(), "Internal Server Error");
            assert_eq!(
                response.header("content-type"),
                Some("text/plain; charset=utf-8")
            );
        }
    }
    fails.stop().await;
    panics.stop().await;
    silent.stop().await;
}

/// HTTP has no final 1xx response (RFC 9110 section 15.2): over hyper such a status is
/// respond's own 500, whether handed over whole or sent as messages, and the server goes on.
/// The message outlet carries the status as it is, as Starlette's does.
#[tokio::test]
async fn an_interim_status_as_the_final_one_is_a_500_over_http() {
    async fn messages(_: Scope, _: Receiver, mut send: Sender) -> respond::Result<()> {
        send.send(start(103)).await?;
        send.send(Message::Body {
            chunk: Bytes::from_static(b"early"),
            more_body: false,
        })
        .await
    }
    let whole = TestServer::start(respond_with(|| {
        PlainTextResponse::new("x").with_status(123)
    }))
    .await;
    let sent = TestServer::start(messages).await;
    for server in [&whole, &sent] {
        for _ in 0..2 {
            let response = raw_request(server.addr(), "GET", "/", &[]).await;
            assert_eq!(response.status, 500);
            assert_eq!(response.text(), "Internal Server Error");
        }
    }
    whole.stop().await;
    sent.stop().await;

    let scope = Scope::new(respond::Method::GET, "/");
    let http = PlainTextResponse::new("x")
        .with_status(199)
        .into_http(&scope)
        .await
        .unwrap();
    assert_eq!(http.status(), 500);
    let client = TestClient::new(respond_with(|| {
        PlainTextResponse::new("x").with_status(123)
    }));
    assert_eq!(client.get("/").send().await.status(), 123);
}

#[tokio::test]
async fn an_error_after_the_head_aborts_the_connection() {
    async fn breaks(_: Scope, _: Receiver, mut send: Sender) -> respond::Result<()> {
        send.send(start(200)).await?;
        send.send(Message::body("partial", true)).await?;
        tokio::task::yield_now().await;
        Err(Error::other("lost the upstream"))
    }
    async fn panics_late(_: Scope, _: Receiver, mut send: Sender) -> respond::Result<()> {
        send.send(start(200)).await?;
        send.send(Message::body("partial", true)).await?;
        tokio::task::yield_now().await;
        panic!("late boom")
    }
    async fn returns_early(_: Scope, _: Receiver, mut send: Sender) -> respond::Result<()> {
        send.send(start(200)).await?;
        send.send(Message::body("partial", true)).await
    }
    for app in [
        TestServer::start(breaks).await,
        TestServer::start(panics_late).await,
        TestServer::start(returns_early).await,
    ] {
        // hyper drops the connection: the client sees nothing, or a head with an
        // unterminated chunked body; never a clean end.
        let bytes = respond_tests::raw_bytes(
            app.addr(),
            "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .await;
        if !bytes.is_empty() {
            let response = respond_tests::parse_response(&bytes, false);
            assert!(
                !response.complete,
                "the client must see an incomplete body: {response:?}"
            );
        }
        app.stop().await;
    }
    let error = TestClient::new(breaks)
        .get("/")
        .try_send()
        .await
        .unwrap_err();
    assert_eq!(error.to_string(), "lost the upstream");
}

#[tokio::test]
async fn protocol_violations_are_errors() {
    let (mut send, _messages) = Sender::channel(4);
    let error = send.send(Message::body("x", false)).await.unwrap_err();
    assert!(matches!(error, Error::Protocol(_)), "{error:?}");
    send.send(start(200)).await.unwrap();
    assert!(matches!(
        send.send(start(200)).await,
        Err(Error::Protocol(_))
    ));
    send.send(Message::body("x", false)).await.unwrap();
    assert!(send.is_complete());
    assert!(matches!(
        send.send(Message::body("y", false)).await,
        Err(Error::Protocol(_))
    ));
}

#[tokio::test]
async fn a_disconnected_client_is_seen_by_sender_and_receiver() {
    let (report, mut reports) = mpsc::unbounded_channel::<String>();
    let app = move |_scope: Scope, mut receive: Receiver, mut send: Sender| {
        let report = report.clone();
        async move {
            send.send(start(200)).await?;
            let mut n = 0u64;
            let outcome = loop {
                n += 1;
                if let Err(error) = send.send(Message::body(format!("chunk {n}\n"), true)).await {
                    break error;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            };
            let seen = tokio::time::timeout(Duration::from_secs(2), receive.disconnected()).await;
            report.send(format!("{outcome} / {:?}", seen.is_ok())).ok();
            Ok(())
        }
    };
    let server = TestServer::start(app).await;
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = [0u8; 256];
    let read = stream.read(&mut buffer).await.unwrap();
    assert!(String::from_utf8_lossy(&buffer[..read]).starts_with("HTTP/1.1 200 OK"));
    drop(stream);
    let report = tokio::time::timeout(Duration::from_secs(5), reports.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(report, "client disconnected / true");
    server.stop().await;

    // The same through the test client.
    async fn endless(_: Scope, _: Receiver, mut send: Sender) -> respond::Result<()> {
        send.send(start(200)).await?;
        loop {
            send.send(Message::body("tick", true)).await?;
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    let mut stream = TestClient::new(endless).get("/").stream().await;
    assert_eq!(stream.next_chunk().await.unwrap().unwrap(), "tick");
    let outcome = stream.disconnect().await;
    assert!(
        matches!(outcome, Err(Error::ClientDisconnected)),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn keep_alive_serves_several_requests_on_one_connection() {
    let server = TestServer::start(respond_with(|| PlainTextResponse::new("pong"))).await;
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    stream
        .write_all(b"GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert_eq!(text.matches("HTTP/1.1 200 OK").count(), 2, "{text}");
    assert_eq!(text.matches("\r\n\r\npong").count(), 2, "{text}");
    server.stop().await;
}

#[tokio::test]
async fn http2_prior_knowledge() {
    let server = TestServer::start(respond_with(|| {
        PlainTextResponse::new("over h2").with_header("x-a", "1")
    }))
    .await;
    let client = Client::builder(TokioExecutor::new())
        .http2_only(true)
        .build_http::<Full<Bytes>>();
    let uri = format!("http://{}/", server.addr());
    let response = client.get(uri.parse().unwrap()).await.unwrap();
    assert_eq!(response.version(), http::Version::HTTP_2);
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    assert_eq!(response.headers()["x-a"], "1");
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body, "over h2");

    let streamed = TestServer::start(counting).await;
    let uri = format!("http://{}/", streamed.addr());
    let response = client.get(uri.parse().unwrap()).await.unwrap();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body, "1, 2, 3, 4, 5, done");
    server.stop().await;
    streamed.stop().await;
}

#[tokio::test]
async fn a_handed_over_response_does_not_wait_for_the_rest_of_the_app() {
    async fn lingers(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
        PlainTextResponse::new("early")
            .send(&scope, &mut receive, &mut send)
            .await?;
        // The response is complete: receive() says so at once.
        assert!(receive.receive().await.is_disconnect() || receive.receive().await.is_disconnect());
        tokio::time::sleep(Duration::from_secs(3)).await;
        Ok(())
    }
    let server = TestServer::start(lingers).await;
    let started = std::time::Instant::now();
    let response = raw_request(server.addr(), "GET", "/", &[]).await;
    assert_eq!(response.text(), "early");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    drop(server);
}

#[tokio::test]
async fn graceful_shutdown_finishes_requests_in_flight_and_refuses_new_ones() {
    async fn slow(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
        tokio::time::sleep(Duration::from_millis(300)).await;
        PlainTextResponse::new("finished")
            .send(&scope, &mut receive, &mut send)
            .await
    }
    let server = TestServer::start(slow).await;
    let addr = server.addr();
    let in_flight = tokio::spawn(async move { raw_request(addr, "GET", "/", &[]).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    server.stop().await;
    let response = in_flight.await.unwrap();
    assert_eq!(response.text(), "finished");
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "the listener is closed"
    );
}

/// The version is told from the first bytes however they arrive: an HTTP/2 preface in
/// pieces (the bytes read to tell are handed to HTTP/2), and a request line whose first
/// bytes are also the preface's.
#[tokio::test]
async fn the_http_version_is_told_from_first_bytes_sent_in_pieces() {
    use respond_tests::h2raw;
    let server = TestServer::start(respond_with(|| PlainTextResponse::new("told"))).await;

    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    let hello = h2raw::hello(&[]);
    for piece in [&hello[..3], &hello[3..16], &hello[16..]] {
        stream.write_all(piece).await.unwrap();
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    stream.write_all(&h2raw::get(1, "/")).await.unwrap();
    let mut bytes = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    let frames = loop {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("the server answers over HTTP/2")
            .unwrap();
        assert!(n > 0, "the server closed the connection");
        bytes.extend_from_slice(&buf[..n]);
        let frames = h2raw::parse_frames(&bytes);
        if frames.iter().any(|&(kind, flags, stream, _)| {
            kind == h2raw::DATA && stream == 1 && flags & h2raw::END_STREAM != 0
        }) {
            break frames;
        }
    };
    let body: Vec<u8> = frames
        .iter()
        .filter(|frame| frame.0 == h2raw::DATA && frame.2 == 1)
        .flat_map(|frame| frame.3.clone())
        .collect();
    assert_eq!(body, b"told");
    drop(stream);

    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    for piece in [
        &b"PR"[..],
        b"I-NOT / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ] {
        stream.write_all(piece).await.unwrap();
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.ends_with("\r\n\r\ntold"), "{answer}");
    server.stop().await;
}

#[tokio::test]
async fn request_heads_up_to_64_kib_are_served_and_larger_ones_get_a_431() {
    let server = TestServer::start(respond_with(|| PlainTextResponse::new("ok"))).await;
    let cookie = format!("big={}", "c".repeat(48 * 1024));
    let served = raw_request(server.addr(), "GET", "/", &[("cookie", &cookie)]).await;
    assert_eq!(served.status, 200);
    assert_eq!(served.text(), "ok");

    let cookie = format!("big={}", "c".repeat(80 * 1024));
    let refused = raw_request(server.addr(), "GET", "/", &[("cookie", &cookie)]).await;
    assert_eq!(refused.status, 431);
}
