#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc = include_str!("../docs/guide.md")]
#![deny(missing_docs)]

#[doc(hidden)]
#[path = "macro_support/mod.rs"]
pub mod __private;
#[cfg(feature = "axum")]
pub mod axum;
mod blocking;
mod body;
mod channel;
mod cookie;
mod error;
mod file;
mod json;
#[cfg(feature = "openapi")]
#[cfg_attr(docsrs, doc(cfg(feature = "openapi")))]
pub mod openapi;
mod protocol;
mod redirect;
mod response;
mod server;
mod service;
mod sse;
mod static_files;
mod streaming;
mod testing;
mod text;

pub use body::Body;
pub use channel::{
    ChannelError, ChannelEvent, ChannelHub, EventId, HubBuilder, InvalidEventId, Start,
};
pub use cookie::{Cookie, CookieError, Expires, SameSite};
pub use error::{BoxError, Error, Result};
pub use file::{DispositionType, FileMetadata, FileResponse, OpenFileCache};
pub use json::{CompactJson, JsonRenderer, JsonResponse};
pub use protocol::{App, Message, Receiver, RequestEvent, Scope, ScopeKind, Sender, Shutdown};
pub use redirect::RedirectResponse;
#[doc = include_str!("../docs/cookie.md")]
pub use respond_macros::cookie;
#[doc = include_str!("../docs/response.md")]
pub use respond_macros::response;

pub use response::{IntoResponse, Response, TypedResponse};
/// The TLS library behind [`TlsConfig`], for configurations built by hand
/// ([`TlsConfig::from_rustls`]).
#[cfg(feature = "tls")]
#[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
pub use rustls;
pub use server::{Server, serve};
#[cfg(feature = "tls")]
#[cfg_attr(docsrs, doc(cfg(feature = "tls")))]
pub use server::{TlsConfig, TlsError, serve_tls};
pub use service::{AppService, ResponseFuture};
pub use sse::{EventItem, EventSourceResponse, RetryDelay, Separator, ServerSentEvent};
pub use static_files::StaticFiles;
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

    /// The file a [`StaticFiles`](crate::StaticFiles) rooted at `root` (symbolic links
    /// checked) serves for the request path `raw_path` (as sent, percent-encoded), with
    /// `accept_encoding` as the request's header and every precompressed coding enabled,
    /// index files and html mode on: `None` when it serves no file.
    pub fn static_file(
        root: &std::path::Path,
        raw_path: &str,
        accept_encoding: &str,
    ) -> Option<std::path::PathBuf> {
        use crate::static_files::resolve::{Outcome, Rules, resolve};
        let mut headers = http::HeaderMap::new();
        if let Ok(value) = http::HeaderValue::from_str(accept_encoding) {
            headers.insert(http::header::ACCEPT_ENCODING, value);
        }
        use crate::static_files::encoding::{Coding, negotiate};
        let accepted = negotiate(&headers, &Coding::ALL);
        let rules = Rules {
            index: Some(String::from("index.html")),
            html: true,
            hidden: false,
        };
        let mut probe = crate::static_files::lookup::Blocking::new(root, false);
        match resolve(&mut probe, &rules, raw_path, &accepted).ok()? {
            Outcome::File(chosen) | Outcome::NotFound(Some(chosen)) => {
                Some(root.join(chosen.stored()))
            }
            Outcome::AddSlash | Outcome::NotFound(None) | Outcome::NotAcceptable => None,
        }
    }

    /// An HTTP date as the file module parses it.
    pub fn http_date(value: &http::HeaderValue) -> Option<std::time::SystemTime> {
        crate::file::validators::parse_date(value)
    }
}
