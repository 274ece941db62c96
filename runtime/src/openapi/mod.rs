//! OpenAPI descriptions of responses, through [utoipa](https://docs.rs/utoipa/5) (feature
//! `openapi`).
//!
//! With the feature on, every `#[response]` struct, enum and handler implements utoipa's
//! [`IntoResponses`](utoipa::IntoResponses), and every struct with one status also
//! [`ToResponse`](utoipa::ToResponse), from the same declaration that builds the response:
//! what is documented is what is sent. The response kinds describe themselves too:
//! [`HtmlResponse`](crate::HtmlResponse) and [`PlainTextResponse`](crate::PlainTextResponse)
//! as 200 with a string body, [`JsonResponse`](crate::JsonResponse) as 200 JSON,
//! [`RedirectResponse`](crate::RedirectResponse) as 307 with `Location`,
//! [`EventSourceResponse`](crate::EventSourceResponse) as `text/event-stream`,
//! [`FileResponse`](crate::FileResponse) with 200, 206, 304, 412 and 416 and `Accept-Ranges`,
//! [`StreamingResponse`](crate::StreamingResponse) as 200 of any media type, and a plain
//! [`Response`](crate::Response) as the `default` response.
//!
//! What a `#[response]` declaration documents:
//!
//! - each status with its media type (as written in the attribute; the status's reason
//!   phrase, or the item's doc comment, is the description);
//! - the body's schema: a JSON body through [`utoipa::ToSchema`] on its type (a value
//!   serialised whole needs `ToSchema` on the item itself), a text body as a string, a bytes
//!   body as a binary string, no content for an empty body;
//! - each `#[header("name")]` field as a response header (an `Option` one as sent "when the
//!   response sets it"), and `Set-Cookie` when there are `#[cookie]` fields;
//! - an enum's variants as separate statuses (two variants with one status are merged: their
//!   bodies become an `anyOf`);
//! - a `#[status]` field as the statuses it may take: list them, `#[status(200, 202)]`; a bare
//!   `#[status]` documents the declared status and a `default` response (any other status);
//! - a handler as its body at its status, or the responses of the value it returns, plus those
//!   of its error type for a `Result`.
//!
//! A body type without a schema is a compile error on that type, as is an invalid status in a
//! `#[status(...)]` list.
//!
//! utoipa is re-exported here, so generated code names only `::respond::` paths. Its derive
//! macros expand to `utoipa::...` paths, so to derive `ToSchema` or `OpenApi` depend on
//! `utoipa` 5 yourself: cargo resolves both to one crate.
//!
//! # Example
//!
//! ```
//! use respond::openapi::utoipa::{IntoResponses, ToResponse};
//! use respond::{Cookie, response};
//!
//! /// The item was created.
//! #[response(media_type = "text/plain", status = 201)]
//! struct Created {
//!     #[body]
//!     message: String,
//!     #[header("location")]
//!     location: String,
//!     #[cookie]
//!     last: Option<Cookie>,
//! }
//!
//! let responses = Created::responses();
//! let created = match &responses["201"] {
//!     respond::openapi::utoipa::openapi::RefOr::T(response) => response,
//!     _ => unreachable!(),
//! };
//! assert_eq!(created.description, "The item was created.");
//! assert!(created.content.contains_key("text/plain"));
//! assert!(created.headers.contains_key("location"));
//! assert!(created.headers.contains_key("set-cookie"));
//! assert_eq!(Created::response().0, "Created");
//! ```

mod kinds;
#[doc(hidden)]
pub mod support;

pub use utoipa;
