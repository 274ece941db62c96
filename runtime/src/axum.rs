//! respond inside axum (feature `axum`).
//!
//! - Every response kind, [`Body`], [`Error`] and every `#[response]` type implements axum's
//!   `IntoResponse`: return them from axum handlers as they are.
//! - [`Scope`] is an axum extractor. A [`FileResponse`] needs the request to answer `Range`,
//!   `If-Range`, `HEAD` and the conditional headers (`304`, `412`); take the `Scope` and
//!   resolve the file against it with [`FileResponse::into_http`]:
//!
//! ```
//! use axum::{Router, routing::get};
//! use respond::{FileResponse, JsonResponse, Scope};
//!
//! async fn video(scope: Scope) -> impl axum::response::IntoResponse {
//!     // Ranges, 206, 304 and HEAD all work: the file is resolved against the request.
//!     FileResponse::new("static/clip.mp4").into_http(&scope).await
//! }
//!
//! async fn status() -> JsonResponse {
//!     JsonResponse::new(&serde_json::json!({"ok": true}))
//! }
//!
//! let app: Router = Router::new()
//!     .route("/video", get(video))
//!     .route("/status", get(status));
//! # let _ = app;
//! ```
//!
//! A `FileResponse` returned directly (without the `Scope`) is sent whole with a `200`,
//! without `Accept-Ranges`: it cannot see `Range` or the conditional headers. A file not in
//! the page cache is then opened on the calling thread, because `IntoResponse` cannot await.
//! Prefer the extractor for files.
//!
//! Two things only respond's own [`Server`](crate::Server) provides are absent under axum:
//! [`EventSourceResponse::with_send_timeout`](crate::EventSourceResponse::with_send_timeout)
//! (set a timeout in your stack, e.g. tower-http's), and the shutdown signal, unless you
//! hand one in as shown below.
//!
//! - A respond [`App`](crate::App) (a Starlette-style app that sends messages, or a
//!   `#[response] async fn` handler) mounts with `Router::route_service` through
//!   [`AppService`](crate::AppService):
//!
//! ```
//! use axum::Router;
//! use respond::{AppService, PlainTextResponse};
//!
//! #[respond::response]
//! async fn hello() -> PlainTextResponse {
//!     PlainTextResponse::new("Hello from a respond handler")
//! }
//!
//! let app: Router = Router::new().route_service("/hello", AppService::new(hello));
//! # let _ = app;
//! ```
//!
//! - A [`Cookie`] is a response part: `(cookie, "body")` adds its `Set-Cookie` header.
//!
//! respond's kinds have an inherent `into_response` that gives a respond
//! [`Response`], and it wins over axum's trait method of the same name:
//! return the values as they are, or call `axum::response::IntoResponse::into_response(value)`
//! when an axum `Response` is needed by name.
//!
//! `IntoResponse` has no request to look at, so it resolves a response as for a `GET`
//! (axum removes the body of a response to `HEAD`) and without a shutdown signal.
//!
//! ## Graceful shutdown and event streams
//!
//! axum's graceful shutdown waits for every open response, and an event stream never ends
//! on its own. Put a [`Shutdown`](crate::Shutdown) in every request with axum's `Extension`
//! layer, resolve the stream against the `Scope` (which picks it up), and raise it when the
//! server stops: the streams end after their grace period.
//!
//! ```
//! use axum::{Extension, Router, routing::get};
//! use respond::{EventSourceResponse, Scope, ServerSentEvent, Shutdown};
//!
//! async fn events(scope: Scope) -> impl axum::response::IntoResponse {
//!     let ticks = futures_util::stream::repeat_with(|| ServerSentEvent::new("tick"));
//!     EventSourceResponse::new(ticks).into_http(&scope).await
//! }
//!
//! # async fn run() -> std::io::Result<()> {
//! let shutdown = Shutdown::new();
//! let app = Router::new()
//!     .route("/events", get(events))
//!     .layer(Extension(shutdown.clone()));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! axum::serve(listener, app)
//!     .with_graceful_shutdown(async move {
//!         tokio::signal::ctrl_c().await.ok();
//!         shutdown.request();
//!     })
//!     .await
//! # }
//! ```

use std::convert::Infallible;

use axum_core::extract::FromRequestParts;
use axum_core::response::{IntoResponse, IntoResponseParts, ResponseParts};
use http::Method;
use http::request::Parts;

use crate::body::Body;
use crate::cookie::Cookie;
use crate::error::Error;
use crate::protocol::Scope;
use crate::protocol::bridge::internal_error;
use crate::response::Response;
use crate::{
    EventSourceResponse, FileResponse, HtmlResponse, JsonResponse, PlainTextResponse,
    RedirectResponse, StreamingResponse,
};

/// The request as respond sees it: method, target, version, headers and extensions (the
/// request body stays with axum).
impl<S: Send + Sync> FromRequestParts<S> for Scope {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        let mut request = http::Request::new(());
        *request.method_mut() = parts.method.clone();
        *request.uri_mut() = parts.uri.clone();
        *request.version_mut() = parts.version;
        *request.headers_mut() = parts.headers.clone();
        *request.extensions_mut() = parts.extensions.clone();
        let (parts, ()) = request.into_parts();
        Ok(Scope::from_parts(parts))
    }
}

/// A response resolved as for a `GET` request, with no request headers. A file sent this
/// way cannot honour a later `Range`, so it does not advertise `Accept-Ranges`.
pub(crate) fn into_axum(response: Response) -> axum_core::response::Response {
    let scope = Scope::new(Method::GET, "/");
    match response.into_http_blocking(&scope) {
        Ok(mut response) => {
            response.headers_mut().remove(http::header::ACCEPT_RANGES);
            response.map(axum_core::body::Body::new)
        }
        Err(error) => error.into_response(),
    }
}

impl IntoResponse for Response {
    fn into_response(self) -> axum_core::response::Response {
        into_axum(self)
    }
}

macro_rules! into_axum_response {
    ($($kind:ty),* $(,)?) => {$(
        impl IntoResponse for $kind {
            fn into_response(self) -> axum_core::response::Response {
                into_axum(Response::from(self))
            }
        }
    )*};
}

into_axum_response!(
    HtmlResponse,
    PlainTextResponse,
    JsonResponse,
    RedirectResponse,
    StreamingResponse,
    EventSourceResponse,
    FileResponse,
);

/// A `200 OK` with this body and no headers.
impl IntoResponse for Body {
    fn into_response(self) -> axum_core::response::Response {
        http::Response::new(axum_core::body::Body::new(self))
    }
}

/// A logged `500 Internal Server Error`; the error's text stays in the log, never in the
/// response.
impl IntoResponse for Error {
    fn into_response(self) -> axum_core::response::Response {
        tracing::error!(error = %self, "response failed");
        internal_error().map(axum_core::body::Body::new)
    }
}

/// Adds the cookie's `Set-Cookie` header, keeping any others.
impl IntoResponseParts for Cookie {
    type Error = Error;

    fn into_response_parts(self, mut parts: ResponseParts) -> Result<ResponseParts, Error> {
        let value = self.header_value().map_err(Error::from)?;
        parts.headers_mut().append(http::header::SET_COOKIE, value);
        Ok(parts)
    }
}
