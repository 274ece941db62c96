//! respond's response kinds inside an axum application, on 127.0.0.1:8001.
//!
//! ```text
//! cargo run --example axum                       # http://127.0.0.1:8001
//! cargo run --example axum -- --addr 0.0.0.0:9001
//! curl -i -H 'Range: bytes=0-99' http://127.0.0.1:8001/static/clip.mp4
//! ```
//!
//! Handlers return respond's types as they are (they implement axum's `IntoResponse`). Files
//! take the request's [`Scope`] as an extractor, so ranges, `HEAD` and `304`s work. A respond
//! app (here a `#[response]` handler and a Starlette-style app that sends messages) mounts
//! with `route_service`. tower-http's compression wraps the text routes only: its gzip does
//! not flush per chunk (a stream would arrive all at the end) and would keep a file's strong
//! `ETag` on a changed body; event streams it skips on its own.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::extract::Path as UrlPath;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Extension, Router};
use futures_util::stream;
use respond::{
    AppService, Cookie, EventSourceResponse, FileResponse, HtmlResponse, JsonResponse, Message,
    PlainTextResponse, Receiver, RedirectResponse, Response, SameSite, Scope, Sender,
    ServerSentEvent, Shutdown, StreamingResponse,
};
use serde::Serialize;
use tower_http::compression::CompressionLayer;

const ROUTES: &[(&str, &str)] = &[
    ("/plain", "PlainTextResponse"),
    ("/html", "HtmlResponse"),
    ("/json", "JsonResponse"),
    ("/bytes", "Response with a media type (a 1x1 PNG)"),
    ("/redirect", "RedirectResponse to /html"),
    (
        "/cookies/set",
        "set a cookie (and a Cookie as a response part)",
    ),
    ("/cookies/delete", "delete it"),
    ("/stream", "StreamingResponse, one number every 200 ms"),
    (
        "/static/clip.mp4",
        "FileResponse with ranges (seek in the video)",
    ),
    ("/static/hello.txt", "FileResponse, inline"),
    (
        "/download",
        "FileResponse as an attachment with a non-ASCII name",
    ),
    ("/sse", "a page fed by /events"),
    ("/events", "EventSourceResponse, a tick a second"),
    ("/dsl/created", "a #[response] struct"),
    (
        "/dsl/hello",
        "a #[response] async fn, mounted with route_service",
    ),
    (
        "/messages",
        "a Starlette-style app, mounted with route_service",
    ),
];

async fn index() -> HtmlResponse {
    let mut page = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>respond in axum</title></head><body><h1>respond in axum</h1><ul>",
    );
    for (path, what) in ROUTES {
        page.push_str(&format!(
            "<li><a href=\"{path}\"><code>{path}</code></a> {what}</li>"
        ));
    }
    page.push_str("</ul></body></html>");
    HtmlResponse::new(page)
}

#[derive(Serialize)]
struct Status {
    framework: &'static str,
    responses: &'static str,
}

/// A typed response: the unmarked fields are the JSON body.
#[respond::response(media_type = "application/json", status = 201)]
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct Created {
    id: u64,
    #[header("location")]
    location: &'static str,
}

/// A handler turned into a respond app (mounted with `route_service` below).
#[respond::response(media_type = "text/plain")]
async fn hello() -> &'static str {
    "Hello from a #[response] handler inside axum"
}

/// A Starlette-style app: it sends its own start and body messages.
async fn messages(_scope: Scope, _receive: Receiver, mut send: Sender) -> respond::Result<()> {
    let mut headers = respond::HeaderMap::new();
    headers.insert(
        "content-type",
        respond::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    send.send(Message::Start {
        status: respond::StatusCode::OK,
        headers,
    })
    .await?;
    for part in ["sent ", "as ", "messages\n"] {
        send.send(Message::body(part, true)).await?;
    }
    send.send(Message::body("", false)).await
}

fn static_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("static")
}

/// Files need the request: the `Scope` extractor gives it, `into_http` resolves the file
/// against it (Range, If-Range, HEAD, If-None-Match, If-Modified-Since...).
async fn static_file(
    UrlPath(name): UrlPath<String>,
    scope: Scope,
) -> Result<impl IntoResponse, PlainTextResponse> {
    const FILES: &[&str] = &["hello.txt", "logo.png", "clip.mp4"];
    if !FILES.contains(&name.as_str()) {
        return Err(PlainTextResponse::new("Not Found").with_status(404));
    }
    Ok(FileResponse::new(static_dir().join(&name))
        .into_http(&scope)
        .await)
}

async fn download(scope: Scope) -> impl IntoResponse {
    FileResponse::new(static_dir().join("hello.txt"))
        .with_filename("Grüße aus respond.txt")
        .into_http(&scope)
        .await
}

/// The stream is resolved against the `Scope`, which carries the server's `Shutdown` (from
/// the `Extension` layer): graceful shutdown ends it instead of waiting on it forever.
async fn events(scope: Scope) -> impl IntoResponse {
    let clock = tokio::time::interval(Duration::from_secs(1));
    let ticks = stream::unfold((1u64, clock), |(n, mut clock)| async move {
        clock.tick().await;
        let event = ServerSentEvent::new(format!("tick {n}"))
            .event("tick")
            .id(n.to_string());
        Some((event, (n + 1, clock)))
    });
    EventSourceResponse::new(ticks)
        .with_ping(Duration::from_secs(15))
        .into_http(&scope)
        .await
}

const SSE_PAGE: &str = r#"<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>respond in axum: events</title></head><body><h1>Server-sent events</h1><ol id="log"></ol>
<script>
const log = document.getElementById("log");
new EventSource("/events").addEventListener("tick", (event) => {
  const item = document.createElement("li");
  item.textContent = event.data;
  log.prepend(item);
});
</script></body></html>"#;

fn router(shutdown: Shutdown) -> Router {
    // Text made by handlers: compressed when the client accepts it.
    let text = Router::new()
        .route("/", get(index))
        .route(
            "/plain",
            get(|| async { PlainTextResponse::new("Hello, world!") }),
        )
        .route(
            "/html",
            get(|| async { HtmlResponse::new("<h1>Hello from respond in axum</h1>") }),
        )
        .route(
            "/json",
            get(|| async {
                JsonResponse::new(&Status {
                    framework: "axum",
                    responses: "respond",
                })
            }),
        )
        .route("/sse", get(|| async { HtmlResponse::new(SSE_PAGE) }))
        .route(
            "/dsl/created",
            get(|| async {
                Created {
                    id: 7,
                    location: "/items/7",
                }
            }),
        )
        .route_service("/dsl/hello", AppService::new(hello))
        .layer(CompressionLayer::new());
    Router::new()
        .route(
            "/bytes",
            get(|| async {
                Response::new(std::fs::read(static_dir().join("logo.png")).unwrap_or_default())
                    .with_media_type("image/png")
            }),
        )
        .route(
            "/redirect",
            get(|| async { RedirectResponse::new("/html") }),
        )
        .route(
            "/cookies/set",
            get(|| async {
                let theme = Cookie::new("theme", "dark").with_samesite(SameSite::Lax);
                let session = Cookie::new("session", "s3cr3t").with_httponly(true);
                (
                    theme,
                    PlainTextResponse::new("cookies set").with_cookie(session),
                )
            }),
        )
        .route(
            "/cookies/delete",
            get(|| async {
                let mut response = PlainTextResponse::new("cookies deleted");
                response.delete_cookie("theme");
                response.delete_cookie("session");
                response
            }),
        )
        .route(
            "/stream",
            get(|| async {
                let numbers = stream::unfold(1u32, |n| async move {
                    if n > 10 {
                        return None;
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    Some((format!("{n}\n"), n + 1))
                });
                StreamingResponse::new(numbers).with_media_type("text/plain")
            }),
        )
        .route("/static/{name}", get(static_file))
        .route("/download", get(download))
        .route("/events", get(events))
        .route_service("/messages", AppService::new(messages))
        .merge(text)
        // Every request carries the shutdown signal; respond's `Scope` picks it up.
        .layer(Extension(shutdown))
}

fn address() -> Result<SocketAddr, String> {
    let mut args = std::env::args().skip(1);
    let mut addr = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:8001".to_owned());
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => addr = args.next().ok_or("--addr needs a value")?,
            other => match other.strip_prefix("--addr=") {
                Some(value) => addr = value.to_owned(),
                None => return Err(format!("unknown argument {other:?} (try --addr HOST:PORT)")),
            },
        }
    }
    addr.parse()
        .map_err(|error| format!("{addr:?} is not an address: {error}"))
}

#[tokio::main]
async fn main() {
    let addr = match address() {
        Ok(addr) => addr,
        Err(message) => {
            eprintln!("axum example: {message}");
            std::process::exit(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("axum example: cannot listen on {addr}: {error}");
            std::process::exit(1);
        }
    };
    println!(
        "respond in axum on http://{}",
        listener.local_addr().unwrap_or(addr)
    );
    let shutdown = Shutdown::new();
    let stopping = shutdown.clone();
    let served = axum::serve(listener, router(shutdown))
        .with_graceful_shutdown(async move {
            tokio::signal::ctrl_c().await.ok();
            // Event streams end too, instead of holding the shutdown up.
            stopping.request();
        })
        .await;
    if let Err(error) = served {
        eprintln!("axum example: {error}");
        std::process::exit(1);
    }
}
