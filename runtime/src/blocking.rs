//! Blocking iterators as streams: the iterator runs on tokio's blocking threads, never on
//! the async ones, and hands its items over through a one-slot channel.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::stream::Stream;
use tokio::sync::mpsc;

use crate::error::BoxError;

type BoxIter<T> = Box<dyn Iterator<Item = T> + Send + 'static>;

/// What the iterator's thread sends: an item, then `End` after the last one, so a thread
/// that vanished (runtime shutdown, a panic) is told apart from a finished iterator.
enum Handoff<T> {
    Item(T),
    Failed(BoxError),
    End,
}

/// A blocking iterator driven on the blocking thread pool, as a stream of
/// `Result<item, error>`: the error reports a panic of the iterator or a lost thread, and
/// ends the stream.
///
/// The iterator starts on the first poll (so a response that is never sent never runs it),
/// runs at most two items ahead of the consumer, and is dropped on its thread as soon as
/// its current `next()` returns once the stream is dropped.
pub(crate) struct BlockingStream<T> {
    state: State<T>,
}

enum State<T> {
    Idle(BoxIter<T>),
    Running(mpsc::Receiver<Handoff<T>>),
    Done,
}

/// `iter` as a stream (see [`BlockingStream`]).
pub(crate) fn blocking_stream<I>(iter: I) -> BlockingStream<I::Item>
where
    I: Iterator + Send + 'static,
    I::Item: Send + 'static,
{
    BlockingStream {
        state: State::Idle(Box::new(iter)),
    }
}

/// Runs on a blocking thread: pulls items and hands them over until the iterator ends,
/// panics, or the stream is gone.
fn drive<T>(mut iter: BoxIter<T>, tx: &mpsc::Sender<Handoff<T>>) {
    loop {
        if tx.is_closed() {
            break;
        }
        let handoff = match catch_unwind(AssertUnwindSafe(|| iter.next())) {
            Ok(Some(item)) => Handoff::Item(item),
            Ok(None) => Handoff::End,
            Err(panic) => {
                Handoff::Failed(format!("iterator panicked: {}", panic_message(&*panic)).into())
            }
        };
        let last = !matches!(handoff, Handoff::Item(_));
        if tx.blocking_send(handoff).is_err() || last {
            break;
        }
    }
}

pub(crate) fn panic_message(panic: &(dyn Any + Send)) -> &str {
    if let Some(message) = panic.downcast_ref::<&'static str>() {
        message
    } else if let Some(message) = panic.downcast_ref::<String>() {
        message
    } else {
        "non-string panic payload"
    }
}

impl<T: Send + 'static> Stream for BlockingStream<T> {
    type Item = Result<T, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if let State::Idle(_) = this.state {
            let State::Idle(iter) = std::mem::replace(&mut this.state, State::Done) else {
                return Poll::Ready(None);
            };
            let Ok(handle) = tokio::runtime::Handle::try_current() else {
                return Poll::Ready(Some(Err(
                    "a blocking iterator needs a tokio runtime to run on".into(),
                )));
            };
            let (tx, rx) = mpsc::channel(1);
            handle.spawn_blocking(move || drive(iter, &tx));
            this.state = State::Running(rx);
        }
        let State::Running(rx) = &mut this.state else {
            return Poll::Ready(None);
        };
        match std::task::ready!(rx.poll_recv(cx)) {
            Some(Handoff::Item(item)) => Poll::Ready(Some(Ok(item))),
            Some(Handoff::Failed(error)) => {
                this.state = State::Done;
                Poll::Ready(Some(Err(error)))
            }
            Some(Handoff::End) => {
                this.state = State::Done;
                Poll::Ready(None)
            }
            None => {
                this.state = State::Done;
                Poll::Ready(Some(Err(
                    "the iterator's thread stopped before the iterator ended".into(),
                )))
            }
        }
    }
}
