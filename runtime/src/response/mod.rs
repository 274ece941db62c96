//! [`Response`]: the one response logic every kind shares, and the [`IntoResponse`] trait.

mod headers;
mod into_response;
mod kind;
mod source;
mod start;
mod typed;

use std::fmt;
use std::future::Future;

use bytes::Bytes;
use futures_util::future::Either;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, SET_COOKIE};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

use crate::body::Background;
use crate::cookie::Cookie;
use crate::error::{Error, Result};
use crate::protocol::{Delivery, Prepared, Receiver, Scope, Sender};

pub(crate) use headers::{allows_body, ascii_only, content_type, header_pair};
pub use into_response::IntoResponse;
pub(crate) use kind::response_kind;
#[cfg(feature = "axum")]
pub(crate) use source::Resolved;
pub(crate) use source::{Head, Prepare, Source};
use start::Start;
pub use typed::TypedResponse;

/// A response: a status, headers and a body, sent with [`send`](Self::send) as protocol
/// messages or served by hyper.
///
/// Every response kind ([`HtmlResponse`](crate::HtmlResponse),
/// [`JsonResponse`](crate::JsonResponse), ...) wraps one of these, and the rules are the
/// same for all:
///
/// - `Content-Length` is set from a body known up front, unless you set one or the status is
///   1xx, 204 or 304 (those also send no body);
/// - `Content-Type` comes from the media type, with `; charset=utf-8` appended to `text/*`
///   types that name no charset; a Content-Type you set yourself wins;
/// - header names are lower case (HTTP/2 requires it); your headers are kept as given;
/// - a `HEAD` request gets the same headers and no body;
/// - background work runs after the body is sent.
///
/// Builder methods never panic: a bad header, status or cookie is remembered and reported by
/// [`send`](Self::send) (the server answers 500 and logs it), or earlier by
/// [`error`](Self::error).
///
/// ```
/// use respond::{Receiver, Response, Scope, Sender};
///
/// async fn app(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
///     let response = Response::new("Hello, world!").with_media_type("text/plain");
///     response.send(&scope, &mut receive, &mut send).await
/// }
///
/// let response = Response::new("Hello, world!").with_media_type("text/plain");
/// assert_eq!(response.headers()["content-length"], "13");
/// assert_eq!(response.headers()["content-type"], "text/plain; charset=utf-8");
/// ```
pub struct Response {
    status: StatusCode,
    headers: HeaderMap,
    content: Content,
    /// The Content-Length value this response computed itself (not one the user set).
    auto_length: Option<u64>,
    /// Whether the Content-Type header came from a media type (and may be replaced).
    auto_type: bool,
    background: Option<Background>,
    error: Option<Box<Error>>,
    /// How long a client may stall before the response is dropped (event streams).
    send_timeout: Option<std::time::Duration>,
}

/// A response taken apart for sending.
struct Parts {
    head: Head,
    content: Content,
    background: Option<Background>,
    send_timeout: Option<std::time::Duration>,
}

/// What the body will be made of, before the request is known.
enum Content {
    /// Bytes known up front: the response computes their `Content-Length`.
    Full(Bytes),
    /// A kind's own source, resolved against the request when sent (see [`Source`]).
    Source(Box<dyn Source>),
}

impl Response {
    /// A `200 OK` response with this body and no media type.
    ///
    /// The body is any of `&'static str`, `String`, `Vec<u8>`, `&'static [u8]` or
    /// [`Bytes`]: none is copied.
    #[inline]
    pub fn new(content: impl Into<Bytes>) -> Self {
        Response::from_content(Content::Full(content.into()), StatusCode::OK)
    }

    /// A `200 OK` response with an empty body (`Content-Length: 0`).
    ///
    /// ```
    /// let response = respond::Response::empty().with_status(204);
    /// assert!(response.headers().get("content-length").is_none());
    /// ```
    pub fn empty() -> Self {
        Response::new(Bytes::new())
    }

    /// A response of bytes known up front with its status and computed Content-Type, as the
    /// kinds and the DSL build them: set straight into the fresh header map, where
    /// `new(..).with_status(..)` and `set_content_type` would look each header up again.
    #[inline]
    pub(crate) fn typed(
        content: Bytes,
        content_type: Option<HeaderValue>,
        status: StatusCode,
    ) -> Self {
        let mut response = Response::from_content(Content::Full(content), status);
        if let Some(value) = content_type {
            response.headers.insert(CONTENT_TYPE, value);
            response.auto_type = true;
        }
        response
    }

    /// A `200 OK` response whose body comes from a kind's [`Source`]: no `Content-Length`
    /// is computed (the source sets what it knows when the request is known).
    pub(crate) fn from_source(source: impl Source) -> Self {
        Response::from_content(Content::Source(Box::new(source)), StatusCode::OK)
    }

    #[inline]
    fn from_content(content: Content, status: StatusCode) -> Self {
        let mut response = Response {
            status,
            headers: HeaderMap::new(),
            content,
            auto_length: None,
            auto_type: false,
            background: None,
            error: None,
            send_timeout: None,
        };
        // A new response has no headers yet: set the computed length without the checks of
        // `refresh_length`.
        if let (Content::Full(bytes), true) = (&response.content, allows_body(status)) {
            let length = bytes.len() as u64;
            response
                .headers
                .insert(CONTENT_LENGTH, headers::length_value(length));
            response.auto_length = Some(length);
        }
        response
    }

    /// Sets the status, from a `u16` or a [`StatusCode`]. Codes outside 100..=599 are an error.
    ///
    /// ```
    /// let response = respond::Response::new("made").with_status(201);
    /// assert_eq!(response.status(), 201);
    /// assert!(respond::Response::empty().with_status(999).error().is_some());
    /// ```
    #[must_use]
    pub fn with_status<S>(mut self, status: S) -> Self
    where
        StatusCode: TryFrom<S>,
        <StatusCode as TryFrom<S>>::Error: fmt::Display,
    {
        match StatusCode::try_from(status) {
            Ok(status) if (100..=599).contains(&status.as_u16()) => self.set_status(status),
            Ok(status) => self.fail(Error::InvalidStatus(format!(
                "{} is outside 100..=599",
                status.as_u16()
            ))),
            Err(error) => self.fail(Error::InvalidStatus(error.to_string())),
        }
        self
    }

    /// Sets the status in place.
    pub fn set_status(&mut self, status: StatusCode) {
        // Only a move into or out of the statuses without a body (1xx, 204, 304) changes
        // what the length should be.
        let body_rule_changes = allows_body(self.status) != allows_body(status);
        self.status = status;
        if body_rule_changes {
            self.refresh_length();
        }
    }

    /// Sets a header, replacing any earlier value of that name. Names are lower-cased;
    /// a value with CR, LF, NUL or another control character is refused (see
    /// [`Error::InvalidHeader`]). A `Content-Length` or `Content-Type` set here wins over the
    /// computed one.
    ///
    /// ```
    /// let response = respond::Response::new("x").with_header("X-Trace", "abc");
    /// assert_eq!(response.headers()["x-trace"], "abc");
    /// ```
    #[must_use]
    pub fn with_header<K, V>(mut self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        K::Error: fmt::Display,
        V: TryInto<HeaderValue>,
        V::Error: fmt::Display,
    {
        match header_pair(name, value) {
            Ok((name, value)) => self.insert_header(name, value),
            Err(error) => self.fail(error),
        }
        self
    }

    pub(crate) fn insert_header(&mut self, name: HeaderName, value: HeaderValue) {
        if name == CONTENT_LENGTH {
            self.auto_length = None;
        } else if name == CONTENT_TYPE {
            self.auto_type = false;
        }
        self.headers.insert(name, value);
    }

    /// Sets the media type: the `Content-Type` unless one was set as a header. `text/*` types
    /// get `; charset=utf-8` unless they name a charset.
    ///
    /// ```
    /// let response = respond::Response::new("a,b").with_media_type("text/csv");
    /// assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    /// ```
    #[must_use]
    pub fn with_media_type(mut self, media_type: &str) -> Self {
        match content_type(media_type) {
            Ok(value) => self.set_content_type(value),
            Err(error) => self.fail(error),
        }
        self
    }

    /// Sets a computed Content-Type, unless the user set one.
    #[inline]
    pub(crate) fn set_content_type(&mut self, value: HeaderValue) {
        // One lookup: the header is hashed once whether it is there or not.
        match self.headers.entry(CONTENT_TYPE) {
            http::header::Entry::Occupied(mut set) => {
                if self.auto_type {
                    set.insert(value);
                }
            }
            http::header::Entry::Vacant(unset) => {
                unset.insert(value);
                self.auto_type = true;
            }
        }
    }

    /// Adds a `Set-Cookie` header (builder style). See [`set_cookie`](Self::set_cookie).
    #[must_use]
    pub fn with_cookie(mut self, cookie: Cookie) -> Self {
        self.set_cookie(cookie);
        self
    }

    /// Runs `task` after the body has been sent (or the client has left). Several tasks run
    /// one after the other, in the order they were added.
    ///
    /// ```
    /// let response = respond::Response::new("queued")
    ///     .with_background(async { /* send the e-mail */ });
    /// ```
    #[must_use]
    pub fn with_background(mut self, task: impl Future<Output = ()> + Send + 'static) -> Self {
        let task = Background::new(task);
        self.background = Some(match self.background.take() {
            Some(earlier) => earlier.then(task),
            None => task,
        });
        self
    }

    /// Adds a `Set-Cookie` header for `cookie`, rendered now (a relative `expires` counts
    /// from this moment). A cookie that breaks the rules is an error reported when sending.
    ///
    /// ```
    /// use respond::{Cookie, Response};
    ///
    /// let mut response = Response::new("hi");
    /// response.set_cookie(Cookie::new("theme", "dark"));
    /// assert_eq!(response.headers()["set-cookie"], "theme=dark; Path=/; SameSite=lax");
    /// ```
    pub fn set_cookie(&mut self, cookie: Cookie) {
        match cookie.header_value() {
            Ok(value) => {
                self.headers.append(SET_COOKIE, value);
            }
            Err(error) => self.fail(error.into()),
        }
    }

    /// Adds a `Set-Cookie` header that removes a cookie: by name (path `/`), or from a
    /// [`Cookie`] whose path, domain and flags match the one to remove.
    ///
    /// ```
    /// use respond::{Cookie, Response};
    ///
    /// let mut response = Response::empty();
    /// response.delete_cookie("session");
    /// response.delete_cookie(Cookie::new("prefs", "").with_path("/app").with_domain("example.com"));
    /// let values: Vec<_> = response.headers().get_all("set-cookie").iter().collect();
    /// assert!(values[0].to_str().unwrap().starts_with("session=\"\"; expires="));
    /// assert!(values[1].to_str().unwrap().contains("Max-Age=0; Path=/app"));
    /// ```
    pub fn delete_cookie(&mut self, cookie: impl Into<Cookie>) {
        self.set_cookie(cookie.into().into_removal());
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers as they will be sent (range and conditional requests may still change
    /// them for files).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The headers, to change in place.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }

    /// The first error a builder method met, if any; [`send`](Self::send) reports it.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_deref()
    }

    /// This response itself: every kind has `into_response`, so code can treat them alike.
    pub fn into_response(self) -> Response {
        self
    }

    /// Sends the response for `scope`: through `send` as messages, or, on the server, handed
    /// to hyper whole. Background work runs once the body is out.
    ///
    /// # Errors
    /// A builder error, [`Error::ClientDisconnected`] when the client left, or an error of
    /// the body.
    pub fn send<'a>(
        self,
        scope: &'a Scope,
        receive: &'a mut Receiver,
        send: &'a mut Sender,
    ) -> impl Future<Output = Result<()>> + Send + 'a {
        match self.start(scope) {
            Either::Left(prepared) => Delivery::prepared(prepared, receive, send),
            Either::Right(start) => Delivery::waiting(async move {
                Delivery::prepared(start.finish().await, receive, send).await
            }),
        }
    }

    /// Resolves the response for `scope` into an `http::Response` for hyper or any
    /// `http`-based stack. A 1xx status, which HTTP sends only before a final response,
    /// gives the logged `500 Internal Server Error` the server answers with too.
    ///
    /// ```
    /// use respond::{Method, Response, Scope};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> respond::Result<()> {
    /// let scope = Scope::new(Method::HEAD, "/");
    /// let http = Response::new("hello").into_http(&scope).await?;
    /// assert_eq!(http.headers()["content-length"], "5");
    /// assert!(http_body::Body::is_end_stream(http.body())); // HEAD: no body
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// The first builder error, if any.
    pub fn into_http<'a>(
        self,
        scope: &'a Scope,
    ) -> impl Future<Output = Result<http::Response<crate::Body>>> + Send + 'a {
        match self.start(scope) {
            // Nothing to wait for (every body but a cold file's): the answer is made here,
            // and the future only hands it over.
            Either::Left(prepared) => {
                Either::Left(std::future::ready(prepared.map(Prepared::into_http)))
            }
            // A source that waits (a file's open and stat) is boxed: the future of the common
            // case stays the size of its answer.
            Either::Right(start) => {
                Either::Right(Box::pin(
                    async move { Ok(start.finish().await?.into_http()) },
                ))
            }
        }
    }

    /// [`into_http`](Self::into_http) without awaiting: a file is opened and checked on the
    /// calling thread. For axum's `IntoResponse`, which cannot await.
    #[cfg(feature = "axum")]
    pub(crate) fn into_http_blocking(self, scope: &Scope) -> Result<http::Response<crate::Body>> {
        let parts = self.into_parts(scope)?;
        let (head, body) = match parts.content {
            Content::Full(bytes) => full_body(parts.head, bytes, scope),
            Content::Source(source) => source.prepare_blocking(parts.head, scope)?,
        };
        Ok(start::answer(head, body, parts.background, parts.send_timeout).into_http())
    }

    /// Does at once all the preparing that needs no waiting: everything but what a source
    /// waits for (a file, on the filesystem). Sending a plain response therefore awaits
    /// nothing, and its answer is made here in one step (no intermediate state to move).
    #[inline]
    fn start(self, scope: &Scope) -> Either<Result<Prepared>, Start> {
        let Parts {
            head,
            content,
            background,
            send_timeout,
        } = match self.into_parts(scope) {
            Ok(parts) => parts,
            Err(error) => return Either::Left(Err(error)),
        };
        match content {
            Content::Full(bytes) => {
                let (head, body) = full_body(head, bytes, scope);
                Either::Left(Ok(start::answer(head, body, background, send_timeout)))
            }
            Content::Source(source) => Start {
                prepare: source.prepare(head, scope),
                background,
                send_timeout,
            }
            .into_ready(),
        }
    }

    /// Takes the response apart for sending: the first builder error, if any, stops it here;
    /// a send timeout is handed to the connection.
    #[inline]
    fn into_parts(self, scope: &Scope) -> Result<Parts> {
        let Response {
            status,
            headers,
            content,
            background,
            error,
            send_timeout,
            ..
        } = self;
        if let Some(error) = error {
            return Err(*error);
        }
        if let Some(timeout) = send_timeout {
            if let Some(connection) = scope.write_timeout() {
                connection.set(timeout);
            }
        }
        Ok(Parts {
            head: Head { status, headers },
            content,
            background,
            send_timeout,
        })
    }

    /// The source of a kind, when this response was made from one of type `T`.
    pub(crate) fn source<T: Source>(&self) -> Option<&T> {
        match &self.content {
            Content::Source(source) => (**source).as_any().downcast_ref(),
            Content::Full(_) => None,
        }
    }

    /// The source of a kind, to change in place (a file's name, an event stream's ping).
    pub(crate) fn source_mut<T: Source>(&mut self) -> Option<&mut T> {
        match &mut self.content {
            Content::Source(source) => (**source).as_any_mut().downcast_mut(),
            Content::Full(_) => None,
        }
    }

    /// Drops a client that takes none of the body's bytes for `timeout`.
    pub(crate) fn set_send_timeout(&mut self, timeout: std::time::Duration) {
        self.send_timeout = Some(timeout);
    }

    /// Keeps the first error only: it is the one the user should fix first.
    pub(crate) fn fail(&mut self, error: Error) {
        if self.error.is_none() {
            self.error = Some(Box::new(error));
        }
    }

    /// Sets or removes the computed Content-Length to match the status and the content;
    /// a Content-Length the user set is left alone.
    fn refresh_length(&mut self) {
        let user_set = match (self.headers.get(CONTENT_LENGTH), self.auto_length) {
            (Some(current), Some(auto)) => current != headers::length_value(auto),
            (Some(_), None) => true,
            (None, _) => false,
        };
        if user_set {
            return;
        }
        let known_length = match &self.content {
            Content::Full(bytes) => Some(bytes.len() as u64),
            // A source's length depends on the request (a file's ranges) or is unknown.
            Content::Source(_) => None,
        };
        match known_length {
            Some(length) if allows_body(self.status) => {
                self.headers
                    .insert(CONTENT_LENGTH, headers::length_value(length));
                self.auto_length = Some(length);
            }
            _ => {
                self.headers.remove(CONTENT_LENGTH);
                self.auto_length = None;
            }
        }
    }
}

/// The body of bytes known up front, unless no body goes out for `scope`.
#[inline]
fn full_body(head: Head, bytes: Bytes, scope: &Scope) -> (Head, crate::Body) {
    let body = if head.sends_body(scope) {
        crate::Body::from(bytes)
    } else {
        crate::Body::empty()
    };
    (head, body)
}

impl Default for Response {
    fn default() -> Self {
        Response::empty()
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("background", &self.background.is_some())
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}
