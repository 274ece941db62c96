//! [`TypedResponse`]: the builder and sending methods of the types `#[response]` declares,
//! written once here as provided methods instead of once per declared type.

use std::fmt;
use std::future::Future;

use http::{HeaderName, HeaderValue, StatusCode};

use super::{IntoResponse, Response};
use crate::cookie::Cookie;
use crate::error::Result;
use crate::protocol::{Receiver, Scope, Sender};

/// The methods of a type declared with `#[response]`: `with_header`, `with_status`,
/// `with_cookie`, `send` and `into_http`, which behave as on [`Response`].
///
/// `#[response]` implements this trait for the type and brings it into scope in the module
/// that declares the type, so the methods work there without an import (and in a child
/// module that glob-imports it, such as `mod tests { use super::*; }`). Elsewhere, import
/// the trait (`use respond::TypedResponse;`), as with any extension trait. The builder
/// methods return a plain [`Response`]: the typed value has no room for an extra header.
///
/// The methods are provided once here rather than generated for each declared type, so a
/// crate of many typed responses compiles about as fast as the same `IntoResponse` impls
/// written by hand. A method the type defines itself, of the same name, takes precedence.
///
/// ```
/// use respond::{Receiver, Scope, Sender, StatusCode};
///
/// mod pages {
///     #[respond::response(media_type = "text/html")]
///     pub struct Page(pub String);
/// }
///
/// // Another module: the trait is imported to call the methods.
/// use respond::TypedResponse;
///
/// let response = pages::Page("<h1>Moved</h1>".into())
///     .with_status(StatusCode::GONE)
///     .with_header("x-trace", "7");
/// assert_eq!(response.status(), 410);
/// assert_eq!(response.headers()["x-trace"], "7");
///
/// async fn app(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
///     pages::Page("<p>hi</p>".into()).send(&scope, &mut receive, &mut send).await
/// }
/// # let _ = app;
/// ```
pub trait TypedResponse: IntoResponse + Sized {
    /// The response with a header set, as [`Response::with_header`] does.
    #[inline]
    #[must_use]
    fn with_header<K, V>(self, name: K, value: V) -> Response
    where
        K: TryInto<HeaderName>,
        K::Error: fmt::Display,
        V: TryInto<HeaderValue>,
        V::Error: fmt::Display,
    {
        self.into_response().with_header(name, value)
    }

    /// The response with another status (a `u16` or a [`StatusCode`]), as
    /// [`Response::with_status`] does.
    #[inline]
    #[must_use]
    fn with_status<S>(self, status: S) -> Response
    where
        StatusCode: TryFrom<S>,
        <StatusCode as TryFrom<S>>::Error: fmt::Display,
    {
        self.into_response().with_status(status)
    }

    /// The response with a `Set-Cookie` header added, as [`Response::with_cookie`] does.
    #[inline]
    #[must_use]
    fn with_cookie(self, cookie: Cookie) -> Response {
        self.into_response().with_cookie(cookie)
    }

    /// Sends the response for `scope`, as [`Response::send`] does.
    ///
    /// # Errors
    /// A refused header, status or cookie, a JSON body that cannot be rendered, or a
    /// disconnected client.
    #[inline]
    fn send<'a>(
        self,
        scope: &'a Scope,
        receive: &'a mut Receiver,
        send: &'a mut Sender,
    ) -> impl Future<Output = Result<()>> + Send + 'a {
        self.into_response().send(scope, receive, send)
    }

    /// Resolves the response for `scope` into an `http::Response`, as
    /// [`Response::into_http`] does.
    ///
    /// # Errors
    /// A refused header, status or cookie, or a JSON body that cannot be rendered.
    #[inline]
    fn into_http(
        self,
        scope: &Scope,
    ) -> impl Future<Output = Result<http::Response<crate::Body>>> + Send + '_ {
        self.into_response().into_http(scope)
    }
}
