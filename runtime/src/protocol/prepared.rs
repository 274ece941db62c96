//! A response resolved for one request, and the two outlets that carry it.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use http_body::Body as _;
use http_body_util::BodyExt;

use super::{Message, Receiver, Sender};
use crate::body::{Background, Body};
use crate::error::{Error, Result};

/// A head and a body source: what `prepare` makes of a response for one request.
#[derive(Debug)]
pub(crate) struct Prepared {
    status: StatusCode,
    headers: HeaderMap,
    body: Body,
    send_timeout: Option<Duration>,
}

impl Prepared {
    /// `send_timeout` bounds each send of the message outlet (the hyper outlet bounds socket
    /// writes).
    #[inline]
    pub(crate) fn new(
        status: StatusCode,
        headers: HeaderMap,
        mut body: Body,
        background: Option<Background>,
        send_timeout: Option<Duration>,
    ) -> Self {
        body.set_background(background);
        Prepared {
            status,
            headers,
            body,
            send_timeout,
        }
    }

    /// The hyper outlet: the head and body as an `http::Response`, nothing copied.
    #[inline]
    pub(crate) fn into_http(self) -> http::Response<Body> {
        if self.status.is_informational() {
            return interim_status(self.status);
        }
        let mut response = http::Response::new(self.body);
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers;
        response
    }

    /// The message outlet: a start message, then the body's frames as body messages (the last
    /// with `more_body: false`), then the background work.
    ///
    /// While the body is produced, `receive` is watched: when the client disconnects the body
    /// is dropped at once (no final message) and the background work still runs.
    pub(crate) async fn send_messages(
        self,
        receive: &mut Receiver,
        send: &mut Sender,
    ) -> Result<()> {
        let Prepared {
            status,
            headers,
            mut body,
            send_timeout,
        } = self;
        let background = body.take_background();
        let mut send = TimedSender {
            send,
            timeout: send_timeout,
        };
        send.send(Message::Start { status, headers }).await?;
        let outcome = pump(&mut body, receive, &mut send).await;
        drop(body);
        if let (Ok(()) | Err(Error::ClientDisconnected), Some(background)) = (&outcome, background)
        {
            background.run().await;
        }
        outcome
    }
}

/// A sender whose sends give up after the timeout, if any.
struct TimedSender<'a> {
    send: &'a mut Sender,
    timeout: Option<Duration>,
}

impl TimedSender<'_> {
    async fn send(&mut self, message: Message) -> Result<()> {
        match self.timeout {
            Some(timeout) => tokio::time::timeout(timeout, self.send.send(message))
                .await
                .map_err(|_| Error::SendTimeout(timeout))?,
            None => self.send.send(message).await,
        }
    }
}

async fn pump(body: &mut Body, receive: &mut Receiver, send: &mut TimedSender<'_>) -> Result<()> {
    loop {
        if body.is_end_stream() {
            return send.send(Message::body(Bytes::new(), false)).await;
        }
        let frame = tokio::select! {
            biased;
            frame = body.frame() => frame,
            () = receive.disconnected() => {
                tracing::debug!("client disconnected; the body is dropped");
                return Ok(());
            }
        };
        match frame {
            None => return send.send(Message::body(Bytes::new(), false)).await,
            Some(Err(error)) => return Err(error),
            Some(Ok(frame)) => {
                if let Ok(chunk) = frame.into_data() {
                    let more_body = !body.is_end_stream();
                    send.send(Message::Body { chunk, more_body }).await?;
                    if !more_body {
                        return Ok(());
                    }
                }
            }
        }
    }
}

/// The hyper outlet's answer to a 1xx status: HTTP sends one only before a final response,
/// never as one (RFC 9110 section 15.2), and hyper would replace it with a bare 500 without
/// a word. The same 500 then, as respond's own error answer, and logged.
#[cold]
pub(crate) fn interim_status(status: StatusCode) -> http::Response<Body> {
    tracing::error!(
        %status,
        "a 1xx status cannot be the final status of an HTTP response: answering 500"
    );
    super::bridge::internal_error()
}
