//! The limits a [`Server`] puts on its connections: deadlines, the connection cap, request
//! body pacing and the HTTP/2 settings, with their builder methods.

use std::time::Duration;

use hyper::server::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioTimer};

use super::Server;
use super::version::Builders;

/// HTTP/1.1 request heads (and the write queue) are capped at 64 KiB; HTTP/2 header lists and
/// per-stream send buffers get the same figure.
const HEAD_AND_BUFFER: usize = 64 * 1024;

/// The connection limits, with their defaults (see [`Server`]).
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    pub(crate) header_timeout: Duration,
    pub(crate) idle_timeout: Duration,
    pub(crate) max_connections: Option<usize>,
    pub(crate) body_timeout: Duration,
    pub(crate) body_min_rate: u64,
    pub(crate) body_rate_grace: Duration,
    pub(crate) h2_keep_alive_interval: Duration,
    pub(crate) h2_keep_alive_timeout: Duration,
    pub(crate) h2_max_concurrent_streams: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(75),
            max_connections: None,
            body_timeout: Duration::from_secs(60),
            body_min_rate: 240,
            body_rate_grace: Duration::from_secs(5),
            h2_keep_alive_interval: Duration::from_secs(30),
            h2_keep_alive_timeout: Duration::from_secs(20),
            h2_max_concurrent_streams: 128,
        }
    }
}

impl Limits {
    /// The connection cap: the configured one, or half the file-descriptor limit (each
    /// connection may hold an open file too), at least 32.
    pub(crate) fn connection_cap(&self, fd_limit: Option<u64>) -> usize {
        self.max_connections.unwrap_or_else(|| match fd_limit {
            Some(limit) => usize::try_from(limit / 2).unwrap_or(usize::MAX).max(32),
            None => 16_384,
        })
    }

    /// hyper's HTTP/1.1 and HTTP/2 builders, with their options from the limits.
    pub(crate) fn builders(&self) -> Builders {
        // hyper keeps polling a body while its write queue holds less than `max_buf_size`
        // (400 KiB by default): with 64 KiB file chunks that is seven chunks per slow client.
        // 64 KiB keeps one queued chunk and a part of another per connection, and admits
        // request heads of 64 KiB (a larger head gets a 431). Slow clients get smaller
        // chunks (see `file::read`), so their queues stay smaller still.
        let mut http1 = http1::Builder::new();
        http1
            .timer(TokioTimer::new())
            .max_buf_size(HEAD_AND_BUFFER)
            // `max_buf_size` is checked before each read, and one read may take more: the
            // head's own limit makes 64 KiB exact, however the head arrives.
            .max_header_size(HEAD_AND_BUFFER)
            // The connection's own deadline bounds every request head (from accept, then
            // from the first byte of each next head): hyper's timer would arm and drop a
            // timer for every request (about 6% of a plain response's CPU) for the same
            // figure.
            .header_read_timeout(None::<Duration>);
        let mut http2 = http2::Builder::new(TokioExecutor::new());
        http2
            .timer(TokioTimer::new())
            .max_concurrent_streams(self.h2_max_concurrent_streams)
            // Streams reset by the client before the server accepted them (rapid reset,
            // CVE-2023-44487): 20 pending, then GOAWAY. h2's default, set on purpose.
            .max_pending_accept_reset_streams(20)
            // Streams the server resets because the client misbehaved: 256, then GOAWAY.
            .max_local_error_reset_streams(256)
            // The decoded header list, as HTTP/1.1's head: 64 KiB. h2 also counts the
            // CONTINUATION frames of one header block against it, so a flood ends the
            // connection.
            .max_header_list_size(HEAD_AND_BUFFER as u32)
            // What a stream may queue for a client whose window is shut: 64 KiB, so a
            // connection holds at most streams x 64 KiB of response data.
            .max_send_buf_size(HEAD_AND_BUFFER)
            .max_frame_size(16 * 1024)
            .initial_stream_window_size(1024 * 1024)
            .initial_connection_window_size(1024 * 1024)
            .keep_alive_interval(bounded(self.h2_keep_alive_interval))
            .keep_alive_timeout(self.h2_keep_alive_timeout);
        Builders { http1, http2 }
    }
}

/// A duration hyper may add to an `Instant` without overflowing; longer ones mean "none".
fn bounded(duration: Duration) -> Option<Duration> {
    (duration < FOREVER).then_some(duration)
}

/// Far enough to mean "never" and near enough to add to an `Instant`.
pub(crate) const FOREVER: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// `from + duration`, saturating at [`FOREVER`].
pub(crate) fn after(from: tokio::time::Instant, duration: Duration) -> tokio::time::Instant {
    from + duration.min(FOREVER)
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit, once per process, as Go's runtime does;
/// logs the figure. Returns the soft limit in force (`None` when unknown or unlimited).
pub(crate) fn raise_fd_limit() -> Option<u64> {
    static RAISED: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
    *RAISED.get_or_init(raise)
}

#[cfg(target_os = "linux")]
fn raise() -> Option<u64> {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let (current, maximum) = (limit.current, limit.maximum);
    if current == maximum {
        tracing::info!(limit = ?current, "file-descriptor limit");
        return current;
    }
    let raised = Rlimit {
        current: maximum,
        maximum,
    };
    match setrlimit(Resource::Nofile, raised) {
        Ok(()) => {
            tracing::info!(from = ?current, to = ?maximum, "raised the file-descriptor limit");
            maximum
        }
        Err(error) => {
            tracing::warn!(%error, limit = ?current, "could not raise the file-descriptor limit");
            current
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn raise() -> Option<u64> {
    None
}

/// The connection limits. Each default is no longer than nginx's; see [`Server`] for the
/// whole list.
impl Server {
    /// How long a new connection may take to send its first complete request head, counted
    /// from the moment it is accepted (default 60 s, nginx's `client_header_timeout`). It
    /// covers the bytes read to tell HTTP/1.1 from HTTP/2, so a socket that connects and
    /// sends nothing is closed at this deadline. On an HTTPS server (feature `tls`) it
    /// covers the TLS handshake too. On an HTTP/1.1 keep-alive connection, each next
    /// request head must be complete this long after its first byte arrived (while no
    /// request is in flight); a head that is not is dropped with its connection.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    /// let server = respond::Server::bind("127.0.0.1:0").await?
    ///     .with_header_timeout(Duration::from_secs(10));
    /// # drop(server); Ok(()) }
    /// ```
    #[must_use]
    pub fn with_header_timeout(mut self, timeout: Duration) -> Self {
        self.limits.header_timeout = timeout;
        self
    }

    /// How long a connection with no request in flight stays open: an HTTP/1.1 keep-alive
    /// connection waiting for its next request head, or an HTTP/2 connection with no open
    /// stream, whatever frames it sends (default 75 s, nginx's `keepalive_timeout`). It is
    /// then closed gracefully (HTTP/2 sends GOAWAY), and dropped one second later if the
    /// client holds it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    /// let server = respond::Server::bind("127.0.0.1:0").await?
    ///     .with_idle_timeout(Duration::from_secs(30));
    /// # drop(server); Ok(()) }
    /// ```
    #[must_use]
    pub fn with_idle_timeout(mut self, timeout: Duration) -> Self {
        self.limits.idle_timeout = timeout;
        self
    }

    /// The most connections served at once (default: half the process's file-descriptor
    /// limit after it is raised, at least 32, so each connection may also hold an open
    /// file). When a new connection arrives at the cap, the least useful open one is closed
    /// to make room: first a connection that has not sent a whole request yet (the oldest
    /// first), then an idle keep-alive one (the longest idle first). Connections with a
    /// request in flight are never closed for this; when all are busy, new connections wait
    /// in the listen backlog until one ends.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
    /// let server = respond::Server::bind("127.0.0.1:0").await?.with_max_connections(10_000);
    /// # drop(server); Ok(()) }
    /// ```
    ///
    /// # Panics
    /// If `max` is zero.
    #[must_use]
    pub fn with_max_connections(mut self, max: usize) -> Self {
        assert!(max > 0, "a server needs room for at least one connection");
        self.limits.max_connections = Some(max);
        self
    }

    /// The longest wait for the next piece of a request body (default 60 s, nginx's
    /// `client_body_timeout`). Past it the app's [`Receiver`](crate::Receiver) gives
    /// [`RequestEvent::Disconnect`](crate::RequestEvent::Disconnect) and
    /// [`Receiver::error`](crate::Receiver::error) says why (an [`Error::Body`](crate::Error::Body)
    /// holding an `io::Error` of kind `TimedOut`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    /// let server = respond::Server::bind("127.0.0.1:0").await?
    ///     .with_request_body_timeout(Duration::from_secs(20));
    /// # drop(server); Ok(()) }
    /// ```
    #[must_use]
    pub fn with_request_body_timeout(mut self, timeout: Duration) -> Self {
        self.limits.body_timeout = timeout;
        self
    }

    /// The slowest a request body may arrive: after `grace` of waiting, the body must keep an
    /// average of `bytes_per_second` over the time spent waiting for it (default 240 bytes/s
    /// after 5 s, as ASP.NET Core's Kestrel). Only time the app spends waiting for the body
    /// counts. A body trickled slower fails as
    /// [`with_request_body_timeout`](Self::with_request_body_timeout) describes. `0` turns the rate off.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    /// let server = respond::Server::bind("127.0.0.1:0").await?
    ///     .with_request_body_min_rate(1024, Duration::from_secs(2));
    /// # drop(server); Ok(()) }
    /// ```
    #[must_use]
    pub fn with_request_body_min_rate(mut self, bytes_per_second: u64, grace: Duration) -> Self {
        self.limits.body_min_rate = bytes_per_second;
        self.limits.body_rate_grace = grace;
        self
    }

    /// HTTP/2 keep-alive: when nothing arrived on a connection for `interval`, the server
    /// sends a PING, and closes the connection when no acknowledgement comes within
    /// `timeout` (default 30 s and 20 s). This finds peers that vanished while a stream
    /// (an event stream, a long download) is open.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    /// let server = respond::Server::bind("127.0.0.1:0").await?
    ///     .with_http2_keep_alive(Duration::from_secs(10), Duration::from_secs(5));
    /// # drop(server); Ok(()) }
    /// ```
    #[must_use]
    pub fn with_http2_keep_alive(mut self, interval: Duration, timeout: Duration) -> Self {
        self.limits.h2_keep_alive_interval = interval;
        self.limits.h2_keep_alive_timeout = timeout;
        self
    }

    /// The most streams one HTTP/2 connection may have open at once (default 128, nginx's
    /// `http2_max_concurrent_streams`); further streams are refused with `REFUSED_STREAM`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
    /// let server = respond::Server::bind("127.0.0.1:0").await?
    ///     .with_http2_max_concurrent_streams(64);
    /// # drop(server); Ok(()) }
    /// ```
    #[must_use]
    pub fn with_http2_max_concurrent_streams(mut self, max: u32) -> Self {
        self.limits.h2_max_concurrent_streams = max;
        self
    }
}
