//! The hyper outlet: [`serve`] and [`Server`], HTTP/1.1 and HTTP/2 on one port.

mod connections;
mod deadline;
mod io;
mod limits;
#[cfg(feature = "tls")]
mod tls;
mod version;

#[cfg(feature = "tls")]
pub use self::tls::{TlsConfig, TlsError, serve_tls};

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::time::Instant;

use self::connections::{Check, Registry, Ticket, Tracked};
use self::deadline::{Pace, Paced};
use self::limits::Limits;
use self::version::{Builders, Served as Hyper, Version};
use crate::protocol::{App, RequestBody, Scope, Served, Shutdown, WriteTimeout, bridge};

/// How long a connection closed for a deadline may take to finish its goodbye (an HTTP/2
/// GOAWAY) before it is dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// Serves `app` on `addr` until the process ends: HTTP/1.1 and HTTP/2 (prior knowledge) on
/// one port.
///
/// ```no_run
/// use respond::{Receiver, Response, Scope, Sender};
///
/// async fn app(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
///     Response::new("Hello, world!")
///         .with_media_type("text/plain")
///         .send(&scope, &mut receive, &mut send)
///         .await
/// }
///
/// #[tokio::main]
/// async fn main() -> std::io::Result<()> {
///     respond::serve("127.0.0.1:8000", app).await
/// }
/// ```
///
/// # Errors
/// When the address cannot be bound.
pub async fn serve<A: App>(addr: impl ToSocketAddrs, app: A) -> std::io::Result<()> {
    Server::bind(addr).await?.serve(app).await
}

type Signal = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A server with its options: the listener, graceful shutdown and its time limit, and the
/// limits that keep hostile or vanished clients from holding it.
///
/// Every accepted socket gets `TCP_NODELAY` (small streamed responses would otherwise wait
/// on delayed ACKs). Each connection runs on its own task; a failing or panicking app
/// costs its own request and nothing else. At start the server raises its soft
/// file-descriptor limit (`RLIMIT_NOFILE`) to the hard limit and logs the figure, as Go's
/// runtime does (on Linux).
///
/// # Limits
///
/// | limit | default | set with |
/// |---|---|---|
/// | first request head, from accept (covers HTTP/1.1-or-HTTP/2 detection, and the TLS handshake with `with_tls`); each next HTTP/1.1 head, from its first byte | 60 s | [`with_header_timeout`](Self::with_header_timeout) |
/// | no request in flight (HTTP/1.1 keep-alive, HTTP/2 with no open stream) | 75 s | [`with_idle_timeout`](Self::with_idle_timeout) |
/// | open connections (silent, then idle ones shed first) | half the fd limit | [`with_max_connections`](Self::with_max_connections) |
/// | one wait for request-body bytes | 60 s | [`with_request_body_timeout`](Self::with_request_body_timeout) |
/// | request-body average rate | 240 B/s after 5 s | [`with_request_body_min_rate`](Self::with_request_body_min_rate) |
/// | HTTP/2 keep-alive PING, ack timeout | 30 s, 20 s | [`with_http2_keep_alive`](Self::with_http2_keep_alive) |
/// | HTTP/2 concurrent streams | 128 | [`with_http2_max_concurrent_streams`](Self::with_http2_max_concurrent_streams) |
/// | HTTP/1.1 request head; HTTP/2 header list (CONTINUATION frames count against it) | 64 KiB (a larger HTTP/1.1 head gets 431) | fixed |
/// | HTTP/2 streams reset by the client before being accepted (rapid reset) | 20, then GOAWAY | fixed |
/// | HTTP/2 streams reset by the server for client errors | 256, then GOAWAY | fixed |
/// | response bytes queued per stream (HTTP/2) or connection (HTTP/1.1) | 64 KiB | fixed |
/// | HTTP/2 receive windows (stream, connection); frame size | 1 MiB, 1 MiB; 16 KiB | fixed |
///
/// SETTINGS and PING floods meet back-pressure: h2 keeps one acknowledgement pending and stops
/// reading until it is written, so a flooding client that does not read fills its own
/// buffers, and the connection (with no open stream) ends at the idle timeout.
///
/// ```
/// use respond::{Server, PlainTextResponse, Scope, Receiver, Sender};
/// use std::time::Duration;
///
/// async fn app(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
///     PlainTextResponse::new("hi").send(&scope, &mut receive, &mut send).await
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
/// let server = Server::bind("127.0.0.1:0").await?;
/// println!("listening on http://{}", server.local_addr()?);
/// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
/// let running = tokio::spawn(
///     server
///         .with_graceful_shutdown(async { stopped.await.ok(); })
///         .with_shutdown_timeout(Duration::from_secs(5))
///         .serve(app),
/// );
/// stop.send(()).unwrap();
/// running.await.unwrap()?;
/// # Ok(()) }
/// ```
pub struct Server {
    listener: TcpListener,
    signal: Option<Signal>,
    shutdown_timeout: Option<Duration>,
    limits: Limits,
    #[cfg(feature = "tls")]
    tls: Option<TlsConfig>,
}

impl Server {
    /// Binds a listener on `addr` (port 0 picks a free port; see
    /// [`local_addr`](Self::local_addr)).
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub async fn bind(addr: impl ToSocketAddrs) -> std::io::Result<Self> {
        Ok(Server::from_listener(TcpListener::bind(addr).await?))
    }

    /// A server on a listener you bound yourself.
    pub fn from_listener(listener: TcpListener) -> Self {
        Server {
            listener,
            signal: None,
            shutdown_timeout: None,
            limits: Limits::default(),
            #[cfg(feature = "tls")]
            tls: None,
        }
    }

    /// The address the server listens on.
    ///
    /// # Errors
    /// When the socket cannot report it.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Stops gracefully when `signal` completes: no new connections are accepted, the
    /// [`Shutdown`] signal is raised (event streams end within their grace period), idle
    /// connections close, and requests in flight finish.
    #[must_use]
    pub fn with_graceful_shutdown(
        mut self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> Self {
        self.signal = Some(Box::pin(signal));
        self
    }

    /// How long a graceful shutdown waits for requests in flight before dropping them
    /// (default: no limit).
    #[must_use]
    pub fn with_shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = Some(timeout);
        self
    }

    /// Serves `app` until the shutdown signal (or forever without one).
    ///
    /// # Errors
    /// Only errors of the listener itself that make serving impossible; failed connections
    /// are logged and skipped.
    pub async fn serve<A: App>(self, app: A) -> std::io::Result<()> {
        let Server {
            listener,
            signal,
            shutdown_timeout,
            limits,
            #[cfg(feature = "tls")]
            tls,
        } = self;
        let app = Arc::new(app);
        let local = listener.local_addr().ok();
        let registry = Registry::new(limits.connection_cap(limits::raise_fd_limit()));
        // Shared by every connection: cloning the builders per connection would copy both
        // protocol configurations each time.
        let builders = Arc::new(limits.builders());
        let limits = Arc::new(limits);
        let shutdown = Shutdown::new();
        let mut signal = signal.unwrap_or_else(|| Box::pin(std::future::pending()));

        loop {
            let accepted = tokio::select! {
                accepted = async {
                    registry.room().await;
                    let (stream, peer) = listener.accept().await?;
                    Ok::<_, std::io::Error>((stream, peer, registry.admit().await))
                } => accepted,
                () = &mut signal => break,
            };
            let (stream, peer, ticket) = match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and similar: back off instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let connection = Connection {
                peer,
                local,
                shutdown: shutdown.clone(),
                ticket,
                limits: Arc::clone(&limits),
            };
            let builders = Arc::clone(&builders);
            let app = Arc::clone(&app);
            if let Err(error) = stream.set_nodelay(true) {
                tracing::debug!(%error, "could not set TCP_NODELAY");
            }
            // Two tasks of their own types: a task is allocated at the size of its future,
            // so a cleartext connection must not carry the room of a TLS session and its
            // handshake.
            #[cfg(feature = "tls")]
            if let Some(tls) = tls.clone() {
                tokio::spawn(async move {
                    if let Some(stream) = tls::handshake(&tls, stream, &connection).await {
                        // ALPN said which (without it, HTTP/2 over TLS is not allowed).
                        let version = match stream.get_ref().1.alpn_protocol() {
                            Some(b"h2") => Version::Http2,
                            _ => Version::Http1,
                        };
                        connection
                            .serve(&builders, stream, Vec::new(), version, true, app)
                            .await;
                    }
                });
                continue;
            }
            tokio::spawn(async move {
                let mut stream = stream;
                let told = connection
                    .before_first_request("telling the HTTP version", version::sniff(&mut stream))
                    .await;
                match told {
                    Some(Ok((version, replay))) => {
                        connection
                            .serve(&builders, stream, replay, version, false, app)
                            .await;
                    }
                    Some(Err(error)) => {
                        tracing::debug!(%error, peer = %connection.peer, "connection failed before its first request");
                    }
                    None => {}
                }
            });
        }

        drop(listener);
        shutdown.request();
        match shutdown_timeout {
            Some(timeout) => {
                if tokio::time::timeout(timeout, registry.emptied())
                    .await
                    .is_err()
                {
                    tracing::warn!(
                        ?timeout,
                        "graceful shutdown timed out; dropping open connections"
                    );
                    registry.close_all();
                }
            }
            None => registry.emptied().await,
        }
        Ok(())
    }
}

/// What one connection's requests share.
struct Connection {
    peer: SocketAddr,
    local: Option<SocketAddr>,
    shutdown: Shutdown,
    ticket: Ticket,
    limits: Arc<Limits>,
}

impl Connection {
    /// `work`, which must end before the first request can be read (the TLS handshake,
    /// telling the HTTP version), or `None` when the connection is shed, the server shuts
    /// down, or the header deadline (counted from accept) passes first.
    async fn before_first_request<F: Future>(&self, what: &str, work: F) -> Option<F::Output> {
        let peer = self.peer;
        let deadline = match self.ticket.check(&self.limits, Instant::now()) {
            Check::At(deadline) => deadline,
            Check::Expired(..) => return None,
        };
        tokio::select! {
            done = work => Some(done),
            () = self.ticket.shed() => {
                tracing::debug!(%peer, what, "connection shed at the connection cap before its first request");
                None
            }
            () = self.shutdown.requested() => {
                tracing::debug!(%peer, what, "connection closed for shutdown before its first request");
                None
            }
            () = tokio::time::sleep_until(deadline) => {
                tracing::debug!(%peer, what, "not finished before the header deadline; dropped");
                None
            }
        }
    }

    /// Serves the connection's requests in `version` on `stream`: the accepted socket, or
    /// the TLS stream over it (`secure`); `replay` is what was read of it already.
    async fn serve<A: App, S>(
        self,
        builders: &Builders,
        stream: S,
        replay: Vec<u8>,
        version: Version,
        secure: bool,
        app: Arc<A>,
    ) where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let Connection {
            peer,
            local,
            shutdown,
            ticket,
            limits,
        } = self;
        let write_timeout = WriteTimeout::default();
        let state = Arc::clone(ticket.state());
        let io = io::TimeoutIo::new(stream, write_timeout.clone(), Arc::clone(&state), replay);
        let pace = Pace::new(&limits);
        let stopping = shutdown.clone();
        let service = service_fn(move |request: http::Request<hyper::body::Incoming>| {
            let in_flight = state.begin(request.version());
            let (parts, body) = request.into_parts();
            let scope = Scope::served(
                parts,
                Served {
                    client: peer,
                    server: local,
                    https: secure,
                    shutdown: shutdown.clone(),
                    write_timeout: write_timeout.clone(),
                },
            );
            // A request without a body stays unboxed; one with a body must keep its pace.
            let body = if hyper::body::Body::is_end_stream(&body) {
                RequestBody::Incoming(body)
            } else {
                RequestBody::boxed(Paced::new(body, pace))
            };
            let response = bridge::respond(&*app, scope, body);
            async move {
                let response = response.await;
                Ok::<_, Infallible>(response.map(|body| Tracked::new(body, in_flight)))
            }
        });
        let mut connection = Hyper::new(builders, version, io, service);
        let stop = stopping.requested();
        tokio::pin!(stop);
        let timer = tokio::time::sleep(Duration::ZERO);
        tokio::pin!(timer);
        let (mut stopped, mut closing) = (false, false);
        let result = loop {
            tokio::select! {
                // In this order: the connection first (it is what wakes the task for nearly
                // every poll), and no random start to draw.
                biased;
                result = &mut connection => break result,
                () = ticket.shed() => {
                    tracing::debug!(%peer, "connection shed at the connection cap");
                    return;
                }
                () = &mut stop, if !stopped => {
                    stopped = true;
                    connection.graceful_shutdown();
                }
                () = &mut timer => {
                    let now = tokio::time::Instant::now();
                    if closing {
                        tracing::debug!(%peer, "connection did not close in time; dropped");
                        return;
                    }
                    match ticket.check(&limits, now) {
                        Check::At(next) => timer.as_mut().reset(next),
                        Check::Expired(reason, false) => {
                            tracing::debug!(%peer, reason, "dropping the connection");
                            return;
                        }
                        Check::Expired(reason, true) => {
                            tracing::debug!(%peer, reason, "closing the connection");
                            closing = true;
                            connection.graceful_shutdown();
                            timer.as_mut().reset(now + CLOSE_GRACE);
                        }
                    }
                }
            }
        };
        if let Err(error) = result {
            tracing::debug!(%error, %peer, "connection ended with an error");
        }
    }
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.listener.local_addr().ok())
            .field("graceful_shutdown", &self.signal.is_some())
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("limits", &self.limits)
            .field("tls", &self.tls_enabled())
            .finish()
    }
}

impl Server {
    fn tls_enabled(&self) -> bool {
        #[cfg(feature = "tls")]
        return self.tls.is_some();
        #[cfg(not(feature = "tls"))]
        false
    }
}
