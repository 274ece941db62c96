//! The pace a request body must keep: no single wait longer than the body timeout, and an
//! average rate over the time spent waiting once the grace period is over.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use tokio::time::{Instant, Sleep};

use super::limits::{Limits, after};
use crate::error::BoxError;

/// The two rules of [`Limits`] that bound a request body.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pace {
    timeout: Duration,
    min_rate: u64,
    grace: Duration,
}

impl Pace {
    pub(crate) fn new(limits: &Limits) -> Self {
        Pace {
            timeout: limits.body_timeout,
            min_rate: limits.body_min_rate,
            grace: limits.body_rate_grace,
        }
    }
}

pin_project_lite::pin_project! {
    /// A request body that fails with `TimedOut` when it arrives too slowly.
    pub(crate) struct Paced<B> {
        #[pin]
        body: B,
        pace: Pace,
        received: u64,
        waited: Duration,
        wait: Option<(Instant, &'static str)>,
        timer: Option<Pin<Box<Sleep>>>,
    }
}

impl<B> Paced<B> {
    pub(crate) fn new(body: B, pace: Pace) -> Self {
        Paced {
            body,
            pace,
            received: 0,
            waited: Duration::ZERO,
            wait: None,
            timer: None,
        }
    }
}

impl<B> HttpBody for Paced<B>
where
    B: HttpBody<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.project();
        match this.body.poll_frame(cx) {
            Poll::Ready(frame) => {
                if let Some((started, _)) = this.wait.take() {
                    *this.waited += started.elapsed();
                }
                if let Some(Ok(data)) = frame.as_ref().map(|f| f.as_ref().map(Frame::data_ref)) {
                    *this.received += data.map_or(0, |data| data.len() as u64);
                }
                Poll::Ready(frame.map(|frame| frame.map_err(Into::into)))
            }
            Poll::Pending => {
                if this.wait.is_none() {
                    // A new wait: it may last the body timeout, and no longer than what keeps
                    // the average rate over all waiting (after the grace period).
                    let now = Instant::now();
                    let mut limit = this.pace.timeout;
                    let mut reason = "stalled";
                    if this.pace.min_rate > 0 {
                        let earned = this.pace.grace
                            + Duration::from_secs_f64(
                                *this.received as f64 / this.pace.min_rate as f64,
                            );
                        let left = earned.saturating_sub(*this.waited);
                        if left < limit {
                            limit = left;
                            reason = "slow";
                        }
                    }
                    *this.wait = Some((now, reason));
                    let deadline = after(now, limit);
                    match this.timer {
                        Some(timer) => timer.as_mut().reset(deadline),
                        None => *this.timer = Some(Box::pin(tokio::time::sleep_until(deadline))),
                    }
                }
                let timer = this.timer.as_mut().expect("armed above");
                if timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                let reason = this.wait.map_or("stalled", |(_, reason)| reason);
                let message = if reason == "slow" {
                    format!(
                        "the request body arrived slower than {} bytes/s ({} bytes in {:?} of waiting)",
                        this.pace.min_rate,
                        this.received,
                        *this.waited + this.wait.map_or(Duration::ZERO, |(at, _)| at.elapsed())
                    )
                } else {
                    format!(
                        "the request body stalled: nothing arrived for {:?}",
                        this.pace.timeout
                    )
                };
                Poll::Ready(Some(Err(Box::new(io::Error::new(
                    io::ErrorKind::TimedOut,
                    message,
                )))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
