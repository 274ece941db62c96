//! The bridge between an app and hyper, on one task and without a channel.
//!
//! The request's task polls the app future itself. A whole response handed over by
//! `Response::send` goes to hyper as it is. An app that sends messages one by one fills a
//! one-chunk slot that the response body drains: the body polls the app future when the
//! slot is empty, so the app runs inside hyper's own polling of the body.

use std::future::{Future, poll_fn};
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use futures_util::FutureExt;
use http::{HeaderMap, StatusCode};
use http_body::Frame;

use super::{
    App, Message, Prepared, Receiver, ReceiverKind, RequestBody, RequestEvent, Scope, Sender,
    SenderKind,
};
use crate::blocking::panic_message;
use crate::body::Body;
use crate::error::{Error, Result};

type AppOutcome = std::thread::Result<Result<()>>;
type AppFuture = Pin<Box<dyn Future<Output = Result<()>> + Send>>;

/// Polls the app, a panic caught as its outcome (the future is not polled again after it).
/// The panic is caught around each poll rather than by a `CatchUnwind` around the future, so
/// the box holds the app's future as the app made it, with no wrapper to build and move.
fn poll_app(app: &mut AppFuture, cx: &mut Context<'_>) -> Poll<AppOutcome> {
    match std::panic::catch_unwind(AssertUnwindSafe(|| app.as_mut().poll(cx))) {
        Ok(Poll::Pending) => Poll::Pending,
        Ok(Poll::Ready(result)) => Poll::Ready(Ok(result)),
        Err(panic) => Poll::Ready(Err(panic)),
    }
}

/// Runs the rest of an app that outlives its response on its own task.
fn finish_apart(app: AppFuture, level: tracing::Level) {
    let finish = async move {
        if let Some(error) = failure(AssertUnwindSafe(app).catch_unwind().await) {
            if level == tracing::Level::ERROR {
                tracing::error!(%error, "app failed after handing over its response");
            } else {
                tracing::debug!(%error, "app ended with an error after its response");
            }
        }
    };
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => {
            handle.spawn(finish);
        }
        Err(_) => tracing::warn!("app dropped: no tokio runtime to finish it on"),
    }
}

/// The state shared by the app's [`Sender`] and [`Receiver`] and the response body.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// A whole response handed over by `Response::send`.
    handoff: Option<Prepared>,
    /// The start message of an app that sends messages itself.
    head: Option<(StatusCode, HeaderMap)>,
    /// The body chunk waiting for hyper.
    chunk: Option<Bytes>,
    /// The last body message has been sent.
    end: bool,
    /// The app has given its whole response (handed over or sent to the end).
    complete: bool,
    /// The connection no longer wants the response: the client left or the body finished.
    closed: bool,
    /// The app waiting in `Receiver::receive` for the disconnect.
    receiver: Option<Waker>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent across a panic (every update is a plain store), so a
        // poisoned lock is still usable.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Carries one message from the app's `Sender`; waits while the slot holds a chunk.
    pub(crate) async fn send(&self, message: Message) -> Result<()> {
        let mut message = Some(message);
        poll_fn(|_cx| {
            let mut state = self.lock();
            if state.closed {
                return Poll::Ready(Err(Error::ClientDisconnected));
            }
            match message.take() {
                Some(Message::Start { status, headers }) => {
                    state.head = Some((status, headers));
                    Poll::Ready(Ok(()))
                }
                Some(Message::Body { chunk, more_body }) => {
                    if state.chunk.is_some() {
                        // The body takes the chunk and polls the app again: no waker needed,
                        // the app only runs inside that polling.
                        message = Some(Message::Body { chunk, more_body });
                        return Poll::Pending;
                    }
                    if !chunk.is_empty() {
                        state.chunk = Some(chunk);
                    }
                    if !more_body {
                        state.end = true;
                        state.complete = true;
                    }
                    Poll::Ready(Ok(()))
                }
                None => Poll::Ready(Err(Error::protocol("message polled after completion"))),
            }
        })
        .await
    }

    /// Takes a whole prepared response from `Response::send`.
    pub(crate) fn hand_over(&self, prepared: Prepared) -> Result<()> {
        let mut state = self.lock();
        if state.closed {
            return Err(Error::ClientDisconnected);
        }
        state.handoff = Some(prepared);
        state.complete = true;
        Ok(())
    }

    /// Waits until the client is gone or the response is complete.
    pub(crate) async fn closed(&self) -> RequestEvent {
        poll_fn(|cx| {
            let mut state = self.lock();
            if state.closed || state.complete {
                Poll::Ready(RequestEvent::Disconnect)
            } else {
                state.receiver = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }

    fn close(&self) {
        let waker = {
            let mut state = self.lock();
            state.closed = true;
            state.receiver.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    fn has_response(&self) -> bool {
        let state = self.lock();
        state.handoff.is_some() || state.head.is_some()
    }
}

/// Runs `app` for one request and gives hyper its response.
///
/// Nothing the app does escapes: an error or a panic before the response head becomes a
/// logged 500; after the head, an error frame that makes hyper abort the connection.
///
/// The app's future is made and boxed here, before anything awaits: the future returned
/// holds only that box and the shared state, so hyper moves a few words per request, not
/// the request's scope and the app's whole state.
pub(crate) fn respond<A: App>(
    app: &A,
    scope: Scope,
    body: RequestBody,
) -> impl Future<Output = http::Response<Body>> + Send + use<A> {
    let shared = Arc::new(Shared::default());
    let receive = Receiver::from_kind(ReceiverKind::Http {
        body,
        shared: Arc::clone(&shared),
    });
    let send = Sender::from_kind(SenderKind::Bridge(Arc::clone(&shared)));
    let app: AppFuture = Box::pin(app.call(scope, receive, send));
    respond_with(app, shared)
}

async fn respond_with(mut app: AppFuture, shared: Arc<Shared>) -> http::Response<Body> {
    let finished = poll_fn(|cx| match poll_app(&mut app, cx) {
        Poll::Ready(outcome) => Poll::Ready(Some(outcome)),
        Poll::Pending if shared.has_response() => Poll::Ready(None),
        Poll::Pending => Poll::Pending,
    })
    .await;

    let (handoff, head) = {
        let mut state = shared.lock();
        (state.handoff.take(), state.head.take())
    };
    match (finished, handoff, head) {
        (Some(outcome), Some(prepared), _) => {
            if let Some(error) = failure(outcome) {
                tracing::error!(%error, "app failed after handing over its response");
            }
            prepared.into_http()
        }
        (None, Some(prepared), _) => {
            // The app handed its response over but keeps working: let it finish on its own.
            finish_apart(app, tracing::Level::ERROR);
            prepared.into_http()
        }
        (finished, None, Some((status, _))) if status.is_informational() => {
            // No body follows: an app still sending one finds the slot closed.
            shared.close();
            if finished.is_none() {
                finish_apart(app, tracing::Level::DEBUG);
            }
            super::prepared::interim_status(status)
        }
        (finished, None, Some((status, headers))) => {
            let (app, error) = match finished {
                Some(outcome) => (None, failure(outcome)),
                None => (Some(app), None),
            };
            let body = BridgeBody { shared, app, error };
            let mut response = http::Response::new(Body::from_source(body));
            *response.status_mut() = status;
            *response.headers_mut() = headers;
            response
        }
        (Some(outcome), None, None) => {
            match failure(outcome) {
                Some(error) => tracing::error!(%error, "app failed before sending a response"),
                None => tracing::error!("app returned without sending a response"),
            }
            internal_error()
        }
        (None, None, None) => unreachable!("the app is only left pending once it has a response"),
    }
}

pub(crate) fn internal_error() -> http::Response<Body> {
    let mut response = http::Response::new(Body::from("Internal Server Error"));
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(
        http::header::CONTENT_LENGTH,
        http::HeaderValue::from_static("21"),
    );
    response
}

/// The error an app ended with, a panic included.
fn failure(outcome: AppOutcome) -> Option<Error> {
    match outcome {
        Ok(Ok(())) => None,
        Ok(Err(error)) => Some(error),
        Err(panic) => Some(Error::other(format!(
            "app panicked: {}",
            panic_message(&*panic)
        ))),
    }
}

/// The body of a response an app sends as messages: drains the slot, polling the app when
/// it is empty.
pub(crate) struct BridgeBody {
    shared: Arc<Shared>,
    app: Option<AppFuture>,
    error: Option<Error>,
}

impl BridgeBody {
    fn take_chunk(&self) -> Option<Poll<Option<Result<Frame<Bytes>>>>> {
        let mut state = self.shared.lock();
        if let Some(chunk) = state.chunk.take() {
            return Some(Poll::Ready(Some(Ok(Frame::data(chunk)))));
        }
        state.end.then_some(Poll::Ready(None))
    }
}

impl http_body::Body for BridgeBody {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>>>> {
        let this = self.get_mut();
        loop {
            if let Some(ready) = this.take_chunk() {
                return ready;
            }
            let Some(app) = this.app.as_mut() else {
                let error = this.error.take().unwrap_or_else(|| {
                    Error::protocol("the app returned before sending the last body message")
                });
                tracing::error!(%error, "response aborted");
                return Poll::Ready(Some(Err(error)));
            };
            match poll_app(app, cx) {
                Poll::Ready(outcome) => {
                    this.app = None;
                    this.error = failure(outcome);
                }
                Poll::Pending => {
                    return this.take_chunk().unwrap_or(Poll::Pending);
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        let state = self.shared.lock();
        state.end && state.chunk.is_none()
    }
}

impl Drop for BridgeBody {
    fn drop(&mut self) {
        self.shared.close();
        if let Some(app) = self.app.take() {
            // The client left (or the body ended while the app still works, e.g. on
            // background tasks): let the app finish and see the disconnect.
            finish_apart(app, tracing::Level::DEBUG);
        }
    }
}
