//! StreamingResponse: Starlette's streaming cases (spec section 9), the chunk types, blocking
//! iterators off the async threads, `AsyncRead`, disconnects (the stream is dropped, nothing
//! is left running) and errors after the head (the response is aborted), through the
//! in-memory `TestClient` and over real sockets.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::stream::{self, StreamExt};
use respond::{Message, StreamingResponse, TestClient};
use respond_tests::{TestServer, both, parse_response, raw_request, respond_with};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sets its flag when dropped: shows that a stream or iterator was dropped. Each response
/// gets its own, sharing the flag.
#[derive(Debug)]
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

async fn wait_for(flag: &AtomicBool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !flag.load(Ordering::SeqCst) {
        assert!(
            Instant::now() < deadline,
            "{what} did not happen within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn streaming_response_then_background() {
    let done = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&done);
    let app = respond_with(move || {
        let counter = Arc::clone(&counter);
        let numbers = stream::iter(1..=5).then(|n| async move {
            tokio::time::sleep(Duration::from_millis(1)).await;
            if n == 5 {
                n.to_string()
            } else {
                format!("{n}, ")
            }
        });
        StreamingResponse::new(numbers)
            .with_media_type("text/plain")
            .with_background(async move {
                counter.fetch_add(1, Ordering::SeqCst);
            })
    });
    let response = TestClient::new(app.clone()).get("/").send().await;
    assert_eq!(response.text(), "1, 2, 3, 4, 5");
    assert_eq!(
        done.load(Ordering::SeqCst),
        1,
        "background ran after the body"
    );
    let messages = response.messages();
    assert_eq!(
        messages.len(),
        7,
        "start, five chunks, the final empty message"
    );
    assert!(messages[1..6].iter().all(Message::more_body));
    assert_eq!(messages[6], Message::body(Bytes::new(), false));

    for outcome in both(app, "GET", "/", &[]).await {
        assert_eq!(outcome.text(), "1, 2, 3, 4, 5", "{}", outcome.outlet);
        assert_eq!(
            outcome.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(outcome.header("content-length"), None, "unknown size");
    }
}

#[tokio::test]
async fn every_chunk_type() {
    let app = respond_with(|| {
        let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
            Ok(Bytes::from_static(b"bytes,")),
            Ok(Bytes::new()),
            Ok(Bytes::from(String::from("string,"))),
        ];
        let strings = stream::iter(chunks)
            .chain(stream::iter(["static,"]).map(|text| Ok(Bytes::from_static(text.as_bytes()))));
        StreamingResponse::new(strings)
    });
    for outcome in both(app, "GET", "/", &[]).await {
        assert_eq!(outcome.text(), "bytes,string,static,", "{}", outcome.outlet);
    }
    let kinds: [fn() -> StreamingResponse; 5] = [
        || StreamingResponse::new(stream::iter(["a", "b"])),
        || StreamingResponse::new(stream::iter([String::from("a"), String::from("b")])),
        || StreamingResponse::new(stream::iter([b"a".to_vec(), b"b".to_vec()])),
        || StreamingResponse::new(stream::iter([&b"a"[..], &b"b"[..]])),
        || StreamingResponse::new(stream::iter([Ok::<_, std::fmt::Error>("a"), Ok("b")])),
    ];
    for make in kinds {
        for outcome in both(respond_with(make), "GET", "/", &[]).await {
            assert_eq!(outcome.text(), "ab", "{}", outcome.outlet);
        }
    }
}

#[tokio::test]
async fn chunked_on_http_1_1() {
    let app = respond_with(|| StreamingResponse::new(stream::iter(["one", "two"])));
    let server = TestServer::start(app).await;
    let wire = raw_request(server.addr(), "GET", "/", &[]).await;
    assert_eq!(wire.header("transfer-encoding"), Some("chunked"));
    assert!(wire.complete, "the terminating chunk arrived");
    assert_eq!(wire.text(), "onetwo");
    server.stop().await;
}

#[tokio::test]
async fn user_content_length_is_kept() {
    let app = respond_with(|| {
        StreamingResponse::new(stream::iter(["0123456789"])).with_header("content-length", "10")
    });
    for outcome in both(app, "GET", "/", &[]).await {
        assert_eq!(
            outcome.header("content-length"),
            Some("10"),
            "{}",
            outcome.outlet
        );
        assert_eq!(outcome.header("transfer-encoding"), None);
        assert_eq!(outcome.text(), "0123456789");
    }
    let no_content = respond_with(|| {
        StreamingResponse::new(stream::iter(["x"]))
            .with_status(204)
            .with_media_type("text/plain")
    });
    for outcome in both(no_content, "GET", "/", &[]).await {
        assert_eq!(outcome.status, 204);
        assert_eq!(
            outcome.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert!(outcome.body.is_empty());
    }
}

#[tokio::test]
async fn blocking_iterator_runs_off_the_async_threads() {
    // A slow iterator on a current-thread runtime: if it ran on the async thread, the ticker
    // below could not tick while it sleeps.
    let app = respond_with(|| {
        StreamingResponse::from_iter((0..3).map(|n| {
            std::thread::sleep(Duration::from_millis(100));
            format!("{n};")
        }))
    });
    let ticks = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&ticks);
    let ticker = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(10)).await;
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    let response = TestClient::new(app.clone()).get("/").send().await;
    ticker.abort();
    assert_eq!(response.text(), "0;1;2;");
    assert!(
        ticks.load(Ordering::SeqCst) >= 10,
        "the runtime kept running"
    );
    for outcome in both(app, "GET", "/", &[]).await {
        assert_eq!(outcome.text(), "0;1;2;", "{}", outcome.outlet);
    }
}

#[tokio::test]
async fn blocking_iterator_over_a_std_file() {
    use std::io::Read as _;

    let path = std::env::temp_dir().join(format!("respond-stream-{}.txt", std::process::id()));
    std::fs::write(&path, "a".repeat(10_000)).unwrap();
    let file_path = path.clone();
    let app = respond_with(move || {
        let mut file = std::fs::File::open(&file_path).unwrap();
        let chunks = std::iter::from_fn(move || {
            let mut buffer = vec![0u8; 4096];
            match file.read(&mut buffer) {
                Ok(0) => None,
                Ok(read) => {
                    buffer.truncate(read);
                    Some(Ok(buffer))
                }
                Err(error) => Some(Err(error)),
            }
        });
        StreamingResponse::from_iter(chunks)
    });
    for outcome in both(app, "GET", "/", &[]).await {
        assert_eq!(outcome.body.len(), 10_000, "{}", outcome.outlet);
    }
    std::fs::remove_file(path).ok();
}

#[tokio::test]
async fn async_reader() {
    let app = respond_with(|| {
        let reader = tokio::io::repeat(b'z').take(200_000);
        StreamingResponse::from_reader(reader).with_media_type("application/octet-stream")
    });
    for outcome in both(app, "GET", "/", &[]).await {
        assert_eq!(outcome.body.len(), 200_000, "{}", outcome.outlet);
        assert!(outcome.body.iter().all(|&byte| byte == b'z'));
    }
}

#[tokio::test]
async fn head_never_runs_the_stream() {
    let polled = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&polled);
    let app = respond_with(move || {
        let flag = Arc::clone(&flag);
        StreamingResponse::from_iter(std::iter::from_fn(move || {
            flag.store(true, Ordering::SeqCst);
            None::<&'static str>
        }))
        .with_media_type("text/plain")
    });
    for outcome in both(app, "HEAD", "/", &[]).await {
        assert_eq!(outcome.status, 200);
        assert!(outcome.body.is_empty());
        assert_eq!(
            outcome.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!polled.load(Ordering::SeqCst), "the iterator never ran");
}

/// A stream that yields a chunk every 10 ms forever, holding `flag` until it is dropped.
fn endless(flag: DropFlag) -> StreamingResponse {
    let ticks = stream::unfold(flag, |flag| async move {
        tokio::time::sleep(Duration::from_millis(10)).await;
        Some(("tick\n", flag))
    });
    StreamingResponse::new(ticks)
}

#[tokio::test]
async fn disconnect_drops_the_stream_and_runs_background() {
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&dropped);
    let background = Arc::new(AtomicBool::new(false));
    let ran = Arc::clone(&background);
    let app = respond_with(move || {
        let ran = Arc::clone(&ran);
        endless(DropFlag(Arc::clone(&flag)))
            .with_background(async move { ran.store(true, Ordering::SeqCst) })
    });
    let mut stream = TestClient::new(app).get("/").stream().await;
    assert_eq!(stream.next_chunk().await.unwrap().unwrap(), "tick\n");
    stream.disconnect().await.unwrap();
    // The app returned: the stream was dropped before, nothing is left running.
    assert!(dropped.load(Ordering::SeqCst), "the stream was dropped");
    assert!(
        background.load(Ordering::SeqCst),
        "background runs after a disconnect"
    );
}

#[tokio::test]
async fn disconnect_over_a_socket_drops_the_stream() {
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&dropped);
    let app = respond_with(move || endless(DropFlag(Arc::clone(&flag))));
    let server = TestServer::start(app).await;
    let mut socket = TcpStream::connect(server.addr()).await.unwrap();
    socket
        .write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = [0u8; 256];
    let read = socket.read(&mut buffer).await.unwrap();
    assert!(read > 0);
    drop(socket);
    wait_for(&dropped, "dropping the stream after the client left").await;
    server.stop().await;
}

#[tokio::test]
async fn disconnect_stops_a_blocking_iterator() {
    let dropped = Arc::new(AtomicBool::new(false));
    let shared = Arc::clone(&dropped);
    let produced = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&produced);
    let app = respond_with(move || {
        let flag = DropFlag(Arc::clone(&shared));
        let counter = Arc::clone(&counter);
        StreamingResponse::from_iter(std::iter::from_fn(move || {
            let _hold = &flag;
            std::thread::sleep(Duration::from_millis(5));
            counter.fetch_add(1, Ordering::SeqCst);
            Some("item\n")
        }))
    });
    let mut stream = TestClient::new(app).get("/").stream().await;
    stream.next_chunk().await.unwrap().unwrap();
    assert!(!dropped.load(Ordering::SeqCst));
    stream.disconnect().await.unwrap();
    wait_for(&dropped, "dropping the iterator on its thread").await;
    let after = produced.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        produced.load(Ordering::SeqCst),
        after,
        "nothing more is read"
    );
}

#[tokio::test]
async fn error_after_the_head_aborts_the_response() {
    let background = Arc::new(AtomicBool::new(false));
    let ran = Arc::clone(&background);
    let app = respond_with(move || {
        let ran = Arc::clone(&ran);
        let chunks = stream::iter([
            Ok("first chunk\n"),
            Err(std::io::Error::other("the database went away")),
            Ok("never sent"),
        ])
        .then(|item| async move {
            if item.is_err() {
                // Let the first chunk reach the client before the failure.
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            item
        });
        StreamingResponse::new(chunks)
            .with_background(async move { ran.store(true, Ordering::SeqCst) })
    });
    let mut stream = TestClient::new(app.clone()).get("/").stream().await;
    assert_eq!(stream.next_chunk().await.unwrap().unwrap(), "first chunk\n");
    let error = stream.next_chunk().await.unwrap_err();
    assert!(
        error.to_string().contains("the database went away"),
        "{error}"
    );

    // Over HTTP/1.1 the connection closes without the terminating chunk.
    let server = TestServer::start(app).await;
    let wire = raw_request(server.addr(), "GET", "/", &[]).await;
    assert_eq!(wire.status, 200);
    assert_eq!(wire.text(), "first chunk\n");
    assert!(!wire.complete, "the client must see an incomplete response");
    server.stop().await;
    assert!(
        !background.load(Ordering::SeqCst),
        "background is skipped after an error"
    );
}

#[tokio::test]
async fn a_panicking_iterator_or_stream_aborts_the_response() {
    let iter = respond_with(|| {
        let mut count = 0;
        StreamingResponse::from_iter(std::iter::from_fn(move || {
            count += 1;
            if count > 1 {
                std::thread::sleep(Duration::from_millis(50));
            }
            assert!(count < 2, "iterator bug");
            Some("ok\n")
        }))
    });
    let polls = respond_with(|| {
        let slow = stream::iter(0..3).then(|n| async move {
            tokio::time::sleep(Duration::from_millis(50 * n)).await;
            n
        });
        StreamingResponse::new(slow.map(|n| {
            assert!(n < 1, "stream bug");
            "ok\n"
        }))
    });
    for server in [
        TestServer::start(iter).await,
        TestServer::start(polls).await,
    ] {
        let wire = raw_request(server.addr(), "GET", "/", &[]).await;
        assert_eq!(wire.text(), "ok\n");
        assert!(!wire.complete);
        server.stop().await;
    }
}

#[tokio::test]
async fn slow_stream_is_sent_as_it_comes() {
    let app = respond_with(|| {
        let items = stream::iter(0..3).then(|n| async move {
            tokio::time::sleep(Duration::from_millis(150)).await;
            format!("<li>{n}</li>")
        });
        StreamingResponse::new(items).with_media_type("text/html")
    });
    let server = TestServer::start(app).await;
    let mut socket = TcpStream::connect(server.addr()).await.unwrap();
    socket
        .write_all(b"GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 1024];
    while !String::from_utf8_lossy(&bytes).contains("<li>0</li>") {
        let read = socket.read(&mut buffer).await.unwrap();
        assert!(read > 0);
        bytes.extend_from_slice(&buffer[..read]);
    }
    assert!(
        started.elapsed() < Duration::from_millis(400),
        "the first item arrived before the last was made"
    );
    socket.read_to_end(&mut bytes).await.unwrap();
    let wire = parse_response(&bytes, false);
    assert!(wire.complete);
    assert_eq!(wire.text(), "<li>0</li><li>1</li><li>2</li>");
    server.stop().await;
}
