//! [`AppService`]: an app as a function from `http::Request` to `http::Response`, for hyper,
//! tower and axum.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::body::Body;
use crate::error::BoxError;
use crate::protocol::{App, RequestBody, Scope, Shutdown, bridge};

/// An [`App`] as a service of `http::Request<B>` to `http::Response<`[`Body`]`>`, for any
/// request body `B`.
///
/// It is what mounts respond under another server or framework:
/// - hyper: it implements hyper's own `Service` trait, so it goes straight to
///   `serve_connection`;
/// - tower (feature `tower`): it implements `tower::Service`, so any tower middleware
///   (compression, tracing, timeouts, limits) can wrap it;
/// - axum (feature `axum`): `Router::route_service(path, AppService::new(app))`; see
///   the `respond::axum` module.
///
/// Each request runs the app exactly as [`Server`](crate::Server) does: the [`Scope`] is built
/// from the request's parts (method, target, version, headers, extensions), the request body
/// is read through the app's [`Receiver`](crate::Receiver), a response handed over whole goes
/// out as it is, and messages sent one by one are streamed. An error or a panic before the
/// response head becomes a logged `500`; after the head, the body ends with an error so the
/// connection is aborted and the client never takes a broken body for a complete one.
///
/// What only respond's own server knows is absent: the client and server addresses, and
/// the per-connection write timeout behind
/// [`EventSourceResponse::with_send_timeout`](crate::EventSourceResponse::with_send_timeout)
/// (set a timeout in your own stack instead). Give the service a [`Shutdown`] with
/// [`with_shutdown`](Self::with_shutdown) so event streams end when your server stops.
///
/// ```
/// use respond::{AppService, Receiver, Response, Scope, Sender};
///
/// async fn app(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
///     let name = String::from_utf8_lossy(&receive.body().await.unwrap_or_default()).into_owned();
///     Response::new(format!("Hello, {name}!"))
///         .with_media_type("text/plain")
///         .send(&scope, &mut receive, &mut send)
///         .await
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let service = AppService::new(app);
/// let request = http::Request::post("/greet").body(String::from("Ferris")).unwrap();
/// let response = service.handle(request).await;
/// assert_eq!(response.status(), 200);
/// assert_eq!(response.headers()["content-type"], "text/plain; charset=utf-8");
/// let body = http_body_util::BodyExt::collect(response.into_body()).await.unwrap();
/// assert_eq!(body.to_bytes(), "Hello, Ferris!");
/// # }
/// ```
pub struct AppService<A> {
    app: Arc<A>,
    shutdown: Option<Shutdown>,
}

impl<A: App> AppService<A> {
    /// Wraps `app`; cloning the service shares it.
    pub fn new(app: A) -> Self {
        AppService {
            app: Arc::new(app),
            shutdown: None,
        }
    }

    /// Puts `shutdown` in every request's [`Scope`]: raise it (with
    /// [`Shutdown::request`]) when your server begins a graceful shutdown, and event streams
    /// end after their grace period instead of holding the shutdown up.
    ///
    /// ```
    /// let shutdown = respond::Shutdown::new();
    /// let service = respond::AppService::new(|scope, mut receive, mut send| async move {
    ///     respond::PlainTextResponse::new("hi").send(&scope, &mut receive, &mut send).await
    /// })
    /// .with_shutdown(shutdown.clone());
    /// // ... on the server's shutdown signal:
    /// shutdown.request();
    /// # let _ = service;
    /// ```
    #[must_use]
    pub fn with_shutdown(mut self, shutdown: Shutdown) -> Self {
        self.shutdown = Some(shutdown);
        self
    }

    /// Runs the app for one request and gives its response.
    ///
    /// Never fails: app errors become a `500` (before the head) or an aborted body (after).
    /// The future is not boxed (the `Service` impls box it once, to name its type).
    pub fn handle<B>(
        &self,
        request: http::Request<B>,
    ) -> impl Future<Output = http::Response<Body>> + Send + 'static
    where
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let (parts, body) = request.into_parts();
        let mut scope = Scope::from_parts(parts);
        if let (Some(shutdown), None) = (&self.shutdown, scope.shutdown()) {
            scope = scope.with_shutdown(shutdown.clone());
        }
        let body = RequestBody::boxed(body);
        bridge::respond(&*self.app, scope, body)
    }

    fn boxed<B>(&self, request: http::Request<B>) -> ResponseFuture
    where
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let response = self.handle(request);
        ResponseFuture(Box::pin(async move { Ok(response.await) }))
    }
}

impl<A> Clone for AppService<A> {
    fn clone(&self) -> Self {
        AppService {
            app: Arc::clone(&self.app),
            shutdown: self.shutdown.clone(),
        }
    }
}

impl<A> fmt::Debug for AppService<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppService")
            .field("app", &std::any::type_name::<A>())
            .field("shutdown", &self.shutdown)
            .finish()
    }
}

impl<A, B> hyper::service::Service<http::Request<B>> for AppService<A>
where
    A: App,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn call(&self, request: http::Request<B>) -> ResponseFuture {
        self.boxed(request)
    }
}

#[cfg(feature = "tower")]
impl<A, B> tower_service::Service<http::Request<B>> for AppService<A>
where
    A: App,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = ResponseFuture;

    /// Always ready: each request runs on its own future, nothing is shared to wait for.
    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> ResponseFuture {
        self.boxed(request)
    }
}

/// The response of an [`AppService`] to one request (it never fails).
pub struct ResponseFuture(
    Pin<Box<dyn Future<Output = Result<http::Response<Body>, Infallible>> + Send + 'static>>,
);

impl Future for ResponseFuture {
    type Output = Result<http::Response<Body>, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.0.as_mut().poll(cx)
    }
}

impl fmt::Debug for ResponseFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResponseFuture")
    }
}
