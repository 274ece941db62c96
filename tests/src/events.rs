//! An event-stream client over a real socket, reading events as a browser's `EventSource`
//! parses them, and reconnecting with `Last-Event-ID` as it does.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// One block of fields up to an empty line (comments left out).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamEvent {
    /// `id:`.
    pub id: Option<String>,
    /// `event:`.
    pub event: Option<String>,
    /// `data:` lines joined with `\n`; `None` when the block had none.
    pub data: Option<String>,
    /// `retry:`.
    pub retry: Option<u64>,
}

/// What reading the next event gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// An event.
    Event(StreamEvent),
    /// The server ended the stream.
    Ended,
    /// Nothing came within the wait.
    TimedOut,
}

/// An open `GET` of an event stream over HTTP/1.1.
#[derive(Debug)]
pub struct EventStreamClient {
    /// The response status.
    pub status: http::StatusCode,
    /// The response headers.
    pub headers: http::HeaderMap,
    body: Incoming,
    buffer: String,
    ended: bool,
    /// The id of the last event with one, as `EventSource` keeps it.
    pub last_event_id: Option<String>,
}

impl EventStreamClient {
    /// Connects to `addr` and requests `path`, sending `Last-Event-ID` when given.
    pub async fn connect(addr: SocketAddr, path: &str, last_event_id: Option<&str>) -> Self {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).ok();
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake::<_, Empty<Bytes>>(TokioIo::new(stream))
                .await
                .expect("HTTP/1.1 handshake");
        tokio::spawn(connection);
        let mut request = http::Request::get(path)
            .header("host", addr.to_string())
            .header("accept", "text/event-stream");
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = sender
            .send_request(request.body(Empty::new()).expect("request"))
            .await
            .expect("response head");
        let (parts, body) = response.into_parts();
        EventStreamClient {
            status: parts.status,
            headers: parts.headers,
            body,
            buffer: String::new(),
            ended: false,
            last_event_id: last_event_id.map(str::to_owned),
        }
    }

    /// The next block of fields, waiting at most `wait` for it.
    pub async fn next(&mut self, wait: Duration) -> Next {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(event) = self.parse_one() {
                if let Some(id) = &event.id {
                    self.last_event_id = Some(id.clone());
                }
                return Next::Event(event);
            }
            if self.ended {
                return Next::Ended;
            }
            match tokio::time::timeout_at(deadline, self.body.frame()).await {
                Err(_) => return Next::TimedOut,
                Ok(None) | Ok(Some(Err(_))) => self.ended = true,
                Ok(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        self.buffer.push_str(&String::from_utf8_lossy(&data));
                    }
                }
            }
        }
    }

    /// The next event with data, skipping blocks without (the retry hint), or why none came.
    pub async fn next_data(&mut self, wait: Duration) -> Next {
        loop {
            match self.next(wait).await {
                Next::Event(event) if event.data.is_none() => {}
                other => return other,
            }
        }
    }

    /// Takes one complete block off the buffer.
    fn parse_one(&mut self) -> Option<StreamEvent> {
        loop {
            let normalized = self.buffer.replace("\r\n", "\n");
            let end = normalized.find("\n\n")?;
            let block = normalized[..end].to_owned();
            self.buffer = normalized[end + 2..].to_owned();
            let mut event = StreamEvent::default();
            let mut any = false;
            let mut data: Vec<String> = Vec::new();
            for line in block.split('\n') {
                if line.starts_with(':') {
                    continue;
                }
                let (name, value) = line.split_once(':').unwrap_or((line, ""));
                let value = value.strip_prefix(' ').unwrap_or(value);
                any = true;
                match name {
                    "id" => event.id = Some(value.to_owned()),
                    "event" => event.event = Some(value.to_owned()),
                    "retry" => event.retry = value.parse().ok(),
                    "data" => data.push(value.to_owned()),
                    _ => {}
                }
            }
            if !data.is_empty() {
                event.data = Some(data.join("\n"));
            }
            if any {
                return Some(event);
            }
        }
    }
}

/// An app that subscribes `GET /<channel>` to that channel of `hub` (pings every 200 ms, so
/// a vanished client is found quickly).
pub fn channel_app(hub: respond::ChannelHub) -> impl respond::App + Clone {
    move |scope: respond::Scope, mut receive: respond::Receiver, mut send: respond::Sender| {
        let hub = hub.clone();
        async move {
            let channel = scope.path().trim_start_matches('/').to_owned();
            match hub.subscribe(&scope, &channel) {
                Ok(events) => {
                    events
                        .with_ping(Duration::from_millis(200))
                        .send(&scope, &mut receive, &mut send)
                        .await
                }
                Err(error) => {
                    respond::PlainTextResponse::new(error.to_string())
                        .with_status(400)
                        .send(&scope, &mut receive, &mut send)
                        .await
                }
            }
        }
    }
}

/// What a browser gets from a channel over reconnections: reads data events from the
/// server `addr()` names at each connection, reconnecting with `Last-Event-ID` when the
/// stream ends (after the retry hint's delay), until `want` data events came. Panics when
/// nothing comes for `quiet`.
pub async fn read_with_reconnects(
    addr: impl Fn() -> SocketAddr,
    path: &str,
    last_event_id: &mut Option<String>,
    want: usize,
    quiet: Duration,
) -> Vec<StreamEvent> {
    let mut events = Vec::new();
    let mut reconnects = 0;
    while events.len() < want {
        let mut client = EventStreamClient::connect(addr(), path, last_event_id.as_deref()).await;
        assert_eq!(client.status, http::StatusCode::OK);
        let mut retry = Duration::from_millis(100);
        loop {
            match client.next(quiet).await {
                Next::Event(event) => {
                    if let Some(ms) = event.retry {
                        retry = Duration::from_millis(ms);
                    }
                    *last_event_id = client.last_event_id.clone();
                    if event.data.is_some() {
                        events.push(event);
                        if events.len() == want {
                            break;
                        }
                    }
                }
                Next::Ended => break,
                Next::TimedOut => panic!(
                    "nothing for {quiet:?} after {} events and {reconnects} reconnections",
                    events.len()
                ),
            }
        }
        if events.len() < want {
            reconnects += 1;
            tokio::time::sleep(retry).await;
        }
    }
    events
}

/// Waits until `condition` holds, polling every 5 ms; panics after `limit` with `what`.
pub async fn eventually(limit: Duration, what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + limit;
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Opens and closes `rounds` x `per_round` subscriptions to `/room` on the server at `addr`
/// (`per_round` at a time), checking after each round that every one left `hub` at once.
pub async fn connect_disconnect_cycles(
    hub: &respond::ChannelHub,
    addr: SocketAddr,
    rounds: usize,
    per_round: usize,
) {
    let limit = Duration::from_secs(15);
    for _ in 0..rounds {
        let mut clients = Vec::new();
        for _ in 0..per_round {
            clients.push(EventStreamClient::connect(addr, "/room", None).await);
        }
        eventually(limit, "the subscriptions", || {
            hub.subscribers("room") == per_round
        })
        .await;
        drop(clients);
        eventually(limit, "every subscriber to leave", || {
            hub.subscribers("room") == 0
        })
        .await;
    }
    // The hub still works.
    let mut client = EventStreamClient::connect(addr, "/room", None).await;
    eventually(limit, "the subscription", || hub.subscribers("room") == 1).await;
    hub.publish("room", "still here").await.expect("publish");
    let Next::Event(event) = client.next_data(limit).await else {
        panic!("no live event after the cycles")
    };
    assert_eq!(event.data.as_deref(), Some("still here"));
}
