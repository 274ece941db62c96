//! The macro DSL end to end: typed responses and handlers through the in-memory test client
//! and a real server, and `cookie!` against the runtime builder.

#![deny(warnings)]
#![forbid(unsafe_code)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use respond::{Cookie, Method, Receiver, SameSite, Scope, Sender, Server, StatusCode, TestClient};
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A JSON typed response with a header and a cookie, serialised whole.
#[respond::response(media_type = "application/json", status = 201)]
#[derive(Serialize)]
struct Created {
    id: u64,
    name: String,
    #[header("X-Request-Id")]
    request_id: String,
    #[cookie]
    session: Cookie,
}

/// A text body with an optional header and a status decided at run time.
#[respond::response(media_type = "text/html")]
struct Page {
    #[body]
    html: String,
    #[header("cache-control")]
    cache: Option<&'static str>,
    #[status]
    status: StatusCode,
}

#[derive(Serialize)]
struct Item {
    id: u32,
    price: f64,
}

/// An enum with a JSON default and a 404 variant.
#[respond::response(media_type = "application/json")]
enum Lookup {
    Found(Item),
    #[response(status = 404, media_type = "text/plain")]
    Missing(&'static str),
    #[response(status = 304)]
    Unchanged,
}

#[respond::response(status = 204)]
struct NoContent;

/// Greets in plain text.
#[respond::response(media_type = "text/plain")]
async fn hello() -> &'static str {
    "Hello, world!"
}

/// Looks an item up by query: JSON when found, a typed 404 otherwise.
#[respond::response(media_type = "application/json", status = 200)]
async fn item(scope: &Scope) -> Result<Item, Lookup> {
    match scope.query() {
        "id=1" => Ok(Item { id: 1, price: 2.5 }),
        _ => Err(Lookup::Missing("no such item")),
    }
}

/// Echoes the request body with a 201.
#[respond::response(media_type = "application/octet-stream", status = 201)]
async fn echo(_scope: &Scope, receive: &mut Receiver) -> Vec<u8> {
    receive
        .body()
        .await
        .map(|body| body.to_vec())
        .unwrap_or_default()
}

fn created() -> Created {
    Created {
        id: 7,
        name: "ünï".to_owned(),
        request_id: "r-1".to_owned(),
        session: Cookie::new("session", "abc").with_httponly(true),
    }
}

async fn created_app(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
    created().send(&scope, &mut receive, &mut send).await
}

async fn lookup_app(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
    let response = match scope.path() {
        "/found" => Lookup::Found(Item { id: 3, price: 1.0 }),
        "/nan" => Lookup::Found(Item {
            id: 4,
            price: f64::NAN,
        }),
        "/unchanged" => Lookup::Unchanged,
        _ => Lookup::Missing("gone fishing"),
    };
    response.send(&scope, &mut receive, &mut send).await
}

fn header_names(response: &respond::TestResponse) -> Vec<String> {
    response
        .headers()
        .keys()
        .map(|name| name.as_str().to_owned())
        .collect()
}

#[tokio::test]
async fn json_typed_response_through_the_test_client() {
    let response = TestClient::new(created_app).get("/").send().await;
    assert_eq!(response.status(), 201);
    let body = r#"{"id":7,"name":"ünï"}"#;
    assert_eq!(response.text(), body);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(
        response.header("content-length"),
        Some(body.len().to_string().as_str())
    );
    assert_eq!(response.header("x-request-id"), Some("r-1"));
    assert_eq!(
        response.header_all("set-cookie"),
        ["session=abc; HttpOnly; Path=/; SameSite=lax"]
    );
    let mut names = header_names(&response);
    names.sort();
    assert_eq!(
        names,
        [
            "content-length",
            "content-type",
            "set-cookie",
            "x-request-id"
        ]
    );
}

#[tokio::test]
async fn head_request_gets_the_headers_only() {
    let response = TestClient::new(created_app).head("/").send().await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.header("content-length"), Some("23"));
    assert!(response.body().is_empty());
}

#[tokio::test]
async fn enum_variants_have_their_own_status_and_media_type() {
    let client = TestClient::new(lookup_app);

    let found = client.get("/found").send().await;
    assert_eq!(found.status(), 200);
    assert_eq!(found.header("content-type"), Some("application/json"));
    assert_eq!(found.text(), r#"{"id":3,"price":1.0}"#);

    let missing = client.get("/other").send().await;
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(missing.header("content-length"), Some("12"));
    assert_eq!(missing.text(), "gone fishing");

    let unchanged = client.get("/unchanged").send().await;
    assert_eq!(unchanged.status(), 304);
    assert!(unchanged.header("content-length").is_none());
    assert!(unchanged.body().is_empty());
}

#[tokio::test]
async fn a_json_value_that_cannot_render_is_an_error_not_null() {
    let error = TestClient::new(lookup_app)
        .get("/nan")
        .try_send()
        .await
        .unwrap_err();
    assert!(matches!(error, respond::Error::Json(_)), "{error}");
}

#[tokio::test]
async fn handlers_are_apps() {
    let response = TestClient::new(hello).get("/").send().await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(response.header("content-length"), Some("13"));
    assert_eq!(response.text(), "Hello, world!");

    let client = TestClient::new(item);
    let found = client.get("/?id=1").send().await;
    assert_eq!(found.status(), 200);
    assert_eq!(found.header("content-type"), Some("application/json"));
    assert_eq!(found.text(), r#"{"id":1,"price":2.5}"#);
    let missing = client.get("/?id=2").send().await;
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.text(), "no such item");

    let echoed = TestClient::new(echo).post("/").body("ping").send().await;
    assert_eq!(echoed.status(), 201);
    assert_eq!(
        echoed.header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(echoed.text(), "ping");
}

#[tokio::test]
async fn builder_methods_give_a_plain_response() {
    let page = Page {
        html: "<p>hi</p>".to_owned(),
        cache: None,
        status: StatusCode::NOT_FOUND,
    };
    let response = page
        .with_header("x-extra", "1")
        .with_cookie(Cookie::new("seen", "yes"));
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    assert_eq!(response.headers()["x-extra"], "1");
    assert_eq!(
        response.headers()["set-cookie"],
        "seen=yes; Path=/; SameSite=lax"
    );
    assert!(response.headers().get("cache-control").is_none());

    let cached = Page {
        html: String::new(),
        cache: Some("no-store"),
        status: StatusCode::OK,
    }
    .with_status(203);
    assert_eq!(cached.status(), 203);
    assert_eq!(cached.headers()["cache-control"], "no-store");

    let http = NoContent
        .into_http(&Scope::new(Method::GET, "/"))
        .await
        .unwrap();
    assert_eq!(http.status(), 204);
    assert!(http.headers().get("content-length").is_none());
}

mod notices {
    #[respond::response(media_type = "text/plain", status = 410)]
    pub(crate) struct Gone(pub(crate) &'static str);
}

/// From another module the methods come with `respond::TypedResponse`, and behave as in
/// the declaring module.
async fn gone_app(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
    use respond::TypedResponse;
    notices::Gone("moved away")
        .with_header("x-moved", "1")
        .send(&scope, &mut receive, &mut send)
        .await
}

#[tokio::test]
async fn typed_methods_work_from_another_module_with_the_trait() {
    let response = TestClient::new(gone_app).get("/").send().await;
    assert_eq!(response.status(), 410);
    assert_eq!(response.header("x-moved"), Some("1"));
    assert_eq!(response.header("content-length"), Some("10"));
    assert_eq!(response.text(), "moved away");

    use respond::TypedResponse;
    let http = notices::Gone("x")
        .with_status(StatusCode::OK)
        .into_http(&Scope::new(Method::HEAD, "/"))
        .await
        .unwrap();
    assert_eq!(http.status(), 200);
    assert_eq!(http.headers()["content-length"], "1");
}

#[tokio::test]
async fn values_known_at_run_time_are_checked_at_run_time() {
    let bad_header = Page {
        html: String::new(),
        cache: Some("a\r\nb"),
        status: StatusCode::OK,
    }
    .into_response();
    assert!(matches!(
        bad_header.error(),
        Some(respond::Error::InvalidHeader { .. })
    ));

    let secure = std::env::args().count() == usize::MAX; // false, but unknown to the macro
    let host = respond::cookie!("__Host-id" = "1", secure = secure);
    assert!(host.validate().is_err());
    let mut response = respond::Response::empty();
    response.set_cookie(host);
    assert!(matches!(
        response.error(),
        Some(respond::Error::InvalidCookie(_))
    ));

    let value = String::from("😀");
    assert!(respond::cookie!("emoji" = value).validate().is_err());
}

/// Sends one HTTP/1.1 request and reads the whole answer.
async fn raw_request(addr: std::net::SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("the server answers in time")
        .unwrap();
    String::from_utf8(answer).unwrap()
}

/// Splits an answer into the status line, the header lines (without `date`) and the body.
fn parts(answer: &str) -> (&str, Vec<&str>, &str) {
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap();
    let mut headers: Vec<&str> = lines.filter(|line| !line.starts_with("date:")).collect();
    headers.sort_unstable();
    (status, headers, body)
}

async fn serve_for_test<A: respond::App>(app: A) -> (std::net::SocketAddr, impl FnOnce()) {
    let server = Server::bind("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(
        server
            .with_graceful_shutdown(async {
                stopped.await.ok();
            })
            .with_shutdown_timeout(Duration::from_secs(5))
            .serve(app),
    );
    let shutdown = move || {
        stop.send(()).ok();
        drop(running);
    };
    (addr, shutdown)
}

#[tokio::test]
async fn typed_response_over_a_real_socket() {
    let (addr, shutdown) = serve_for_test(created_app).await;
    let answer = raw_request(
        addr,
        "GET / HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n",
    )
    .await;
    let (status, headers, body) = parts(&answer);
    assert_eq!(status, "HTTP/1.1 201 Created");
    assert_eq!(
        headers,
        [
            "connection: close",
            "content-length: 23",
            "content-type: application/json",
            "set-cookie: session=abc; HttpOnly; Path=/; SameSite=lax",
            "x-request-id: r-1",
        ]
    );
    assert_eq!(body, r#"{"id":7,"name":"ünï"}"#);
    shutdown();
}

#[tokio::test]
async fn handler_over_a_real_socket() {
    let (addr, shutdown) = serve_for_test(item).await;
    let found = raw_request(
        addr,
        "GET /?id=1 HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n",
    )
    .await;
    let (status, headers, body) = parts(&found);
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(
        headers,
        [
            "connection: close",
            "content-length: 20",
            "content-type: application/json"
        ]
    );
    assert_eq!(body, r#"{"id":1,"price":2.5}"#);

    let missing = raw_request(
        addr,
        "GET /?id=9 HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n",
    )
    .await;
    let (status, headers, body) = parts(&missing);
    assert_eq!(status, "HTTP/1.1 404 Not Found");
    assert_eq!(
        headers,
        [
            "connection: close",
            "content-length: 12",
            "content-type: text/plain; charset=utf-8"
        ]
    );
    assert_eq!(body, "no such item");
    shutdown();
}

#[tokio::test]
async fn a_failing_typed_response_is_a_500_on_the_server() {
    let (addr, shutdown) = serve_for_test(lookup_app).await;
    let answer = raw_request(
        addr,
        "GET /nan HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert!(
        answer.starts_with("HTTP/1.1 500 Internal Server Error"),
        "{answer}"
    );
    shutdown();
}

#[test]
fn cookie_macro_equals_the_builder() {
    let at = UNIX_EPOCH + Duration::from_secs(2_000_000_000);
    let value = String::from("runtime value");
    let flag = true;
    let pairs = [
        (respond::cookie!("empty"), Cookie::new("empty", "")),
        (
            respond::cookie!("plain" = "value"),
            Cookie::new("plain", "value"),
        ),
        (
            respond::cookie!("dynamic" = value.clone()),
            Cookie::new("dynamic", value.clone()),
        ),
        (
            respond::cookie!("age" = "1", max_age = 3600),
            Cookie::new("age", "1").with_max_age(3600),
        ),
        (
            respond::cookie!("rel" = "1", expires = 60),
            Cookie::new("rel", "1").with_expires(60),
        ),
        (
            respond::cookie!("abs" = "1", expires = at),
            Cookie::new("abs", "1").with_expires(at),
        ),
        (
            respond::cookie!("dur" = "1", expires = Duration::from_secs(9)),
            Cookie::new("dur", "1").with_expires(Duration::from_secs(9)),
        ),
        (
            respond::cookie!("scoped" = "1", path = "/app", domain = "example.com"),
            Cookie::new("scoped", "1")
                .with_path("/app")
                .with_domain("example.com"),
        ),
        (
            respond::cookie!("flags" = "1", secure, httponly, partitioned),
            Cookie::new("flags", "1")
                .with_secure(true)
                .with_httponly(true)
                .with_partitioned(true),
        ),
        (
            respond::cookie!("exprs" = "1", secure = flag, httponly = !flag),
            Cookie::new("exprs", "1")
                .with_secure(flag)
                .with_httponly(!flag),
        ),
        (
            respond::cookie!("strict" = "1", samesite = "Strict"),
            Cookie::new("strict", "1").with_samesite(SameSite::Strict),
        ),
        (
            respond::cookie!("none" = "1", samesite = "none", secure),
            Cookie::new("none", "1")
                .with_samesite(SameSite::None)
                .with_secure(true),
        ),
        (
            respond::cookie!("typed" = "1", samesite = SameSite::Lax),
            Cookie::new("typed", "1").with_samesite(SameSite::Lax),
        ),
        (
            respond::cookie!("__Host-id" = "1", secure, path = "/"),
            Cookie::new("__Host-id", "1").with_secure(true),
        ),
    ];
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    for (from_macro, from_builder) in &pairs {
        assert_eq!(from_macro, from_builder);
        assert_eq!(
            from_macro.render_at(now).unwrap(),
            from_builder.render_at(now).unwrap()
        );
    }
    assert_eq!(
        pairs[7].0.render_at(now).unwrap(),
        "scoped=1; Domain=example.com; Path=/app; SameSite=lax"
    );
}

// The common media types name constants of respond, the others a `const` block of their
// own; both must give the Content-Type the declaration says.
#[respond::response(media_type = "text/html")]
struct CommonHtml(&'static str);
#[respond::response(media_type = "text/plain")]
struct CommonPlain(&'static str);
#[respond::response(media_type = "text/css")]
struct CommonCss(&'static str);
#[respond::response(media_type = "text/csv")]
struct CommonCsv(&'static str);
#[respond::response(media_type = "text/markdown")]
struct CommonMarkdown(&'static str);
#[respond::response(media_type = "text/xml")]
struct CommonTextXml(&'static str);
#[respond::response(media_type = "application/problem+json")]
struct CommonProblem(&'static str);
#[respond::response(media_type = "application/octet-stream")]
struct CommonOctets(&'static [u8]);
#[respond::response(media_type = "application/xml")]
struct CommonXml(&'static str);
#[respond::response(media_type = "image/svg+xml")]
struct CommonSvg(&'static str);
#[respond::response(media_type = "text/html; charset=latin-1", status = 203)]
struct UncommonHtml(&'static str);

#[test]
fn every_media_type_gives_its_content_type() {
    let cases: Vec<(respond::Response, &str)> = vec![
        (CommonHtml("x").into_response(), "text/html; charset=utf-8"),
        (
            CommonPlain("x").into_response(),
            "text/plain; charset=utf-8",
        ),
        (CommonCss("x").into_response(), "text/css; charset=utf-8"),
        (CommonCsv("x").into_response(), "text/csv; charset=utf-8"),
        (
            CommonMarkdown("x").into_response(),
            "text/markdown; charset=utf-8",
        ),
        (
            CommonTextXml("x").into_response(),
            "text/xml; charset=utf-8",
        ),
        (
            CommonProblem("{}").into_response(),
            "application/problem+json",
        ),
        (
            CommonOctets(b"x").into_response(),
            "application/octet-stream",
        ),
        (CommonXml("x").into_response(), "application/xml"),
        (CommonSvg("x").into_response(), "image/svg+xml"),
        (
            UncommonHtml("x").into_response(),
            "text/html; charset=latin-1",
        ),
    ];
    for (response, expected) in cases {
        assert_eq!(response.headers()["content-type"], expected);
    }
    assert_eq!(UncommonHtml("x").into_response().status(), 203);
}
