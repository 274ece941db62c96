//! The request side of a connection: what a response may look at.

use std::net::SocketAddr;

use http::{Extensions, HeaderMap, HeaderName, HeaderValue, Method, Version};

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
    raw_path: String,
    path: String,
    query: String,
    headers: HeaderMap,
    client: Option<SocketAddr>,
    server: Option<SocketAddr>,
    extensions: Extensions,
}

impl Scope {
    /// An HTTP scope for `method` and a request target such as `/path?query`.
    ///
    /// The path is percent-decoded for [`path`](Self::path) (invalid UTF-8 becomes U+FFFD);
    /// [`raw_path`](Self::raw_path) keeps it as sent. A fragment is dropped.
    pub fn new(method: Method, target: &str) -> Self {
        let target = target.split_once('#').map_or(target, |(before, _)| before);
        let (raw_path, query) = match target.split_once('?') {
            Some((path, query)) => (path, query),
            None => (target, ""),
        };
        let raw_path = if raw_path.is_empty() { "/" } else { raw_path };
        Scope {
            kind: ScopeKind::Http,
            method,
            version: Version::HTTP_11,
            scheme: "http",
            path: percent_encoding::percent_decode_str(raw_path)
                .decode_utf8_lossy()
                .into_owned(),
            raw_path: raw_path.to_owned(),
            query: query.to_owned(),
            headers: HeaderMap::new(),
            client: None,
            server: None,
            extensions: Extensions::new(),
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
    /// ```
    /// let request = http::Request::head("/a?b=1").body(()).unwrap();
    /// let (parts, ()) = request.into_parts();
    /// let scope = respond::Scope::from_parts(parts);
    /// assert_eq!(scope.method(), respond::Method::HEAD);
    /// assert_eq!(scope.query(), "b=1");
    /// ```
    pub fn from_parts(parts: http::request::Parts) -> Self {
        let target = parts
            .uri
            .path_and_query()
            .map_or("/", |target| target.as_str());
        let mut scope = Scope::new(parts.method, target);
        if parts.uri.scheme_str() == Some("https") {
            scope.scheme = "https";
        }
        scope.version = parts.version;
        scope.headers = parts.headers;
        scope.extensions = parts.extensions;
        scope
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
        &self.path
    }

    /// The path exactly as the client sent it.
    pub fn raw_path(&self) -> &str {
        &self.raw_path
    }

    /// The raw query string, without the `?` (empty when there is none).
    pub fn query(&self) -> &str {
        &self.query
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
}
