//! [`Sender`] and [`Receiver`]: the two ends an app talks through.
//!
//! Both come in two flavours. On the server they are bridged straight to hyper: a whole
//! response handed to a [`Sender`] by [`Response::send`](crate::Response::send) goes to
//! hyper as it is, with no channel and no task; messages sent one by one are carried to
//! the connection. Elsewhere (tests, custom servers) they are plain channels of
//! [`Message`]s and [`RequestEvent`]s.

use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::mpsc;

use super::bridge::Shared;
use super::request_body::RequestBody;
use super::{Message, Prepared, RequestEvent};
use crate::error::{Error, Result};

/// Where an app sends its response [`Message`]s.
///
/// It checks the protocol: one start message, then body messages until `more_body` is
/// `false`; anything else is an [`Error::Protocol`]. Once the client is gone, sending
/// returns [`Error::ClientDisconnected`].
///
/// ```
/// use respond::{Message, Sender, StatusCode, HeaderMap};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> respond::Result<()> {
/// let (mut send, mut messages) = Sender::channel(8);
/// send.send(Message::Start { status: StatusCode::OK, headers: HeaderMap::new() }).await?;
/// send.send(Message::body("done", false)).await?;
/// assert!(messages.recv().await.unwrap().is_start());
/// assert_eq!(messages.recv().await.unwrap().chunk().unwrap(), "done");
/// // The response is complete: nothing more may be sent.
/// assert!(send.send(Message::body("late", false)).await.is_err());
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Sender {
    kind: SenderKind,
    phase: Phase,
}

#[derive(Debug)]
pub(crate) enum SenderKind {
    Channel(mpsc::Sender<Message>),
    Bridge(Arc<Shared>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Body,
    Done,
}

impl Sender {
    /// A sender whose messages arrive on the returned channel, holding at most `capacity`
    /// unread messages (sending waits beyond that). Dropping the receiving half makes
    /// further sends fail with [`Error::ClientDisconnected`].
    ///
    /// # Panics
    /// If `capacity` is zero.
    pub fn channel(capacity: usize) -> (Sender, mpsc::Receiver<Message>) {
        let (tx, rx) = mpsc::channel(capacity);
        (Sender::from_kind(SenderKind::Channel(tx)), rx)
    }

    pub(crate) fn from_kind(kind: SenderKind) -> Self {
        Sender {
            kind,
            phase: Phase::Idle,
        }
    }

    /// Sends one message.
    ///
    /// # Errors
    /// [`Error::Protocol`] when the message does not fit the sequence so far,
    /// [`Error::ClientDisconnected`] when the client is gone.
    pub async fn send(&mut self, message: Message) -> Result<()> {
        self.phase = match (self.phase, &message) {
            (Phase::Idle, Message::Start { .. }) => Phase::Body,
            (Phase::Body, Message::Body { more_body, .. }) => {
                if *more_body {
                    Phase::Body
                } else {
                    Phase::Done
                }
            }
            (Phase::Idle, Message::Body { .. }) => {
                return Err(Error::protocol(
                    "a body message was sent before the start message",
                ));
            }
            (Phase::Body, Message::Start { .. }) => {
                return Err(Error::protocol("the start message was sent twice"));
            }
            (Phase::Done, _) => {
                return Err(Error::protocol(
                    "a message was sent after the response was complete",
                ));
            }
        };
        match &self.kind {
            SenderKind::Channel(tx) => tx
                .send(message)
                .await
                .map_err(|_| Error::ClientDisconnected),
            SenderKind::Bridge(shared) => shared.send(message).await,
        }
    }

    /// `true` once the start message went out (or a whole response was handed over).
    pub fn is_started(&self) -> bool {
        self.phase != Phase::Idle
    }

    /// `true` once the response is complete.
    pub fn is_complete(&self) -> bool {
        self.phase == Phase::Done
    }

    /// Whether a whole prepared response can go to hyper as it is: this sender is bridged to
    /// the server and nothing was sent yet.
    pub(crate) fn takes_whole(&self) -> bool {
        matches!(
            (&self.kind, self.phase),
            (SenderKind::Bridge(_), Phase::Idle)
        )
    }

    /// Hands a whole prepared response to hyper; call only when [`takes_whole`](Self::takes_whole).
    pub(crate) fn hand_over(&mut self, prepared: Prepared) -> Result<()> {
        self.phase = Phase::Done;
        match &self.kind {
            SenderKind::Bridge(shared) => shared.hand_over(prepared),
            SenderKind::Channel(_) => Err(Error::protocol("a channel sender takes messages only")),
        }
    }
}

/// Where an app receives the request body and, at the end, the client's disconnect.
///
/// [`receive`](Self::receive) yields [`RequestEvent::Body`] pieces until one has
/// `more_body: false`; after that it waits until the client disconnects or the response is
/// complete and yields [`RequestEvent::Disconnect`].
///
/// ```
/// use respond::{Receiver, RequestEvent};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let (events, mut receive) = Receiver::channel(4);
/// events.send(RequestEvent::Body { chunk: "a=1".into(), more_body: false }).await.unwrap();
/// drop(events); // the client goes away
/// assert_eq!(receive.body().await.unwrap(), "a=1");
/// assert!(receive.receive().await.is_disconnect());
/// # }
/// ```
#[derive(Debug)]
pub struct Receiver {
    kind: ReceiverKind,
    body_done: bool,
    error: Option<Error>,
}

#[derive(Debug)]
pub(crate) enum ReceiverKind {
    Channel(mpsc::Receiver<RequestEvent>),
    Http {
        body: RequestBody,
        shared: Arc<Shared>,
    },
    Empty,
}

impl Receiver {
    /// A receiver fed by the returned channel. Dropping the sending half is the client's
    /// disconnect.
    ///
    /// # Panics
    /// If `capacity` is zero.
    pub fn channel(capacity: usize) -> (mpsc::Sender<RequestEvent>, Receiver) {
        let (tx, rx) = mpsc::channel(capacity);
        (tx, Receiver::from_kind(ReceiverKind::Channel(rx)))
    }

    /// A receiver for a request without a body whose client never leaves: one empty body
    /// event, then it waits forever.
    pub fn empty() -> Self {
        Receiver::from_kind(ReceiverKind::Empty)
    }

    pub(crate) fn from_kind(kind: ReceiverKind) -> Self {
        Receiver {
            kind,
            body_done: false,
            error: None,
        }
    }

    /// The next event: a piece of the request body, or the disconnect.
    pub async fn receive(&mut self) -> RequestEvent {
        match &mut self.kind {
            ReceiverKind::Channel(rx) => {
                let event = rx.recv().await.unwrap_or(RequestEvent::Disconnect);
                if let RequestEvent::Body {
                    more_body: false, ..
                } = event
                {
                    self.body_done = true;
                }
                event
            }
            ReceiverKind::Http { body, shared } => {
                if self.body_done {
                    return shared.closed().await;
                }
                loop {
                    match std::future::poll_fn(|cx| body.poll_frame(cx)).await {
                        Some(Ok(frame)) => {
                            if let Ok(chunk) = frame.into_data() {
                                let more_body = !body.is_end_stream();
                                self.body_done = !more_body;
                                return RequestEvent::Body { chunk, more_body };
                            }
                            // Trailers carry no body bytes: keep reading.
                        }
                        Some(Err(error)) => {
                            tracing::debug!(%error, "request body failed; treating it as a disconnect");
                            self.body_done = true;
                            self.error = Some(Error::Body(error));
                            return RequestEvent::Disconnect;
                        }
                        None => {
                            self.body_done = true;
                            return RequestEvent::Body {
                                chunk: Bytes::new(),
                                more_body: false,
                            };
                        }
                    }
                }
            }
            ReceiverKind::Empty => {
                if self.body_done {
                    std::future::pending::<()>().await;
                }
                self.body_done = true;
                RequestEvent::Body {
                    chunk: Bytes::new(),
                    more_body: false,
                }
            }
        }
    }

    /// Why the request body ended early: when [`receive`](Self::receive) gave
    /// [`RequestEvent::Disconnect`] because reading the body failed (the server's
    /// request-body timeout or minimum rate, a broken connection), the error, an
    /// [`Error::Body`]; `None` otherwise.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let (events, mut receive) = respond::Receiver::channel(1);
    /// drop(events);
    /// assert_eq!(receive.body().await, None);
    /// assert!(receive.error().is_none(), "a plain disconnect is no error");
    /// # }
    /// ```
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// Reads the whole request body. `None` when the client disconnected first.
    pub async fn body(&mut self) -> Option<Bytes> {
        let mut whole = bytes::BytesMut::new();
        loop {
            match self.receive().await {
                RequestEvent::Body { chunk, more_body } => {
                    if !more_body && whole.is_empty() {
                        return Some(chunk);
                    }
                    whole.extend_from_slice(&chunk);
                    if !more_body {
                        return Some(whole.freeze());
                    }
                }
                RequestEvent::Disconnect => return None,
            }
        }
    }

    /// Waits for the disconnect, discarding any request body still unread.
    pub async fn disconnected(&mut self) {
        while !self.receive().await.is_disconnect() {}
    }
}
