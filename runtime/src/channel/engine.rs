//! The seam between the hub and its engines: an engine stores a channel's history and
//! carries its live events; the hub turns that into subscriptions. A new engine is one
//! file implementing [`Engine`].

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use tokio::sync::broadcast;

use super::config::Start;
use super::{ChannelError, ChannelEvent, EventId};

/// One published event as it reaches a process: encoded once, shared by every subscriber.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) epoch: Arc<str>,
    pub(crate) offset: u64,
    pub(crate) bytes: Bytes,
}

/// What a new subscription starts from.
#[derive(Debug)]
pub(crate) struct Opening {
    /// The channel's epoch now.
    pub(crate) epoch: Arc<str>,
    /// The newest offset published (0 before the first event).
    pub(crate) head: u64,
    /// The retained events after the base, oldest first, up to `head`. The base is the
    /// cursor's offset when the cursor is of this epoch and not past `head`; otherwise 0
    /// for [`Start::Oldest`] and `head` for [`Start::Now`].
    pub(crate) entries: Vec<Entry>,
    /// Live events, registered before `entries` were read: an event is in one or both,
    /// never in neither.
    pub(crate) live: broadcast::Receiver<Entry>,
}

/// An engine: history and live delivery for named channels.
pub(crate) trait Engine: Send + Sync + fmt::Debug + 'static {
    /// Appends `event` to `channel`, giving it the next offset, and delivers it live.
    fn publish<'a>(
        &'a self,
        channel: &'a str,
        event: ChannelEvent,
    ) -> BoxFuture<'a, Result<EventId, ChannelError>>;

    /// Registers a live receiver on `channel`, then reads what `cursor` missed.
    fn open<'a>(
        &'a self,
        channel: &'a str,
        cursor: Option<&'a EventId>,
        start: Start,
    ) -> BoxFuture<'a, Result<Opening, ChannelError>>;

    /// How many subscriptions of this process are on `channel`.
    fn subscribers(&self, channel: &str) -> usize;
}

/// The base offset of an opening, as [`Opening::entries`] defines it.
pub(crate) fn base(epoch: &str, head: u64, cursor: Option<&EventId>, start: Start) -> u64 {
    match cursor {
        Some(cursor) if cursor.epoch() == epoch && cursor.offset() <= head => cursor.offset(),
        _ => match start {
            Start::Oldest => 0,
            Start::Now => head,
        },
    }
}
