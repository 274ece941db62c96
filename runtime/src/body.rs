//! [`Body`]: the body source both outlets read, and the background work that follows it.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};

use crate::error::Error;

/// A body that is not known up front (a stream, a file, an app's messages), made by the
/// response kind or outlet that owns it.
type Source = Pin<Box<dyn http_body::Body<Data = Bytes, Error = Error> + Send + 'static>>;

/// Work that runs once the body has been sent (or the client has left).
pub(crate) struct Background(Pin<Box<dyn Future<Output = ()> + Send + 'static>>);

impl Background {
    pub(crate) fn new(future: impl Future<Output = ()> + Send + 'static) -> Self {
        Background(Box::pin(future))
    }

    /// Chains `next` after `self`.
    pub(crate) fn then(self, next: Background) -> Self {
        Background::new(async move {
            self.0.await;
            next.0.await;
        })
    }

    pub(crate) async fn run(self) {
        self.0.await;
    }

    /// Runs the work on the current tokio runtime, or drops it with a warning outside one.
    pub(crate) fn spawn(self) {
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn(self.0);
            }
            Err(_) => tracing::warn!("background task dropped: no tokio runtime to run it on"),
        }
    }
}

impl fmt::Debug for Background {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Background")
    }
}

/// A response body, ready to be sent: an [`http_body::Body`] of [`Bytes`].
///
/// Every response kind resolves to one of these in its `prepare` step; the hyper outlet
/// hands it to hyper as it is, and the message outlet turns its frames into
/// [`Message::Body`](crate::Message::Body) messages. Background work attached with
/// `with_background` runs when the body ends or is dropped (the client left), unless the
/// body itself failed.
///
/// ```
/// use http_body_util::BodyExt;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let body = respond::Body::from("hello");
/// assert_eq!(body.collect().await.unwrap().to_bytes(), "hello");
/// # }
/// ```
pub struct Body {
    inner: Inner,
    background: Option<Background>,
    failed: bool,
}

enum Inner {
    Empty,
    Full(Bytes),
    Source(Source),
}

impl Body {
    /// A body with no bytes.
    pub fn empty() -> Self {
        Body::from_inner(Inner::Empty)
    }

    fn from_inner(inner: Inner) -> Self {
        Body {
            inner,
            background: None,
            failed: false,
        }
    }

    /// A body read from `source`: how kinds whose bytes are not known up front (streams,
    /// files, event streams) and the message bridge plug their bodies in. Its frames pass
    /// through as they are; its size hint is the body's.
    pub(crate) fn from_source(
        source: impl http_body::Body<Data = Bytes, Error = Error> + Send + 'static,
    ) -> Self {
        Body::from_inner(Inner::Source(Box::pin(source)))
    }

    pub(crate) fn set_background(&mut self, background: Option<Background>) {
        self.background = background;
    }

    pub(crate) fn take_background(&mut self) -> Option<Background> {
        self.background.take()
    }
}

impl Default for Body {
    fn default() -> Self {
        Body::empty()
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        if bytes.is_empty() {
            Body::empty()
        } else {
            Body::from_inner(Inner::Full(bytes))
        }
    }
}

impl From<&'static str> for Body {
    fn from(text: &'static str) -> Self {
        Body::from(Bytes::from_static(text.as_bytes()))
    }
}

impl From<String> for Body {
    fn from(text: String) -> Self {
        Body::from(Bytes::from(text))
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Self {
        Body::from(Bytes::from(bytes))
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let this = &mut *self;
        let polled = match &mut this.inner {
            Inner::Empty => Poll::Ready(None),
            Inner::Full(_) => match std::mem::replace(&mut this.inner, Inner::Empty) {
                Inner::Full(bytes) => Poll::Ready(Some(Ok(Frame::data(bytes)))),
                _ => unreachable!("matched Inner::Full above"),
            },
            Inner::Source(source) => source.as_mut().poll_frame(cx),
        };
        if let Poll::Ready(Some(Err(_))) = &polled {
            this.failed = true;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        match &self.inner {
            Inner::Empty => true,
            Inner::Full(_) => false,
            Inner::Source(source) => source.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.inner {
            Inner::Empty => SizeHint::with_exact(0),
            Inner::Full(bytes) => SizeHint::with_exact(bytes.len() as u64),
            Inner::Source(source) => source.size_hint(),
        }
    }
}

impl Drop for Body {
    fn drop(&mut self) {
        if let Some(background) = self.background.take() {
            if self.failed {
                tracing::debug!("background task skipped: the body failed");
            } else {
                background.spawn();
            }
        }
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.inner {
            Inner::Empty => "Empty",
            Inner::Full(_) => "Full",
            Inner::Source(_) => "Source",
        };
        f.debug_struct("Body")
            .field("kind", &kind)
            .field("background", &self.background.is_some())
            .finish()
    }
}
