//! The response kinds describe themselves: the statuses, media type and headers each sends
//! as it is built by `new` (a later `with_status` or `with_media_type` is not seen here).

use bytes::Bytes;
use http::StatusCode;
use utoipa::IntoResponses;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType};

use super::support::{Collected, Documented, Entry, Responses, binary, entry, string};
use crate::file::FileResponse;
use crate::json::JsonResponse;
use crate::redirect::RedirectResponse;
use crate::response::Response;
use crate::sse::EventSourceResponse;
use crate::streaming::StreamingResponse;
use crate::text::{HtmlResponse, PlainTextResponse};

fn collect(entries: impl IntoIterator<Item = Entry>) -> Responses {
    let mut collected = Collected::new();
    for entry in entries {
        collected.add(entry);
    }
    collected.finish()
}

fn any_value() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::AnyValue)
        .into()
}

fn text(media_type: &str) -> Responses {
    collect([entry(Some(200), "").content(media_type, string())])
}

/// Implements `IntoResponses` (and respond's `Documented`, which a handler's returned
/// value uses) for a kind.
macro_rules! described {
    ($($kind:ty => $responses:expr;)*) => {$(
        impl IntoResponses for $kind {
            fn responses() -> Responses {
                $responses
            }
        }

        impl Documented for $kind {
            fn documented() -> Responses {
                $responses
            }
        }
    )*};
}

described! {
    HtmlResponse => text("text/html");
    PlainTextResponse => text("text/plain");
    JsonResponse => collect([entry(Some(200), "").content("application/json", any_value())]);
    RedirectResponse => collect([redirect()]);
    StreamingResponse => collect([entry(Some(200), "A streamed body").content("*/*", binary())]);
    EventSourceResponse => collect([event_stream()]);
    FileResponse => file();
    // A plain response can be anything: documented as the default response.
    Response => collect([entry(None, "Any response")]);
}

fn redirect() -> Entry {
    entry(Some(307), "Temporary Redirect").header("location", string(), false)
}

fn event_stream() -> Entry {
    entry(
        Some(200),
        "A stream of server-sent events (the HTML event-stream format)",
    )
    .content("text/event-stream", string())
    .header("cache-control", string(), false)
}

/// `FileResponse`: the whole file, a range of it, not modified, a failed precondition, or
/// no satisfiable range.
fn file() -> Responses {
    // Every answer says that ranges are accepted; those about the file carry its validators.
    let ranges = |entry: Entry| entry.header("accept-ranges", string(), false);
    let validators = |entry: Entry| {
        ranges(entry)
            .header("etag", string(), false)
            .header("last-modified", string(), false)
    };
    collect([
        validators(entry(Some(200), "The whole file").content("*/*", binary())),
        validators(
            entry(
                Some(206),
                "The requested range, or several as multipart/byteranges",
            )
            .content("*/*", binary())
            .header("content-range", string(), true),
        ),
        validators(entry(
            Some(304),
            "Not Modified: the client's copy is current",
        )),
        ranges(entry(
            Some(412),
            "Precondition Failed: If-Match or If-Unmodified-Since did not hold",
        )),
        ranges(entry(
            Some(416),
            "Range Not Satisfiable: no requested range lies in the file (an empty text body)",
        ))
        .content("text/plain", string())
        .header("content-range", string(), false),
    ])
}

/// Values a handler may return besides the kinds: text, bytes, nothing, results.
impl Documented for &'static str {
    fn documented() -> Responses {
        text("text/plain")
    }
}

impl Documented for String {
    fn documented() -> Responses {
        text("text/plain")
    }
}

impl Documented for Bytes {
    fn documented() -> Responses {
        collect([entry(Some(200), "").content("application/octet-stream", binary())])
    }
}

impl Documented for Vec<u8> {
    fn documented() -> Responses {
        Bytes::documented()
    }
}

impl Documented for () {
    fn documented() -> Responses {
        collect([entry(Some(200), "An empty body")])
    }
}

/// The status is chosen at run time: the value's responses under `default`.
impl<T: Documented> Documented for (StatusCode, T) {
    fn documented() -> Responses {
        let mut collected = Collected::new();
        for (_, response) in T::documented() {
            collected.extend([(String::from("default"), response)].into());
        }
        collected.finish()
    }
}

impl<T: Documented, E: Documented> Documented for Result<T, E> {
    fn documented() -> Responses {
        let mut collected = Collected::new();
        collected.extend(T::documented());
        collected.extend(E::documented());
        collected.finish()
    }
}
