//! The respond showcase: one route per response kind, served on 127.0.0.1:8000.
//!
//! ```text
//! cargo run --example showcase                    # http://127.0.0.1:8000
//! cargo run --example showcase -- --addr 0.0.0.0:9000
//! ADDR=127.0.0.1:9000 cargo run --example showcase
//! cargo run --example showcase -- --timeouts 2 --max-connections 1024
//! cargo run --example showcase -- --tls-self-signed   # https://localhost:8000, HTTP/2
//! cargo run --example showcase -- --tls-cert fullchain.pem --tls-key privkey.pem
//! ```
//!
//! `--timeouts SECS` sets the header, idle and request-body timeouts at once (the soak uses
//! short ones to watch attackers being closed); `--max-connections N` the connection cap.
//! With `--tls-cert FILE --tls-key FILE` the showcase serves HTTPS (browsers then speak
//! HTTP/2); `--tls-self-signed` makes a development certificate for localhost and prints
//! how to trust it. SIGHUP reloads the certificate files.
//!
//! Try it with curl: `curl -i http://127.0.0.1:8000/json`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::{StreamExt, stream};
use respond::{
    App, Cookie, EventSourceResponse, FileResponse, HtmlResponse, JsonResponse, PlainTextResponse,
    Receiver, RedirectResponse, Response, SameSite, Scope, Sender, Server, ServerSentEvent,
    StaticFiles, StreamingResponse,
};
use serde::Serialize;

/// The chat room on a channel hub (its own routes under `/chat`).
#[path = "showcase/chat.rs"]
mod chat;
/// The command line.
#[path = "showcase/cli.rs"]
mod cli;
/// HTTPS: the certificate and its reload.
#[path = "showcase/tls.rs"]
mod tls;

/// The OpenAPI document at `/openapi.json` and its page at `/docs` (`--features openapi`).
#[cfg(feature = "openapi")]
#[path = "showcase/openapi.rs"]
mod openapi;

/// Every route: path, what it shows.
const ROUTES: &[(&str, &str)] = &[
    ("/plain", "PlainTextResponse: text/plain; charset=utf-8"),
    ("/html", "HtmlResponse: an HTML page"),
    ("/json", "JsonResponse: compact JSON, raw UTF-8"),
    (
        "/bytes",
        "Response: raw bytes with a media type (a 1x1 PNG)",
    ),
    ("/redirect", "RedirectResponse: 307 to /html"),
    (
        "/redirect/quoted",
        "RedirectResponse: a URL with spaces and non-ASCII, percent-quoted",
    ),
    (
        "/cookies/set",
        "set_cookie: a session cookie and a theme cookie",
    ),
    (
        "/cookies",
        "the cookies the browser sent back, and those its scripts see",
    ),
    ("/cookies/delete", "delete_cookie: removes both"),
    ("/empty", "204 No Content: no body, no Content-Length"),
    (
        "/background",
        "with_background: work that runs after the body is sent",
    ),
    (
        "/messages",
        "a Starlette-style app that sends its own messages",
    ),
    (
        "/stream",
        "StreamingResponse: ten numbers, 300 ms apart (?delay=ms)",
    ),
    (
        "/download",
        "FileResponse: an attachment with a non-ASCII filename",
    ),
    (
        "/static/hello.txt",
        "StaticFiles: a text file from examples/static",
    ),
    ("/static/logo.png", "StaticFiles: an image"),
    (
        "/assets",
        "StaticFiles: a page whose CSS and script are sent precompressed (br or gzip)",
    ),
    (
        "/video",
        "a video page: the browser seeks with Range requests, answered 206",
    ),
    (
        "/static/clip.webm",
        "StaticFiles: the page's clip (VP9 and Opus in WebM, 20 s), ranges by FileResponse",
    ),
    (
        "/static/clip.mp4",
        "StaticFiles: a short H.264 and AAC clip in MP4",
    ),
    (
        "/sse",
        "EventSourceResponse: a live page fed by the /events stream",
    ),
    (
        "/events",
        "EventSourceResponse: a tick a second with ids; honours Last-Event-ID",
    ),
    (
        "/chat",
        "ChannelHub: a chat room fed by EventSource; two pages share it",
    ),
    (
        "/dsl/created",
        "#[response] struct: 201, a Location header and a cookie",
    ),
    ("/dsl/lookup?id=1", "#[response] enum: JSON when found"),
    (
        "/dsl/lookup?id=9",
        "#[response] enum: a plain-text 404 when missing",
    ),
    (
        "/dsl/hello?name=respond",
        "#[response] async fn: a handler as an app",
    ),
    (
        "/dsl/job?id=2",
        "#[response] struct with a #[status(200)] field: 202 while queued, 200 when done",
    ),
    (
        "/docs",
        "the showcase's OpenAPI document (/openapi.json), rendered (run with --features openapi)",
    ),
];

#[derive(Serialize)]
struct Status<'a> {
    name: &'a str,
    version: &'a str,
    kinds: [&'a str; 5],
    greeting: &'a str,
}

/// The smallest valid PNG: one transparent pixel.
const PIXEL: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

fn index() -> HtmlResponse {
    let mut page = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>respond showcase</title>\
         <style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}\
         code{background:#f3f3f3;padding:0 .3em}li{margin:.4rem 0}</style></head><body>\
         <h1>respond showcase</h1><p>Every response kind, served by respond on hyper.</p><ul>",
    );
    for (path, what) in ROUTES {
        page.push_str(&format!(
            "<li><a href=\"{path}\"><code>{path}</code></a> {what}</li>"
        ));
    }
    page.push_str("</ul></body></html>");
    HtmlResponse::new(page)
}

/// A typed JSON response: the fields without markers are the JSON body.
#[respond::response(media_type = "application/json", status = 201)]
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct Created {
    id: u64,
    name: &'static str,
    #[header("location")]
    location: &'static str,
    #[cookie]
    last_created: Cookie,
}

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
struct Item {
    id: u32,
    name: &'static str,
}

/// A typed enum response: JSON by default, a plain-text 404 variant.
#[respond::response(media_type = "application/json")]
enum Lookup {
    /// The item, as JSON.
    Found(Item),
    /// No item has this id.
    #[response(status = 404, media_type = "text/plain")]
    Missing(String),
}

/// A job's state: 202 while it is queued, 200 once it is done (`None` keeps the declared 202;
/// the field's list is what the OpenAPI document says it may take).
#[respond::response(media_type = "text/plain", status = 202)]
struct Job {
    #[body]
    state: String,
    #[status(200)]
    done: Option<respond::StatusCode>,
}

fn job(query: &str) -> Job {
    let id = query.strip_prefix("id=").unwrap_or("?");
    if id == "1" {
        Job {
            state: format!("job {id} is done"),
            done: Some(respond::StatusCode::OK),
        }
    } else {
        Job {
            state: format!("job {id} is queued"),
            done: None,
        }
    }
}

fn lookup(query: &str) -> Lookup {
    match query {
        "id=1" => Lookup::Found(Item {
            id: 1,
            name: "widget",
        }),
        "id=2" => Lookup::Found(Item {
            id: 2,
            name: "gadget",
        }),
        other => Lookup::Missing(format!("no item matches {other:?}")),
    }
}

/// A handler: its return value is the body; the function becomes an app.
#[respond::response(media_type = "text/plain")]
async fn hello(scope: &Scope) -> String {
    let name = scope
        .query()
        .split('&')
        .find_map(|pair| pair.strip_prefix("name="))
        .unwrap_or("world");
    format!("Hello, {name}! (from a #[response] handler)")
}

/// The response for a request.
fn route(scope: &Scope) -> Response {
    match scope.path() {
        "/" => index().into_response(),
        "/plain" => PlainTextResponse::new("Hello, world!").into_response(),
        "/html" => HtmlResponse::new(
            "<!doctype html><h1>Hello from respond</h1><p><a href=\"/\">back</a></p>",
        )
        .into_response(),
        "/json" => JsonResponse::new(&Status {
            name: "respond",
            version: env!("CARGO_PKG_VERSION"),
            kinds: ["plain", "html", "json", "redirect", "bytes"],
            greeting: "héllo wörld 👋",
        })
        .into_response(),
        "/bytes" => Response::new(PIXEL).with_media_type("image/png"),
        "/redirect" => RedirectResponse::new("/html").into_response(),
        "/redirect/quoted" => RedirectResponse::new("/plain?q=a b&x=é").into_response(),
        "/cookies/set" => {
            let mut response = PlainTextResponse::new("Cookies set: session (HttpOnly), theme.");
            response.set_cookie(
                Cookie::new("session", "abc123")
                    .with_httponly(true)
                    .with_max_age(3600)
                    .with_samesite(SameSite::Strict),
            );
            response.set_cookie(Cookie::new("theme", "dark mode"));
            response.into_response()
        }
        "/cookies" => cookie_echo(scope).into_response(),
        "/cookies/delete" => {
            let mut response = PlainTextResponse::new("Cookies deleted.");
            response.delete_cookie("session");
            response.delete_cookie("theme");
            response.into_response()
        }
        "/empty" => Response::empty().with_status(204),
        "/dsl/created" => Created {
            id: 7,
            name: "widget",
            location: "/dsl/lookup?id=7",
            last_created: Cookie::new("last_created", "7").with_httponly(true),
        }
        .into_response(),
        "/dsl/lookup" => lookup(scope.query()).into_response(),
        "/dsl/job" => job(scope.query()).into_response(),
        #[cfg(feature = "openapi")]
        "/openapi.json" => openapi::spec(),
        #[cfg(feature = "openapi")]
        "/docs" => openapi::page(),
        #[cfg(feature = "openapi")]
        "/docs/init.js" => openapi::init_script(),
        "/events" => ticking_events(scope).into_response(),
        "/stream" => slow_numbers(scope.query()).into_response(),
        "/download" => download().into_response(),
        "/sse" => HtmlResponse::new(SSE_PAGE).into_response(),
        "/video" => HtmlResponse::new(VIDEO_PAGE).into_response(),
        "/assets" => HtmlResponse::new(ASSETS_PAGE).into_response(),
        "/background" => PlainTextResponse::new("The log line comes after this body.")
            .with_background(async {
                println!("background task ran after /background was sent");
            })
            .into_response(),
        _ => PlainTextResponse::new("Not Found")
            .with_status(404)
            .into_response(),
    }
}

/// The files served under `/static/` (examples/static in the repository).
fn static_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("static")
}

/// `/static/...`: the folder through `StaticFiles`, with the precompressed `.br` and `.gz`
/// siblings of site.css and site.js (made by examples/static/precompress.sh).
fn static_files() -> &'static StaticFiles {
    static FILES: std::sync::OnceLock<StaticFiles> = std::sync::OnceLock::new();
    FILES.get_or_init(|| {
        StaticFiles::new(static_dir())
            .with_prefix("/static")
            .with_precompressed_br()
            .with_precompressed_gzip()
            .with_cache_control("public, max-age=60")
            .expect("a valid Cache-Control value")
    })
}

/// `/assets`: a page whose stylesheet and script come from `StaticFiles`, precompressed.
const ASSETS_PAGE: &str = r#"<!doctype html>
<html><head><title>StaticFiles</title>
<link rel="stylesheet" href="/static/site.css">
<script src="/static/site.js"></script></head>
<body><h1>StaticFiles</h1>
<p>This page's stylesheet and script are served by <code>StaticFiles</code> from
<code>/static/</code>, as their Brotli or gzip siblings when the browser accepts them.</p>
<p id="assets-status">script not loaded</p>
<p><a href="/">back</a></p></body></html>"#;

/// `/cookies`: the `Cookie` header this request carried, cookie by cookie, and the
/// cookies the page's scripts can read (`document.cookie` leaves out HttpOnly ones).
fn cookie_echo(scope: &Scope) -> HtmlResponse {
    let sent: Vec<String> = scope
        .headers()
        .get_all("cookie")
        .iter()
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .collect();
    let mut page = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>respond: cookies</title></head><body><h1>Cookies</h1>\
         <h2>Sent back by the browser</h2>",
    );
    if sent.is_empty() {
        page.push_str("<p id=\"sent\">No Cookie header.</p>");
    } else {
        let header = sent.join("; ");
        page.push_str(&format!(
            "<p>Cookie: <code id=\"sent\">{}</code></p><ul id=\"sent-list\">",
            escape_html(&header)
        ));
        for pair in header
            .split(';')
            .map(str::trim)
            .filter(|pair| !pair.is_empty())
        {
            page.push_str(&format!("<li><code>{}</code></li>", escape_html(pair)));
        }
        page.push_str("</ul>");
    }
    page.push_str(
        "<h2>Visible to scripts</h2><p><code id=\"script\"></code></p>\
         <script>document.getElementById(\"script\").textContent = \
         document.cookie || \"(none)\";</script>\
         <p><a href=\"/cookies/set\">set</a> \u{b7} <a href=\"/cookies/delete\">delete</a> \
         \u{b7} <a href=\"/\">back</a></p></body></html>",
    );
    HtmlResponse::new(page)
}

/// Text made safe to put between HTML tags or in an attribute.
fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// `/download`: sent as `attachment; filename*=utf-8''Gr%C3%BC%C3%9Fe%20aus%20respond.txt`.
fn download() -> FileResponse {
    FileResponse::new(static_dir().join("hello.txt")).with_filename("Grüße aus respond.txt")
}

/// `/stream?delay=<ms>`: Starlette's slow-numbers example, one item at a time
/// (300 ms apart by default, at most 5 s).
fn slow_numbers(query: &str) -> StreamingResponse {
    let delay = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("delay="))
        .and_then(|ms| ms.parse::<u64>().ok())
        .unwrap_or(300)
        .min(5_000);
    let numbers = stream::iter(1..=10).then(move |n| async move {
        tokio::time::sleep(Duration::from_millis(delay)).await;
        format!("<li>{n}</li>\n")
    });
    let page = stream::iter(["<!doctype html><title>slow numbers</title><ul>\n".to_owned()])
        .chain(numbers)
        .chain(stream::iter([
            "</ul><p><a href=\"/\">back</a></p>\n".to_owned()
        ]));
    StreamingResponse::new(page).with_media_type("text/html")
}

/// A tick a second, numbered; a reconnecting browser resumes after its `Last-Event-ID`.
fn ticking_events(scope: &Scope) -> EventSourceResponse {
    let first = scope
        .last_event_id()
        .and_then(|id| id.parse::<u64>().ok())
        .map_or(1, |id| id + 1);
    let clock = tokio::time::interval(Duration::from_secs(1));
    let ticks = stream::unfold((first, clock), |(n, mut clock)| async move {
        clock.tick().await;
        let event = ServerSentEvent::new(format!("tick {n}"))
            .event("tick")
            .id(n.to_string())
            .retry(Duration::from_secs(1));
        Some((event, (n + 1, clock)))
    });
    EventSourceResponse::new(ticks).with_shutdown_grace(Duration::from_millis(500))
}

const SSE_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>respond: server-sent events</title>
<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}
#state{color:#666}li{font-family:monospace}</style></head>
<body><h1>Server-sent events</h1>
<p id="state">connecting...</p><ol id="log"></ol><p><a href="/">back</a></p>
<script>
const log = document.getElementById("log");
const state = document.getElementById("state");
const source = new EventSource("/events");
source.onopen = () => { state.textContent = "connected"; };
source.onerror = () => { state.textContent = "reconnecting (the browser sends Last-Event-ID)..."; };
source.addEventListener("tick", (event) => {
  const item = document.createElement("li");
  item.textContent = `id ${event.lastEventId}: ${event.data}`;
  log.prepend(item);
  while (log.children.length > 20) log.lastChild.remove();
});
</script></body></html>"#;

/// `/video`: the clip from `/static/clip.webm` (VP9 and Opus, 20 s, 320x180). The browser
/// fetches it with `Range` requests; a seek past what it has buffered asks for the rest
/// from there, and `FileResponse` answers `206 Partial Content`.
const VIDEO_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>respond: video</title>
<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}
video{width:100%;max-width:640px;background:#000}#state{color:#666;font-family:monospace}</style></head>
<body><h1>Video</h1>
<p>Served by <code>FileResponse</code> from <a href="/static/clip.webm"><code>/static/clip.webm</code></a>;
seeking makes the browser send <code>Range</code> requests, answered with <code>206</code>.
A shorter clip in MP4 (H.264 and AAC): <a href="/static/clip.mp4"><code>/static/clip.mp4</code></a>.</p>
<video id="clip" src="/static/clip.webm" controls muted playsinline preload="metadata"></video>
<p id="state">not started</p><p><a href="/">back</a></p>
<script>
const video = document.getElementById("clip");
const state = document.getElementById("state");
const show = () => {
  state.textContent = `${video.paused ? "paused" : "playing"} at ${video.currentTime.toFixed(2)} s` +
    ` of ${Number.isFinite(video.duration) ? video.duration.toFixed(2) : "?"} s`;
};
for (const name of ["loadedmetadata", "play", "pause", "timeupdate", "seeked", "ended"]) {
  video.addEventListener(name, show);
}
</script></body></html>"#;

/// A Starlette-style app: it sends the start message and the body itself.
async fn messages(mut send: Sender) -> respond::Result<()> {
    use respond::{HeaderMap, Message, StatusCode};
    let mut headers = HeaderMap::new();
    headers.insert(
        "content-type",
        "text/plain; charset=utf-8".parse().expect("static value"),
    );
    send.send(Message::Start {
        status: StatusCode::OK,
        headers,
    })
    .await?;
    for line in ["sent ", "as ", "separate ", "messages\n"] {
        send.send(Message::body(line, true)).await?;
    }
    send.send(Message::body("", false)).await
}

async fn app(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
    match scope.path() {
        "/messages" => return messages(send).await,
        "/dsl/hello" => return hello.call(scope, receive, send).await,
        path if chat::handles(path) => return chat::serve(scope, receive, send).await,
        path if path.starts_with("/static/") => {
            return static_files().call(scope, receive, send).await;
        }
        #[cfg(feature = "openapi")]
        path if path.starts_with("/docs/assets/") => {
            return openapi::assets().call(scope, receive, send).await;
        }
        _ => {}
    }
    route(&scope).send(&scope, &mut receive, &mut send).await
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let options = match cli::options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let addr = options.addr;
    match chat::init() {
        Ok(engine) => println!("chat room on the {engine} channel hub"),
        Err(error) => {
            eprintln!("cannot build the chat hub: {error}");
            std::process::exit(1);
        }
    }
    let mut server = match Server::bind(addr).await {
        Ok(server) => server,
        Err(error) => {
            eprintln!("cannot listen on {addr}: {error}");
            std::process::exit(1);
        }
    };
    if let Some(timeout) = options.timeouts {
        server = server
            .with_header_timeout(timeout)
            .with_idle_timeout(timeout)
            .with_request_body_timeout(timeout);
    }
    if let Some(max) = options.max_connections {
        server = server.with_max_connections(max);
    }
    let local = server.local_addr().unwrap_or(addr);
    let mut scheme = "http";
    if let Some(source) = &options.tls {
        let loaded = match tls::load(source) {
            Ok(loaded) => loaded,
            Err(error) => {
                eprintln!("cannot serve HTTPS: {error}");
                std::process::exit(1);
            }
        };
        tls::explain(&loaded, source, local.port());
        tls::reload_on_hangup(&loaded);
        server = server.with_tls(loaded.config);
        scheme = "https";
    }
    println!("respond showcase listening on {scheme}://{local}");
    let shutdown = async {
        cli::stop_signal().await;
        println!("shutting down");
    };
    if let Err(error) = server.with_graceful_shutdown(shutdown).serve(app).await {
        eprintln!("server error: {error}");
        std::process::exit(1);
    }
}
