//! A response half prepared: what is left once everything that needs no waiting is done.

use futures_util::future::Either;

use super::{Head, Prepare};
use crate::body::{Background, Body};
use crate::error::Result;
use crate::protocol::Prepared;

/// A response half prepared: the source's answer (or the work still to wait for), and what
/// follows the body.
pub(super) struct Start {
    pub(super) prepare: Prepare,
    pub(super) background: Option<Background>,
    pub(super) send_timeout: Option<std::time::Duration>,
}

impl Start {
    /// The prepared response when nothing is left to wait for; the start itself otherwise.
    #[inline]
    pub(super) fn into_ready(self) -> Either<Result<Prepared>, Start> {
        match self.prepare {
            Prepare::Ready(resolved) => Either::Left(
                resolved.map(|(head, body)| answer(head, body, self.background, self.send_timeout)),
            ),
            prepare => Either::Right(Start { prepare, ..self }),
        }
    }

    pub(super) async fn finish(self) -> Result<Prepared> {
        let (head, body) = match self.prepare {
            Prepare::Ready(resolved) => resolved?,
            Prepare::Pending(waiting) => waiting.await?,
        };
        Ok(answer(head, body, self.background, self.send_timeout))
    }
}

/// The prepared answer of a resolved head and body, with what follows the body.
#[inline]
pub(super) fn answer(
    head: Head,
    body: Body,
    background: Option<Background>,
    send_timeout: Option<std::time::Duration>,
) -> Prepared {
    Prepared::new(head.status, head.headers, body, background, send_timeout)
}
