//! # respond
//!
//! Starlette's response model for async Rust. A response is a value: a status, headers and
//! a body. The same response can be sent as protocol messages on a [`Sender`] (the ASGI way)
//! or served by a real hyper server, and both outlets run the same response logic.
//!
//! ```
//! use respond::{Receiver, Response, Scope, Sender};
//!
//! async fn app(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
//!     let response = Response::new("Hello, world!").with_media_type("text/plain");
//!     response.send(&scope, &mut receive, &mut send).await
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> respond::Result<()> {
//! // In memory, as messages:
//! let response = respond::TestClient::new(app).get("/").send().await;
//! assert_eq!(response.text(), "Hello, world!");
//! assert_eq!(response.header("content-type"), Some("text/plain; charset=utf-8"));
//! // Or over the network: `respond::serve("127.0.0.1:8000", app).await`.
//! # Ok(()) }
//! ```
//!
//! ## Response kinds
//!
//! | kind | what it sends |
//! |---|---|
//! | [`Response`] | any bytes, with a media type of your choice |
//! | [`HtmlResponse`] | `text/html; charset=utf-8` |
//! | [`PlainTextResponse`] | `text/plain; charset=utf-8` |
//! | [`JsonResponse`] | compact `application/json`; NaN is an error, never `null` |
//! | [`RedirectResponse`] | `307` (or any 3xx) with a percent-quoted `Location` |
//! | [`StreamingResponse`] | chunks of a `Stream`, a blocking `Iterator` or an `AsyncRead` |
//! | [`FileResponse`] | a file, with ranges, `multipart/byteranges` and conditional requests |
//!
//! Every kind has the same builder methods (`with_status`, `with_header`,
//! `with_media_type`, `with_cookie`, `with_background`), in-place methods (`set_cookie`,
//! `delete_cookie`, `headers_mut`), accessors (`status`, `headers`) and `send`.
//!
//! ## Deviations from Starlette
//!
//! respond follows the RFCs where Starlette does not:
//! - a `HEAD` request gets the headers of `GET` and no body (Starlette leaves dropping the
//!   body to the server);
//! - a 1xx, 204 or 304 response sends no body bytes, even if some were given (RFC 9110
//!   section 6.4.1);
//! - cookie names must be RFC 6265 tokens (Starlette also allows `:`, and refuses attribute
//!   names such as `path` as cookie names); `SameSite=None`, `Partitioned` and the `__Secure-`
//!   and `__Host-` prefixes must satisfy RFC 6265bis;
//! - a JSON float that is not finite is an error, as in Starlette, but at any depth of any
//!   `Serialize` type.

#![cfg_attr(docsrs, feature(doc_auto_cfg))]
#![warn(missing_docs)]

#[doc(hidden)]
#[path = "macro_support.rs"]
pub mod __private;
mod blocking;
mod body;
mod cookie;
mod error;
mod file;
mod json;
mod protocol;
mod redirect;
mod response;
mod server;
mod sse;
mod streaming;
mod testing;
mod text;

pub use body::Body;
pub use cookie::{Cookie, CookieError, Expires, SameSite};
pub use error::{BoxError, Error, Result};
pub use file::{DispositionType, FileMetadata, FileResponse};
pub use json::{CompactJson, JsonRenderer, JsonResponse};
pub use protocol::{App, Message, Receiver, RequestEvent, Scope, ScopeKind, Sender};
pub use redirect::RedirectResponse;
pub use respond_macros::{cookie, response};
pub use response::{IntoResponse, Response};
pub use server::{Server, Shutdown, serve};
pub use sse::{EventItem, EventSourceResponse, RetryDelay, Separator, ServerSentEvent};
pub use streaming::{StreamChunk, StreamingResponse};
pub use testing::{TestClient, TestRequest, TestResponse, TestStream};
pub use text::{HtmlResponse, PlainTextResponse};

/// Re-exported from the `http` crate.
pub use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Version};

/// The `http` crate, for the types not re-exported at the top.
pub use http;

/// Entry points for the fuzz targets (`fuzz/`), compiled only under `cargo fuzz`.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod __fuzz {
    /// What a `Range` header resolves to for a file of `size` bytes: `None` for the whole
    /// file, `Some(vec![])` for a 416, else the ranges (end exclusive) to send.
    pub fn range(header: &[u8], size: u64) -> Option<Vec<std::ops::Range<u64>>> {
        match crate::file::range::resolve(header, size) {
            crate::file::range::RangeRequest::Full => None,
            crate::file::range::RangeRequest::Unsatisfiable => Some(Vec::new()),
            crate::file::range::RangeRequest::Ranges(ranges) => Some(ranges),
        }
    }

    /// The precondition outcome (`"proceed"`, `"304"`, `"412"`) of request `headers` for a
    /// representation with these validators, and whether `If-Range` (when present) matches.
    pub fn preconditions(
        method: &http::Method,
        headers: &http::HeaderMap,
        etag: Option<&http::HeaderValue>,
        last_modified: Option<&http::HeaderValue>,
    ) -> (&'static str, Option<bool>) {
        use crate::file::conditional::{Precondition, Validators, evaluate, if_range_matches};
        let validators = Validators {
            etag,
            last_modified,
        };
        let outcome = match evaluate(method, headers, validators) {
            Precondition::Proceed => "proceed",
            Precondition::NotModified => "304",
            Precondition::Failed => "412",
        };
        let if_range = headers
            .get(http::header::IF_RANGE)
            .map(|value| if_range_matches(value, validators));
        (outcome, if_range)
    }

    /// An HTTP date as the file module parses it.
    pub fn http_date(value: &http::HeaderValue) -> Option<std::time::SystemTime> {
        crate::file::validators::parse_date(value)
    }
}

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
