//! A real browser's `EventSource` against the server: events arrive in order, and when the
//! server ends the stream the browser reconnects with `Last-Event-ID` and the stream
//! resumes without loss or duplicates. Over HTTPS the browser speaks HTTP/2 and ten event
//! streams of one origin all connect; over cleartext HTTP/1.1 only six do (issue 15).
//!
//! Needs Chromium: `$CHROMIUM`, or Debian's `chromium`, which the test installs on first use
//! when it runs as root or with passwordless sudo (`respond_tests::provision`). Where it
//! cannot, the test fails and says how to get it: it never skips.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{StreamExt, stream};
use respond::{
    EventSourceResponse, HtmlResponse, PlainTextResponse, Receiver, Response, Scope, Sender,
    ServerSentEvent,
};
use respond_tests::{TestServer, provision};
use tokio::sync::mpsc;

const EVENTS_PER_CONNECTION: u64 = 3;
const TOTAL_EVENTS: u64 = 9;

const PAGE: &str = r#"<!doctype html><html><head><meta charset="utf-8"><title>sse</title></head><body>
<script>
const got = [];
const source = new EventSource("/events");
source.onmessage = (event) => {
  got.push({ id: event.lastEventId, data: event.data });
  if (got.length === 9) {
    source.close();
    fetch("/report", { method: "POST", body: JSON.stringify(got) });
  }
};
</script></body></html>"#;

struct Browser(Child, PathBuf);

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let _ = std::fs::remove_dir_all(&self.1);
    }
}

fn open(chromium: &Path, url: &str) -> Browser {
    open_with(chromium, url, &[])
}

fn open_with(chromium: &Path, url: &str, extra: &[&str]) -> Browser {
    static OPENED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let profile = std::env::temp_dir().join(format!(
        "respond-chromium-{}-{}",
        std::process::id(),
        OPENED.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ));
    let child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ])
        .args(extra)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start Chromium");
    Browser(child, profile)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_source_resumes_after_the_server_drops_the_connection() {
    // First, before any server runs, so an install neither blocks one nor eats into the
    // browser's time limit below.
    let chromium = provision::chromium();
    let connections: Arc<Mutex<Vec<Option<String>>>> = Arc::default();
    let (report, mut reports) = mpsc::unbounded_channel::<String>();

    let seen = Arc::clone(&connections);
    let app = move |scope: Scope, mut receive: Receiver, mut send: Sender| {
        let seen = Arc::clone(&seen);
        let report = report.clone();
        async move {
            let response: Response = match scope.path() {
                "/" => HtmlResponse::new(PAGE).into_response(),
                "/events" => {
                    let last = scope.last_event_id().map(str::to_owned);
                    seen.lock().unwrap().push(last.clone());
                    let next = last
                        .and_then(|id| id.parse::<u64>().ok())
                        .map_or(1, |id| id + 1);
                    if next > TOTAL_EVENTS {
                        // 204 tells EventSource to stop reconnecting.
                        Response::empty().with_status(204)
                    } else {
                        let end = (next + EVENTS_PER_CONNECTION).min(TOTAL_EVENTS + 1);
                        let events = stream::iter((next..end).map(|n| {
                            ServerSentEvent::new(format!("event {n}"))
                                .id(n.to_string())
                                .retry(Duration::from_millis(100))
                        }));
                        // The stream ends after three events: the server closes the response,
                        // and the browser reconnects.
                        EventSourceResponse::new(events).into_response()
                    }
                }
                "/report" => {
                    let body = receive.body().await.unwrap_or_default();
                    report
                        .send(String::from_utf8_lossy(&body).into_owned())
                        .ok();
                    PlainTextResponse::new("thanks").into_response()
                }
                _ => PlainTextResponse::new("not found")
                    .with_status(404)
                    .into_response(),
            };
            response.send(&scope, &mut receive, &mut send).await
        }
    };

    let server = TestServer::start(app).await;
    let browser = open(&chromium, &format!("http://{}/", server.addr()));
    let received = tokio::time::timeout(Duration::from_secs(60), reports.recv())
        .await
        .expect("the browser reported within 60 s")
        .expect("a report");
    drop(browser);

    let events: Vec<serde_json::Value> = serde_json::from_str(&received).expect("JSON report");
    let ids: Vec<&str> = events
        .iter()
        .map(|event| event["id"].as_str().unwrap())
        .collect();
    let data: Vec<&str> = events
        .iter()
        .map(|event| event["data"].as_str().unwrap())
        .collect();
    let expected_ids: Vec<String> = (1..=TOTAL_EVENTS).map(|n| n.to_string()).collect();
    assert_eq!(ids, expected_ids, "in order, none lost, none repeated");
    assert_eq!(data[0], "event 1");
    assert_eq!(data[8], "event 9");

    let connections = connections.lock().unwrap().clone();
    assert_eq!(
        connections[..3],
        [None, Some("3".to_owned()), Some("6".to_owned())],
        "the browser resumed with Last-Event-ID each time"
    );
    server.stop().await;
}

/// Ten `EventSource`s on one origin; each reports (to `?report=`) when its first event
/// arrives, with the list of streams that have had one.
const TEN_STREAMS_PAGE: &str = r#"<!doctype html><html><head><meta charset="utf-8"><title>ten</title></head><body>
<script>
const report = new URLSearchParams(location.search).get("report");
const got = new Set();
for (let i = 0; i < 10; i++) {
  const source = new EventSource("/events?n=" + i);
  source.onmessage = () => {
    if (got.has(i)) return;
    got.add(i);
    fetch(report, { method: "POST", mode: "no-cors", body: JSON.stringify([...got].sort()) });
  };
}
</script></body></html>"#;

/// What the servers saw: the HTTP version of each `/events` request, and the longest list
/// of streams with an event that the page reported.
#[derive(Debug, Default)]
struct Streams {
    opened: Mutex<Vec<(String, respond::Version)>>,
    reported: Mutex<Vec<u64>>,
}

fn ten_streams_app(streams: Arc<Streams>) -> impl respond::App + Clone {
    move |scope: Scope, mut receive: Receiver, mut send: Sender| {
        let streams = Arc::clone(&streams);
        async move {
            let response: Response = match scope.path() {
                "/" => HtmlResponse::new(TEN_STREAMS_PAGE).into_response(),
                "/events" => {
                    let n = scope.query().trim_start_matches("n=").to_owned();
                    streams
                        .opened
                        .lock()
                        .unwrap()
                        .push((n.clone(), scope.version()));
                    // One event now, then the stream stays open: it holds its connection.
                    let first =
                        stream::once(async move { ServerSentEvent::new(format!("hello {n}")) });
                    EventSourceResponse::new(first.chain(stream::pending()))
                        .with_ping(Duration::from_secs(1))
                        .into_response()
                }
                "/report" => {
                    let body = receive.body().await.unwrap_or_default();
                    let got: Vec<u64> = serde_json::from_slice(&body).unwrap_or_default();
                    let mut reported = streams.reported.lock().unwrap();
                    if got.len() > reported.len() {
                        *reported = got;
                    }
                    PlainTextResponse::new("thanks").into_response()
                }
                _ => PlainTextResponse::new("not found")
                    .with_status(404)
                    .into_response(),
            };
            response.send(&scope, &mut receive, &mut send).await
        }
    }
}

/// Waits until `done` holds or `limit` passes.
async fn wait_for(limit: Duration, done: impl Fn() -> bool) -> bool {
    let started = std::time::Instant::now();
    while started.elapsed() < limit {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    done()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_event_streams_connect_over_https_and_six_over_cleartext_http1() {
    let chromium = provision::chromium();

    // Cleartext HTTP/1.1: Chromium opens at most six connections per origin, so six streams
    // connect and the others wait. The page reports to another origin (another port),
    // whose connections are not among the six.
    let streams = Arc::new(Streams::default());
    let server = TestServer::start(ten_streams_app(Arc::clone(&streams))).await;
    let reports = TestServer::start(ten_streams_app(Arc::clone(&streams))).await;
    let url = format!(
        "http://{}/?report=http://{}/report",
        server.addr(),
        reports.addr()
    );
    let browser = open(&chromium, &url);
    let six = wait_for(Duration::from_secs(60), || {
        streams.reported.lock().unwrap().len() >= 6
    })
    .await;
    // Time for a seventh stream to connect if it could.
    tokio::time::sleep(Duration::from_secs(3)).await;
    drop(browser);
    let opened = streams.opened.lock().unwrap().clone();
    let reported = streams.reported.lock().unwrap().clone();
    println!(
        "HTTP/1.1: {} streams opened, events on {reported:?}",
        opened.len()
    );
    assert!(six, "six streams had events within 60 s: {reported:?}");
    assert_eq!(
        opened.len(),
        6,
        "only six connect over HTTP/1.1: {opened:?}"
    );
    assert_eq!(reported.len(), 6, "{reported:?}");
    assert!(
        opened
            .iter()
            .all(|(_, version)| *version == respond::Version::HTTP_11)
    );
    server.stop().await;
    reports.stop().await;

    // HTTPS: ALPN gives HTTP/2, and the ten streams share one connection.
    let streams = Arc::new(Streams::default());
    let cert = respond_tests::tls::TestCert::localhost();
    let tls = cert.server_config();
    let server =
        TestServer::start_with(ten_streams_app(Arc::clone(&streams)), |s| s.with_tls(tls)).await;
    let url = format!("https://{}/?report=/report", server.addr());
    let browser = open_with(&chromium, &url, &["--ignore-certificate-errors"]);
    let ten = wait_for(Duration::from_secs(60), || {
        streams.reported.lock().unwrap().len() >= 10
    })
    .await;
    drop(browser);
    let opened = streams.opened.lock().unwrap().clone();
    let reported = streams.reported.lock().unwrap().clone();
    println!(
        "HTTPS: {} streams opened, events on {reported:?}",
        opened.len()
    );
    assert!(
        ten,
        "all ten streams had events within 60 s: {reported:?} (opened {opened:?})"
    );
    assert_eq!(reported, (0..10).collect::<Vec<u64>>());
    assert_eq!(opened.len(), 10, "{opened:?}");
    assert!(
        opened
            .iter()
            .all(|(_, version)| *version == respond::Version::HTTP_2),
        "the browser spoke HTTP/2: {opened:?}"
    );
    server.stop().await;
}
