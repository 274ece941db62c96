//! Faults (issue 7): clients that vanish mid-body for every body kind, files deleted,
//! truncated or replaced while they are sent, and graceful shutdown under load.
//!
//! The disconnect tests count the process's open file descriptors (`/proc/self/fd`) and the
//! runtime's alive tasks before and after hundreds of disconnects over real sockets. File
//! descriptors are process-wide, so every test here holds [`SERIAL`] for its whole run.

use std::fs;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use futures_util::stream;
use http::{HeaderMap, StatusCode};
use respond::{
    App, BoxError, Error, EventItem, EventSourceResponse, FileResponse, Message, PlainTextResponse,
    Receiver, Scope, Sender, Separator, Server, ServerSentEvent, StreamingResponse, TestClient,
};
use respond_tests::{TempDir, TestServer, parse_response, raw_request, respond_with};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

/// Every test in this file holds it: file descriptors are counted process-wide.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `test` on a runtime of its own, built after [`SERIAL`] is taken (a runtime opens
/// file descriptors of its own) and dropped before it is released.
fn serial<F: std::future::Future<Output = ()>>(test: F) {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(test);
}

/// Disconnects per body kind and outlet: 1,000 per kind in all, half in memory and half over
/// real sockets.
const ROUNDS: usize = 500;

/// Extra file descriptors tolerated after the disconnects (the runtime may open a few of
/// its own, e.g. for the blocking pool's first use).
const FD_TOLERANCE: usize = 2;

static CHUNK: [u8; 16 * 1024] = [b'x'; 16 * 1024];

/// Counts what a body produced and how many of its owners were dropped.
#[derive(Debug, Default)]
struct Probe {
    produced: AtomicUsize,
    dropped: AtomicUsize,
}

impl Probe {
    fn new() -> Arc<Self> {
        Arc::new(Probe::default())
    }

    fn produced(&self) -> usize {
        self.produced.load(Ordering::SeqCst)
    }

    fn dropped(&self) -> usize {
        self.dropped.load(Ordering::SeqCst)
    }
}

/// Owned by a body (its stream, iterator, reader or app future): counts its drop.
struct Guard(Arc<Probe>);

impl Guard {
    fn produce(&self) {
        self.0.produced.fetch_add(1, Ordering::SeqCst);
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.dropped.fetch_add(1, Ordering::SeqCst);
    }
}

/// The process's open file descriptors, less the files the open-file cache keeps open by
/// design (one per path, bounded): what is left are the descriptors requests hold.
fn open_fds() -> usize {
    open_fds_with_cache() - respond::OpenFileCache::global().len()
}

fn open_fds_with_cache() -> usize {
    fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd (these tests need Linux)")
        .count()
}

fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

/// Waits up to 3 s for `check` to hold; fails the test with `what` otherwise.
async fn settle(what: impl Fn() -> String, check: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(3);
    while !check() {
        assert!(Instant::now() < deadline, "within 3 s: {}", what());
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Connects, sends `GET /`, reads at least `min_bytes` of the response, then vanishes.
async fn hit_and_run(addr: std::net::SocketAddr, min_bytes: usize) {
    let mut socket = TcpStream::connect(addr).await.expect("connect");
    socket
        .write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        .await
        .expect("write request");
    let mut buffer = vec![0u8; 64 * 1024];
    let mut read = 0;
    while read < min_bytes {
        let n = tokio::time::timeout(Duration::from_secs(3), socket.read(&mut buffer))
            .await
            .expect("response bytes within 3 s")
            .expect("read");
        assert!(n > 0, "the server closed after {read} bytes");
        read += n;
    }
    // Unread bytes are pending: closing now resets the connection.
    drop(socket);
}

/// Disconnects `ROUNDS` clients mid-body in memory and `ROUNDS` over real sockets, each
/// waited for until its body's owner is dropped; then checks that nothing more is
/// produced and that no task and no file descriptor remains.
async fn disconnect_every_time<A: App + Clone>(kind: &str, app: A, probe: &Probe) {
    let base_fds = open_fds();
    let base_tasks = alive_tasks();

    // In memory: read one chunk, disconnect.
    let client = TestClient::new(app.clone());
    for round in 0..ROUNDS {
        let mut stream = client.get("/").stream().await;
        assert_eq!(stream.status(), StatusCode::OK, "{kind}");
        let chunk = stream.next_chunk().await.expect("a first chunk");
        assert!(chunk.is_some_and(|chunk| !chunk.is_empty()), "{kind}");
        match stream.disconnect().await {
            Ok(()) | Err(Error::ClientDisconnected) => {}
            Err(error) => panic!("{kind}: the app failed on a disconnect: {error}"),
        }
        settle(
            || format!("{kind} (memory): body {round} dropped"),
            || probe.dropped() > round,
        )
        .await;
    }
    assert_eq!(probe.dropped(), ROUNDS, "{kind}: one drop per request");
    settle(
        || format!("{kind} (memory): tasks {} > {base_tasks}", alive_tasks()),
        || alive_tasks() <= base_tasks,
    )
    .await;

    // Over sockets.
    let server = TestServer::start(app).await;
    for round in 0..ROUNDS {
        hit_and_run(server.addr(), 20 * 1024).await;
        settle(
            || format!("{kind} (socket): body {round} dropped"),
            || probe.dropped() > ROUNDS + round,
        )
        .await;
    }
    assert_eq!(probe.dropped(), 2 * ROUNDS, "{kind}: one drop per request");
    // The server task remains; every connection's task is gone.
    settle(
        || {
            format!(
                "{kind}: {} tasks alive, {} expected",
                alive_tasks(),
                base_tasks + 1
            )
        },
        || alive_tasks() <= base_tasks + 1,
    )
    .await;
    // The listener remains; every socket and file is closed.
    settle(
        || {
            format!(
                "{kind}: {} fds open, at most {} expected",
                open_fds(),
                base_fds + 1 + FD_TOLERANCE
            )
        },
        || open_fds() <= base_fds + 1 + FD_TOLERANCE,
    )
    .await;
    let produced = probe.produced();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        probe.produced(),
        produced,
        "{kind}: produced after every client left"
    );
    server.stop().await;
    settle(
        || format!("{kind}: tasks {} > {base_tasks}", alive_tasks()),
        || alive_tasks() <= base_tasks,
    )
    .await;
    settle(
        || format!("{kind}: fds {} > {}", open_fds(), base_fds + FD_TOLERANCE),
        || open_fds() <= base_fds + FD_TOLERANCE,
    )
    .await;
}

#[test]
fn disconnects_mid_stream() {
    serial(async {
        let probe = Probe::new();
        let app = {
            let probe = Arc::clone(&probe);
            respond_with(move || {
                let guard = Guard(Arc::clone(&probe));
                StreamingResponse::new(stream::unfold(guard, |guard| async move {
                    guard.produce();
                    Some((Bytes::from_static(&CHUNK), guard))
                }))
            })
        };
        disconnect_every_time("StreamingResponse::new", app, &probe).await;
    });
}

#[test]
fn disconnects_mid_blocking_iterator() {
    serial(async {
        let probe = Probe::new();
        let app = {
            let probe = Arc::clone(&probe);
            respond_with(move || {
                let guard = Guard(Arc::clone(&probe));
                StreamingResponse::from_iter(std::iter::from_fn(move || {
                    guard.produce();
                    Some(Bytes::from_static(&CHUNK))
                }))
            })
        };
        disconnect_every_time("StreamingResponse::from_iter", app, &probe).await;
    });
}

/// An endless reader of `x` bytes.
struct EndlessReader(Guard);

impl AsyncRead for EndlessReader {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        self.0.produce();
        let n = buf.remaining().min(CHUNK.len());
        buf.put_slice(&CHUNK[..n]);
        Poll::Ready(Ok(()))
    }
}

#[test]
fn disconnects_mid_reader() {
    serial(async {
        let probe = Probe::new();
        let app = {
            let probe = Arc::clone(&probe);
            respond_with(move || {
                StreamingResponse::from_reader(EndlessReader(Guard(Arc::clone(&probe))))
            })
        };
        disconnect_every_time("StreamingResponse::from_reader", app, &probe).await;
    });
}

/// An event-stream item: an event, then a 16 KiB block of events encoded beforehand (so a
/// debug build does not spend the test's time encoding megabytes that fill socket buffers).
enum Tick {
    Event(ServerSentEvent),
    Block,
}

static BLOCK: std::sync::LazyLock<Bytes> = std::sync::LazyLock::new(|| {
    let event = ServerSentEvent::new("x".repeat(1000)).encode().unwrap();
    event.repeat(16 * 1024 / event.len()).into()
});

impl EventItem for Tick {
    fn write(self, separator: Separator, out: &mut BytesMut) -> Result<(), BoxError> {
        match self {
            Tick::Event(event) => event.write(separator, out),
            Tick::Block => {
                out.extend_from_slice(&BLOCK);
                Ok(())
            }
        }
    }
}

#[test]
fn disconnects_mid_event_stream() {
    serial(async {
        let probe = Probe::new();
        let app = {
            let probe = Arc::clone(&probe);
            respond_with(move || {
                let guard = Guard(Arc::clone(&probe));
                EventSourceResponse::new(stream::unfold((guard, 0u64), |(guard, n)| async move {
                    guard.produce();
                    let item = if n % 2 == 0 {
                        Tick::Event(ServerSentEvent::new(format!("tick {n}")).id(n.to_string()))
                    } else {
                        Tick::Block
                    };
                    Some((item, (guard, n + 1)))
                }))
            })
        };
        disconnect_every_time("EventSourceResponse", app, &probe).await;
    });
}

#[test]
fn disconnects_mid_app_messages() {
    serial(async {
        let probe = Probe::new();
        let app = {
            let probe = Arc::clone(&probe);
            move |_scope: Scope, _receive: Receiver, mut send: Sender| {
                let guard = Guard(Arc::clone(&probe));
                async move {
                    send.send(Message::Start {
                        status: StatusCode::OK,
                        headers: HeaderMap::new(),
                    })
                    .await?;
                    loop {
                        guard.produce();
                        send.send(Message::body(Bytes::from_static(&CHUNK), true))
                            .await?;
                    }
                }
            }
        };
        disconnect_every_time("app sending messages", app, &probe).await;
    });
}

/// `size` bytes whose content tells each offset apart.
fn data_of(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i % 251) as u8).collect()
}

#[test]
fn disconnects_mid_file() {
    serial(async {
        let dir = TempDir::new("faults-disconnect");
        let path = dir.path().join("big.bin");
        fs::write(&path, data_of(8 << 20)).unwrap();
        // A file body has no user-visible owner to drop: its background task, which runs once
        // the body is gone, counts instead; the fd count shows the file was closed.
        let probe = Probe::new();
        let app = {
            let probe = Arc::clone(&probe);
            respond_with(move || {
                let guard = Guard(Arc::clone(&probe));
                FileResponse::new(&path).with_background(async move { drop(guard) })
            })
        };
        disconnect_every_time("FileResponse", app, &probe).await;
    });
}

/// An app serving the file at `path` on `/file` and `ok` elsewhere.
fn file_or_plain(path: PathBuf) -> impl App + Clone {
    move |scope: Scope, mut receive: Receiver, mut send: Sender| {
        let path = path.clone();
        async move {
            if scope.path() == "/file" {
                FileResponse::new(path)
                    .send(&scope, &mut receive, &mut send)
                    .await
            } else {
                PlainTextResponse::new("ok")
                    .send(&scope, &mut receive, &mut send)
                    .await
            }
        }
    }
}

/// Changes the file at a path while it is being sent.
type Change = fn(&Path);

#[test]
fn files_changed_while_sent_never_disagree_with_their_headers() {
    serial(async {
        let dir = TempDir::new("faults-changed");
        let size = 16 << 20;
        let data = data_of(size);
        let changes: [(&str, Change, bool); 3] = [
            (
                "truncated",
                |path| {
                    fs::File::options()
                        .write(true)
                        .open(path)
                        .unwrap()
                        .set_len(1024)
                        .unwrap();
                },
                true,
            ),
            ("deleted", |path| fs::remove_file(path).unwrap(), false),
            (
                "replaced",
                |path| {
                    let new = path.with_extension("new");
                    fs::write(&new, b"a new file").unwrap();
                    fs::rename(&new, path).unwrap();
                },
                false,
            ),
        ];
        for (what, change, must_abort) in changes {
            let path = dir.path().join(format!("{what}.bin"));
            fs::write(&path, &data).unwrap();
            let server = TestServer::start(file_or_plain(path.clone())).await;
            let mut socket = TcpStream::connect(server.addr()).await.unwrap();
            socket
                .write_all(b"GET /file HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
                .await
                .unwrap();
            let mut bytes = vec![0u8; 64 * 1024];
            socket.read_exact(&mut bytes).await.unwrap();
            change(&path);
            // The server serves others meanwhile.
            let other = raw_request(server.addr(), "GET", "/", &[]).await;
            assert_eq!(other.text(), "ok", "{what}");
            tokio::time::timeout(Duration::from_secs(5), socket.read_to_end(&mut bytes))
                .await
                .unwrap_or_else(|_| panic!("{what}: the connection neither ended nor aborted"))
                .ok();
            let wire = parse_response(&bytes, false);
            assert_eq!(wire.status, 200, "{what}");
            assert_eq!(
                wire.header("content-length"),
                Some(size.to_string().as_str()),
                "{what}"
            );
            // Whatever arrived is the file the headers describe, byte for byte.
            assert_eq!(
                wire.body,
                &data[..wire.body.len()],
                "{what}: the body disagrees with the file its headers describe"
            );
            if must_abort {
                assert!(!wire.complete, "{what}: a short body must abort");
                assert!(wire.body.len() < size, "{what}");
            } else if wire.complete {
                // Unix keeps the open file: the whole original, as announced.
                assert_eq!(wire.body.len(), size, "{what}");
            }
            // Afterwards the path's current state is served, consistently.
            let after = raw_request(server.addr(), "GET", "/file", &[]).await;
            match what {
                "truncated" => {
                    assert_eq!(after.status, 200);
                    assert_eq!(after.body, &data[..1024]);
                    assert!(after.complete);
                }
                "deleted" => {
                    assert!(after.status.is_client_error() || after.status.is_server_error());
                }
                _ => {
                    assert_eq!(after.status, 200);
                    assert_eq!(after.text(), "a new file");
                    assert!(after.complete);
                }
            }
            let other = raw_request(server.addr(), "GET", "/", &[]).await;
            assert_eq!(other.text(), "ok", "{what}");
            server.stop().await;
        }
    });
}

#[test]
fn graceful_shutdown_under_load() {
    serial(async {
        const SLOW: usize = 8;
        const STREAMS: usize = 3;
        let base_tasks = alive_tasks();
        let gate = Arc::new(Semaphore::new(0));
        let started = Arc::new(AtomicUsize::new(0));
        let probe = Probe::new();
        let app = {
            let gate = Arc::clone(&gate);
            let started = Arc::clone(&started);
            let probe = Arc::clone(&probe);
            move |scope: Scope, mut receive: Receiver, mut send: Sender| {
                let gate = Arc::clone(&gate);
                let started = Arc::clone(&started);
                let probe = Arc::clone(&probe);
                async move {
                    match scope.path() {
                        "/slow" => {
                            started.fetch_add(1, Ordering::SeqCst);
                            gate.acquire().await.unwrap().forget();
                            PlainTextResponse::new(format!("finished {}", scope.query()))
                                .send(&scope, &mut receive, &mut send)
                                .await
                        }
                        "/events" => {
                            let guard = Guard(probe);
                            let ticks = stream::unfold((guard, 0u64), |(guard, n)| async move {
                                tokio::time::sleep(Duration::from_millis(10)).await;
                                guard.produce();
                                Some((format!("tick {n}"), (guard, n + 1)))
                            });
                            EventSourceResponse::new(ticks)
                                .with_shutdown_grace(Duration::from_millis(100))
                                .send(&scope, &mut receive, &mut send)
                                .await
                        }
                        _ => {
                            PlainTextResponse::new("ok")
                                .send(&scope, &mut receive, &mut send)
                                .await
                        }
                    }
                }
            }
        };
        let server = Server::bind("127.0.0.1:0").await.unwrap();
        let addr = server.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = tokio::spawn(
            server
                .with_graceful_shutdown(async {
                    stopped.await.ok();
                })
                .with_shutdown_timeout(Duration::from_secs(5))
                .serve(app),
        );

        let slow: Vec<_> = (0..SLOW)
            .map(|n| {
                tokio::spawn(
                    async move { raw_request(addr, "GET", &format!("/slow?{n}"), &[]).await },
                )
            })
            .collect();
        let streams: Vec<_> = (0..STREAMS)
            .map(|_| tokio::spawn(async move { raw_request(addr, "GET", "/events", &[]).await }))
            .collect();
        // An idle keep-alive connection that has had its answer.
        let mut idle = TcpStream::connect(addr).await.unwrap();
        idle.write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
            .await
            .unwrap();
        let mut answer = Vec::new();
        while !answer.ends_with(b"\r\n\r\nok") {
            let mut buffer = [0u8; 1024];
            let n = idle.read(&mut buffer).await.unwrap();
            assert!(n > 0, "the idle connection closed early");
            answer.extend_from_slice(&buffer[..n]);
        }
        settle(
            || {
                format!(
                    "{} of {SLOW} slow requests started, {} events",
                    started.load(Ordering::SeqCst),
                    probe.produced()
                )
            },
            || started.load(Ordering::SeqCst) == SLOW && probe.produced() >= 3 * STREAMS,
        )
        .await;

        let signalled = Instant::now();
        stop.send(()).unwrap();
        // New connections are refused while the slow requests are still held.
        settle(
            || "the listener to close".into(),
            || std::net::TcpStream::connect(addr).is_err(),
        )
        .await;
        assert!(
            slow.iter().all(|task| !task.is_finished()),
            "in-flight requests are still running"
        );
        // The idle connection is closed.
        let mut rest = Vec::new();
        tokio::time::timeout(Duration::from_secs(2), idle.read_to_end(&mut rest))
            .await
            .expect("the idle connection closes")
            .ok();
        assert!(rest.is_empty(), "{rest:?}");
        // Event streams end cleanly within their grace period.
        for stream in streams {
            let response = tokio::time::timeout(Duration::from_secs(2), stream)
                .await
                .expect("event streams end within the grace period")
                .unwrap();
            assert_eq!(response.status, 200);
            assert!(response.complete, "the event stream ended cleanly");
            assert!(
                response.text().contains("data: tick 0"),
                "{}",
                response.text()
            );
        }
        assert_eq!(probe.dropped(), STREAMS, "every event stream was dropped");
        // The held requests finish once released.
        gate.add_permits(SLOW);
        for (n, task) in slow.into_iter().enumerate() {
            let response = tokio::time::timeout(Duration::from_secs(2), task)
                .await
                .expect("in-flight requests finish")
                .unwrap();
            assert_eq!(response.status, 200);
            assert!(response.complete);
            assert_eq!(response.text(), format!("finished {n}"));
        }
        tokio::time::timeout(Duration::from_secs(3), serving)
            .await
            .expect("serve returns")
            .unwrap()
            .unwrap();
        assert!(signalled.elapsed() < Duration::from_secs(3));
        assert!(std::net::TcpStream::connect(addr).is_err());
        settle(
            || format!("tasks {} > {base_tasks}", alive_tasks()),
            || alive_tasks() <= base_tasks,
        )
        .await;
    });
}
