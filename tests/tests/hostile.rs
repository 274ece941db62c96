//! Hostile input (issue 7): header injection through every public way user text reaches a
//! header, tried with CR, LF, NUL and non-ASCII, and Range header abuse. Every case runs
//! through the in-memory `TestClient` and over a real socket, where the raw bytes are checked:
//! either the response is refused with a clear `respond::Error`, or the text is encoded so no
//! raw CR, LF or NUL (nor any non-ASCII byte) reaches the head on the wire.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures_util::stream;
use respond::{
    App, Cookie, Error, EventSourceResponse, FileResponse, HtmlResponse, JsonResponse,
    PlainTextResponse, Receiver, RedirectResponse, Response, Scope, Sender, ServerSentEvent,
    StatusCode, StreamingResponse, TestClient,
};
use respond_tests::{Outcome, TempDir, TestServer, both, parse_response, raw_bytes, respond_with};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Texts that try to break out of a header: CR, LF, CRLF, NUL, non-ASCII (Latin-1 range,
/// beyond it, C1 NEL, the Unicode line separator) and a smuggled second header.
const HOSTILE: &[&str] = &[
    "a\r\nx-evil: 1",
    "a\nx-evil: 1",
    "a\rx-evil: 1",
    "a\r\n\r\nHTTP/1.1 200 OK",
    "nul\0x-evil: 1",
    "caf\u{e9}",
    "snow \u{2603}",
    "nel\u{85}x-evil: 1",
    "ls\u{2028}x-evil: 1",
];

/// Applies `$edit` (an expression of `$r`) to one response of every kind, giving
/// `(kind name, Response)` pairs.
macro_rules! every_kind {
    ($file:expr, |$r:ident| $edit:expr) => {{
        let file: PathBuf = $file;
        vec![
            ("Response", {
                let $r = Response::new("x");
                $edit.into_response()
            }),
            ("HtmlResponse", {
                let $r = HtmlResponse::new("<p>x</p>");
                $edit.into_response()
            }),
            ("PlainTextResponse", {
                let $r = PlainTextResponse::new("x");
                $edit.into_response()
            }),
            ("JsonResponse", {
                let $r = JsonResponse::new(&serde_json::json!({"a": 1}));
                $edit.into_response()
            }),
            ("RedirectResponse", {
                let $r = RedirectResponse::new("/next");
                $edit.into_response()
            }),
            ("StreamingResponse", {
                let $r = StreamingResponse::new(stream::iter(["a", "b"]));
                $edit.into_response()
            }),
            ("FileResponse", {
                let $r = FileResponse::new(file.clone());
                $edit.into_response()
            }),
            ("EventSourceResponse", {
                let $r = EventSourceResponse::new(stream::iter(["a"]));
                $edit.into_response()
            }),
        ]
    }};
}

/// The head of a raw HTTP/1.1 response: every byte is visible ASCII, a space or a tab, apart
/// from the CRLF pairs that end lines; no header line was smuggled in.
fn assert_clean_head(bytes: &[u8], what: &str) {
    let end = bytes
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("{what}: no end of head in {bytes:?}"));
    let head = &bytes[..end];
    for line in head.split(|&byte| byte == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        assert!(
            line.iter()
                .all(|&byte| byte == b' ' || byte == b'\t' || byte.is_ascii_graphic()),
            "{what}: a raw control or non-ASCII byte in the head line {:?}",
            String::from_utf8_lossy(line)
        );
    }
    // Every LF is part of a CRLF pair, so there is no bare CR either (checked per line above).
    for (index, &byte) in head.iter().enumerate() {
        if byte == b'\n' {
            assert_eq!(head[index - 1], b'\r', "{what}: bare LF in the head");
        }
    }
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    assert!(
        !text.contains("\r\nx-evil:"),
        "{what}: a header was injected: {text:?}"
    );
    assert_eq!(
        text.matches("http/1.1 ").count(),
        1,
        "{what}: a second status line in {text:?}"
    );
}

/// An app answering `/<case>/<kind>` with `build(case)`'s response number `kind`.
fn indexed_app<F>(build: F) -> impl App + Clone
where
    F: Fn(usize) -> Vec<(&'static str, Response)> + Clone + Send + Sync + 'static,
{
    move |scope: Scope, mut receive: Receiver, mut send: Sender| {
        let mut parts = scope.path().trim_start_matches('/').split('/');
        let case: usize = parts.next().unwrap().parse().unwrap();
        let kind: usize = parts.next().unwrap().parse().unwrap();
        let (_, response) = build(case).into_iter().nth(kind).unwrap();
        async move { response.send(&scope, &mut receive, &mut send).await }
    }
}

/// `GET target` over a socket; the raw bytes.
async fn get_raw(server: &TestServer, target: &str) -> Vec<u8> {
    raw_bytes(
        server.addr(),
        &format!("GET {target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"),
    )
    .await
}

/// Checks that every `(case, kind)` response `build` makes is refused with an error that
/// `is_expected` accepts, in memory and over a socket (a 500 with a clean head).
async fn assert_refused_everywhere<F>(
    build: F,
    cases: &[&str],
    is_expected: fn(&Error) -> bool,
    what: &str,
) where
    F: Fn(usize) -> Vec<(&'static str, Response)> + Clone + Send + Sync + 'static,
{
    let app = indexed_app(build.clone());
    let client = TestClient::new(app.clone());
    let server = TestServer::start(app).await;
    for (case, bad) in cases.iter().enumerate() {
        for (kind, (name, response)) in build(case).into_iter().enumerate() {
            let error = response.error();
            assert!(
                error.is_some_and(is_expected),
                "{what} {name} {bad:?}: error() is {error:?}"
            );
            let error = client
                .get(&format!("/{case}/{kind}"))
                .try_send()
                .await
                .expect_err("the response must be refused");
            assert!(is_expected(&error), "{what} {name} {bad:?}: {error:?}");
            assert!(
                !error.to_string().is_empty(),
                "{what} {name}: a clear message"
            );
            let bytes = get_raw(&server, &format!("/{case}/{kind}")).await;
            assert_clean_head(&bytes, &format!("{what} {name} {bad:?}"));
            assert_eq!(
                parse_response(&bytes, false).status,
                500,
                "{what} {name} {bad:?}"
            );
        }
    }
    server.stop().await;
}

fn invalid_header(error: &Error) -> bool {
    matches!(error, Error::InvalidHeader { .. })
}

fn invalid_media_type(error: &Error) -> bool {
    matches!(error, Error::InvalidMediaType(_))
}

fn invalid_cookie(error: &Error) -> bool {
    matches!(error, Error::InvalidCookie(_))
}

#[tokio::test]
async fn with_header_on_every_kind_refuses_cr_lf_nul_and_non_ascii_values() {
    let dir = TempDir::new("hostile-with-header");
    let file = dir.file("f.txt", b"file");
    let build =
        move |case: usize| every_kind!(file.clone(), |r| r.with_header("x-user", HOSTILE[case]));
    assert_refused_everywhere(build, HOSTILE, invalid_header, "with_header value").await;
}

#[tokio::test]
async fn with_header_on_every_kind_refuses_hostile_names() {
    const NAMES: &[&str] = &[
        "x-a\r\nx-evil",
        "x-a\nx-evil",
        "x-a\0",
        "x-caf\u{e9}",
        "x a",
        "x-a:",
        "",
    ];
    let dir = TempDir::new("hostile-header-name");
    let file = dir.file("f.txt", b"file");
    let build = move |case: usize| every_kind!(file.clone(), |r| r.with_header(NAMES[case], "v"));
    assert_refused_everywhere(build, NAMES, invalid_header, "with_header name").await;
}

#[tokio::test]
async fn with_media_type_on_every_kind_refuses_hostile_media_types() {
    const MEDIA: &[&str] = &[
        "text/plain\r\nx-evil: 1",
        "text/plain\nx-evil: 1",
        "text/plain\rx-evil: 1",
        "text/plain\0",
        "text/pl\u{e4}in",
        "text/plain; x=\u{e9}",
        "text/plain; x=\"a\r\nx-evil: 1\"",
        "text/plain; x=\"a\nb\"",
        "text/plain; x=\"a\0b\"",
    ];
    let dir = TempDir::new("hostile-media");
    let file = dir.file("f.txt", b"file");
    let build = move |case: usize| every_kind!(file.clone(), |r| r.with_media_type(MEDIA[case]));
    assert_refused_everywhere(build, MEDIA, invalid_media_type, "with_media_type").await;
}

#[tokio::test]
async fn with_media_type_refuses_non_ascii_in_quoted_parameters() {
    const MEDIA: &[&str] = &[
        "text/plain; charset=\"\u{fc}\"",
        "application/json; x=\"\u{2603}\"",
        "text/plain; x=\"\u{85}\"",
    ];
    let dir = TempDir::new("hostile-media-quoted");
    let file = dir.file("f.txt", b"file");
    let build = move |case: usize| every_kind!(file.clone(), |r| r.with_media_type(MEDIA[case]));
    assert_refused_everywhere(build, MEDIA, invalid_media_type, "with_media_type").await;
}

#[tokio::test]
async fn cookies_with_hostile_names_paths_and_domains_are_refused_on_every_kind() {
    // (name, value, path, domain): each cookie breaks one rule with a hostile character.
    type Parts = (
        &'static str,
        &'static str,
        &'static str,
        Option<&'static str>,
    );
    const COOKIES: &[Parts] = &[
        ("a\r\nx-evil", "v", "/", None),
        ("a\n", "v", "/", None),
        ("a\0", "v", "/", None),
        ("caf\u{e9}", "v", "/", None),
        ("c", "snow \u{2603}", "/", None),
        ("c", "v", "/a\r\nx-evil: 1", None),
        ("c", "v", "/a\n", None),
        ("c", "v", "/a\0", None),
        ("c", "v", "/caf\u{e9}", None),
        ("c", "v", "/", Some("example.com\r\nx-evil: 1")),
        ("c", "v", "/", Some("example.com\0")),
        ("c", "v", "/", Some("b\u{fc}cher.example")),
        ("c", "v", "/", Some("example.com; Secure")),
    ];
    fn cookie(case: usize) -> Cookie {
        let (name, value, path, domain) = COOKIES[case];
        let cookie = Cookie::new(name, value).with_path(path);
        match domain {
            Some(domain) => cookie.with_domain(domain),
            None => cookie,
        }
    }
    let dir = TempDir::new("hostile-cookies");
    let file = dir.file("f.txt", b"file");
    let labels: Vec<&str> = COOKIES.iter().map(|parts| parts.0).collect();
    let with_cookie = {
        let file = file.clone();
        move |case: usize| every_kind!(file.clone(), |r| r.with_cookie(cookie(case)))
    };
    assert_refused_everywhere(with_cookie, &labels, invalid_cookie, "with_cookie").await;
    let set_cookie = {
        let file = file.clone();
        move |case: usize| {
            every_kind!(file.clone(), |r| {
                let mut r = r;
                r.set_cookie(cookie(case));
                r
            })
        }
    };
    assert_refused_everywhere(set_cookie, &labels, invalid_cookie, "set_cookie").await;
    // delete_cookie by a hostile name.
    const NAMES: &[&str] = &["a\r\nx-evil", "a\n", "a\0", "caf\u{e9}"];
    let delete_cookie = move |case: usize| {
        every_kind!(file.clone(), |r| {
            let mut r = r;
            r.delete_cookie(NAMES[case]);
            r
        })
    };
    assert_refused_everywhere(delete_cookie, NAMES, invalid_cookie, "delete_cookie").await;
}

#[tokio::test]
async fn cookie_values_are_encoded_so_nothing_breaks_out() {
    // Values are quoted as Starlette quotes them: CR, LF, NUL, `;` and Latin-1 become octal
    // escapes inside a quoted string; the header stays one line of visible ASCII.
    let values = [
        "x\r\nSet-Cookie: evil=1",
        "a\nx-evil: 1",
        "a\rb",
        "nul\0",
        "caf\u{e9}",
        "a; Domain=evil.com",
        "\"quoted\"\\",
    ];
    for value in values {
        let runtime = respond::cookie!("c" = value.to_owned(), httponly);
        let builder = Cookie::new("c", value).with_httponly(true);
        assert_eq!(runtime.render().unwrap(), builder.render().unwrap());
        let app = respond_with(move || {
            PlainTextResponse::new("x").with_cookie(Cookie::new("c", value).with_httponly(true))
        });
        for outcome in both(app.clone(), "GET", "/", &[]).await {
            let cookies = outcome.header_all("set-cookie");
            assert_eq!(cookies.len(), 1, "{value:?} {}", outcome.outlet);
            let cookie = &cookies[0];
            assert!(cookie.starts_with("c=\""), "{value:?}: {cookie}");
            assert!(
                cookie.ends_with("\"; HttpOnly; Path=/; SameSite=lax"),
                "{value:?}: the attributes are intact: {cookie}"
            );
            assert!(!cookie.contains("; Domain"), "{value:?}: {cookie}");
            assert_eq!(outcome.header("x-evil"), None);
        }
        let server = TestServer::start(app).await;
        let bytes = get_raw(&server, "/").await;
        assert_clean_head(&bytes, &format!("cookie value {value:?}"));
        let head = String::from_utf8_lossy(&bytes).to_ascii_lowercase();
        assert_eq!(head.matches("\r\nset-cookie:").count(), 1, "{value:?}");
        server.stop().await;
    }
}

/// A typed response whose header and cookie are known only at run time.
#[respond::response(media_type = "text/plain")]
struct Typed {
    #[body]
    body: String,
    #[header("x-user")]
    user: String,
    #[cookie]
    session: Option<Cookie>,
}

#[tokio::test]
async fn dsl_header_fields_refuse_cr_lf_and_nul() {
    for bad in ["a\r\nx-evil: 1", "a\nx-evil: 1", "a\rb", "nul\0"] {
        let make = move || Typed {
            body: "x".into(),
            user: bad.into(),
            session: None,
        };
        assert!(
            matches!(
                make().into_response().error(),
                Some(Error::InvalidHeader { .. })
            ),
            "{bad:?}"
        );
        let app = respond_with(make);
        let error = TestClient::new(app.clone())
            .get("/")
            .try_send()
            .await
            .unwrap_err();
        assert!(invalid_header(&error), "{bad:?}: {error:?}");
        let server = TestServer::start(app).await;
        let bytes = get_raw(&server, "/").await;
        assert_clean_head(&bytes, &format!("#[header] {bad:?}"));
        assert_eq!(parse_response(&bytes, false).status, 500);
        server.stop().await;
    }
    // A hostile cookie field is refused too.
    let response = Typed {
        body: "x".into(),
        user: "u".into(),
        session: Some(Cookie::new("s\r\nx-evil", "1")),
    }
    .into_response();
    assert!(matches!(response.error(), Some(Error::InvalidCookie(_))));
}

#[tokio::test]
async fn dsl_header_fields_refuse_non_ascii_as_with_header_does() {
    for bad in ["caf\u{e9}", "snow \u{2603}", "nel\u{85}"] {
        assert!(
            PlainTextResponse::new("x")
                .with_header("x-user", bad)
                .error()
                .is_some(),
            "with_header refuses {bad:?}"
        );
        let response = Typed {
            body: "x".into(),
            user: bad.into(),
            session: None,
        }
        .into_response();
        assert!(
            matches!(response.error(), Some(Error::InvalidHeader { .. })),
            "#[header] field {bad:?} was accepted: {:?}",
            response.headers().get("x-user")
        );
    }
}

#[tokio::test]
async fn redirect_urls_are_percent_encoded() {
    let cases = [
        ("/a\r\nx-evil: 1", "/a%0D%0Ax-evil:%201"),
        ("/a\nb", "/a%0Ab"),
        ("/a\rb", "/a%0Db"),
        ("/a\0b", "/a%00b"),
        ("/caf\u{e9}", "/caf%C3%A9"),
        ("/\u{2603}?q=\u{2028}", "/%E2%98%83?q=%E2%80%A8"),
        ("/\u{85}", "/%C2%85"),
        ("/a\tb c", "/a%09b%20c"),
        (
            "https://example.com/\r\n\r\n<script>",
            "https://example.com/%0D%0A%0D%0A%3Cscript%3E",
        ),
    ];
    for (url, expected) in cases {
        let response = RedirectResponse::new(url);
        assert!(response.error().is_none(), "{url:?}");
        let app = respond_with(move || RedirectResponse::new(url));
        for outcome in both(app.clone(), "GET", "/", &[]).await {
            assert_eq!(outcome.status, 307, "{url:?} {}", outcome.outlet);
            assert_eq!(outcome.header("location"), Some(expected), "{url:?}");
            assert_eq!(outcome.header("x-evil"), None);
        }
        let server = TestServer::start(app).await;
        let bytes = get_raw(&server, "/").await;
        assert_clean_head(&bytes, &format!("redirect {url:?}"));
        server.stop().await;
    }
}

#[tokio::test]
async fn filenames_are_stripped_escaped_and_encoded() {
    let dir = TempDir::new("hostile-filename");
    let file = dir.file("data.bin", b"payload");
    let cases = [
        (
            "a\r\nx-evil: 1.txt",
            "attachment; filename*=utf-8''ax-evil%3A%201.txt",
        ),
        ("a\n.txt", "attachment; filename=\"a.txt\""),
        ("a\r.txt", "attachment; filename=\"a.txt\""),
        ("nul\0.txt", "attachment; filename=\"nul.txt\""),
        (
            "x\"; filename=evil.exe",
            "attachment; filename*=utf-8''x%22%3B%20filename%3Devil.exe",
        ),
        (
            "back\\slash.txt",
            "attachment; filename*=utf-8''back%5Cslash.txt",
        ),
        (
            "caf\u{e9}.txt",
            "attachment; filename*=utf-8''caf%C3%A9.txt",
        ),
        (
            "\u{2603}\r\n.txt",
            "attachment; filename*=utf-8''%E2%98%83.txt",
        ),
        ("nel\u{85}.txt", "attachment; filename=\"nel.txt\""),
        (
            "ls\u{2028}.txt",
            "attachment; filename*=utf-8''ls%E2%80%A8.txt",
        ),
    ];
    for (name, expected) in cases {
        let path = file.clone();
        let app = respond_with(move || FileResponse::new(path.clone()).with_filename(name));
        for outcome in both(app.clone(), "GET", "/", &[]).await {
            assert_eq!(outcome.status, 200, "{name:?} {}", outcome.outlet);
            assert_eq!(
                outcome.header("content-disposition"),
                Some(expected),
                "{name:?} {}",
                outcome.outlet
            );
            assert_eq!(outcome.header("x-evil"), None);
            assert_eq!(outcome.body, "payload");
        }
        let server = TestServer::start(app).await;
        let bytes = get_raw(&server, "/").await;
        assert_clean_head(&bytes, &format!("filename {name:?}"));
        server.stop().await;
    }
}

/// The events a browser would dispatch from an event-stream body, parsed as the HTML
/// standard says (lines end at CRLF, LF or CR; an empty line dispatches): each event as its
/// `(field, value)` pairs, comments as `(":", text)`.
fn parse_event_stream(text: &str) -> Vec<Vec<(String, String)>> {
    let mut events = Vec::new();
    let mut current = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let end = rest.find(['\r', '\n']).unwrap_or(rest.len());
        let line = &rest[..end];
        rest = &rest[end..];
        if let Some(after) = rest.strip_prefix("\r\n") {
            rest = after;
        } else if !rest.is_empty() {
            rest = &rest[1..];
        }
        if line.is_empty() {
            if !current.is_empty() {
                events.push(std::mem::take(&mut current));
            }
            continue;
        }
        let (field, value) = match line.strip_prefix(':') {
            Some(comment) => (":", comment),
            None => line.split_once(':').unwrap_or((line, "")),
        };
        let value = value.strip_prefix(' ').unwrap_or(value);
        current.push((field.to_owned(), value.to_owned()));
    }
    assert!(current.is_empty(), "an unterminated event: {current:?}");
    events
}

#[tokio::test]
async fn sse_fields_never_spill_into_new_lines_or_events() {
    // Each hostile text in each field: `data` and `comment` lines split into several lines of
    // the same field; `event` and `id` lose CR and LF; nothing becomes a new field or event.
    let texts: Vec<&'static str> = HOSTILE
        .iter()
        .copied()
        .chain(["x\r\n\r\nevent: evil\r\ndata: evil", "\n\n\n", "\r\r"])
        .collect();
    let events: Vec<ServerSentEvent> = texts
        .iter()
        .flat_map(|&text| {
            let safe_id = text.replace('\0', "");
            [
                ServerSentEvent::new(text).event("e").id("i"),
                ServerSentEvent::new("d").event(text).id("i"),
                ServerSentEvent::new("d").event("e").id(safe_id),
                ServerSentEvent::new("d").event("e").id("i").comment(text),
            ]
        })
        .collect();
    let expected: Vec<Vec<(String, String)>> = texts
        .iter()
        .flat_map(|&text| {
            let lines = |text: &str| -> Vec<String> {
                text.replace("\r\n", "\n")
                    .replace('\r', "\n")
                    .split('\n')
                    .map(str::to_owned)
                    .collect()
            };
            let one_line = |text: &str| text.replace(['\r', '\n'], "");
            let pair = |field: &str, value: String| (field.to_owned(), value);
            let data_lines: Vec<_> = lines(text).into_iter().map(|l| pair("data", l)).collect();
            let comment_lines: Vec<_> = lines(text).into_iter().map(|l| pair(":", l)).collect();
            [
                [
                    vec![pair("id", "i".into()), pair("event", "e".into())],
                    data_lines,
                ]
                .concat(),
                vec![
                    pair("id", "i".into()),
                    pair("event", one_line(text)),
                    pair("data", "d".into()),
                ],
                vec![
                    pair("id", one_line(&text.replace('\0', ""))),
                    pair("event", "e".into()),
                    pair("data", "d".into()),
                ],
                [
                    comment_lines,
                    vec![
                        pair("id", "i".into()),
                        pair("event", "e".into()),
                        pair("data", "d".into()),
                    ],
                ]
                .concat(),
            ]
        })
        .collect();
    let app = respond_with(move || {
        EventSourceResponse::new(stream::iter(events.clone())).with_ping(Duration::ZERO)
    });
    for outcome in both(app.clone(), "GET", "/", &[]).await {
        assert_eq!(outcome.status, 200, "{}", outcome.outlet);
        let parsed = parse_event_stream(&outcome.text());
        assert_eq!(parsed.len(), expected.len(), "{}", outcome.outlet);
        for (got, want) in parsed.iter().zip(&expected) {
            assert_eq!(got, want, "{}", outcome.outlet);
        }
        assert!(
            !parsed
                .iter()
                .flatten()
                .any(|(field, value)| field == "event" && value == "evil"),
            "an injected event"
        );
    }
    let server = TestServer::start(app).await;
    let bytes = get_raw(&server, "/").await;
    assert_clean_head(&bytes, "sse");
    server.stop().await;
}

#[tokio::test]
async fn sse_refuses_a_nul_id_and_a_hostile_separator() {
    for id in ["a\0b", "\0", "x\r\n\0"] {
        let error = ServerSentEvent::new("d").id(id).encode().unwrap_err();
        assert!(matches!(error, Error::InvalidEvent(_)), "{id:?}: {error:?}");
    }
    for separator in ["\r\n\r\n", "\n\n", ";", "\0", "\u{85}", "\u{2028}", ""] {
        let response = EventSourceResponse::new(stream::iter(["a"])).with_separator(separator);
        assert!(
            matches!(response.error(), Some(Error::InvalidSeparator(_))),
            "{separator:?}: {:?}",
            response.error()
        );
        let app = respond_with(move || {
            EventSourceResponse::new(stream::iter(["a"])).with_separator(separator)
        });
        let error = TestClient::new(app).get("/").try_send().await.unwrap_err();
        assert!(matches!(error, Error::InvalidSeparator(_)), "{error:?}");
    }
}

// ---------------------------------------------------------------------------------------
// Range abuse.

/// How long any abusive Range request may take, end to end.
const BOUND: Duration = Duration::from_secs(3);

/// Checks that an answer to a range request is internally consistent with the file: the
/// status, Content-Range, Content-Length and body agree.
fn assert_consistent(outcome: &Outcome, data: &[u8], what: &str) {
    let size = data.len();
    let length: usize = outcome
        .header("content-length")
        .unwrap_or_else(|| panic!("{what}: no content-length"))
        .parse()
        .unwrap();
    assert_eq!(length, outcome.body.len(), "{what}: length vs body");
    match outcome.status {
        StatusCode::OK => {
            assert_eq!(outcome.header("content-range"), None, "{what}");
            assert_eq!(outcome.body, data, "{what}");
        }
        StatusCode::RANGE_NOT_SATISFIABLE => {
            assert_eq!(
                outcome.header("content-range"),
                Some(format!("bytes */{size}").as_str()),
                "{what}"
            );
            assert!(outcome.body.is_empty(), "{what}");
        }
        StatusCode::PARTIAL_CONTENT => {
            let content_type = outcome.header("content-type").unwrap();
            if content_type.starts_with("multipart/byteranges") {
                assert_eq!(outcome.header("content-range"), None, "{what}");
                return;
            }
            let range = outcome.header("content-range").unwrap();
            let (span, total) = range
                .strip_prefix("bytes ")
                .unwrap()
                .split_once('/')
                .unwrap();
            assert_eq!(total, size.to_string(), "{what}");
            let (first, last) = span.split_once('-').unwrap();
            let (first, last): (usize, usize) = (first.parse().unwrap(), last.parse().unwrap());
            assert!(first <= last && last < size, "{what}: {range}");
            assert_eq!(outcome.body, &data[first..=last], "{what}");
        }
        other => panic!("{what}: unexpected status {other}"),
    }
}

/// Runs `GET /` with `range` against the file through both outlets, bounded in time, and
/// checks each answer is consistent; returns them.
async fn ranged(path: &Path, data: &[u8], range: &str, what: &str) -> [Outcome; 2] {
    let path = path.to_path_buf();
    let app = respond_with(move || FileResponse::new(path.clone()));
    let started = Instant::now();
    let outcomes = tokio::time::timeout(BOUND, both(app, "GET", "/", &[("range", range)]))
        .await
        .unwrap_or_else(|_| panic!("{what}: no answer within {BOUND:?}"));
    assert!(started.elapsed() < BOUND, "{what}");
    for outcome in &outcomes {
        assert_consistent(outcome, data, &format!("{what} ({})", outcome.outlet));
    }
    outcomes
}

fn test_data(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i * 7 % 251) as u8).collect()
}

#[tokio::test]
async fn ten_thousand_tiny_overlapping_ranges() {
    let dir = TempDir::new("hostile-many");
    let data = test_data(4096);
    let path = dir.file("data.bin", &data);
    // 10,000 one- and two-byte ranges over the first 10 bytes (about 40 KB of header):
    // over the cap of 100, so the header is ignored and the whole file is sent.
    let many: Vec<String> = (0..10_000)
        .map(|i| format!("{}-{}", i % 9, i % 9 + i % 2))
        .collect();
    let header = format!("bytes={}", many.join(","));
    for outcome in ranged(&path, &data, &header, "10,000 ranges").await {
        assert_eq!(outcome.status, 200, "{}", outcome.outlet);
    }
    // 100 overlapping ranges (the cap) merge into one.
    let hundred: Vec<String> = (0..100).map(|i| format!("{i}-{}", i + 2)).collect();
    let header = format!("bytes={}", hundred.join(","));
    for outcome in ranged(&path, &data, &header, "100 overlapping ranges").await {
        assert_eq!(outcome.status, 206, "{}", outcome.outlet);
        assert_eq!(outcome.header("content-range"), Some("bytes 0-101/4096"));
    }
    // 100 disjoint one-byte ranges given in reverse: one sorted multipart body.
    let reverse: Vec<String> = (0..100).rev().map(|i| format!("{0}-{0}", i * 3)).collect();
    let header = format!("bytes={}", reverse.join(","));
    for outcome in ranged(&path, &data, &header, "100 reversed ranges").await {
        assert_eq!(outcome.status, 206, "{}", outcome.outlet);
        let text = String::from_utf8_lossy(&outcome.body).into_owned();
        let starts: Vec<usize> = text
            .match_indices("Content-Range: bytes ")
            .map(|(at, _)| {
                let rest = &text[at + "Content-Range: bytes ".len()..];
                rest[..rest.find('-').unwrap()].parse().unwrap()
            })
            .collect();
        assert_eq!(starts, (0..100).map(|i| i * 3).collect::<Vec<_>>());
    }
}

#[tokio::test]
async fn a_one_mebibyte_range_header_in_memory() {
    let dir = TempDir::new("hostile-huge-header");
    let data = test_data(1000);
    let path = dir.file("data.bin", &data);
    let mib = 1 << 20;
    let app = {
        let path = path.clone();
        respond_with(move || FileResponse::new(path.clone()))
    };
    let client = TestClient::new(app);
    // (header, expected status, expected Content-Range)
    let cases = [
        // A MiB of empty list elements, then one range: the empties are ignored.
        (
            format!("bytes={}0-9", ",".repeat(mib)),
            206,
            Some("bytes 0-9/1000"),
        ),
        // A MiB of digits: the number saturates, past any end: the whole file as a range.
        (
            format!("bytes=0-{}", "9".repeat(mib)),
            206,
            Some("bytes 0-999/1000"),
        ),
        // A first-pos of a MiB of digits: unsatisfiable.
        (
            format!("bytes={}-", "9".repeat(mib)),
            416,
            Some("bytes */1000"),
        ),
        // A MiB of ranges: over the cap, ignored.
        (format!("bytes={}", "1-2,".repeat(mib / 4)), 200, None),
        // A MiB of garbage: ignored.
        (format!("bytes={}", "x".repeat(mib)), 200, None),
        // A MiB of spaces around one range.
        (
            format!("bytes={}5-6{}", " ".repeat(mib / 2), " ".repeat(mib / 2)),
            206,
            Some("bytes 5-6/1000"),
        ),
    ];
    for (header, status, content_range) in &cases {
        let what = format!("{}...", &header[..header.len().min(16)]);
        let started = Instant::now();
        let response = tokio::time::timeout(BOUND, client.get("/").header("range", header).send())
            .await
            .unwrap_or_else(|_| panic!("{what}: no answer within {BOUND:?}"));
        assert!(started.elapsed() < BOUND, "{what}");
        let outcome = Outcome {
            outlet: "messages",
            status: response.status(),
            headers: response.headers().clone(),
            body: response.body().clone(),
        };
        assert_eq!(outcome.status, *status, "{what}");
        assert_eq!(outcome.header("content-range"), *content_range, "{what}");
        assert_consistent(&outcome, &data, &what);
    }
}

#[tokio::test]
async fn a_one_mebibyte_range_header_over_a_socket_is_refused_and_the_server_goes_on() {
    let dir = TempDir::new("hostile-huge-wire");
    let data = test_data(1000);
    let path = dir.file("data.bin", &data);
    let app = respond_with(move || FileResponse::new(path.clone()));
    let server = TestServer::start(app).await;
    let header = format!("bytes={}0-9", ",".repeat(1 << 20));
    let request = format!("GET / HTTP/1.1\r\nHost: test\r\nRange: {header}\r\n\r\n");
    let started = Instant::now();
    let mut socket = TcpStream::connect(server.addr()).await.unwrap();
    let (mut read, mut write) = socket.split();
    // The server may stop reading and close before the whole head is written: a failed
    // write is part of the expected outcome.
    let writing = async {
        let _ = write.write_all(request.as_bytes()).await;
    };
    let mut bytes = Vec::new();
    let reading = async {
        let _ = read.read_to_end(&mut bytes).await;
    };
    tokio::time::timeout(BOUND, async { tokio::join!(writing, reading) })
        .await
        .expect("the server answers or closes within the bound");
    assert!(started.elapsed() < BOUND);
    // Either the 431 hyper sends for an oversized head, or a closed connection: never a
    // response that served the range.
    if !bytes.is_empty() {
        let response = parse_response(&bytes, false);
        assert_eq!(
            response.status,
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "{}",
            response.head
        );
    }
    drop(socket);
    // The server keeps serving.
    let ok = respond_tests::raw_request(server.addr(), "GET", "/", &[("range", "bytes=0-9")]).await;
    assert_eq!(ok.status, 206);
    assert_eq!(ok.body, &data[..10]);
    server.stop().await;
}

#[tokio::test]
async fn ranges_near_u64_max() {
    let dir = TempDir::new("hostile-u64");
    let data = test_data(1000);
    let path = dir.file("data.bin", &data);
    let max = u64::MAX;
    let cases = [
        (
            format!("bytes={max}-{max}"),
            416,
            Some("bytes */1000".into()),
        ),
        (
            format!("bytes={}-", max - 1),
            416,
            Some("bytes */1000".into()),
        ),
        (format!("bytes={max}-"), 416, Some("bytes */1000".into())),
        (
            format!("bytes=0-{max}"),
            206,
            Some("bytes 0-999/1000".into()),
        ),
        (
            format!("bytes=999-{max}"),
            206,
            Some("bytes 999-999/1000".into()),
        ),
        (
            format!("bytes=-{max}"),
            206,
            Some("bytes 0-999/1000".into()),
        ),
        // Past u64::MAX: saturated, still past the end.
        (
            "bytes=18446744073709551616-".into(),
            416,
            Some("bytes */1000".into()),
        ),
        (
            "bytes=-18446744073709551616".into(),
            206,
            Some("bytes 0-999/1000".into()),
        ),
        (
            "bytes=0-99999999999999999999999999999999".into(),
            206,
            Some("bytes 0-999/1000".into()),
        ),
        // last-pos below first-pos: invalid, ignored.
        (format!("bytes={max}-{}", max - 1), 200, None),
        // An unsatisfiable member next to a good one is dropped.
        (
            format!("bytes=0-0,{max}-{max}"),
            206,
            Some("bytes 0-0/1000".into()),
        ),
        (
            format!("bytes={max}-,-{max}"),
            206,
            Some("bytes 0-999/1000".into()),
        ),
        (
            format!("bytes={}-{max},{max}-", max - 10),
            416,
            Some("bytes */1000".into()),
        ),
    ];
    for (header, status, content_range) in cases {
        for outcome in ranged(&path, &data, &header, &header).await {
            assert_eq!(outcome.status, status, "{header} {}", outcome.outlet);
            assert_eq!(
                outcome.header("content-range").map(str::to_owned),
                content_range,
                "{header} {}",
                outcome.outlet
            );
        }
    }
}
