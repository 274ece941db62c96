//! respond inside an axum `Router` (feature `axum`), over real sockets: every response kind
//! as a handler's return value, files resolved against the request through the `Scope`
//! extractor, respond apps mounted with `route_service`, and tower-http compression leaving
//! event streams alone.

use std::io::Read;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use futures_util::{StreamExt, stream};
use respond::{
    AppService, Cookie, EventSourceResponse, FileResponse, HtmlResponse, JsonResponse, Message,
    PlainTextResponse, Receiver, RedirectResponse, Response, Scope, Sender, ServerSentEvent,
    StatusCode, StreamingResponse,
};
use respond_tests::{TempDir, raw_request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tower_http::compression::CompressionLayer;

async fn serve(router: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

#[respond::response(media_type = "application/json", status = 201)]
#[derive(serde::Serialize)]
struct Created {
    id: u32,
    #[header("location")]
    location: String,
}

#[respond::response(media_type = "text/plain")]
enum Lookup {
    Found(String),
    #[response(status = 404)]
    Missing(&'static str),
}

#[respond::response]
async fn handler_app() -> PlainTextResponse {
    PlainTextResponse::new("from a #[response] handler")
}

async fn message_app(_scope: Scope, _receive: Receiver, mut send: Sender) -> respond::Result<()> {
    let mut headers = respond::HeaderMap::new();
    headers.insert("content-type", "text/plain".parse().unwrap());
    send.send(Message::Start {
        status: StatusCode::ACCEPTED,
        headers,
    })
    .await?;
    send.send(Message::body("sent as ", true)).await?;
    send.send(Message::body("messages", false)).await
}

fn router(dir: &TempDir) -> Router {
    let file = dir.file("data.bin", &(0..=255u8).collect::<Vec<_>>());
    let whole = file.clone();
    Router::new()
        .route("/html", get(|| async { HtmlResponse::new("<h1>hi</h1>") }))
        .route("/plain", get(|| async { PlainTextResponse::new("plain") }))
        .route(
            "/json",
            get(|| async { JsonResponse::new(&serde_json::json!({"café": [1, 2]})) }),
        )
        .route("/nan", get(|| async { JsonResponse::new(&f64::NAN) }))
        .route("/redirect", get(|| async { RedirectResponse::new("/a b") }))
        .route(
            "/bytes",
            get(|| async {
                Response::new(vec![1u8, 2, 3])
                    .with_media_type("application/octet-stream")
                    .with_cookie(Cookie::new("seen", "1"))
            }),
        )
        .route(
            "/stream",
            get(|| async {
                StreamingResponse::new(stream::iter(["a", "b", "c"])).with_media_type("text/plain")
            }),
        )
        .route(
            "/events",
            get(|| async {
                EventSourceResponse::new(stream::iter([
                    ServerSentEvent::new("one").id("1"),
                    ServerSentEvent::new("two").id("2"),
                ]))
            }),
        )
        .route(
            "/created",
            get(|| async {
                Created {
                    id: 7,
                    location: "/items/7".into(),
                }
            }),
        )
        .route(
            "/lookup/{name}",
            get(
                |axum::extract::Path(name): axum::extract::Path<String>| async move {
                    if name == "known" {
                        Lookup::Found(format!("found {name}"))
                    } else {
                        Lookup::Missing("no such item")
                    }
                },
            ),
        )
        .route(
            "/cookie",
            get(|| async { (Cookie::new("theme", "dark"), "with a cookie part") }),
        )
        .route(
            "/file",
            get(move |scope: Scope| {
                let file = file.clone();
                async move { FileResponse::new(file).into_http(&scope).await }
            }),
        )
        .route(
            "/whole",
            get(move || {
                let whole = whole.clone();
                async move { FileResponse::new(whole) }
            }),
        )
        .route(
            "/missing",
            get(|scope: Scope| async move {
                FileResponse::new("/no/such/file").into_http(&scope).await
            }),
        )
        .route(
            "/scope",
            get(|scope: Scope| async move {
                PlainTextResponse::new(format!(
                    "{} {} {} {}",
                    scope.method(),
                    scope.path(),
                    scope.query(),
                    scope.header("x-probe").unwrap_or("-")
                ))
            }),
        )
        .route_service("/handler", AppService::new(handler_app))
        .route_service("/messages", AppService::new(message_app))
}

#[tokio::test]
async fn every_response_kind_is_an_axum_response() {
    let dir = TempDir::new("axum-kinds");
    let addr = serve(router(&dir)).await;

    let html = raw_request(addr, "GET", "/html", &[]).await;
    assert_eq!(
        html.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(html.header("content-length"), Some("11"));
    assert_eq!(html.text(), "<h1>hi</h1>");

    let plain = raw_request(addr, "GET", "/plain", &[]).await;
    assert_eq!(
        plain.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(plain.text(), "plain");

    let json = raw_request(addr, "GET", "/json", &[]).await;
    assert_eq!(json.header("content-type"), Some("application/json"));
    assert_eq!(json.text(), r#"{"café":[1,2]}"#);

    let nan = raw_request(addr, "GET", "/nan", &[]).await;
    assert_eq!(nan.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(nan.text(), "Internal Server Error");

    let redirect = raw_request(addr, "GET", "/redirect", &[]).await;
    assert_eq!(redirect.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(redirect.header("location"), Some("/a%20b"));

    let bytes = raw_request(addr, "GET", "/bytes", &[]).await;
    assert_eq!(&bytes.body[..], &[1, 2, 3]);
    assert_eq!(
        bytes.header("set-cookie"),
        Some("seen=1; Path=/; SameSite=lax")
    );

    let streamed = raw_request(addr, "GET", "/stream", &[]).await;
    assert_eq!(streamed.header("transfer-encoding"), Some("chunked"));
    assert_eq!(streamed.text(), "abc");

    let events = raw_request(addr, "GET", "/events", &[]).await;
    assert_eq!(
        events.header("content-type"),
        Some("text/event-stream; charset=utf-8")
    );
    assert_eq!(
        events.text(),
        "id: 1\r\ndata: one\r\n\r\nid: 2\r\ndata: two\r\n\r\n"
    );

    let cookie = raw_request(addr, "GET", "/cookie", &[]).await;
    assert_eq!(
        cookie.header("set-cookie"),
        Some("theme=dark; Path=/; SameSite=lax")
    );
    assert_eq!(cookie.text(), "with a cookie part");
}

#[tokio::test]
async fn response_dsl_types_are_axum_responses() {
    let dir = TempDir::new("axum-dsl");
    let addr = serve(router(&dir)).await;

    let created = raw_request(addr, "GET", "/created", &[]).await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.header("location"), Some("/items/7"));
    assert_eq!(created.header("content-type"), Some("application/json"));
    assert_eq!(created.text(), r#"{"id":7}"#);

    let found = raw_request(addr, "GET", "/lookup/known", &[]).await;
    assert_eq!(found.status, StatusCode::OK);
    assert_eq!(found.text(), "found known");
    let missing = raw_request(addr, "GET", "/lookup/other", &[]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn files_resolved_against_the_scope_extractor_answer_ranges_heads_and_conditionals() {
    let dir = TempDir::new("axum-file");
    let addr = serve(router(&dir)).await;

    let full = raw_request(addr, "GET", "/file", &[]).await;
    assert_eq!(full.status, StatusCode::OK);
    assert_eq!(full.header("accept-ranges"), Some("bytes"));
    assert_eq!(full.header("content-length"), Some("256"));
    let etag = full.header("etag").expect("an etag").to_owned();

    let range = raw_request(addr, "GET", "/file", &[("range", "bytes=250-")]).await;
    assert_eq!(range.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(range.header("content-range"), Some("bytes 250-255/256"));
    assert_eq!(&range.body[..], &[250, 251, 252, 253, 254, 255]);

    let many = raw_request(addr, "GET", "/file", &[("range", "bytes=0-1,4-5")]).await;
    assert_eq!(many.status, StatusCode::PARTIAL_CONTENT);
    assert!(
        many.header("content-type")
            .unwrap()
            .starts_with("multipart/byteranges; boundary=")
    );

    let unsatisfiable = raw_request(addr, "GET", "/file", &[("range", "bytes=999-")]).await;
    assert_eq!(unsatisfiable.status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(unsatisfiable.header("content-range"), Some("bytes */256"));

    let not_modified = raw_request(addr, "GET", "/file", &[("if-none-match", &etag)]).await;
    assert_eq!(not_modified.status, StatusCode::NOT_MODIFIED);
    assert!(not_modified.body.is_empty());

    let head = raw_request(addr, "HEAD", "/file", &[]).await;
    assert_eq!(head.status, StatusCode::OK);
    assert_eq!(head.header("content-length"), Some("256"));
    assert!(head.body.is_empty());

    let missing = raw_request(addr, "GET", "/missing", &[]).await;
    assert_eq!(missing.status, StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn a_file_returned_without_the_scope_is_sent_whole() {
    let dir = TempDir::new("axum-whole");
    let addr = serve(router(&dir)).await;
    let whole = raw_request(addr, "GET", "/whole", &[("range", "bytes=0-9")]).await;
    assert_eq!(whole.status, StatusCode::OK);
    assert_eq!(whole.header("content-length"), Some("256"));
    assert_eq!(whole.body.len(), 256);
    assert!(whole.header("etag").is_some());
    assert_eq!(
        whole.header("accept-ranges"),
        None,
        "no ranges without the request"
    );
}

#[tokio::test]
async fn the_scope_extractor_sees_the_request() {
    let dir = TempDir::new("axum-scope");
    let addr = serve(router(&dir)).await;
    let scope = raw_request(addr, "GET", "/scope?q=%20x", &[("x-probe", "yes")]).await;
    assert_eq!(scope.text(), "GET /scope q=%20x yes");
}

#[tokio::test]
async fn respond_apps_mount_with_route_service() {
    let dir = TempDir::new("axum-apps");
    let addr = serve(router(&dir)).await;

    let handler = raw_request(addr, "GET", "/handler", &[]).await;
    assert_eq!(handler.status, StatusCode::OK);
    assert_eq!(handler.text(), "from a #[response] handler");

    let messages = raw_request(addr, "GET", "/messages", &[]).await;
    assert_eq!(messages.status, StatusCode::ACCEPTED);
    assert_eq!(messages.text(), "sent as messages");
}

#[tokio::test]
async fn compression_on_a_router_leaves_event_streams_unbuffered() {
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let released = std::sync::Arc::new(std::sync::Mutex::new(Some(released)));
    let router = Router::new()
        .route(
            "/events",
            get(move || {
                let released = released.lock().unwrap().take().expect("one stream");
                async move {
                    let first = stream::once(async { ServerSentEvent::new("first") });
                    let second = stream::once(async move {
                        released.await.ok();
                        ServerSentEvent::new("second")
                    });
                    EventSourceResponse::new(first.chain(second))
                }
            }),
        )
        .route(
            "/text",
            get(|| async { PlainTextResponse::new("compress me ".repeat(50)) }),
        )
        .layer(CompressionLayer::new());
    let addr = serve(router).await;

    let text = raw_request(addr, "GET", "/text", &[("accept-encoding", "gzip")]).await;
    assert_eq!(text.header("content-encoding"), Some("gzip"));
    let mut plain = String::new();
    flate2::read::GzDecoder::new(&text.body[..])
        .read_to_string(&mut plain)
        .unwrap();
    assert_eq!(plain, "compress me ".repeat(50));

    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            b"GET /events HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n",
        )
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    tokio::time::timeout(Duration::from_secs(10), async {
        while !String::from_utf8_lossy(&seen).contains("data: first") {
            let read = stream.read(&mut buffer).await.unwrap();
            assert!(
                read > 0,
                "closed early: {:?}",
                String::from_utf8_lossy(&seen)
            );
            seen.extend_from_slice(&buffer[..read]);
        }
    })
    .await
    .expect("the first event arrives before the stream ends");
    let head = String::from_utf8_lossy(&seen).to_ascii_lowercase();
    assert!(!head.contains("content-encoding"), "{head}");
    release.send(()).unwrap();
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await.unwrap();
    assert!(String::from_utf8_lossy(&rest).contains("data: second"));
}

#[tokio::test]
async fn an_invalid_cookie_part_is_a_500_not_a_corrupt_header() {
    let router = Router::new().route(
        "/",
        get(|| async { (Cookie::new("bad name", "x"), "never sent") }),
    );
    let addr = serve(router).await;
    let response = raw_request(addr, "GET", "/", &[]).await;
    assert_eq!(response.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(response.header("set-cookie").is_none());
    assert_eq!(response.text(), "Internal Server Error");
}

#[tokio::test]
async fn a_shutdown_extension_ends_event_streams_so_graceful_shutdown_completes() {
    let shutdown = respond::Shutdown::new();
    let router = Router::new()
        .route(
            "/events",
            get(|scope: Scope| async move {
                EventSourceResponse::new(stream::pending::<ServerSentEvent>())
                    .with_ping(Duration::from_millis(20))
                    .with_shutdown_grace(Duration::ZERO)
                    .into_http(&scope)
                    .await
            }),
        )
        .layer(axum::Extension(shutdown.clone()));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let signal = shutdown.clone();
    let server = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                stopped.await.ok();
                signal.request();
            })
            .await
    });

    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = [0u8; 1024];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buffer))
        .await
        .expect("a ping arrives")
        .unwrap();
    assert!(String::from_utf8_lossy(&buffer[..read]).contains("text/event-stream"));

    stop.send(()).unwrap();
    let finished = tokio::time::timeout(Duration::from_secs(5), server).await;
    assert!(
        finished.is_ok(),
        "graceful shutdown waited on the open event stream"
    );
}
