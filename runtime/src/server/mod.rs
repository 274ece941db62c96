//! The hyper outlet: [`serve`] and [`Server`], HTTP/1.1 and HTTP/2 on one port.

mod io;

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};

use crate::protocol::{App, RequestBody, Scope, Shutdown, WriteTimeout, bridge};

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

/// A server with its options: the listener, graceful shutdown and its time limit.
///
/// Every accepted socket gets `TCP_NODELAY` (small streamed responses would otherwise wait
/// on delayed ACKs). An HTTP/1.1 request head (request line and headers) may take up to
/// 64 KiB; a larger one is answered `431 Request Header Fields Too Large`. Each connection runs on its own task; a failing or panicking app
/// costs its own request and nothing else.
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
        } = self;
        let app = Arc::new(app);
        let local = listener.local_addr().ok();
        let mut builder = auto::Builder::new(TokioExecutor::new());
        // hyper keeps polling a body while its write queue holds less than `max_buf_size`
        // (400 KiB by default): with 64 KiB file chunks that is seven chunks per slow client.
        // 64 KiB keeps one queued chunk and a part of another per connection, and admits
        // request heads of 64 KiB (a larger head gets a 431). Slow clients get smaller
        // chunks (see `file::read`), so their queues stay smaller still.
        builder
            .http1()
            .timer(TokioTimer::new())
            .max_buf_size(64 * 1024);
        builder.http2().timer(TokioTimer::new());
        // Shared by every connection: cloning the builder per connection would copy both
        // protocol configurations each time.
        let builder = Arc::new(builder);
        let graceful = GracefulShutdown::new();
        let shutdown = Shutdown::new();
        let mut signal = signal.unwrap_or_else(|| Box::pin(std::future::pending()));

        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                () = &mut signal => break,
            };
            let (stream, peer) = match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and similar: back off instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let watcher = graceful.watcher();
            let builder = Arc::clone(&builder);
            let app = Arc::clone(&app);
            let shutdown = shutdown.clone();
            tokio::spawn(async move {
                let connection = Connection {
                    peer,
                    local,
                    shutdown,
                };
                connection.serve(&builder, watcher, stream, app).await;
            });
        }

        drop(listener);
        shutdown.request();
        match shutdown_timeout {
            Some(timeout) => {
                if tokio::time::timeout(timeout, graceful.shutdown())
                    .await
                    .is_err()
                {
                    tracing::warn!(
                        ?timeout,
                        "graceful shutdown timed out; dropping open connections"
                    );
                }
            }
            None => graceful.shutdown().await,
        }
        Ok(())
    }
}

/// What one connection's requests share.
struct Connection {
    peer: SocketAddr,
    local: Option<SocketAddr>,
    shutdown: Shutdown,
}

impl Connection {
    async fn serve<A: App>(
        self,
        builder: &auto::Builder<TokioExecutor>,
        watcher: hyper_util::server::graceful::Watcher,
        stream: TcpStream,
        app: Arc<A>,
    ) {
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "could not set TCP_NODELAY");
        }
        let Connection {
            peer,
            local,
            shutdown,
        } = self;
        let write_timeout = WriteTimeout::default();
        let io = TokioIo::new(io::TimeoutIo::new(stream, write_timeout.clone()));
        let service = service_fn(move |request: http::Request<hyper::body::Incoming>| {
            let app = Arc::clone(&app);
            let (parts, body) = request.into_parts();
            let mut scope = Scope::from_parts(parts).with_client(peer);
            if let Some(local) = local {
                scope = scope.with_server(local);
            }
            scope = scope
                .with_shutdown(shutdown.clone())
                .with_write_timeout(write_timeout.clone());
            async move {
                Ok::<_, Infallible>(
                    bridge::respond(&*app, scope, RequestBody::Incoming(body)).await,
                )
            }
        });
        let connection = builder.serve_connection(io, service);
        if let Err(error) = watcher.watch(connection).await {
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
            .finish()
    }
}
