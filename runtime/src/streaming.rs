//! [`StreamingResponse`]: a body produced chunk by chunk by a stream, a blocking iterator or
//! an [`AsyncRead`].

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::stream::{Stream, StreamExt};
use http_body::Frame;
use tokio::io::AsyncRead;

use crate::body::Body;
use crate::error::{BoxError, Error};
use crate::protocol::Scope;
use crate::response::{Head, Prepare, Response, Source, response_kind};

/// The bytes a [`StreamingResponse`] reads from each chunk: [`Bytes`], `String`,
/// `&'static str`, `Vec<u8>`, `&'static [u8]`, and `Result`s of them whose error converts
/// into a [`BoxError`] (an error ends the response, see [`StreamingResponse`]).
///
/// None of these is copied: each becomes the body chunk as it is.
///
/// ```
/// use respond::StreamChunk;
///
/// assert_eq!(String::from("a").into_chunk().unwrap(), "a");
/// let failed: Result<&'static str, std::io::Error> = Err(std::io::Error::other("disk"));
/// assert!(failed.into_chunk().is_err());
/// ```
pub trait StreamChunk {
    /// The chunk's bytes, or the error that ends the stream.
    ///
    /// ```
    /// use respond::StreamChunk;
    ///
    /// let chunk = Ok::<_, std::io::Error>(b"abc".to_vec()).into_chunk().unwrap();
    /// assert_eq!(chunk, "abc");
    /// ```
    ///
    /// # Errors
    /// The error carried by a `Result` chunk.
    fn into_chunk(self) -> Result<Bytes, BoxError>;
}

impl StreamChunk for Bytes {
    fn into_chunk(self) -> Result<Bytes, BoxError> {
        Ok(self)
    }
}

impl StreamChunk for String {
    fn into_chunk(self) -> Result<Bytes, BoxError> {
        Ok(Bytes::from(self))
    }
}

impl StreamChunk for &'static str {
    fn into_chunk(self) -> Result<Bytes, BoxError> {
        Ok(Bytes::from_static(self.as_bytes()))
    }
}

impl StreamChunk for Vec<u8> {
    fn into_chunk(self) -> Result<Bytes, BoxError> {
        Ok(Bytes::from(self))
    }
}

impl StreamChunk for &'static [u8] {
    fn into_chunk(self) -> Result<Bytes, BoxError> {
        Ok(Bytes::from_static(self))
    }
}

impl<T: StreamChunk, E: Into<BoxError>> StreamChunk for Result<T, E> {
    fn into_chunk(self) -> Result<Bytes, BoxError> {
        self.map_err(Into::into)?.into_chunk()
    }
}

/// A response whose body comes chunk by chunk: from an async [`Stream`], from a blocking
/// [`Iterator`] run off the async threads, or from an [`AsyncRead`].
///
/// - No `Content-Length` is computed (the length is unknown); one you set yourself is kept.
///   On HTTP/1.1 the body is sent with chunked transfer coding.
/// - No media type unless you give one with `with_media_type`.
/// - A `HEAD` request gets the headers and no body: the stream is never polled.
/// - When the client disconnects, the stream is dropped at once (its `Drop` runs) and
///   nothing more is read from it; background work still runs.
/// - An error from the stream after the head was sent aborts the response: over HTTP the
///   connection is closed without the final chunk, so the client sees an incomplete
///   response, never a clean end. The error is logged and background work is skipped; in
///   the message outlet `send` returns it.
///
/// ```
/// use futures_util::{StreamExt, stream};
/// use respond::{Receiver, Scope, Sender, StreamingResponse, TestClient};
///
/// async fn app(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
///     let numbers = stream::iter(1..=3).map(|n| format!("<li>{n}</li>"));
///     StreamingResponse::new(numbers)
///         .with_media_type("text/html")
///         .send(&scope, &mut receive, &mut send)
///         .await
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> respond::Result<()> {
/// let response = TestClient::new(app).get("/").send().await;
/// assert_eq!(response.text(), "<li>1</li><li>2</li><li>3</li>");
/// assert_eq!(response.header("content-length"), None);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct StreamingResponse(Response);

/// A boxed stream of body chunks, as a [`StreamSource`] holds it.
pub(crate) type ChunkStream = Pin<Box<dyn Stream<Item = Result<Bytes, BoxError>> + Send + 'static>>;

impl StreamingResponse {
    /// A `200 OK` response streaming the chunks of `stream` (see [`StreamChunk`] for the
    /// chunk types).
    ///
    /// ```
    /// use futures_util::stream;
    ///
    /// let chunks = stream::iter([Ok::<_, std::io::Error>("a"), Ok("b")]);
    /// let response = respond::StreamingResponse::new(chunks);
    /// assert!(response.headers().get("content-length").is_none());
    /// ```
    pub fn new<S>(stream: S) -> Self
    where
        S: Stream + Send + 'static,
        S::Item: StreamChunk,
    {
        StreamingResponse::from_chunks(Box::pin(stream.map(StreamChunk::into_chunk)))
    }

    /// A `200 OK` response streaming the items of a blocking iterator (reading a
    /// `std::fs::File` in chunks, a slow computation...).
    ///
    /// The iterator runs on tokio's blocking thread pool, never on the async threads, and
    /// hands its chunks over through a channel of one slot, so it runs at most two chunks
    /// ahead of the client. It starts only when the body is first polled (a `HEAD` request
    /// never runs it). When the client leaves, the iterator is dropped on its thread as soon
    /// as its current `next()` returns. A panic in the iterator ends the response as an
    /// error does.
    ///
    /// This is not [`FromIterator`]: nothing is collected.
    ///
    /// ```
    /// use respond::StreamingResponse;
    ///
    /// let lines = (1..=3).map(|n| format!("line {n}\n"));
    /// let response = StreamingResponse::from_iter(lines).with_media_type("text/plain");
    /// assert_eq!(response.headers()["content-type"], "text/plain; charset=utf-8");
    /// ```
    #[allow(clippy::should_implement_trait)]
    pub fn from_iter<I>(iter: I) -> Self
    where
        I: IntoIterator,
        I::IntoIter: Send + 'static,
        I::Item: StreamChunk + Send + 'static,
    {
        StreamingResponse::new(crate::blocking::blocking_stream(iter.into_iter()))
    }

    /// A `200 OK` response streaming what `reader` yields, in chunks of up to 64 KiB.
    ///
    /// ```
    /// let reader = std::io::Cursor::new(b"hello".to_vec());
    /// let response = respond::StreamingResponse::from_reader(reader);
    /// assert_eq!(response.status(), 200);
    /// ```
    pub fn from_reader<R>(reader: R) -> Self
    where
        R: AsyncRead + Send + 'static,
    {
        const CAPACITY: usize = 64 * 1024;
        let chunks = tokio_util::io::ReaderStream::with_capacity(reader, CAPACITY);
        StreamingResponse::new(chunks)
    }

    fn from_chunks(stream: ChunkStream) -> Self {
        StreamingResponse(Response::from_source(StreamSource::new(stream)))
    }
}

response_kind!(
    StreamingResponse,
    "StreamingResponse::new(futures_util::stream::iter([\"a\", \"b\"]))"
);

/// The stream of a response before the request is known.
pub(crate) struct StreamSource(ChunkStream);

impl StreamSource {
    /// A source over any stream of chunks (other kinds, such as event streams, build theirs).
    pub(crate) fn new(stream: ChunkStream) -> Self {
        StreamSource(stream)
    }

    pub(crate) fn into_body(self) -> Body {
        Body::from_source(StreamBody {
            stream: Some(self.0),
        })
    }
}

impl Source for StreamSource {
    fn prepare(self: Box<Self>, head: Head, scope: &Scope) -> Prepare {
        let body = if head.sends_body(scope) {
            self.into_body()
        } else {
            Body::empty()
        };
        Prepare::Ready(Ok((head, body)))
    }
}

/// The body of a streaming response: the stream's chunks as data frames.
struct StreamBody {
    /// `None` once the stream ended or failed: it is dropped at once.
    stream: Option<ChunkStream>,
}

impl http_body::Body for StreamBody {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let this = self.get_mut();
        let Some(stream) = this.stream.as_mut() else {
            return Poll::Ready(None);
        };
        let polled = catch_unwind(AssertUnwindSafe(|| stream.as_mut().poll_next(cx)));
        match polled {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(Some(Ok(chunk)))) => Poll::Ready(Some(Ok(Frame::data(chunk)))),
            Ok(Poll::Ready(None)) => {
                this.stream = None;
                Poll::Ready(None)
            }
            Ok(Poll::Ready(Some(Err(error)))) => {
                this.stream = None;
                tracing::error!(%error, "response stream failed; aborting the response");
                Poll::Ready(Some(Err(Error::Body(error))))
            }
            Err(panic) => {
                this.stream = None;
                let message = format!(
                    "response stream panicked: {}",
                    crate::blocking::panic_message(&*panic)
                );
                tracing::error!("{message}; aborting the response");
                Poll::Ready(Some(Err(Error::Body(message.into()))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.stream.is_none()
    }
}

impl fmt::Debug for StreamSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StreamSource")
    }
}
