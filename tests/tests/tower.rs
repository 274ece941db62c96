//! `AppService`: a respond app as an `http` service, under plain hyper and under tower
//! middleware (tower-http's compression), over real sockets.

use std::convert::Infallible;
use std::io::Read;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{StreamExt, stream};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::service::TowerToHyperService;
use respond::{
    AppService, EventSourceResponse, FileResponse, JsonResponse, Message, PlainTextResponse,
    Receiver, Scope, Sender, ServerSentEvent, Shutdown, StatusCode,
};
use respond_tests::{TempDir, raw_request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;

/// Serves `service` (any hyper service) on a loopback port, HTTP/1.1 and HTTP/2.
async fn serve_hyper<S, B>(service: S) -> SocketAddr
where
    S: hyper::service::Service<
            http::Request<hyper::body::Incoming>,
            Response = http::Response<B>,
            Error = Infallible,
        > + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let service = service.clone();
            tokio::spawn(async move {
                hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await
                    .ok();
            });
        }
    });
    addr
}

/// Serves a tower service on a loopback port, through hyper-util's adapter.
async fn serve_tower<S, B>(service: S) -> SocketAddr
where
    S: tower::Service<
            http::Request<hyper::body::Incoming>,
            Response = http::Response<B>,
            Error = Infallible,
        > + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    serve_hyper(TowerToHyperService::new(service)).await
}

async fn echo(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
    let body = receive.body().await.unwrap_or_default();
    PlainTextResponse::new(format!(
        "{} {} {}",
        scope.method(),
        scope.path(),
        String::from_utf8_lossy(&body)
    ))
    .send(&scope, &mut receive, &mut send)
    .await
}

#[tokio::test]
async fn handle_runs_the_app_on_any_request_body() {
    let service = AppService::new(echo);
    let request = http::Request::post("/caf%C3%A9?x=1")
        .body(Full::new(Bytes::from_static(b"payload")))
        .unwrap();
    let response = service.handle(request).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body, "POST /café payload");
}

#[tokio::test]
async fn plain_hyper_serves_an_app_service() {
    let dir = TempDir::new("service-file");
    let path = dir.file("data.bin", &(0..=255u8).collect::<Vec<_>>());
    let app = move |scope: Scope, mut receive: Receiver, mut send: Sender| {
        let path = path.clone();
        async move {
            match scope.path() {
                "/file" => {
                    FileResponse::new(path)
                        .send(&scope, &mut receive, &mut send)
                        .await
                }
                _ => echo(scope, receive, send).await,
            }
        }
    };
    let addr = serve_hyper(AppService::new(app)).await;

    let response = raw_request(addr, "GET", "/file", &[("range", "bytes=10-19")]).await;
    assert_eq!(response.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(response.header("content-range"), Some("bytes 10-19/256"));
    assert_eq!(&response.body[..], &(10..20u8).collect::<Vec<_>>()[..]);

    let response = raw_request(addr, "HEAD", "/file", &[]).await;
    assert_eq!(response.header("content-length"), Some("256"));
    assert!(response.body.is_empty());

    let etag = raw_request(addr, "GET", "/file", &[]).await;
    let etag = etag.header("etag").unwrap().to_owned();
    let response = raw_request(addr, "GET", "/file", &[("if-none-match", &etag)]).await;
    assert_eq!(response.status, StatusCode::NOT_MODIFIED);

    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            b"PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
        )
        .await
        .unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.unwrap();
    let response = respond_tests::parse_response(&bytes, false);
    assert_eq!(response.text(), "PUT /echo hello");
}

#[tokio::test]
async fn apps_that_send_messages_stream_through_the_service() {
    let app = |_scope: Scope, _receive: Receiver, mut send: Sender| async move {
        let mut headers = respond::HeaderMap::new();
        headers.insert("content-type", "text/plain".parse().unwrap());
        send.send(Message::Start {
            status: StatusCode::CREATED,
            headers,
        })
        .await?;
        for part in ["one ", "two ", "three"] {
            send.send(Message::body(part, true)).await?;
        }
        send.send(Message::body("", false)).await
    };
    let addr = serve_hyper(AppService::new(app)).await;
    let response = raw_request(addr, "GET", "/", &[]).await;
    assert_eq!(response.status, StatusCode::CREATED);
    assert_eq!(response.header("transfer-encoding"), Some("chunked"));
    assert!(response.complete);
    assert_eq!(response.text(), "one two three");
}

#[tokio::test]
async fn app_failures_become_a_500_and_never_reach_the_client() {
    let failing = |_scope: Scope, _receive: Receiver, _send: Sender| async move {
        Err::<(), _>(respond::Error::other(
            "secret database password in the message",
        ))
    };
    let service = AppService::new(failing);
    let response = service
        .handle(http::Request::new(http_body_util::Empty::<Bytes>::new()))
        .await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body, "Internal Server Error");

    let panicking = |_scope: Scope, _receive: Receiver, _send: Sender| async move {
        if true {
            panic!("boom");
        }
        Ok(())
    };
    let addr = serve_hyper(AppService::new(panicking)).await;
    let response = raw_request(addr, "GET", "/", &[]).await;
    assert_eq!(response.status, StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn a_shutdown_given_to_the_service_ends_event_streams() {
    let shutdown = Shutdown::new();
    let app = |scope: Scope, mut receive: Receiver, mut send: Sender| async move {
        EventSourceResponse::new(stream::pending::<ServerSentEvent>())
            .with_shutdown_grace(Duration::ZERO)
            .send(&scope, &mut receive, &mut send)
            .await
    };
    let service = AppService::new(app).with_shutdown(shutdown.clone());
    let response = service
        .handle(http::Request::new(http_body_util::Empty::<Bytes>::new()))
        .await;
    let collected = tokio::spawn(async move { response.into_body().collect().await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!collected.is_finished(), "the stream ended on its own");
    shutdown.request();
    let ended = tokio::time::timeout(Duration::from_secs(5), collected).await;
    assert!(ended.is_ok(), "the event stream outlived the shutdown");
}

/// Reads from `stream` until `needle` shows up in what has arrived.
async fn read_until(stream: &mut TcpStream, needle: &str) -> String {
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    tokio::time::timeout(Duration::from_secs(10), async {
        while !String::from_utf8_lossy(&seen).contains(needle) {
            let read = stream.read(&mut buffer).await.unwrap();
            assert!(read > 0, "connection closed before {needle:?} arrived");
            seen.extend_from_slice(&buffer[..read]);
        }
    })
    .await
    .unwrap_or_else(|_| {
        panic!(
            "{needle:?} did not arrive; got {:?}",
            String::from_utf8_lossy(&seen)
        )
    });
    String::from_utf8_lossy(&seen).into_owned()
}

#[tokio::test]
async fn compression_compresses_json_but_leaves_event_streams_alone_and_unbuffered() {
    let (release, released) = oneshot::channel::<()>();
    let released = std::sync::Mutex::new(Some(released));
    let released = std::sync::Arc::new(released);
    let app = move |scope: Scope, mut receive: Receiver, mut send: Sender| {
        let released = if scope.path() == "/events" {
            released.lock().unwrap().take()
        } else {
            None
        };
        async move {
            if scope.path() == "/events" {
                let released = released.expect("one event stream per test");
                let events = stream::once(async { ServerSentEvent::new("first") }).chain(
                    stream::once(async move {
                        released.await.ok();
                        ServerSentEvent::new("second")
                    }),
                );
                EventSourceResponse::new(events)
                    .send(&scope, &mut receive, &mut send)
                    .await
            } else {
                let items: Vec<String> = (0..100).map(|i| format!("item number {i}")).collect();
                JsonResponse::new(&items)
                    .send(&scope, &mut receive, &mut send)
                    .await
            }
        }
    };
    let service = ServiceBuilder::new()
        .layer(CompressionLayer::new())
        .service(AppService::new(app));
    let addr = serve_tower(service).await;

    let response = raw_request(addr, "GET", "/json", &[("accept-encoding", "gzip")]).await;
    assert_eq!(response.header("content-encoding"), Some("gzip"));
    let mut json = String::new();
    flate2::read::GzDecoder::new(&response.body[..])
        .read_to_string(&mut json)
        .unwrap();
    assert!(json.starts_with("[\"item number 0\","), "{json}");

    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /events HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip, br\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    // The first event arrives while the second is still held back: nothing buffers it.
    let head = read_until(&mut stream, "data: first").await;
    assert!(
        !head.to_ascii_lowercase().contains("content-encoding"),
        "{head}"
    );
    assert!(head.contains("content-type: text/event-stream"), "{head}");
    release.send(()).unwrap();
    read_until(&mut stream, "data: second").await;
}
