//! [`Delivery`]: the future of sending one response, kept small.
//!
//! A response future sits inside every app's future, and the server moves that whole
//! future at least twice per request (into its box, into hyper's dispatcher). So the common
//! case, a response prepared without waiting and handed to hyper whole, holds only the
//! prepared response and two references; the message outlet's state (the body pump, a send
//! timeout) and waiting preparation live in a box of their own, allocated only when used.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::{Prepared, Receiver, Sender};
use crate::error::{Error, Result};

type Running<'a> = Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>>;

/// Sends one prepared response through a [`Sender`] when polled.
#[must_use = "a response is sent only when its future is awaited"]
pub(crate) struct Delivery<'a> {
    state: State<'a>,
}

enum State<'a> {
    /// Prepared without waiting: handed over (or sent as messages) on the first poll.
    Prepared {
        prepared: Result<Prepared>,
        receive: &'a mut Receiver,
        send: &'a mut Sender,
    },
    /// Waiting preparation or the message outlet, boxed.
    Running(Running<'a>),
    Done,
}

impl<'a> Delivery<'a> {
    /// Delivers `prepared` (or reports its error) on the first poll.
    pub(crate) fn prepared(
        prepared: Result<Prepared>,
        receive: &'a mut Receiver,
        send: &'a mut Sender,
    ) -> Self {
        Delivery {
            state: State::Prepared {
                prepared,
                receive,
                send,
            },
        }
    }

    /// Runs `work`, which prepares and delivers a response that had to wait.
    pub(crate) fn waiting(work: impl Future<Output = Result<()>> + Send + 'a) -> Self {
        Delivery {
            state: State::Running(Box::pin(work)),
        }
    }
}

impl Future for Delivery<'_> {
    type Output = Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let this = self.get_mut();
        match std::mem::replace(&mut this.state, State::Done) {
            State::Prepared {
                prepared,
                receive,
                send,
            } => {
                let prepared = prepared?;
                if send.takes_whole() {
                    return Poll::Ready(send.hand_over(prepared));
                }
                let mut running: Running<'_> = Box::pin(prepared.send_messages(receive, send));
                let poll = running.as_mut().poll(cx);
                if poll.is_pending() {
                    this.state = State::Running(running);
                }
                poll
            }
            State::Running(mut running) => {
                let poll = running.as_mut().poll(cx);
                if poll.is_pending() {
                    this.state = State::Running(running);
                }
                poll
            }
            State::Done => Poll::Ready(Err(Error::protocol(
                "a response future was polled after it completed",
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use crate::{Message, Method, Receiver, Response, Scope, Sender};

    #[test]
    fn a_response_future_stays_small() {
        // Every app's future holds one of these, and the server moves app futures: the
        // message outlet's state must stay in its own box (it made this 1,896 bytes).
        let scope = Scope::new(Method::GET, "/");
        let (mut send, _messages) = Sender::channel(1);
        let mut receive = Receiver::empty();
        let future = Response::new("hi").send(&scope, &mut receive, &mut send);
        assert!(
            std::mem::size_of_val(&future) <= 256,
            "{} bytes",
            std::mem::size_of_val(&future)
        );
    }

    #[tokio::test]
    async fn sends_messages_then_refuses_a_second_poll() {
        let scope = Scope::new(Method::GET, "/");
        let (mut send, mut messages) = Sender::channel(4);
        let mut receive = Receiver::empty();
        let mut future = pin!(Response::new("hi").send(&scope, &mut receive, &mut send));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(matches!(future.as_mut().poll(&mut cx), Poll::Ready(Ok(()))));
        assert!(matches!(
            future.as_mut().poll(&mut cx),
            Poll::Ready(Err(crate::Error::Protocol(_)))
        ));
        assert!(matches!(messages.recv().await, Some(Message::Start { .. })));
        match messages.recv().await {
            Some(Message::Body { chunk, more_body }) => {
                assert_eq!(&chunk[..], b"hi");
                assert!(!more_body);
            }
            other => panic!("expected the body, got {other:?}"),
        }
    }
}
