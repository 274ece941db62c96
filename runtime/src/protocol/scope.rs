//! The request side of a connection: what a response may look at.

use std::net::SocketAddr;

use http::uri::PathAndQuery;
use http::{Extensions, HeaderMap, HeaderName, HeaderValue, Method, Version};
use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

use super::{Shutdown, WriteTimeout};

/// What `Scope::new` escapes in a hand-written target so it parses: controls, space,
/// non-ASCII and the characters a request target may not hold.
const TARGET_ESCAPES: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// A request target as a scope keeps it: an empty path made `/`, and the percent-decoded
/// path when decoding changes it.
fn normalized(target: PathAndQuery) -> (PathAndQuery, Option<String>) {
    let target = if target.path().is_empty() {
        match target.query() {
            Some(query) => PathAndQuery::try_from(format!("/?{query}"))
                .unwrap_or_else(|_| PathAndQuery::from_static("/")),
            None => PathAndQuery::from_static("/"),
        }
    } else {
        target
    };
    // A path is a `str` already: only a `%` escape can make decoding change it.
    let decoded_path = if target.path().contains('%') {
        match percent_decode_str(target.path()).decode_utf8_lossy() {
            std::borrow::Cow::Borrowed(_) => None,
            std::borrow::Cow::Owned(decoded) => Some(decoded),
        }
    } else {
        None
    };
    (target, decoded_path)
}

/// What the server knows of the connection a request came on.
pub(crate) struct Served {
    pub(crate) client: SocketAddr,
    pub(crate) server: Option<SocketAddr>,
    pub(crate) https: bool,
    pub(crate) shutdown: Shutdown,
    pub(crate) write_timeout: WriteTimeout,
}

/// Which kind of connection a [`Scope`] describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScopeKind {
    /// A plain HTTP request.
    Http,
    /// A websocket handshake that the app answers with an HTTP response (a denial).
    WebSocket,
}

/// The connection and request a response is sent for: the Rust form of an ASGI scope.
///
/// Responses read it to resolve what depends on the request: `HEAD`, `Range`, `If-Range`,
/// conditional headers. The server builds one per request; tests build their own.
///
/// ```
/// use respond::{Method, Scope};
///
/// let scope = Scope::new(Method::GET, "/items/caf%C3%A9?page=2").with_header("accept", "text/html");
/// assert!(scope.is_http());
/// assert_eq!(scope.path(), "/items/café");
/// assert_eq!(scope.raw_path(), "/items/caf%C3%A9");
/// assert_eq!(scope.query(), "page=2");
/// assert_eq!(scope.headers()["accept"], "text/html");
/// ```
#[derive(Debug)]
pub struct Scope {
    kind: ScopeKind,
    method: Method,
    version: Version,
    scheme: &'static str,
    /// The request target as sent (shares the request's buffer: no copy).
    target: PathAndQuery,
    /// The percent-decoded path, only when decoding changes it.
    decoded_path: Option<String>,
    headers: HeaderMap,
    client: Option<SocketAddr>,
    server: Option<SocketAddr>,
    extensions: Extensions,
    shutdown: Option<Shutdown>,
    write_timeout: Option<WriteTimeout>,
}

impl Scope {
    /// An HTTP scope for `method` and a request target such as `/path?query`.
    ///
    /// The path is percent-decoded for [`path`](Self::path) (invalid UTF-8 becomes U+FFFD);
    /// [`raw_path`](Self::raw_path) keeps it as sent. A fragment is dropped.
    pub fn new(method: Method, target: &str) -> Self {
        let target = target.split_once('#').map_or(target, |(before, _)| before);
        let target = PathAndQuery::try_from(target)
            .or_else(|_| {
                PathAndQuery::try_from(utf8_percent_encode(target, TARGET_ESCAPES).to_string())
            })
            .unwrap_or_else(|_| PathAndQuery::from_static("/"));
        Scope::from_target(method, target)
    }

    fn from_target(method: Method, target: PathAndQuery) -> Self {
        let (target, decoded_path) = normalized(target);
        Scope {
            kind: ScopeKind::Http,
            method,
            version: Version::HTTP_11,
            scheme: "http",
            target,
            decoded_path,
            headers: HeaderMap::new(),
            client: None,
            server: None,
            extensions: Extensions::new(),
            shutdown: None,
            write_timeout: None,
        }
    }

    /// The scope of a request, with what the server knows of its connection: one struct
    /// built in place (on the server's hot path, where each builder step would move the
    /// whole scope).
    fn assemble(parts: http::request::Parts, connection: Option<Served>) -> Self {
        let http::request::Parts {
            method,
            uri,
            version,
            headers,
            extensions,
            ..
        } = parts;
        let https =
            uri.scheme_str() == Some("https") || connection.as_ref().is_some_and(|c| c.https);
        let (target, decoded_path) = normalized(
            uri.into_parts()
                .path_and_query
                .unwrap_or_else(|| PathAndQuery::from_static("/")),
        );
        let (client, server, shutdown, write_timeout) = match connection {
            Some(connection) => (
                Some(connection.client),
                connection.server,
                Some(connection.shutdown),
                Some(connection.write_timeout),
            ),
            // A `Shutdown` put in the request's extensions (by a layer of another framework)
            // reaches the responses, as the server's own does.
            None => (None, None, extensions.get::<Shutdown>().cloned(), None),
        };
        Scope {
            kind: ScopeKind::Http,
            method,
            version,
            scheme: if https { "https" } else { "http" },
            target,
            decoded_path,
            headers,
            client,
            server,
            extensions,
            shutdown,
            write_timeout,
        }
    }

    /// A websocket scope for `target`: responses sent on it answer the handshake.
    pub fn websocket(target: &str) -> Self {
        Scope {
            kind: ScopeKind::WebSocket,
            ..Scope::new(Method::GET, target)
        }
    }

    /// The scope of an `http` request; the body stays with the caller.
    ///
    /// The extensions are kept; a [`Shutdown`] among them becomes the scope's
    /// [`shutdown`](Self::shutdown) signal, so a layer of another framework can hand its
    /// graceful shutdown to event streams.
    ///
    /// ```
    /// let request = http::Request::head("/a?b=1").body(()).unwrap();
    /// let (parts, ()) = request.into_parts();
    /// let scope = respond::Scope::from_parts(parts);
    /// assert_eq!(scope.method(), respond::Method::HEAD);
    /// assert_eq!(scope.query(), "b=1");
    /// ```
    pub fn from_parts(parts: http::request::Parts) -> Self {
        Scope::assemble(parts, None)
    }

    /// Adds a request header (builder style). An invalid name or value panics: this is
    /// for tests and hand-built scopes; use [`headers_mut`](Self::headers_mut) to handle errors.
    ///
    /// # Panics
    /// If `name` is not a valid header name or `value` not a valid header value.
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        let name = HeaderName::try_from(name).expect("valid header name");
        let value = HeaderValue::try_from(value).expect("valid header value");
        self.headers.append(name, value);
        self
    }

    /// Sets the client (peer) address.
    #[must_use]
    pub fn with_client(mut self, client: SocketAddr) -> Self {
        self.client = Some(client);
        self
    }

    /// Sets the server (local) address.
    #[must_use]
    pub fn with_server(mut self, server: SocketAddr) -> Self {
        self.server = Some(server);
        self
    }

    /// Sets the HTTP version.
    #[must_use]
    pub fn with_version(mut self, version: Version) -> Self {
        self.version = version;
        self
    }

    /// Sets the scheme: `"https"` when `secure` (the request came over TLS, as the server
    /// marks every request of a [`with_tls`](crate::Server) connection), else `"http"`.
    ///
    /// ```
    /// let scope = respond::Scope::new(respond::Method::GET, "/").with_https(true);
    /// assert_eq!(scope.scheme(), "https");
    /// assert_eq!(scope.with_https(false).scheme(), "http");
    /// ```
    #[must_use]
    pub fn with_https(mut self, secure: bool) -> Self {
        self.scheme = if secure { "https" } else { "http" };
        self
    }

    /// `true` for an HTTP request, `false` for a websocket handshake.
    pub fn is_http(&self) -> bool {
        self.kind == ScopeKind::Http
    }

    /// The kind of connection.
    pub fn kind(&self) -> ScopeKind {
        self.kind
    }

    /// The request method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// `true` when the method is `HEAD`: responses send headers and no body.
    pub fn is_head(&self) -> bool {
        self.method == Method::HEAD
    }

    /// The HTTP version of the request.
    pub fn version(&self) -> Version {
        self.version
    }

    /// `"http"` or `"https"`.
    pub fn scheme(&self) -> &str {
        self.scheme
    }

    /// The percent-decoded path.
    pub fn path(&self) -> &str {
        self.decoded_path.as_deref().unwrap_or(self.target.path())
    }

    /// The path exactly as the client sent it.
    pub fn raw_path(&self) -> &str {
        self.target.path()
    }

    /// The raw query string, without the `?` (empty when there is none).
    pub fn query(&self) -> &str {
        self.target.query().unwrap_or("")
    }

    /// The request headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The request headers, mutable.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }

    /// The address of the client, when known.
    pub fn client(&self) -> Option<SocketAddr> {
        self.client
    }

    /// The address the request arrived on, when known.
    pub fn server(&self) -> Option<SocketAddr> {
        self.server
    }

    /// Typed values attached to the request by the server or middleware.
    pub fn extensions(&self) -> &Extensions {
        &self.extensions
    }

    /// Typed values attached to the request, mutable.
    pub fn extensions_mut(&mut self) -> &mut Extensions {
        &mut self.extensions
    }

    /// The value of a request header as text, if present and visible ASCII.
    ///
    /// ```
    /// let scope = respond::Scope::new(respond::Method::GET, "/").with_header("Last-Event-ID", "7");
    /// assert_eq!(scope.header("last-event-id"), Some("7"));
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    /// The `Last-Event-ID` a reconnecting `EventSource` sends: the id of the last event it
    /// received, so an event stream can resume after it.
    ///
    /// ```
    /// let scope = respond::Scope::new(respond::Method::GET, "/events").with_header("last-event-id", "41");
    /// let next: u64 = scope.last_event_id().and_then(|id| id.parse().ok()).map_or(0, |id: u64| id + 1);
    /// assert_eq!(next, 42);
    /// ```
    pub fn last_event_id(&self) -> Option<&str> {
        self.header("last-event-id")
    }

    /// The server's shutdown signal, when the request came through respond's server (or
    /// one was attached with [`with_shutdown`](Self::with_shutdown)).
    pub fn shutdown(&self) -> Option<&Shutdown> {
        self.shutdown.as_ref()
    }

    /// Attaches a shutdown signal (the server does this for every request).
    ///
    /// ```
    /// let shutdown = respond::Shutdown::new();
    /// let scope = respond::Scope::new(respond::Method::GET, "/").with_shutdown(shutdown.clone());
    /// shutdown.request();
    /// assert!(scope.shutdown().unwrap().is_requested());
    /// ```
    #[must_use]
    pub fn with_shutdown(mut self, shutdown: Shutdown) -> Self {
        self.shutdown = Some(shutdown);
        self
    }

    /// The scope of a request the server received on a connection: built in place, where
    /// the `with_` builders would move the whole scope once each.
    pub(crate) fn served(parts: http::request::Parts, connection: Served) -> Self {
        Scope::assemble(parts, Some(connection))
    }

    /// The connection's write timeout control, on the server.
    pub(crate) fn write_timeout(&self) -> Option<&WriteTimeout> {
        self.write_timeout.as_ref()
    }
}

impl From<http::request::Parts> for Scope {
    /// As [`Scope::from_parts`].
    fn from(parts: http::request::Parts) -> Self {
        Scope::from_parts(parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_split_and_decoded() {
        let scope = Scope::new(Method::GET, "/a%20b/c?x=1&y=%20#frag");
        assert_eq!(scope.path(), "/a b/c");
        assert_eq!(scope.raw_path(), "/a%20b/c");
        assert_eq!(scope.query(), "x=1&y=%20");

        let scope = Scope::new(Method::GET, "/plain");
        assert_eq!(scope.path(), "/plain");
        assert_eq!(scope.query(), "");

        let scope = Scope::new(Method::GET, "");
        assert_eq!(scope.path(), "/");

        let scope = Scope::new(Method::GET, "?q=1");
        assert_eq!((scope.path(), scope.query()), ("/", "q=1"));
    }

    #[test]
    fn hand_written_targets_with_spaces_or_unicode_still_parse() {
        let scope = Scope::new(Method::GET, "/I ♥ Rust?q=a b");
        assert_eq!(scope.path(), "/I ♥ Rust");
        assert_eq!(scope.raw_path(), "/I%20%E2%99%A5%20Rust");
        assert_eq!(scope.query(), "q=a%20b");
    }

    #[test]
    fn invalid_utf8_in_the_path_is_replaced() {
        let scope = Scope::new(Method::GET, "/%FF");
        assert_eq!(scope.path(), "/\u{FFFD}");
    }

    #[test]
    fn from_parts_keeps_everything() {
        let request = http::Request::post("https://example.com/x%2Fy?z")
            .header("x-a", "1")
            .body(())
            .unwrap();
        let (parts, ()) = request.into_parts();
        let scope = Scope::from_parts(parts);
        assert_eq!(scope.scheme(), "https");
        assert_eq!(scope.method(), Method::POST);
        assert_eq!(scope.path(), "/x/y");
        assert_eq!(scope.query(), "z");
        assert_eq!(scope.header("x-a"), Some("1"));
    }
}
