//! [`EventSourceResponse`]: server-sent events, as browsers' `EventSource` consumes them.

mod clock;
mod event;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::stream::Stream;
use http::HeaderValue;
use http::header::{CACHE_CONTROL, CONNECTION, CONTENT_LENGTH};
use tokio::time::{Instant, Sleep};

pub use event::{RetryDelay, Separator, ServerSentEvent};

use crate::error::BoxError;
use crate::protocol::Scope;
use crate::response::{Head, Prepare, Response, Source, response_kind};
use crate::streaming::StreamSource;

const EVENT_STREAM: HeaderValue = HeaderValue::from_static("text/event-stream; charset=utf-8");
const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");
const NO_BUFFERING: HeaderValue = HeaderValue::from_static("no");

/// The default ping interval, as sse-starlette's.
const DEFAULT_PING: Duration = Duration::from_secs(15);

/// At most this many ready events are sent in one write.
const BATCH_EVENTS: usize = 256;
/// A batch stops growing past this many bytes.
const BATCH_BYTES: usize = 64 * 1024;

/// Something an event stream can send: a [`ServerSentEvent`], a `String` or `&'static str`
/// (sent as a data event), raw [`Bytes`] (sent as they are, unframed), or a `Result` of
/// those (an error ends the response).
///
/// Implement it for your own types to stream them directly.
///
/// ```
/// use bytes::BytesMut;
/// use respond::{EventItem, Separator, ServerSentEvent};
///
/// struct Price(f64);
///
/// impl EventItem for Price {
///     fn write(self, separator: Separator, out: &mut BytesMut) -> Result<(), respond::BoxError> {
///         ServerSentEvent::new(format!("{:.2}", self.0)).event("price").write(separator, out)
///     }
/// }
///
/// let mut out = BytesMut::new();
/// Price(9.5).write(Separator::Lf, &mut out).unwrap();
/// assert_eq!(out, "event: price\ndata: 9.50\n\n");
/// ```
pub trait EventItem {
    /// Appends the item's bytes to `out`, using `separator` unless the item has its own.
    ///
    /// # Errors
    /// When the item cannot be encoded, or is itself an error.
    fn write(self, separator: Separator, out: &mut BytesMut) -> Result<(), BoxError>;
}

impl EventItem for ServerSentEvent {
    fn write(self, separator: Separator, out: &mut BytesMut) -> Result<(), BoxError> {
        self.encode_into(separator, out).map_err(Into::into)
    }
}

impl EventItem for String {
    fn write(self, separator: Separator, out: &mut BytesMut) -> Result<(), BoxError> {
        ServerSentEvent::new(self).write(separator, out)
    }
}

impl EventItem for &'static str {
    fn write(self, separator: Separator, out: &mut BytesMut) -> Result<(), BoxError> {
        ServerSentEvent::new(self).write(separator, out)
    }
}

impl EventItem for Bytes {
    fn write(self, _separator: Separator, out: &mut BytesMut) -> Result<(), BoxError> {
        out.extend_from_slice(&self);
        Ok(())
    }
}

impl<T: EventItem, E: Into<BoxError>> EventItem for Result<T, E> {
    fn write(self, separator: Separator, out: &mut BytesMut) -> Result<(), BoxError> {
        self.map_err(Into::into)?.write(separator, out)
    }
}

/// A stream of [`EventItem`]s with the item type erased; polling encodes the next item.
trait EncodeStream: Send {
    fn poll_encode(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        separator: Separator,
        out: &mut BytesMut,
    ) -> Poll<Option<Result<(), BoxError>>>;
}

impl<S> EncodeStream for S
where
    S: Stream + Send,
    S::Item: EventItem,
{
    fn poll_encode(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        separator: Separator,
        out: &mut BytesMut,
    ) -> Poll<Option<Result<(), BoxError>>> {
        match std::task::ready!(self.poll_next(cx)) {
            Some(item) => Poll::Ready(Some(item.write(separator, out))),
            None => Poll::Ready(None),
        }
    }
}

type PingFactory = Arc<dyn Fn() -> ServerSentEvent + Send + Sync>;

/// An event stream before the request is known.
struct EventSource {
    source: Pin<Box<dyn EncodeStream>>,
    separator: Separator,
    ping: Duration,
    ping_event: Option<PingFactory>,
    grace: Duration,
}

impl EventSource {
    /// The body stream for `scope`: it ends when the server shuts down (after the grace
    /// period).
    fn into_stream(self, scope: &Scope) -> EventStream {
        let EventSource {
            source,
            separator,
            ping,
            ping_event,
            grace,
        } = self;
        let ping = (!ping.is_zero()).then(|| (ping, Box::pin(tokio::time::sleep(ping))));
        let shutdown = scope.shutdown().map(|shutdown| {
            Box::pin(shutdown.requested()) as Pin<Box<dyn Future<Output = ()> + Send>>
        });
        EventStream {
            source: Some(source),
            separator,
            ping,
            ping_event,
            shutdown,
            grace,
            deadline: None,
            buffer: BytesMut::new(),
            failure: None,
        }
    }
}

impl Source for EventSource {
    /// The stream for `scope`, with the headers an event stream never sends removed
    /// (whoever set them); `HEAD` gets the headers alone.
    fn prepare(self: Box<Self>, mut head: Head, scope: &Scope) -> Prepare {
        head.headers.remove(CONTENT_LENGTH);
        head.headers.remove(CONNECTION);
        let body = if head.sends_body(scope) {
            StreamSource::new(Box::pin(self.into_stream(scope))).into_body()
        } else {
            crate::Body::empty()
        };
        Prepare::Ready(Ok((head, body)))
    }
}

impl fmt::Debug for EventSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventSource")
            .field("separator", &self.separator)
            .field("ping", &self.ping)
            .field("grace", &self.grace)
            .finish_non_exhaustive()
    }
}

/// The encoded event stream: batches ready events into one chunk, pings when idle, ends on
/// server shutdown.
struct EventStream {
    /// `None` once ended: the user's stream is dropped at once.
    source: Option<Pin<Box<dyn EncodeStream>>>,
    separator: Separator,
    ping: Option<(Duration, Pin<Box<Sleep>>)>,
    ping_event: Option<PingFactory>,
    shutdown: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
    grace: Duration,
    /// Set when shutdown was requested: the stream ends at this instant.
    deadline: Option<Pin<Box<Sleep>>>,
    buffer: BytesMut,
    /// An error met after some events were batched: reported on the next poll.
    failure: Option<BoxError>,
}

impl EventStream {
    fn end(&mut self) {
        self.source = None;
        self.ping = None;
        self.deadline = None;
        self.shutdown = None;
    }

    fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> bool {
        if let Some(shutdown) = self.shutdown.as_mut() {
            if shutdown.as_mut().poll(cx).is_ready() {
                self.shutdown = None;
                if self.grace.is_zero() {
                    return true;
                }
                tracing::debug!(grace = ?self.grace, "server shutting down; event stream ends after its grace period");
                self.deadline = Some(Box::pin(tokio::time::sleep(self.grace)));
            }
        }
        match self.deadline.as_mut() {
            Some(deadline) => deadline.as_mut().poll(cx).is_ready(),
            None => false,
        }
    }

    fn ping_bytes(&self) -> Result<Bytes, BoxError> {
        let event = match &self.ping_event {
            Some(factory) => factory(),
            None => ServerSentEvent::comment_only(format!("ping - {}", clock::utc_now())),
        };
        let mut out = BytesMut::new();
        event.encode_into(self.separator, &mut out)?;
        Ok(out.freeze())
    }
}

impl Stream for EventStream {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if let Some(error) = this.failure.take() {
            this.end();
            return Poll::Ready(Some(Err(error)));
        }
        if this.source.is_none() {
            return Poll::Ready(None);
        }
        if this.poll_shutdown(cx) {
            this.end();
            return Poll::Ready(None);
        }
        let mut finished = false;
        if let Some(source) = this.source.as_mut() {
            let mut events = 0;
            while events < BATCH_EVENTS && this.buffer.len() < BATCH_BYTES {
                match source
                    .as_mut()
                    .poll_encode(cx, this.separator, &mut this.buffer)
                {
                    Poll::Ready(Some(Ok(()))) => events += 1,
                    Poll::Ready(Some(Err(error))) => {
                        tracing::error!(%error, "event stream failed; aborting the response");
                        this.failure = Some(error);
                        break;
                    }
                    Poll::Ready(None) => {
                        finished = true;
                        break;
                    }
                    Poll::Pending => break,
                }
            }
        }
        if finished {
            this.source = None;
        }
        if !this.buffer.is_empty() {
            if let Some((interval, sleep)) = this.ping.as_mut() {
                sleep.as_mut().reset(Instant::now() + *interval);
            }
            return Poll::Ready(Some(Ok(this.buffer.split().freeze())));
        }
        if let Some(error) = this.failure.take() {
            this.end();
            return Poll::Ready(Some(Err(error)));
        }
        if this.source.is_none() {
            this.end();
            return Poll::Ready(None);
        }
        if let Some((interval, sleep)) = this.ping.as_mut() {
            if sleep.as_mut().poll(cx).is_ready() {
                sleep.as_mut().reset(Instant::now() + *interval);
                // Polling the reset timer registers it for the next tick.
                let _ = sleep.as_mut().poll(cx);
                return Poll::Ready(Some(this.ping_bytes()));
            }
        }
        Poll::Pending
    }
}

/// A stream of server-sent events: `text/event-stream`, the HTML Living Standard's format,
/// as sse-starlette sends it.
///
/// - Headers: `Content-Type: text/event-stream; charset=utf-8`, `Cache-Control: no-store`
///   and `X-Accel-Buffering: no` (so proxies such as nginx do not buffer); your headers
///   replace them. Never a `Content-Length`, and never `Connection: keep-alive` (sse-starlette
///   sends it; HTTP/2 forbids it).
/// - A `HEAD` request gets the headers and no body; the stream is never polled.
/// - Events that are ready together go out in one write.
/// - A ping comment (`: ping - <UTC time>`) goes out after 15 s without an event
///   ([`with_ping`](Self::with_ping); zero disables it). It keeps proxies from closing an
///   idle connection and finds out that a client has left.
/// - When the client disconnects, the stream is dropped at once (its `Drop` runs) and
///   background work runs.
/// - [`with_send_timeout`](Self::with_send_timeout): a client that stops reading is dropped
///   after that long, and the stream with it.
/// - When the server shuts down, the stream ends after its grace period
///   ([`with_shutdown_grace`](Self::with_shutdown_grace), default zero), so a graceful
///   shutdown never hangs on an open stream. The stream itself can watch
///   [`Scope::shutdown`] to send a farewell.
/// - A reconnecting browser sends the id of the last event it got: read it with
///   [`Scope::last_event_id`] to resume.
///
/// ```
/// use std::time::Duration;
/// use futures_util::stream::{self, StreamExt};
/// use respond::{EventSourceResponse, Receiver, Scope, Sender, ServerSentEvent, TestClient};
///
/// async fn events(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
///     let start: u64 = scope.last_event_id().and_then(|id| id.parse().ok()).map_or(1, |id: u64| id + 1);
///     let ticks = stream::iter(start..start + 3)
///         .map(|n| ServerSentEvent::new(format!("tick {n}")).id(n.to_string()));
///     EventSourceResponse::new(ticks)
///         .with_ping(Duration::from_secs(10))
///         .send(&scope, &mut receive, &mut send)
///         .await
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> respond::Result<()> {
/// let response = TestClient::new(events).get("/").header("last-event-id", "7").send().await;
/// assert_eq!(response.header("content-type"), Some("text/event-stream; charset=utf-8"));
/// assert!(response.text().starts_with("id: 8\r\ndata: tick 8\r\n\r\n"));
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct EventSourceResponse(Response);

impl EventSourceResponse {
    /// A `200 OK` event stream of `stream`'s items (see [`EventItem`]).
    pub fn new<S>(stream: S) -> Self
    where
        S: Stream + Send + 'static,
        S::Item: EventItem,
    {
        EventSourceResponse::from_source(Box::pin(stream))
    }

    /// A `200 OK` event stream of a blocking iterator's items, run on tokio's blocking
    /// threads (never on the async ones), at most one item ahead of the client.
    ///
    /// ```
    /// let response = respond::EventSourceResponse::from_iter(["a", "b"]);
    /// assert_eq!(response.headers()["cache-control"], "no-store");
    /// ```
    #[allow(clippy::should_implement_trait)]
    pub fn from_iter<I>(iter: I) -> Self
    where
        I: IntoIterator,
        I::IntoIter: Send + 'static,
        I::Item: EventItem + Send + 'static,
    {
        EventSourceResponse::from_source(Box::pin(crate::blocking::blocking_stream(
            iter.into_iter(),
        )))
    }

    fn from_source(source: Pin<Box<dyn EncodeStream>>) -> Self {
        let mut response = Response::from_source(EventSource {
            source,
            separator: Separator::CrLf,
            ping: DEFAULT_PING,
            ping_event: None,
            grace: Duration::ZERO,
        });
        response.set_content_type(EVENT_STREAM);
        let headers = response.headers_mut();
        headers.insert(CACHE_CONTROL, NO_STORE);
        headers.insert("x-accel-buffering", NO_BUFFERING);
        EventSourceResponse(response)
    }

    fn source_mut(&mut self) -> Option<&mut EventSource> {
        self.0.source_mut::<EventSource>()
    }

    /// Sends a ping after `interval` without an event (default 15 s; zero disables pings).
    ///
    /// ```
    /// let response = respond::EventSourceResponse::from_iter(["a"]).with_ping(std::time::Duration::ZERO);
    /// ```
    #[must_use]
    pub fn with_ping(mut self, interval: Duration) -> Self {
        if let Some(source) = self.source_mut() {
            source.ping = interval;
        }
        self
    }

    /// Uses the events `make` builds as pings instead of the `: ping - <time>` comment.
    ///
    /// ```
    /// use respond::{EventSourceResponse, ServerSentEvent};
    /// let response = EventSourceResponse::from_iter(["a"])
    ///     .with_ping_event(|| ServerSentEvent::new("{}").event("heartbeat"));
    /// ```
    #[must_use]
    pub fn with_ping_event(
        mut self,
        make: impl Fn() -> ServerSentEvent + Send + Sync + 'static,
    ) -> Self {
        if let Some(source) = self.source_mut() {
            source.ping_event = Some(Arc::new(make));
        }
        self
    }

    /// Sets the line separator: `"\r\n"` (the default), `"\n"` or `"\r"`; anything else is an
    /// error reported by `send`. Events with their own separator keep it.
    ///
    /// ```
    /// let response = respond::EventSourceResponse::from_iter(["a"]).with_separator("\n");
    /// assert!(response.error().is_none());
    /// assert!(respond::EventSourceResponse::from_iter(["a"]).with_separator(";").error().is_some());
    /// ```
    #[must_use]
    pub fn with_separator(mut self, separator: &str) -> Self {
        match Separator::parse(separator) {
            Ok(separator) => {
                if let Some(source) = self.source_mut() {
                    source.separator = separator;
                }
            }
            Err(error) => self.0.fail(error),
        }
        self
    }

    /// Drops a client that has not taken the stream's bytes for `timeout`, and the stream
    /// with it (the response ends with [`Error::SendTimeout`](crate::Error::SendTimeout)).
    ///
    /// ```
    /// let response = respond::EventSourceResponse::from_iter(["a"])
    ///     .with_send_timeout(std::time::Duration::from_secs(30));
    /// ```
    #[must_use]
    pub fn with_send_timeout(mut self, timeout: Duration) -> Self {
        self.0.set_send_timeout(timeout);
        self
    }

    /// How long the stream may go on once the server shuts down (default zero: it ends at
    /// once). Within it, the stream can send a farewell and end by itself.
    ///
    /// ```
    /// let response = respond::EventSourceResponse::from_iter(["a"])
    ///     .with_shutdown_grace(std::time::Duration::from_secs(2));
    /// ```
    #[must_use]
    pub fn with_shutdown_grace(mut self, grace: Duration) -> Self {
        if let Some(source) = self.source_mut() {
            source.grace = grace;
        }
        self
    }
}

response_kind!(
    EventSourceResponse,
    "EventSourceResponse::from_iter([\"a\"])"
);
