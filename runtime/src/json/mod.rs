//! [`JsonResponse`] and the [`JsonRenderer`] hook for other JSON libraries.

mod finite;

use bytes::{BufMut, Bytes, BytesMut};
use http::{HeaderValue, StatusCode};
use serde::Serialize;

use crate::error::{BoxError, Error, Result};
use crate::response::{Response, response_kind};

const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// Turns a value into JSON bytes: the Rust form of overriding Starlette's
/// `JSONResponse.render`.
///
/// Implement it to use another JSON library or another layout; pass it to
/// [`JsonResponse::with_renderer`].
///
/// ```
/// use respond::{JsonRenderer, JsonResponse};
///
/// /// Indented JSON, for humans.
/// struct Pretty;
///
/// impl JsonRenderer for Pretty {
///     fn render<T: serde::Serialize + ?Sized>(&self, value: &T) -> Result<Vec<u8>, respond::BoxError> {
///         Ok(serde_json::to_vec_pretty(value)?)
///     }
/// }
///
/// let response = JsonResponse::with_renderer(&Pretty, &serde_json::json!({"a": 1}));
/// assert_eq!(response.headers()["content-length"], "12");
/// ```
pub trait JsonRenderer {
    /// Renders `value`.
    ///
    /// # Errors
    /// Whatever the library reports; it becomes [`Error::Json`].
    fn render<T: Serialize + ?Sized>(&self, value: &T) -> Result<Vec<u8>, BoxError>;
}

/// The default renderer, as Starlette's: compact separators (`{"a":1,"b":[1,2]}`),
/// non-ASCII characters as raw UTF-8, and NaN or infinity refused instead of written as `null`.
///
/// It serialises straight into one buffer that becomes the body without a copy.
#[derive(Debug, Clone, Copy, Default)]
pub struct CompactJson;

impl CompactJson {
    fn render_bytes<T: Serialize + ?Sized>(value: &T) -> Result<Bytes, serde_json::Error> {
        let mut writer = BytesMut::with_capacity(128).writer();
        serde_json::to_writer(&mut writer, &finite::Finite(value))?;
        Ok(writer.into_inner().freeze())
    }
}

impl JsonRenderer for CompactJson {
    fn render<T: Serialize + ?Sized>(&self, value: &T) -> Result<Vec<u8>, BoxError> {
        Ok(CompactJson::render_bytes(value)?.to_vec())
    }
}

/// Renders `value` with [`CompactJson`] into one buffer.
pub(crate) fn render_compact<T: Serialize + ?Sized>(value: &T) -> Result<Bytes> {
    CompactJson::render_bytes(value).map_err(|error| Error::Json(error.into()))
}

/// A JSON response: `Content-Type: application/json`, the value rendered compactly.
///
/// A value that cannot be rendered (a NaN, a map with non-string keys, a failing `Serialize`)
/// is an [`Error::Json`] that [`send`](Self::send) reports and the server answers with a
/// 500: never a silent `null`. [`try_new`](Self::try_new) reports it at once.
///
/// ```
/// use respond::JsonResponse;
/// use serde_json::json;
///
/// let response = JsonResponse::new(&json!({"a": 1, "b": [1, 2.5, null, true], "u": "ünï😀"}));
/// assert_eq!(response.headers()["content-type"], "application/json");
/// assert_eq!(response.headers()["content-length"], "45");
///
/// assert!(JsonResponse::try_new(&f64::NAN).is_err());
/// ```
#[derive(Debug)]
pub struct JsonResponse(Response);

impl JsonResponse {
    /// A `200 OK` response with `value` rendered by [`CompactJson`].
    pub fn new<T: Serialize + ?Sized>(value: &T) -> Self {
        JsonResponse(JsonResponse::declared(value, JSON, StatusCode::OK))
    }

    /// The response of `value` rendered by [`CompactJson`] with this Content-Type and status
    /// (the DSL's JSON bodies).
    pub(crate) fn declared<T: Serialize + ?Sized>(
        value: &T,
        content_type: HeaderValue,
        status: StatusCode,
    ) -> Response {
        let rendered = CompactJson::render_bytes(value).map_err(|error| Error::Json(error.into()));
        JsonResponse::from_result(rendered, content_type, status)
    }

    /// Like [`new`](Self::new), reporting a rendering error at once.
    ///
    /// # Errors
    /// [`Error::Json`] when the value cannot be rendered.
    pub fn try_new<T: Serialize + ?Sized>(value: &T) -> Result<Self> {
        let bytes = CompactJson::render_bytes(value).map_err(|error| Error::Json(error.into()))?;
        Ok(JsonResponse::from_rendered(bytes))
    }

    /// A `200 OK` response with `value` rendered by `renderer`.
    pub fn with_renderer<R: JsonRenderer + ?Sized, T: Serialize + ?Sized>(
        renderer: &R,
        value: &T,
    ) -> Self {
        let rendered = renderer.render(value).map(Bytes::from).map_err(Error::Json);
        JsonResponse(JsonResponse::from_result(rendered, JSON, StatusCode::OK))
    }

    /// A `200 OK` response whose body is JSON rendered already; it is sent as it is.
    ///
    /// ```
    /// let response = respond::JsonResponse::from_rendered(r#"{"cached":true}"#);
    /// assert_eq!(response.headers()["content-length"], "15");
    /// ```
    pub fn from_rendered(json: impl Into<Bytes>) -> Self {
        JsonResponse(Response::typed(json.into(), Some(JSON), StatusCode::OK))
    }

    fn from_result(
        rendered: Result<Bytes>,
        content_type: HeaderValue,
        status: StatusCode,
    ) -> Response {
        match rendered {
            Ok(bytes) => Response::typed(bytes, Some(content_type), status),
            Err(error) => {
                let mut response = Response::typed(Bytes::new(), Some(content_type), status);
                response.fail(error);
                response
            }
        }
    }
}

response_kind!(JsonResponse, "JsonResponse::new(&[1, 2, 3])");

#[cfg(test)]
mod tests {
    use super::*;

    fn render(value: &impl Serialize) -> String {
        String::from_utf8(CompactJson::render_bytes(value).unwrap().to_vec()).unwrap()
    }

    #[test]
    fn renders_compact_utf8() {
        let value = serde_json::json!({"a": 1, "b": [1, 2.5, null, true], "u": "ünï😀"});
        assert_eq!(
            render(&value),
            r#"{"a":1,"b":[1,2.5,null,true],"u":"ünï😀"}"#
        );
        assert_eq!(render(&Option::<u8>::None), "null");
    }

    #[test]
    fn refuses_non_finite_floats_at_any_depth() {
        #[derive(Serialize)]
        struct Point {
            x: f32,
            tags: Vec<(String, Option<f64>)>,
        }
        #[derive(Serialize)]
        enum Shape {
            Dot(f64),
            Line { to: Vec<f64> },
        }
        let deep = Point {
            x: 1.0,
            tags: vec![("a".into(), Some(f64::INFINITY))],
        };
        assert!(CompactJson::render_bytes(&deep).is_err());
        assert!(CompactJson::render_bytes(&f32::NAN).is_err());
        assert!(CompactJson::render_bytes(&Shape::Dot(f64::NEG_INFINITY)).is_err());
        assert!(
            CompactJson::render_bytes(&Shape::Line {
                to: vec![1.0, f64::NAN]
            })
            .is_err()
        );
        let mut map = std::collections::BTreeMap::new();
        map.insert("k", f64::NAN);
        assert!(CompactJson::render_bytes(&map).is_err());
        assert_eq!(
            render(&Shape::Line { to: vec![0.5] }),
            r#"{"Line":{"to":[0.5]}}"#
        );
    }
}
