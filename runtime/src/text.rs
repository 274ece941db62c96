//! Text responses: [`HtmlResponse`] and [`PlainTextResponse`].

use bytes::Bytes;
use http::{HeaderValue, StatusCode};

use crate::response::{IntoResponse, Response, response_kind};

const HTML: HeaderValue = HeaderValue::from_static("text/html; charset=utf-8");
const PLAIN: HeaderValue = HeaderValue::from_static("text/plain; charset=utf-8");

/// An HTML page: `Content-Type: text/html; charset=utf-8`.
///
/// ```
/// let response = respond::HtmlResponse::new("<h1>Hello</h1>");
/// assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8");
/// assert_eq!(response.headers()["content-length"], "14");
/// ```
#[derive(Debug)]
pub struct HtmlResponse(Response);

impl HtmlResponse {
    /// A `200 OK` HTML response with this body (`&'static str`, `String`, bytes...).
    pub fn new(content: impl Into<Bytes>) -> Self {
        HtmlResponse(Response::typed(content.into(), Some(HTML), StatusCode::OK))
    }
}

response_kind!(HtmlResponse, "HtmlResponse::new(\"<p>hi</p>\")");

/// Plain text: `Content-Type: text/plain; charset=utf-8`.
///
/// ```
/// let response = respond::PlainTextResponse::new("hello").with_media_type("text/csv");
/// assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
/// ```
#[derive(Debug)]
pub struct PlainTextResponse(Response);

impl PlainTextResponse {
    /// A `200 OK` plain-text response with this body.
    pub fn new(content: impl Into<Bytes>) -> Self {
        PlainTextResponse(Response::typed(content.into(), Some(PLAIN), StatusCode::OK))
    }
}

response_kind!(PlainTextResponse, "PlainTextResponse::new(\"hi\")");

/// Text is a plain-text response, as [`PlainTextResponse::new`] makes it.
impl IntoResponse for &'static str {
    fn into_response(self) -> Response {
        PlainTextResponse::new(self).into_response()
    }
}

/// Text is a plain-text response, as [`PlainTextResponse::new`] makes it.
impl IntoResponse for String {
    fn into_response(self) -> Response {
        PlainTextResponse::new(self).into_response()
    }
}
