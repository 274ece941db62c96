//! A real browser's `EventSource` against the server: events arrive in order, and when the
//! server ends the stream the browser reconnects with `Last-Event-ID` and the stream
//! resumes without loss or duplicates.
//!
//! Needs Chromium: `$CHROMIUM`, or Debian's `chromium`, which the test installs on first use
//! when it runs as root or with passwordless sudo (`respond_tests::provision`). Where it
//! cannot, the test fails and says how to get it: it never skips.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::stream;
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
    let profile = std::env::temp_dir().join(format!("respond-chromium-{}", std::process::id()));
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
