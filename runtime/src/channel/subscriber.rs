//! One subscription as a stream of encoded events: the retry hint, the reset event when the
//! client's `Last-Event-ID` cannot be resumed, the events it missed, then live events. The
//! stream ends (and the browser reconnects and resumes) when the subscriber falls behind,
//! when an event would be skipped, or when the engine loses the channel.

use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::{self, Stream, StreamExt};
use tokio::sync::broadcast::{self, error::RecvError};

use super::EventId;
use super::config::{Settings, Start};
use super::engine::{Engine, Entry, Opening};
use crate::sse::ServerSentEvent;

/// What the client sent as `Last-Event-ID`.
#[derive(Debug)]
pub(crate) enum Cursor {
    /// Nothing: a first visit.
    None,
    /// Not one of the hub's ids.
    Foreign,
    /// One of the hub's ids.
    At(EventId),
}

impl Cursor {
    pub(crate) fn parse(last_event_id: Option<&str>) -> Self {
        match last_event_id.map(str::trim) {
            None | Some("") => Cursor::None,
            Some(text) => text.parse().map_or(Cursor::Foreign, Cursor::At),
        }
    }
}

/// Why a subscriber is reset, the reset event's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reset {
    History,
    Epoch,
}

/// How an opening is resumed: the reset (if any) and the events to replay.
fn plan(cursor: &Cursor, opening: &mut Opening, start: Start) -> Option<Reset> {
    let reset = match cursor {
        Cursor::None => None,
        Cursor::Foreign => Some(Reset::Epoch),
        Cursor::At(id) if id.epoch() != &*opening.epoch || id.offset() > opening.head => {
            Some(Reset::Epoch)
        }
        Cursor::At(id) => {
            let next = opening.entries.first().map(|entry| entry.offset);
            let missed = id.offset() < opening.head && next != Some(id.offset() + 1);
            missed.then_some(Reset::History)
        }
    };
    if reset == Some(Reset::History) && start == Start::Now {
        opening.entries.clear();
    }
    reset
}

/// The live part: events after `last`, contiguous, of one epoch.
struct Live {
    receiver: broadcast::Receiver<Entry>,
    epoch: Arc<str>,
    last: u64,
}

impl Live {
    /// The next event to send, or `None` when the stream must end.
    async fn next(&mut self, channel: &str) -> Option<Bytes> {
        loop {
            match self.receiver.recv().await {
                Ok(entry) if entry.epoch != self.epoch => {
                    tracing::debug!(channel, "channel epoch changed; ending the subscription");
                    return None;
                }
                Ok(entry) if entry.offset <= self.last => {}
                Ok(entry) if entry.offset == self.last + 1 => {
                    self.last = entry.offset;
                    return Some(entry.bytes);
                }
                Ok(entry) => {
                    tracing::debug!(
                        channel,
                        expected = self.last + 1,
                        got = entry.offset,
                        "events missing on the live path; ending the subscription so it resumes from history"
                    );
                    return None;
                }
                Err(RecvError::Lagged(behind)) => {
                    tracing::debug!(
                        channel,
                        behind,
                        "slow subscriber ended; it resumes from history when it reconnects"
                    );
                    return None;
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }
}

enum Phase {
    Open {
        engine: Arc<dyn Engine>,
        settings: Arc<Settings>,
        channel: String,
        cursor: Cursor,
    },
    Replay {
        channel: String,
        items: std::vec::IntoIter<Bytes>,
        live: Live,
    },
    Live {
        channel: String,
        live: Live,
    },
    Done,
}

fn encode(event: &ServerSentEvent) -> Bytes {
    // Only ids with a NUL fail to encode, and the hub's ids have none.
    event.encode().unwrap_or_default()
}

/// Opens the subscription and lays out what goes first.
async fn open(
    engine: Arc<dyn Engine>,
    settings: Arc<Settings>,
    channel: String,
    cursor: Cursor,
) -> Phase {
    let at = match &cursor {
        Cursor::At(id) => Some(id),
        _ => None,
    };
    let mut opening = match engine.open(&channel, at, settings.start).await {
        Ok(opening) => opening,
        Err(error) => {
            tracing::warn!(%channel, %error, "cannot open the subscription; the client retries");
            return Phase::Done;
        }
    };
    let reset = plan(&cursor, &mut opening, settings.start);
    let mut items = Vec::with_capacity(opening.entries.len() + 1);
    if let Some(reset) = reset {
        let from = opening
            .entries
            .first()
            .map_or(opening.head, |entry| entry.offset - 1);
        let reason = match reset {
            Reset::History => "history",
            Reset::Epoch => "epoch",
        };
        tracing::debug!(%channel, reason, "resetting a subscriber");
        items.push(encode(
            &ServerSentEvent::new(reason)
                .event(settings.reset_event.as_str())
                .id(EventId::new(opening.epoch.clone(), from).to_string()),
        ));
    }
    items.extend(opening.entries.into_iter().map(|entry| entry.bytes));
    let live = Live {
        receiver: opening.live,
        epoch: opening.epoch,
        last: opening.head,
    };
    Phase::Replay {
        channel,
        items: items.into_iter(),
        live,
    }
}

/// The subscription's stream of encoded events, starting with the retry hint.
pub(crate) fn stream(
    engine: Arc<dyn Engine>,
    settings: Arc<Settings>,
    channel: String,
    cursor: Cursor,
) -> impl Stream<Item = Bytes> + Send + 'static {
    let hint = encode(&ServerSentEvent::empty().retry(settings.retry));
    let phase = Phase::Open {
        engine,
        settings,
        channel,
        cursor,
    };
    stream::once(async move { hint }).chain(stream::unfold(phase, |phase| async move {
        let mut phase = phase;
        loop {
            phase = match phase {
                Phase::Open {
                    engine,
                    settings,
                    channel,
                    cursor,
                } => open(engine, settings, channel, cursor).await,
                Phase::Replay {
                    channel,
                    mut items,
                    live,
                } => match items.next() {
                    Some(item) => {
                        return Some((
                            item,
                            Phase::Replay {
                                channel,
                                items,
                                live,
                            },
                        ));
                    }
                    None => Phase::Live { channel, live },
                },
                Phase::Live { channel, mut live } => {
                    let item = live.next(&channel).await?;
                    return Some((item, Phase::Live { channel, live }));
                }
                Phase::Done => return None,
            };
        }
    }))
}
