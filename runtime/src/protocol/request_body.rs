//! The body of a request read through a bridged [`Receiver`](super::Receiver): hyper's own,
//! or any `http_body::Body` handed in through [`AppService`](crate::AppService).

use std::fmt;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use http_body::{Body as HttpBody, Frame};
use http_body_util::BodyExt;

use crate::error::BoxError;

type DynBody = Pin<Box<dyn HttpBody<Data = Bytes, Error = BoxError> + Send + 'static>>;

/// A request body of either origin, read frame by frame.
pub(crate) enum RequestBody {
    /// Straight from hyper's connection: no box, no conversion.
    Incoming(hyper::body::Incoming),
    /// Any other body (axum's, tower's, a test's), boxed once.
    ///
    /// Behind a `Mutex` only so `Receiver` stays `Sync` for bodies that are not (axum's):
    /// the body is only ever reached through `&mut`, so the lock is never taken.
    Boxed(Mutex<DynBody>),
}

impl RequestBody {
    /// Boxes any body whose chunks can become `Bytes`.
    pub(crate) fn boxed<B>(body: B) -> Self
    where
        B: HttpBody + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let body = body
            .map_frame(|frame| frame.map_data(|mut data| data.copy_to_bytes(data.remaining())))
            .map_err(Into::into);
        RequestBody::Boxed(Mutex::new(Box::pin(body)))
    }

    pub(crate) fn poll_frame(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self {
            RequestBody::Incoming(body) => Pin::new(body)
                .poll_frame(cx)
                .map(|frame| frame.map(|frame| frame.map_err(Into::into))),
            RequestBody::Boxed(body) => body
                .get_mut()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .as_mut()
                .poll_frame(cx),
        }
    }

    pub(crate) fn is_end_stream(&mut self) -> bool {
        match self {
            RequestBody::Incoming(body) => body.is_end_stream(),
            RequestBody::Boxed(body) => body
                .get_mut()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .is_end_stream(),
        }
    }
}

impl fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestBody::Incoming(body) => f.debug_tuple("Incoming").field(body).finish(),
            RequestBody::Boxed(_) => f.write_str("Boxed"),
        }
    }
}
