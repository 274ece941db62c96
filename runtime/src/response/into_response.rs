//! [`IntoResponse`]: what can become a [`Response`], and its implementations for the plain
//! types.

use bytes::Bytes;
use http::StatusCode;

use super::Response;

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
