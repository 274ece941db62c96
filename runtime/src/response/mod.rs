//! [`Response`]: the one response logic every kind shares, and the [`IntoResponse`] trait.

mod headers;
mod kind;
mod prepared;

use std::fmt;
use std::future::Future;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, SET_COOKIE};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

use crate::body::Background;
use crate::cookie::Cookie;
use crate::error::{Error, Result};
use crate::protocol::{Receiver, Scope, Sender};

pub(crate) use headers::{allows_body, ascii_only, content_type, header_pair};
pub(crate) use kind::response_kind;
pub(crate) use prepared::Prepared;

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

/// A response half prepared: ready, or a file still to open and check.
enum Start {
    Ready(Result<Prepared>),
    File {
        file: Box<crate::file::FileSource>,
        status: StatusCode,
        headers: HeaderMap,
        background: Option<Background>,
        send_timeout: Option<std::time::Duration>,
    },
}

impl Start {
    async fn finish(self, scope: &Scope) -> Result<Prepared> {
        match self {
            Start::Ready(prepared) => prepared,
            Start::File {
                file,
                status,
                headers,
                background,
                send_timeout,
            } => {
                let (status, headers, body) = file.prepare(status, headers, scope).await?;
                Ok(Prepared::new(
                    status,
                    headers,
                    body,
                    background,
                    send_timeout,
                ))
            }
        }
    }
}

/// What the body will be made of, before the request is known.
pub(crate) enum Content {
    Full(Bytes),
    /// A stream of chunks of unknown total length (`StreamingResponse`).
    Stream(crate::streaming::StreamSource),
    /// A file, resolved against the request (range, conditional headers) by `prepare`.
    File(Box<crate::file::FileSource>),
    /// Server-sent events (`EventSourceResponse`).
    Events(Box<crate::sse::EventSource>),
}

impl Content {
    fn known_length(&self) -> Option<u64> {
        match self {
            Content::Full(bytes) => Some(bytes.len() as u64),
            // A stream's length is unknown; a file's depends on the request (ranges) and
            // is set by `prepare`.
            Content::Stream(_) | Content::File(_) | Content::Events(_) => None,
        }
    }
}

impl Response {
    /// A `200 OK` response with this body and no media type.
    ///
    /// The body is any of `&'static str`, `String`, `Vec<u8>`, `&'static [u8]` or
    /// [`Bytes`]: none is copied.
    pub fn new(content: impl Into<Bytes>) -> Self {
        Response::from_content(Content::Full(content.into()))
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

    pub(crate) fn from_content(content: Content) -> Self {
        let mut response = Response {
            status: StatusCode::OK,
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
        if let Some(length) = response.content.known_length() {
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
        self.status = status;
        self.refresh_length();
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
    pub(crate) fn set_content_type(&mut self, value: HeaderValue) {
        if self.auto_type || !self.headers.contains_key(CONTENT_TYPE) {
            self.headers.insert(CONTENT_TYPE, value);
            self.auto_type = true;
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
        let start = self.start(scope);
        async move {
            let prepared = start.finish(scope).await?;
            send.deliver(prepared, receive).await
        }
    }

    /// Resolves the response for `scope` into an `http::Response` for hyper or any
    /// `http`-based stack.
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
        let start = self.start(scope);
        async move { Ok(start.finish(scope).await?.into_http()) }
    }

    /// [`into_http`](Self::into_http) without awaiting: a file is opened and checked on the
    /// calling thread. For axum's `IntoResponse`, which cannot await.
    #[cfg(feature = "axum")]
    pub(crate) fn into_http_blocking(self, scope: &Scope) -> Result<http::Response<crate::Body>> {
        let prepared = match self.start(scope) {
            Start::Ready(prepared) => prepared?,
            Start::File {
                file,
                status,
                headers,
                background,
                send_timeout,
            } => {
                let (status, headers, body) = file.prepare_blocking(status, headers, scope)?;
                Prepared::new(status, headers, body, background, send_timeout)
            }
        };
        Ok(prepared.into_http())
    }

    /// Does at once all the preparing that needs no waiting: everything but a file's, which
    /// needs the filesystem. Sending a plain response therefore awaits nothing.
    fn start(self, scope: &Scope) -> Start {
        let Response {
            status,
            mut headers,
            content,
            background,
            error,
            send_timeout,
            ..
        } = self;
        if let Some(error) = error {
            return Start::Ready(Err(*error));
        }
        if let Some(timeout) = send_timeout {
            if let Some(connection) = scope.write_timeout() {
                connection.set(timeout);
            }
        }
        let send_body = allows_body(status) && !scope.is_head();
        let body = match content {
            Content::Full(bytes) if send_body => crate::Body::from(bytes),
            Content::Stream(stream) if send_body => stream.into_body(),
            Content::Events(events) => {
                crate::sse::strip_forbidden_headers(&mut headers);
                if send_body {
                    crate::streaming::StreamSource::new(Box::pin(events.into_stream(scope)))
                        .into_body()
                } else {
                    crate::Body::empty()
                }
            }
            Content::Full(_) | Content::Stream(_) => crate::Body::empty(),
            Content::File(file) => {
                return Start::File {
                    file,
                    status,
                    headers,
                    background,
                    send_timeout,
                };
            }
        };
        Start::Ready(Ok(Prepared::new(
            status,
            headers,
            body,
            background,
            send_timeout,
        )))
    }

    /// The content, for kinds that keep their own settings in it (files).
    pub(crate) fn content(&self) -> &Content {
        &self.content
    }

    /// The content, to change in place.
    pub(crate) fn content_mut(&mut self) -> &mut Content {
        &mut self.content
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
        match self.content.known_length() {
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

/// Anything that can become a [`Response`]: every response kind, the types `#[response]`
/// declares, plain text and byte bodies, and `Result`s of them.
///
/// ```
/// use respond::{IntoResponse, StatusCode};
///
/// assert_eq!(respond::HtmlResponse::new("<p>hi</p>").into_response().status(), 200);
/// let text = "plain".into_response();
/// assert_eq!(text.headers()["content-type"], "text/plain; charset=utf-8");
/// let created = (StatusCode::CREATED, "made").into_response();
/// assert_eq!(created.status(), 201);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be turned into a response",
    note = "implement `IntoResponse`, or declare the type with `#[respond::response(...)]`"
)]
pub trait IntoResponse {
    /// Converts into a response.
    fn into_response(self) -> Response;
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

impl IntoResponse for &'static str {
    fn into_response(self) -> Response {
        crate::PlainTextResponse::new(self).into_response()
    }
}

impl IntoResponse for String {
    fn into_response(self) -> Response {
        crate::PlainTextResponse::new(self).into_response()
    }
}

impl IntoResponse for Bytes {
    fn into_response(self) -> Response {
        Response::new(self).with_media_type("application/octet-stream")
    }
}

impl IntoResponse for Vec<u8> {
    fn into_response(self) -> Response {
        Bytes::from(self).into_response()
    }
}

impl IntoResponse for () {
    fn into_response(self) -> Response {
        Response::empty()
    }
}

impl<T: IntoResponse> IntoResponse for (StatusCode, T) {
    fn into_response(self) -> Response {
        let mut response = self.1.into_response();
        response.set_status(self.0);
        response
    }
}

impl<T: IntoResponse, E: IntoResponse> IntoResponse for std::result::Result<T, E> {
    fn into_response(self) -> Response {
        match self {
            Ok(value) => value.into_response(),
            Err(error) => error.into_response(),
        }
    }
}
