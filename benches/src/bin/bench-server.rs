//! One server of the load benchmarks: `bench-server <respond|respond-tls|hyper|axum|actix> <addr>`.
//!
//! Every implementation serves the same routes, on one thread (the bench pins it to one core):
//! - `/plain`: `Hello, world!` as `text/plain`;
//! - `/json`: `{"message":"Hello, world!"}`;
//! - `/file`: the file named by `BENCH_FILE`, whole or in ranges (respond, axum with
//!   tower-http `ServeFile`, actix with actix-files `NamedFile`);
//! - `/small`: the 4 KiB `small.css` of `BENCH_STATIC`, by path as `/file`;
//! - raw hyper serves `/small` and `/file` (ranges `bytes=a-b` only) as a floor: the file
//!   opened once, a stat of its path and one read per request, nothing else;
//! - `/events`: server-sent events as fast as the client takes them (respond, axum `Sse`);
//! - `/static/...`: the folder named by `BENCH_STATIC` (a 4 KiB `small.css`, a 200 KiB
//!   `app.js` with its `.gz` and `.br` siblings): respond's `StaticFiles` and tower-http's
//!   `ServeDir`, both with precompressed gzip and Brotli, and actix-files `Files` (which
//!   has no precompressed siblings: it sends `app.js` itself).
//!
//! `respond-tls` is respond over HTTPS with the certificate and key named by `BENCH_TLS_CERT`
//! and `BENCH_TLS_KEY`, TLS 1.3 with `TLS_AES_256_GCM_SHA384` and X25519 only (what
//! `nginx-tls.conf` pins for nginx), and no session resumption, as nginx there.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;

use bytes::Bytes;
use futures_util::stream::{self, StreamExt};
use http_body_util::Full;
use serde::Serialize;

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

const HELLO: &str = "Hello, world!";

/// The paths are read from the environment once, as a server reads its configuration.
fn file_path() -> PathBuf {
    static PATH: std::sync::LazyLock<PathBuf> = std::sync::LazyLock::new(|| {
        std::env::var_os("BENCH_FILE").map_or_else(
            || PathBuf::from("/tmp/respond-bench-64m.bin"),
            PathBuf::from,
        )
    });
    PATH.clone()
}

fn small_file() -> PathBuf {
    static PATH: std::sync::LazyLock<PathBuf> =
        std::sync::LazyLock::new(|| static_dir().join("small.css"));
    PATH.clone()
}

fn static_dir() -> PathBuf {
    std::env::var_os("BENCH_STATIC")
        .map_or_else(|| PathBuf::from("/tmp/respond-bench-static"), PathBuf::from)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_else(|| usage());
    let addr: SocketAddr = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:3000".to_owned())
        .parse()
        .unwrap_or_else(|_| usage());
    match kind.as_str() {
        "respond" => current_thread(respond_server(addr, None)),
        "respond-tls" => current_thread(respond_server(addr, Some(bench_tls()))),
        "hyper" => current_thread(hyper_server(addr)),
        "axum" => current_thread(axum_server(addr)),
        "actix" => actix_server(addr),
        _ => usage(),
    }
}

fn usage() -> ! {
    eprintln!("usage: bench-server <respond|respond-tls|hyper|axum|actix> [addr]");
    std::process::exit(2)
}

fn current_thread(server: impl std::future::Future<Output = ()>) {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(server);
}

/// The TLS configuration of `respond-tls`: the suite and group nginx-tls.conf pins.
fn bench_tls() -> respond::TlsConfig {
    use respond::rustls::crypto::{CryptoProvider, ring};
    use respond::rustls::pki_types::pem::PemObject;
    use respond::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let var = |name: &str| {
        std::env::var_os(name).unwrap_or_else(|| panic!("{name} must name a PEM file"))
    };
    let chain = CertificateDer::pem_file_iter(var("BENCH_TLS_CERT"))
        .expect("certificate file")
        .collect::<Result<Vec<_>, _>>()
        .expect("certificates");
    let key = PrivateKeyDer::from_pem_file(var("BENCH_TLS_KEY")).expect("private key");
    let provider = CryptoProvider {
        cipher_suites: vec![ring::cipher_suite::TLS13_AES_256_GCM_SHA384],
        kx_groups: vec![ring::kx_group::X25519],
        ..ring::default_provider()
    };
    let mut config =
        respond::rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(provider))
            .with_protocol_versions(&[&respond::rustls::version::TLS13])
            .expect("TLS 1.3")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("certificate and key");
    config.session_storage =
        std::sync::Arc::new(respond::rustls::server::NoServerSessionStorage {});
    config.send_tls13_tickets = 0;
    respond::TlsConfig::from_rustls(config)
}

async fn respond_server(addr: SocketAddr, tls: Option<respond::TlsConfig>) {
    use respond::{
        EventSourceResponse, FileResponse, JsonResponse, PlainTextResponse, Receiver, Response,
        Scope, Sender, ServerSentEvent,
    };
    static STATIC: std::sync::LazyLock<respond::StaticFiles> = std::sync::LazyLock::new(|| {
        respond::StaticFiles::new(static_dir())
            .with_prefix("/static")
            .with_precompressed_br()
            .with_precompressed_gzip()
    });
    async fn app(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
        if scope.raw_path().starts_with("/static/") {
            return respond::App::call(&*STATIC, scope, receive, send).await;
        }
        let response: Response = match scope.path() {
            "/plain" => PlainTextResponse::new(HELLO).into_response(),
            "/json" => JsonResponse::new(&Message { message: HELLO }).into_response(),
            "/file" => FileResponse::new(file_path()).into_response(),
            "/small" => FileResponse::new(small_file()).into_response(),
            "/events" => {
                let events =
                    stream::iter(0u64..).map(|n| ServerSentEvent::new("tick").id(n.to_string()));
                EventSourceResponse::new(events).into_response()
            }
            _ => Response::empty().with_status(404),
        };
        response.send(&scope, &mut receive, &mut send).await
    }
    let server = respond::Server::bind(addr).await.expect("bind");
    match tls {
        Some(tls) => server.with_tls(tls).serve(app).await,
        None => server.serve(app).await,
    }
    .expect("respond server");
}

/// The floor of serving a file on hyper, for `/small` and `/file`: the file opened once,
/// and per request what respond's open-file cache does at least (a stat of the path to
/// check it, one positional read), with no validators, no type guessing and only the
/// `bytes=a-b` form of `Range`.
struct OpenFile {
    path: PathBuf,
    file: std::fs::File,
}

static SMALL: std::sync::LazyLock<OpenFile> =
    std::sync::LazyLock::new(|| OpenFile::new(small_file()));
static FILE: std::sync::LazyLock<OpenFile> =
    std::sync::LazyLock::new(|| OpenFile::new(file_path()));

impl OpenFile {
    fn new(path: PathBuf) -> Self {
        let file = std::fs::File::open(&path).expect("bench file");
        OpenFile { path, file }
    }
}

fn file_floor(
    open: &OpenFile,
    range: Option<&http::HeaderValue>,
) -> http::Result<http::Response<Full<Bytes>>> {
    use std::os::unix::fs::FileExt;
    let size = std::fs::metadata(&open.path).expect("stat").len();
    let wanted = range
        .and_then(|value| value.to_str().ok()?.strip_prefix("bytes=")?.split_once('-'))
        .and_then(|(start, end)| Some((start.parse::<u64>().ok()?, end.parse::<u64>().ok()?)));
    let (start, end) = wanted.map_or((0, size), |(start, end)| (start, end + 1));
    let mut buffer = vec![0u8; (end - start) as usize];
    open.file.read_exact_at(&mut buffer, start).expect("read");
    let builder = match wanted {
        Some(_) => http::Response::builder()
            .status(206)
            .header("content-range", format!("bytes {start}-{}/{size}", end - 1)),
        None => http::Response::builder(),
    };
    builder
        .header("content-type", "application/octet-stream")
        .header("content-length", buffer.len())
        .body(Full::new(Bytes::from(buffer)))
}

async fn hyper_server(addr: SocketAddr) {
    use hyper::service::service_fn;
    use hyper_util::rt::TokioIo;
    let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        stream.set_nodelay(true).ok();
        tokio::spawn(async move {
            let service = service_fn(|request: http::Request<hyper::body::Incoming>| async move {
                let response = match request.uri().path() {
                    "/plain" => http::Response::builder()
                        .header("content-type", "text/plain; charset=utf-8")
                        .body(Full::new(Bytes::from_static(HELLO.as_bytes()))),
                    "/json" => {
                        let body = serde_json::to_vec(&Message { message: HELLO }).expect("json");
                        http::Response::builder()
                            .header("content-type", "application/json")
                            .body(Full::new(Bytes::from(body)))
                    }
                    "/small" => file_floor(&SMALL, None),
                    "/file" => file_floor(&FILE, request.headers().get("range")),
                    _ => http::Response::builder()
                        .status(404)
                        .body(Full::new(Bytes::new())),
                };
                Ok::<_, Infallible>(response.expect("response"))
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn axum_server(addr: SocketAddr) {
    use axum::response::sse::{Event, Sse};
    use axum::routing::get;
    let app = axum::Router::new()
        .route("/plain", get(|| async { HELLO }))
        .route(
            "/json",
            get(|| async { axum::Json(Message { message: HELLO }) }),
        )
        .route(
            "/events",
            get(|| async {
                let events = stream::iter(0u64..)
                    .map(|n| Ok::<_, Infallible>(Event::default().data("tick").id(n.to_string())));
                Sse::new(events)
            }),
        )
        .route_service("/file", tower_http::services::ServeFile::new(file_path()))
        .route_service("/small", tower_http::services::ServeFile::new(small_file()))
        .nest_service(
            "/static",
            tower_http::services::ServeDir::new(static_dir())
                .precompressed_br()
                .precompressed_gzip(),
        );
    let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
    axum::serve(listener, app).await.expect("axum server");
}

fn actix_server(addr: SocketAddr) {
    use actix_web::{App, HttpResponse, HttpServer, web};
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(|| {
            App::new()
                .route(
                    "/plain",
                    web::get().to(|| async {
                        HttpResponse::Ok()
                            .content_type("text/plain; charset=utf-8")
                            .body(HELLO)
                    }),
                )
                .route(
                    "/json",
                    web::get().to(|| async { HttpResponse::Ok().json(Message { message: HELLO }) }),
                )
                .route(
                    "/file",
                    web::get()
                        .to(|| async { actix_files::NamedFile::open_async(file_path()).await }),
                )
                .route(
                    "/small",
                    web::get()
                        .to(|| async { actix_files::NamedFile::open_async(small_file()).await }),
                )
                .service(actix_files::Files::new("/static", static_dir()))
        })
        .workers(1)
        .bind(addr)
        .expect("bind")
        .run()
        .await
        .expect("actix server");
    });
}
