//! FileResponse: Starlette's file cases (spec section 9) adapted to our deviations (RFC 9110
//! first), conditional requests, files that change while they are sent, and a slow client of
//! a large file costing bounded memory. Cases run through the in-memory `TestClient` and over
//! real sockets; ranges are also checked with curl.

use std::fs;
use std::io::{BufRead, BufReader, Write as _};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use respond::{App, DispositionType, Error, FileMetadata, FileResponse, Message, TestClient};
use respond_tests::{
    TempDir, TestServer, both, parse_response, raw_bytes, raw_request, respond_with,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// 526 bytes, the size of the README Starlette's tests serve.
fn readme() -> Vec<u8> {
    let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n";
    (0..526).map(|i| alphabet[i % alphabet.len()]).collect()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/static")
        .join(name)
}

fn serve(path: PathBuf) -> impl App + Clone {
    respond_with(move || FileResponse::new(path.clone()))
}

fn slice(data: &[u8], range: Range<usize>) -> Bytes {
    Bytes::copy_from_slice(&data[range])
}

/// The boundary named in a multipart Content-Type.
fn boundary_of(content_type: &str) -> String {
    content_type
        .strip_prefix("multipart/byteranges; boundary=")
        .unwrap_or_else(|| panic!("not multipart: {content_type}"))
        .to_owned()
}

/// The exact multipart/byteranges body for `ranges` (end exclusive) of `data`.
fn multipart(boundary: &str, part_type: &str, ranges: &[Range<usize>], data: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for range in ranges {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Type: {part_type}\r\nContent-Range: bytes {}-{}/{}\r\n\r\n",
                range.start,
                range.end - 1,
                data.len()
            )
            .as_bytes(),
        );
        body.extend_from_slice(&data[range.clone()]);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--").as_bytes());
    body
}

#[tokio::test]
async fn file_response_sends_the_file_with_its_headers() {
    let path = fixture("logo.png");
    let contents = fs::read(&path).unwrap();
    let modified = fs::metadata(&path).unwrap().modified().unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&ran);
    let app = respond_with(move || {
        let counter = Arc::clone(&counter);
        FileResponse::new(fixture("logo.png"))
            .with_filename("example.png")
            .with_background(async move {
                counter.fetch_add(1, Ordering::SeqCst);
            })
    });
    for outcome in both(app, "GET", "/", &[]).await {
        let outlet = outcome.outlet;
        assert_eq!(outcome.status, 200, "{outlet}");
        assert_eq!(outcome.body, contents, "{outlet}");
        assert_eq!(outcome.header("content-type"), Some("image/png"));
        assert_eq!(
            outcome.header("content-disposition"),
            Some("attachment; filename=\"example.png\"")
        );
        assert_eq!(outcome.header("accept-ranges"), Some("bytes"));
        let length = contents.len().to_string();
        assert_eq!(outcome.header("content-length"), Some(length.as_str()));
        let last_modified = httpdate::fmt_http_date(modified);
        assert_eq!(
            outcome.header("last-modified"),
            Some(last_modified.as_str())
        );
        let etag = outcome.header("etag").unwrap();
        assert!(
            etag.starts_with('"') && etag.ends_with('"'),
            "strong: {etag}"
        );
        assert_eq!(outcome.header("transfer-encoding"), None, "{outlet}");
    }
    // Background work runs after the body, once per request; the server runs it on its own
    // task, so give it a moment.
    for _ in 0..100 {
        if ran.load(Ordering::SeqCst) == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(ran.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn head_sends_the_headers_of_get_without_reading() {
    let path = fixture("hello.txt");
    let [get, _] = both(serve(path.clone()), "GET", "/", &[]).await;
    for outcome in both(serve(path.clone()), "HEAD", "/", &[]).await {
        assert_eq!(outcome.status, 200, "{}", outcome.outlet);
        assert!(outcome.body.is_empty(), "{}", outcome.outlet);
        for name in [
            "content-type",
            "content-length",
            "etag",
            "last-modified",
            "accept-ranges",
        ] {
            assert_eq!(outcome.header(name), get.header(name), "{name}");
        }
    }
    let response = TestClient::new(serve(path)).head("/").send().await;
    assert_eq!(
        response.messages()[1..],
        [Message::body(Bytes::new(), false)],
        "one empty final message"
    );

    // With known metadata, HEAD touches no file at all: this path does not exist.
    let app = respond_with(|| {
        FileResponse::from_metadata(
            "/nonexistent/respond/video.mp4",
            FileMetadata::new(1000, None),
        )
    });
    for outcome in both(app, "HEAD", "/", &[]).await {
        assert_eq!(outcome.status, 200, "{}", outcome.outlet);
        assert_eq!(outcome.header("content-length"), Some("1000"));
        assert_eq!(outcome.header("content-type"), Some("video/mp4"));
        assert_eq!(
            outcome.header("etag"),
            None,
            "no modification time, no etag"
        );
    }
}

#[tokio::test]
async fn media_types() {
    let dir = TempDir::new("file-media");
    let data = dir.file("data.bin.unknownext", b"xyz");
    let text = dir.file("notes.txt", b"hello");
    let app = {
        let (data, text) = (data.clone(), text.clone());
        move |scope: respond::Scope, mut receive: respond::Receiver, mut send: respond::Sender| {
            let response = match scope.path() {
                "/default" => FileResponse::new(&data),
                "/text" => FileResponse::new(&text),
                "/explicit" => FileResponse::new(&text).with_media_type("image/jpeg"),
                "/filename" => FileResponse::new(&data).with_filename("example.png"),
                _ => FileResponse::new(&text)
                    .with_media_type("application/x-custom")
                    .with_filename("example.png"),
            };
            async move { response.send(&scope, &mut receive, &mut send).await }
        }
    };
    let client = TestClient::new(app);
    for (target, expected) in [
        ("/default", "application/octet-stream"),
        ("/text", "text/plain; charset=utf-8"),
        ("/explicit", "image/jpeg"),
        ("/filename", "image/png"),
        ("/explicit-then-filename", "application/x-custom"),
    ] {
        let response = client.get(target).send().await;
        assert_eq!(response.header("content-type"), Some(expected), "{target}");
    }
}

#[tokio::test]
async fn missing_file_and_directory_are_clear_errors() {
    let dir = TempDir::new("file-missing");
    let missing = dir.path().join("nope.txt");
    let error = TestClient::new(serve(missing.clone()))
        .get("/")
        .try_send()
        .await
        .unwrap_err();
    let Error::Io(io) = &error else {
        panic!("expected an I/O error, got {error:?}");
    };
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
    assert_eq!(
        error.to_string(),
        format!("file at path {} does not exist", missing.display())
    );

    let error = TestClient::new(serve(dir.path().to_path_buf()))
        .get("/")
        .try_send()
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "file at path {} is a directory, not a file",
            dir.path().display()
        )
    );

    // On the server the app's error is a 500 (and the path is in the log).
    let server = TestServer::start(serve(missing)).await;
    let wire = raw_request(server.addr(), "GET", "/", &[]).await;
    assert_eq!(wire.status, 500);
    server.stop().await;
}

#[tokio::test]
async fn content_disposition_names() {
    let path = fixture("hello.txt");
    let cases: [(&str, DispositionType, &str); 4] = [
        (
            "你好.txt",
            DispositionType::Attachment,
            "attachment; filename*=utf-8''%E4%BD%A0%E5%A5%BD.txt",
        ),
        (
            "hello.txt",
            DispositionType::Inline,
            "inline; filename=\"hello.txt\"",
        ),
        (
            "Bäckerei.txt",
            DispositionType::Inline,
            "inline; filename*=utf-8''B%C3%A4ckerei.txt",
        ),
        (
            "a\"b\\c\r\nSet-Cookie: x=1.txt",
            DispositionType::Attachment,
            "attachment; filename*=utf-8''a%22b%5CcSet-Cookie%3A%20x%3D1.txt",
        ),
    ];
    for (name, kind, expected) in cases {
        let path = path.clone();
        let app = respond_with(move || {
            FileResponse::new(path.clone())
                .with_filename(name)
                .with_content_disposition_type(kind)
        });
        for outcome in both(app, "GET", "/", &[]).await {
            assert_eq!(
                outcome.header("content-disposition"),
                Some(expected),
                "{name}"
            );
            assert_eq!(outcome.header_all("set-cookie"), Vec::<String>::new());
        }
    }
}

#[tokio::test]
async fn if_range_needs_a_strong_etag_or_the_exact_date() {
    let dir = TempDir::new("file-if-range");
    let data = readme();
    let path = dir.file("README.txt", &data);
    let custom = {
        let path = path.clone();
        respond_with(move || FileResponse::new(path.clone()).with_header("etag", "\"123\""))
    };
    let range = ("range", "bytes=0-9");
    for outcome in both(
        custom.clone(),
        "GET",
        "/",
        &[range, ("if-range", "\"123\"")],
    )
    .await
    {
        assert_eq!(outcome.status, 206, "{}", outcome.outlet);
        assert_eq!(outcome.body, slice(&data, 0..10));
    }
    for if_range in ["W/\"123\"", "\"12\"", "garbage"] {
        for outcome in both(custom.clone(), "GET", "/", &[range, ("if-range", if_range)]).await {
            assert_eq!(outcome.status, 200, "{if_range} {}", outcome.outlet);
            assert_eq!(outcome.body, data);
        }
    }
    let [plain, _] = both(serve(path.clone()), "GET", "/", &[]).await;
    let last_modified = plain.header("last-modified").unwrap().to_owned();
    let etag = plain.header("etag").unwrap().to_owned();
    for validator in [last_modified.as_str(), etag.as_str()] {
        for outcome in both(
            serve(path.clone()),
            "GET",
            "/",
            &[range, ("if-range", validator)],
        )
        .await
        {
            assert_eq!(outcome.status, 206, "{validator}");
        }
    }
    let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(3600));
    let [outcome, _] = both(serve(path), "GET", "/", &[range, ("if-range", &later)]).await;
    assert_eq!(outcome.status, 200, "a date that is not Last-Modified");
}

#[tokio::test]
async fn single_range() {
    let dir = TempDir::new("file-range");
    let data = readme();
    let path = dir.file("README.txt", &data);
    for outcome in both(serve(path.clone()), "GET", "/", &[("range", "bytes=0-100")]).await {
        assert_eq!(outcome.status, 206, "{}", outcome.outlet);
        assert_eq!(outcome.header("content-range"), Some("bytes 0-100/526"));
        assert_eq!(outcome.header("content-length"), Some("101"));
        assert_eq!(
            outcome.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(outcome.body, slice(&data, 0..101));
    }
    for outcome in both(serve(path), "HEAD", "/", &[("range", "bytes=0-100")]).await {
        assert_eq!(outcome.status, 206, "{}", outcome.outlet);
        assert_eq!(outcome.header("content-range"), Some("bytes 0-100/526"));
        assert_eq!(outcome.header("content-length"), Some("101"));
        assert!(outcome.body.is_empty());
    }
}

#[tokio::test]
async fn range_forms_suffix_open_clamped_single_byte_and_merged() {
    let dir = TempDir::new("file-forms");
    let data = readme();
    let path = dir.file("README.txt", &data);
    let cases: [(&str, Range<usize>); 9] = [
        ("bytes=-100", 426..526),
        ("bytes=-1000", 0..526),
        ("bytes=426-", 426..526),
        ("bytes=500-1000", 500..526),
        ("bytes=5-5", 5..6),
        ("bytes=0-100, 50-200", 0..201),
        ("bytes=0-4,5-9", 0..10),
        ("BYTES = 0-1", 0..2),
        ("bytes=0-1,600-700", 0..2),
    ];
    for (header, range) in cases {
        for outcome in both(serve(path.clone()), "GET", "/", &[("range", header)]).await {
            assert_eq!(outcome.status, 206, "{header} {}", outcome.outlet);
            let content_range = format!("bytes {}-{}/526", range.start, range.end - 1);
            assert_eq!(
                outcome.header("content-range"),
                Some(content_range.as_str()),
                "{header}"
            );
            assert_eq!(outcome.body, slice(&data, range.clone()), "{header}");
        }
    }
}

#[tokio::test]
async fn multiple_ranges_are_multipart_byteranges() {
    let dir = TempDir::new("file-multi");
    let data = readme();
    let path = dir.file("README.txt", &data);
    let header = ("range", "bytes=0-100, 200-300");
    for outcome in both(serve(path.clone()), "GET", "/", &[header]).await {
        assert_eq!(outcome.status, 206, "{}", outcome.outlet);
        let boundary = boundary_of(outcome.header("content-type").unwrap());
        assert_eq!(outcome.header("content-range"), None);
        // Starlette's 448 has a 26-character boundary; ours has 32 and appears 3 times.
        assert_eq!(outcome.header("content-length"), Some("466"));
        let expected = multipart(
            &boundary,
            "text/plain; charset=utf-8",
            &[0..101, 200..301],
            &data,
        );
        assert_eq!(outcome.body, expected, "{}", outcome.outlet);
    }
    let [get, _] = both(serve(path.clone()), "GET", "/", &[]).await;
    let etag = get.header("etag").unwrap().to_owned();
    let truncated = &etag[..etag.len() - 2];
    for outcome in both(serve(path.clone()), "HEAD", "/", &[header]).await {
        assert_eq!(outcome.status, 206);
        assert_eq!(outcome.header("content-length"), Some("466"));
        assert!(outcome.body.is_empty());
    }
    let [outcome, _] = both(
        serve(path.clone()),
        "HEAD",
        "/",
        &[header, ("if-range", truncated)],
    )
    .await;
    assert_eq!(outcome.status, 200);
    assert_eq!(outcome.header("content-length"), Some("526"));
    let [outcome, _] = both(serve(path), "HEAD", "/", &[header, ("if-range", &etag)]).await;
    assert_eq!(outcome.status, 206);
}

#[tokio::test]
async fn ranges_are_sorted_in_the_multipart_body() {
    let dir = TempDir::new("file-insert");
    let data = readme();
    let path = dir.file("README.txt", &data);
    let header = ("range", "bytes=100-200, 0-50, 400-500, 60-60");
    for outcome in both(serve(path), "GET", "/", &[header]).await {
        let boundary = boundary_of(outcome.header("content-type").unwrap());
        let expected = multipart(
            &boundary,
            "text/plain; charset=utf-8",
            &[0..51, 60..61, 100..201, 400..501],
            &data,
        );
        assert_eq!(outcome.body, expected, "{}", outcome.outlet);
        assert_eq!(
            outcome.header("content-length"),
            Some(expected.len().to_string().as_str())
        );
    }
}

#[tokio::test]
async fn range_count_limit() {
    let dir = TempDir::new("file-count");
    let data = readme();
    let path = dir.file("README.txt", &data);
    let hundred: Vec<String> = (0..100).map(|i| format!("{}-{}", i * 2, i * 2)).collect();
    let header = format!("bytes={}", hundred.join(","));
    for outcome in both(serve(path.clone()), "GET", "/", &[("range", &header)]).await {
        assert_eq!(outcome.status, 206, "100 ranges are served");
        let boundary = boundary_of(outcome.header("content-type").unwrap());
        let ranges: Vec<Range<usize>> = (0..100).map(|i| i * 2..i * 2 + 1).collect();
        let expected = multipart(&boundary, "text/plain; charset=utf-8", &ranges, &data);
        assert_eq!(outcome.body, expected);
    }
    let too_many = format!("{header},300-300");
    for outcome in both(serve(path), "GET", "/", &[("range", &too_many)]).await {
        assert_eq!(
            outcome.status, 200,
            "101 ranges fall back to the whole file"
        );
        assert_eq!(outcome.body, data);
    }
}

#[tokio::test]
async fn unknown_units_and_malformed_headers_are_ignored() {
    let dir = TempDir::new("file-malformed");
    let data = readme();
    let path = dir.file("README.txt", &data);
    // Starlette answers 400 to these; RFC 9110 lets a server ignore them, and we do.
    for header in [
        "bytes: 0-1000",
        "items=0-5",
        "bytes=",
        "bytes=abc",
        "bytes=0-1,x-y",
        "bytes=5-4",
        "bytes=0--5",
        "bytes=1-,-",
        "0-100",
    ] {
        for outcome in both(serve(path.clone()), "GET", "/", &[("range", header)]).await {
            assert_eq!(outcome.status, 200, "{header} {}", outcome.outlet);
            assert_eq!(outcome.body, data, "{header}");
            assert_eq!(outcome.header("content-range"), None);
        }
    }
}

#[tokio::test]
async fn unsatisfiable_ranges_get_416() {
    let dir = TempDir::new("file-416");
    let path = dir.file("README.txt", &readme());
    for header in ["bytes=526-", "bytes=600-700,700-800", "bytes=-0"] {
        for outcome in both(serve(path.clone()), "GET", "/", &[("range", header)]).await {
            assert_eq!(outcome.status, 416, "{header} {}", outcome.outlet);
            assert_eq!(outcome.header("content-range"), Some("bytes */526"));
            assert_eq!(outcome.header("content-length"), Some("0"));
            assert!(outcome.body.is_empty());
        }
    }
    // As Starlette: the answer is an empty plain text, whatever the file's type.
    let image = dir.file("pixel.png", b"not really a png");
    for outcome in both(serve(image), "GET", "/", &[("range", "bytes=100-")]).await {
        assert_eq!(outcome.status, 416, "{}", outcome.outlet);
        assert_eq!(
            outcome.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
    }
    let empty = dir.file("empty.txt", b"");
    let [outcome, _] = both(serve(empty.clone()), "GET", "/", &[("range", "bytes=0-")]).await;
    assert_eq!(outcome.status, 416);
    assert_eq!(outcome.header("content-range"), Some("bytes */0"));
    // A suffix of an empty file is satisfiable but a 206 cannot express it: the whole (empty)
    // file is sent.
    let [outcome, _] = both(serve(empty), "GET", "/", &[("range", "bytes=-5")]).await;
    assert_eq!(outcome.status, 200);
}

#[tokio::test]
async fn ranges_only_for_get_and_head_with_status_200() {
    let dir = TempDir::new("file-non-200");
    let data = readme();
    let path = dir.file("README.txt", &data);
    let not_found = {
        let path = path.clone();
        respond_with(move || FileResponse::new(path.clone()).with_status(404))
    };
    for outcome in both(not_found, "GET", "/", &[("range", "bytes=0-10")]).await {
        assert_eq!(outcome.status, 404);
        assert_eq!(outcome.body, data);
    }
    for outcome in both(serve(path), "POST", "/", &[("range", "bytes=0-10")]).await {
        assert_eq!(outcome.status, 200);
        assert_eq!(outcome.body, data);
    }
}

#[tokio::test]
async fn repeated_requests_give_the_same_answer() {
    let path = fixture("hello.txt");
    let client = TestClient::new(serve(path));
    let first = client
        .get("/")
        .header("range", "bytes=0-4,10-12")
        .send()
        .await;
    let second = client
        .get("/")
        .header("range", "bytes=0-4,10-12")
        .send()
        .await;
    assert_eq!(first.status(), 206);
    assert_eq!(first.header("etag"), second.header("etag"));
    assert_eq!(first.body().len(), second.body().len());
    assert_ne!(
        first.header("content-type"),
        second.header("content-type"),
        "each multipart response has its own boundary"
    );
}

#[tokio::test]
async fn small_chunk_size_gives_exact_messages() {
    let dir = TempDir::new("file-chunks");
    let data = readme();
    let path = dir.file("README.txt", &data);
    let app = respond_with(move || FileResponse::new(path.clone()).with_chunk_size(10));
    let response = TestClient::new(app.clone())
        .get("/")
        .header("range", "bytes=20-35,35-50")
        .send()
        .await;
    assert_eq!(response.status(), 206);
    assert_eq!(response.header("content-range"), Some("bytes 20-50/526"));
    assert_eq!(
        response.messages()[1..],
        [
            Message::body(slice(&data, 20..30), true),
            Message::body(slice(&data, 30..40), true),
            Message::body(slice(&data, 40..50), true),
            Message::body(slice(&data, 50..51), false),
        ]
    );
    // A whole file that is an exact multiple of the chunk size ends with its last chunk.
    let response = TestClient::new(app).get("/").send().await;
    let messages = &response.messages()[1..];
    assert_eq!(messages.len(), 53);
    assert_eq!(messages[52], Message::body(slice(&data, 520..526), false));
    assert_eq!(response.body(), &data);
}

#[tokio::test]
async fn empty_file() {
    let dir = TempDir::new("file-empty");
    let path = dir.file("empty.txt", b"");
    for outcome in both(serve(path.clone()), "GET", "/", &[]).await {
        assert_eq!(outcome.status, 200);
        assert_eq!(outcome.header("content-length"), Some("0"));
        assert!(outcome.body.is_empty());
    }
    let response = TestClient::new(serve(path)).get("/").send().await;
    assert_eq!(
        response.messages()[1..],
        [Message::body(Bytes::new(), false)]
    );
}

#[tokio::test]
async fn video_fixture_answers_the_safari_probe() {
    let path = fixture("clip.mp4");
    let size = fs::metadata(&path).unwrap().len();
    let data = fs::read(&path).unwrap();
    for outcome in both(serve(path), "GET", "/", &[("range", "bytes=0-1")]).await {
        assert_eq!(outcome.status, 206);
        assert_eq!(outcome.header("content-type"), Some("video/mp4"));
        let content_range = format!("bytes 0-1/{size}");
        assert_eq!(
            outcome.header("content-range"),
            Some(content_range.as_str())
        );
        assert_eq!(outcome.body, slice(&data, 0..2));
    }
}

/// A method, request headers and the expected status.
type Condition<'a> = (&'a str, Vec<(&'a str, &'a str)>, u16);

#[tokio::test]
async fn conditional_requests() {
    let dir = TempDir::new("file-conditional");
    let data = readme();
    let path = dir.file("README.txt", &data);
    let [plain, _] = both(serve(path.clone()), "GET", "/", &[]).await;
    let etag = plain.header("etag").unwrap().to_owned();
    let weak = format!("W/{etag}");
    let other_then_ours = format!("\"other\", {etag}");
    let last_modified = plain.header("last-modified").unwrap().to_owned();
    let modified = httpdate::parse_http_date(&last_modified).unwrap();
    let earlier = httpdate::fmt_http_date(modified - Duration::from_secs(1));
    let later = httpdate::fmt_http_date(modified + Duration::from_secs(1));

    let cases: Vec<Condition<'_>> = vec![
        ("GET", vec![("if-none-match", &etag)], 304),
        ("GET", vec![("if-none-match", &weak)], 304),
        ("GET", vec![("if-none-match", &other_then_ours)], 304),
        ("GET", vec![("if-none-match", "*")], 304),
        ("HEAD", vec![("if-none-match", &etag)], 304),
        ("GET", vec![("if-none-match", "\"other\"")], 200),
        ("POST", vec![("if-none-match", &etag)], 412),
        ("GET", vec![("if-modified-since", &last_modified)], 304),
        ("GET", vec![("if-modified-since", &later)], 304),
        ("GET", vec![("if-modified-since", &earlier)], 200),
        ("GET", vec![("if-modified-since", "not a date")], 200),
        (
            "GET",
            vec![
                ("if-none-match", "\"other\""),
                ("if-modified-since", &later),
            ],
            200,
        ),
        ("GET", vec![("if-match", &etag)], 200),
        ("GET", vec![("if-match", "*")], 200),
        ("GET", vec![("if-match", &weak)], 412),
        ("GET", vec![("if-match", "\"other\"")], 412),
        ("GET", vec![("if-unmodified-since", &earlier)], 412),
        ("GET", vec![("if-unmodified-since", &last_modified)], 200),
        (
            "GET",
            vec![("if-match", &etag), ("if-unmodified-since", &earlier)],
            200,
        ),
        (
            "GET",
            vec![("if-match", "\"other\""), ("if-none-match", &etag)],
            412,
        ),
        (
            "GET",
            vec![("if-none-match", &etag), ("range", "bytes=0-1")],
            304,
        ),
        (
            "GET",
            vec![("if-match", &etag), ("range", "bytes=0-1")],
            206,
        ),
    ];
    for (method, headers, status) in cases {
        for outcome in both(serve(path.clone()), method, "/", &headers).await {
            assert_eq!(
                outcome.status, status,
                "{method} {headers:?} {}",
                outcome.outlet
            );
            match status {
                304 => {
                    assert!(outcome.body.is_empty());
                    assert_eq!(outcome.header("etag"), Some(etag.as_str()));
                    assert_eq!(
                        outcome.header("last-modified"),
                        Some(last_modified.as_str())
                    );
                    assert_eq!(outcome.header("content-length"), None);
                    assert_eq!(outcome.header("content-type"), None);
                }
                412 => {
                    assert!(outcome.body.is_empty());
                    assert_eq!(outcome.header("content-length"), Some("0"));
                }
                200 if method != "HEAD" => assert_eq!(outcome.body, data),
                _ => {}
            }
        }
    }
}

#[tokio::test]
async fn timestamps_out_of_the_http_date_range_never_panic() {
    let dir = TempDir::new("file-epoch");
    let path = dir.file("old.txt", b"from before 1970");
    let file = fs::File::options().write(true).open(&path).unwrap();
    file.set_modified(UNIX_EPOCH - Duration::from_secs(86_400))
        .unwrap();
    drop(file);
    for outcome in both(
        serve(path),
        "GET",
        "/",
        &[("if-modified-since", "Thu, 01 Jan 1970 00:00:00 GMT")],
    )
    .await
    {
        assert_eq!(outcome.status, 200, "{}", outcome.outlet);
        assert_eq!(outcome.header("last-modified"), None);
        assert!(
            outcome.header("etag").unwrap().contains("--"),
            "a signed etag"
        );
        assert_eq!(outcome.text(), "from before 1970");
    }
    let far = UNIX_EPOCH + Duration::from_secs(400_000_000_000);
    let app = respond_with(move || {
        FileResponse::from_metadata(
            "/nonexistent/respond/far.txt",
            FileMetadata::new(3, Some(far)),
        )
    });
    for outcome in both(app, "HEAD", "/", &[]).await {
        assert_eq!(outcome.status, 200);
        assert_eq!(
            outcome.header("last-modified"),
            None,
            "year 10000+ has no HTTP date"
        );
        assert!(outcome.header("etag").is_some());
    }
}

#[tokio::test]
async fn known_metadata_that_is_wrong_aborts_instead_of_lying() {
    let dir = TempDir::new("file-eof");
    let data = readme();
    let path = dir.file("README.txt", &data);
    // Starlette's "unexpected EOF" case: the metadata claims more bytes than the file has.
    let app = respond_with(move || {
        FileResponse::from_metadata(path.clone(), FileMetadata::new(600, None))
    });
    let error = TestClient::new(app.clone())
        .get("/")
        .header("range", "bytes=0-10,500-599")
        .try_send()
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("changed while being sent"),
        "{error}"
    );
    let server = TestServer::start(app).await;
    let request = "GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n";
    let bytes = raw_bytes(server.addr(), request).await;
    // The first read fails before hyper has flushed the head: the connection closes with
    // nothing, or with an incomplete response; never a short body that looks complete.
    if !bytes.is_empty() {
        let wire = parse_response(&bytes, false);
        assert_eq!(wire.header("content-length"), Some("600"));
        assert!(
            !wire.complete,
            "the connection is aborted, never a short clean body"
        );
    }
    server.stop().await;
}

/// A file of `size` bytes whose content tells each offset apart.
fn large_file(dir: &TempDir, name: &str, size: usize) -> (PathBuf, Vec<u8>) {
    let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    (dir.file(name, &data), data)
}

/// Changes a file on disk.
type Change = fn(&Path);

#[tokio::test]
async fn file_changed_while_sent_aborts_the_response() {
    let dir = TempDir::new("file-changed");
    let changes: [(&str, Change); 3] = [
        ("shrinks", |path| {
            fs::File::options()
                .write(true)
                .open(path)
                .unwrap()
                .set_len(1 << 20)
                .unwrap();
        }),
        ("grows", |path| {
            fs::File::options()
                .append(true)
                .open(path)
                .unwrap()
                .write_all(b"more")
                .unwrap();
        }),
        ("modified", |path| {
            let file = fs::File::options().write(true).open(path).unwrap();
            file.set_modified(SystemTime::now() + Duration::from_secs(3600))
                .unwrap();
        }),
    ];
    for (what, change) in changes {
        let (path, data) = large_file(&dir, &format!("{what}.bin"), 4 << 20);
        let mut stream = TestClient::new(serve(path.clone())).get("/").stream().await;
        assert_eq!(stream.header("content-length"), Some("4194304"));
        let first = stream.next_chunk().await.unwrap().unwrap();
        assert_eq!(first, slice(&data, 0..first.len()));
        change(&path);
        let mut received = first.len();
        let error = loop {
            match stream.next_chunk().await {
                Ok(Some(chunk)) => received += chunk.len(),
                Ok(None) => panic!("{what}: the body ended cleanly after {received} bytes"),
                Err(error) => break error,
            }
        };
        assert!(received < data.len(), "{what}");
        assert!(
            error.to_string().contains(&path.display().to_string()),
            "{what}: {error}"
        );
    }

    // Over a socket: the client gets fewer bytes than Content-Length and the connection closes.
    let (path, data) = large_file(&dir, "wire.bin", 8 << 20);
    let server = TestServer::start(serve(path.clone())).await;
    let mut socket = TcpStream::connect(server.addr()).await.unwrap();
    socket
        .write_all(b"GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut bytes = vec![0u8; 64 * 1024];
    socket.read_exact(&mut bytes).await.unwrap();
    fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(1024)
        .unwrap();
    tokio::time::timeout(Duration::from_secs(20), socket.read_to_end(&mut bytes))
        .await
        .unwrap()
        .ok();
    let wire = parse_response(&bytes, false);
    assert_eq!(wire.status, 200);
    assert_eq!(wire.header("content-length"), Some("8388608"));
    assert!(!wire.complete);
    assert!(wire.body.len() < data.len());
    server.stop().await;
}

#[tokio::test]
async fn disconnect_mid_file_stops_reading_and_runs_background() {
    let dir = TempDir::new("file-disconnect");
    let (path, _) = large_file(&dir, "big.bin", 4 << 20);
    let ran = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&ran);
    let app = respond_with(move || {
        let counter = Arc::clone(&counter);
        FileResponse::new(path.clone()).with_background(async move {
            counter.fetch_add(1, Ordering::SeqCst);
        })
    });
    let mut stream = TestClient::new(app).get("/").stream().await;
    stream.next_chunk().await.unwrap().unwrap();
    // The app sees the client leave either through the receiver (Ok) or through a send
    // that fails (ClientDisconnected), depending on what it was doing at that moment.
    match stream.disconnect().await {
        Ok(()) | Err(Error::ClientDisconnected) => {}
        Err(other) => panic!("unexpected outcome: {other}"),
    }
    assert_eq!(ran.load(Ordering::SeqCst), 1);
}

/// Runs curl with `args` and returns its standard output. Debian's `curl` is installed on
/// first use where it is missing (`respond_tests::provision`); where it cannot be, the test
/// fails and says what to install, never skips.
fn curl(args: &[&str]) -> Vec<u8> {
    let output = Command::new(respond_tests::provision::debian_package("curl", "curl"))
        .args(["--silent", "--show-error", "--max-time", "20"])
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("cannot run curl: {error}"));
    assert!(
        output.status.success(),
        "curl {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_range_requests() {
    let path = fixture("hello.txt");
    let data = fs::read(&path).unwrap();
    let server = TestServer::start(serve(path)).await;
    let url = format!("http://{}/static/hello.txt", server.addr());
    let (single, multi, suffix) = tokio::task::spawn_blocking(move || {
        (
            curl(&["-r", "0-4", &url]),
            curl(&["-r", "0-4,7-13", "--include", &url]),
            curl(&["-r", "-10", &url]),
        )
    })
    .await
    .unwrap();
    assert_eq!(single, &data[..5]);
    assert_eq!(suffix, &data[data.len() - 10..]);
    let multi = parse_response(&multi, false);
    assert_eq!(multi.status, 206);
    assert!(multi.complete);
    let boundary = boundary_of(multi.header("content-type").unwrap());
    let expected = multipart(
        &boundary,
        "text/plain; charset=utf-8",
        &[0..5, 7..14],
        &data,
    );
    assert_eq!(multi.body, expected);
    server.stop().await;
}

const CHILD_FILE: &str = "RESPOND_TEST_MEMORY_CHILD_FILE";

/// Not a test by itself: the server process of
/// `slow_client_of_a_large_file_costs_bounded_memory`, which starts it with the file to serve.
#[test]
#[ignore = "a helper process, started by slow_client_of_a_large_file_costs_bounded_memory"]
fn memory_child_server() {
    let path = PathBuf::from(std::env::var(CHILD_FILE).expect("started by the memory test"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let server = respond::Server::bind("127.0.0.1:0").await.unwrap();
        println!("PORT {}", server.local_addr().unwrap().port());
        std::io::stdout().flush().unwrap();
        server.serve(serve(path)).await.unwrap();
    });
}

fn proc_value(pid: u32, file: &str, key: &str) -> u64 {
    let text = fs::read_to_string(format!("/proc/{pid}/{file}")).unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(key))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no {key} in /proc/{pid}/{file}"))
}

#[tokio::test]
async fn slow_client_of_a_large_file_costs_bounded_memory() {
    const SIZE: u64 = 256 << 20;
    let dir = TempDir::new("file-memory");
    let path = dir.path().join("large.bin");
    // Sparse: costs no disk, reads as zeros.
    fs::File::create(&path).unwrap().set_len(SIZE).unwrap();

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "memory_child_server",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_FILE, &path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let stdout = child.stdout.take().unwrap();
    // libtest prints the test's name on the same line.
    let port = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find_map(|line| Some(line.split("PORT ").nth(1)?.trim().parse::<u16>().unwrap()))
    });

    let outcome = async {
        let port = port.await.unwrap().expect("the child prints its port");
        let rss_before = proc_value(pid, "status", "VmRSS:") * 1024;
        let read_before = proc_value(pid, "io", "rchar:");
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(16 * 1024).unwrap();
        let mut stream = socket.connect(([127, 0, 0, 1], port).into()).await.unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut buffer = vec![0u8; 64 * 1024];
        let mut received = 0u64;
        while received < 128 * 1024 {
            let read = stream.read(&mut buffer).await.unwrap();
            assert!(read > 0, "the server closed early");
            received += read as u64;
        }
        // The client stalls: the server must stop reading the file soon.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let read_by_server = proc_value(pid, "io", "rchar:") - read_before;
        let rss_growth = (proc_value(pid, "status", "VmRSS:") * 1024).saturating_sub(rss_before);
        eprintln!("stalled client: the server read {read_by_server} bytes, grew by {rss_growth}");
        // Loopback socket buffers (up to 4 MiB), hyper's write buffer and our two chunks.
        let bound = 24u64 << 20;
        assert!(
            read_by_server < bound,
            "the server read {read_by_server} bytes of the file for a stalled client"
        );
        assert!(rss_growth < bound, "the server grew by {rss_growth} bytes");

        // The client resumes and gets the whole file.
        let mut rest = 0u64;
        loop {
            let read = tokio::time::timeout(Duration::from_secs(60), stream.read(&mut buffer))
                .await
                .expect("the body keeps coming")
                .unwrap();
            if read == 0 {
                break;
            }
            rest += read as u64;
        }
        let head = 120..400;
        let total = received + rest;
        assert!(
            head.contains(&(total - SIZE)),
            "{total} bytes for a {SIZE}-byte file"
        );
    };
    let result = tokio::time::timeout(Duration::from_secs(120), outcome).await;
    child.kill().ok();
    child.wait().ok();
    result.expect("the memory test finished in time");
}

#[tokio::test]
async fn ranges_and_large_files_over_http2() {
    use http_body_util::{BodyExt, Empty};
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;

    let dir = TempDir::new("file-h2");
    let (path, data) = large_file(&dir, "big.bin", (1 << 20) + 123);
    let server = TestServer::start(serve(path)).await;
    let client = Client::builder(TokioExecutor::new())
        .http2_only(true)
        .build_http::<Empty<Bytes>>();
    let uri: http::Uri = format!("http://{}/", server.addr()).parse().unwrap();

    let response = client.get(uri.clone()).await.unwrap();
    assert_eq!(response.version(), http::Version::HTTP_2);
    assert_eq!(response.headers()["content-length"], "1048699");
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body, data);

    let request = http::Request::get(uri)
        .header("range", "bytes=0-9,-5")
        .body(Empty::new())
        .unwrap();
    let response = client.request(request).await.unwrap();
    assert_eq!(response.status(), 206);
    let boundary = boundary_of(response.headers()["content-type"].to_str().unwrap());
    let length: usize = response.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let expected = multipart(
        &boundary,
        "application/octet-stream",
        &[0..10, data.len() - 5..data.len()],
        &data,
    );
    assert_eq!(body, expected);
    assert_eq!(length, expected.len());
    server.stop().await;
}

/// A client that reads slowly through a small receive window makes the server switch to
/// small reads made on demand; the bytes must still arrive whole and in order, for a whole
/// file and for a multi-range request.
#[tokio::test]
async fn a_slow_reader_gets_every_byte_when_the_server_switches_to_small_reads() {
    let dir = TempDir::new("file-slow-reader");
    let data: Vec<u8> = (0..6 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let path = dir.file("big.bin", &data);
    let server = TestServer::start(respond_with(move || FileResponse::new(path.clone()))).await;

    for (range, expected_status) in [(None, 200), (Some("bytes=1000-2999999,3000000-"), 206)] {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(16 * 1024).unwrap();
        let mut stream = socket.connect(server.addr()).await.unwrap();
        let mut request = String::from("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
        if let Some(range) = range {
            request.push_str(&format!("Range: {range}\r\n"));
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut bytes = Vec::new();
        let mut buffer = vec![0u8; 32 * 1024];
        let started = std::time::Instant::now();
        loop {
            let read = tokio::time::timeout(Duration::from_secs(20), stream.read(&mut buffer))
                .await
                .expect("the server keeps sending")
                .unwrap();
            if read == 0 {
                break;
            }
            bytes.extend_from_slice(&buffer[..read]);
            // About 4 MB/s: below the pace at which reads are made ahead.
            let due = Duration::from_secs_f64(bytes.len() as f64 / 4e6);
            if let Some(wait) = due.checked_sub(started.elapsed()) {
                tokio::time::sleep(wait).await;
            }
        }
        let response = parse_response(&bytes, false);
        assert_eq!(response.status, expected_status);
        assert!(response.complete);
        match range {
            None => assert!(response.body == data, "the whole file differs"),
            Some(_) => {
                let body = &response.body[..];
                let first = &data[1000..3_000_000];
                let second = &data[3_000_000..];
                let at = |needle: &[u8]| body.windows(needle.len()).position(|w| w == needle);
                let one = at(&first[..64]).expect("the first part");
                assert!(body[one..].starts_with(first), "the first part differs");
                let rest = &body[one + first.len()..];
                let two = rest
                    .windows(64)
                    .position(|w| w == &second[..64])
                    .expect("the second part");
                assert!(
                    rest[two..].starts_with(second),
                    "the second part differs at byte {:?}",
                    rest[two..].iter().zip(second).position(|(a, b)| a != b)
                );
            }
        }
    }
}
