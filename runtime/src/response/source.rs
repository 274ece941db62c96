//! The seam response kinds plug into: a body source that is resolved against the request.
//!
//! A response whose body is known up front (bytes) needs nothing from here. Any other kind
//! (a stream, a file, an event stream) gives [`Response::from_source`](super::Response) a
//! [`Source`]: when the response is sent, the source gets the head as the user left it and
//! the request's [`Scope`], and makes the head to send and the body. The core never looks
//! inside a source, so a new kind is a new implementation of this trait and touches no core
//! file.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;

use http::{HeaderMap, StatusCode};

use super::headers::allows_body;
use crate::body::Body;
use crate::error::Result;
use crate::protocol::Scope;

/// A response head: the status and the headers.
#[derive(Debug)]
pub(crate) struct Head {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
}

impl Head {
    /// Whether a body goes out for `scope`: never for `HEAD`, 1xx, 204 or 304.
    pub(crate) fn sends_body(&self, scope: &Scope) -> bool {
        allows_body(self.status) && !scope.is_head()
    }
}

/// A response resolved for one request: the head to send and its body.
pub(crate) type Resolved = Result<(Head, Body)>;

/// What preparing a source gives: the answer at once, or a future for work that waits (on
/// the filesystem, say).
pub(crate) enum Prepare {
    Ready(Resolved),
    Pending(Pin<Box<dyn Future<Output = Resolved> + Send + 'static>>),
}

/// A body source of a response kind, resolved against the request when the response is
/// sent.
pub(crate) trait Source: AsAny + Send + 'static {
    /// Resolves the source for `scope`, starting from the head the user built. A source
    /// whose body depends on nothing but the method uses [`Head::sends_body`].
    fn prepare(self: Box<Self>, head: Head, scope: &Scope) -> Prepare;

    /// [`prepare`](Self::prepare) for callers that cannot await (axum's `IntoResponse`):
    /// waiting work blocks the calling thread. Sources that never wait keep this default.
    #[cfg(feature = "axum")]
    fn prepare_blocking(self: Box<Self>, head: Head, scope: &Scope) -> Resolved {
        match self.prepare(head, scope) {
            Prepare::Ready(resolved) => resolved,
            Prepare::Pending(_) => Err(crate::Error::other(
                "this response needs to wait to be prepared; send it with `into_http(&scope).await`",
            )),
        }
    }
}

/// Lets a kind reach its own source inside a [`Response`](super::Response) by type, and
/// only its own.
pub(crate) trait AsAny {
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<T: Any> AsAny for T {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
