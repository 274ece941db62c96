//! The respond showcase: one route per response kind, served on 127.0.0.1:8000.
//!
//! ```text
//! cargo run --example showcase                    # http://127.0.0.1:8000
//! cargo run --example showcase -- --addr 0.0.0.0:9000
//! ADDR=127.0.0.1:9000 cargo run --example showcase
//! ```
//!
//! Try it with curl: `curl -i http://127.0.0.1:8000/json`.

use std::net::SocketAddr;

use respond::{
    Cookie, HtmlResponse, JsonResponse, PlainTextResponse, Receiver, RedirectResponse,
    Response, SameSite, Scope, Sender, Server,
};
use serde::Serialize;

/// Every route: path, what it shows.
const ROUTES: &[(&str, &str)] = &[
    ("/plain", "PlainTextResponse: text/plain; charset=utf-8"),
    ("/html", "HtmlResponse: an HTML page"),
    ("/json", "JsonResponse: compact JSON, raw UTF-8"),
    ("/bytes", "Response: raw bytes with a media type (a 1x1 PNG)"),
    ("/redirect", "RedirectResponse: 307 to /html"),
    ("/redirect/quoted", "RedirectResponse: a URL with spaces and non-ASCII, percent-quoted"),
    ("/cookies/set", "set_cookie: a session cookie and a theme cookie"),
    ("/cookies/delete", "delete_cookie: removes both"),
    ("/empty", "204 No Content: no body, no Content-Length"),
    ("/background", "with_background: work that runs after the body is sent"),
    ("/messages", "a Starlette-style app that sends its own messages"),
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
        page.push_str(&format!("<li><a href=\"{path}\"><code>{path}</code></a> {what}</li>"));
    }
    page.push_str("</ul></body></html>");
    HtmlResponse::new(page)
}

/// The response for a request.
fn route(scope: &Scope) -> Response {
    match scope.path() {
        "/" => index().into_response(),
        "/plain" => PlainTextResponse::new("Hello, world!").into_response(),
        "/html" => HtmlResponse::new("<!doctype html><h1>Hello from respond</h1><p><a href=\"/\">back</a></p>")
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
        "/cookies/delete" => {
            let mut response = PlainTextResponse::new("Cookies deleted.");
            response.delete_cookie("session");
            response.delete_cookie("theme");
            response.into_response()
        }
        "/empty" => Response::empty().with_status(204),
        "/background" => PlainTextResponse::new("The log line comes after this body.")
            .with_background(async {
                println!("background task ran after /background was sent");
            })
            .into_response(),
        _ => PlainTextResponse::new("Not Found").with_status(404).into_response(),
    }
}

/// A Starlette-style app: it sends the start message and the body itself.
async fn messages(mut send: Sender) -> respond::Result<()> {
    use respond::{HeaderMap, Message, StatusCode};
    let mut headers = HeaderMap::new();
    headers.insert("content-type", "text/plain; charset=utf-8".parse().expect("static value"));
    send.send(Message::Start { status: StatusCode::OK, headers }).await?;
    for line in ["sent ", "as ", "separate ", "messages\n"] {
        send.send(Message::body(line, true)).await?;
    }
    send.send(Message::body("", false)).await
}

async fn app(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
    if scope.path() == "/messages" {
        return messages(send).await;
    }
    route(&scope).send(&scope, &mut receive, &mut send).await
}

fn address() -> Result<SocketAddr, String> {
    let mut args = std::env::args().skip(1);
    let mut addr = std::env::var("ADDR").ok();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => addr = Some(args.next().ok_or("--addr needs a value, e.g. 127.0.0.1:8000")?),
            other => match other.strip_prefix("--addr=") {
                Some(value) => addr = Some(value.to_owned()),
                None => return Err(format!("unknown argument {other:?}; usage: showcase [--addr HOST:PORT]")),
            },
        }
    }
    let addr = addr.unwrap_or_else(|| "127.0.0.1:8000".to_owned());
    addr.parse().map_err(|error| format!("invalid address {addr:?}: {error}"))
}

/// Ctrl-C, or SIGTERM on Unix.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                tokio::signal::ctrl_c().await.ok();
            }
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.ok();
    }
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let addr = match address() {
        Ok(addr) => addr,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let server = match Server::bind(addr).await {
        Ok(server) => server,
        Err(error) => {
            eprintln!("cannot listen on {addr}: {error}");
            std::process::exit(1);
        }
    };
    let local = server.local_addr().unwrap_or(addr);
    println!("respond showcase listening on http://{local}");
    let shutdown = async {
        stop_signal().await;
        println!("shutting down");
    };
    if let Err(error) = server.with_graceful_shutdown(shutdown).serve(app).await {
        eprintln!("server error: {error}");
        std::process::exit(1);
    }
}
