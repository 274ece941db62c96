//! One reader per channel per process: `XREAD BLOCK` on the channel's stream over its own
//! connection, each event encoded once and sent to the process's subscribers. While Redis
//! is away it reconnects with a growing pause and the subscribers wait (pinged by their
//! streams); when Redis comes back with another epoch, or an event of another epoch
//! arrives, it forgets the channel, which ends the subscribers' streams so that they
//! reconnect and get the reset event. It stops when the channel has no subscriber left.

use std::sync::Arc;
use std::time::Duration;

use redis::Value;
use redis::aio::MultiplexedConnection;
use tokio::sync::{broadcast, watch};

use super::scripts;
use super::{Ready, Shared, entry};
use crate::channel::config::Start;
use crate::channel::engine::Entry;

/// How long one `XREAD` blocks: also how soon a lost epoch or a channel left without
/// subscribers is noticed.
const BLOCK: Duration = Duration::from_millis(1000);
/// At most this many events per read.
const BATCH: usize = 512;
/// The pause between reconnection attempts grows to this.
const MAX_PAUSE: Duration = Duration::from_secs(2);

/// What ended a step of the loop.
enum Outcome {
    /// Go on reading.
    Continue,
    /// The connection failed: reconnect.
    Lost(String),
    /// The channel's epoch is not the one this reader started with.
    EpochChanged,
}

struct Reader {
    shared: Arc<Shared>,
    channel: String,
    generation: u64,
    key: String,
    live: broadcast::Sender<Entry>,
    epoch: Arc<str>,
    last: u64,
}

impl Reader {
    async fn read(&mut self, connection: &mut MultiplexedConnection) -> Outcome {
        let reply: Value = match redis::cmd("XREAD")
            .arg("BLOCK")
            .arg(u64::try_from(BLOCK.as_millis()).unwrap_or(1000))
            .arg("COUNT")
            .arg(BATCH)
            .arg("STREAMS")
            .arg(&self.key)
            .arg(format!("{}-0", self.last))
            .query_async(connection)
            .await
        {
            Ok(reply) => reply,
            Err(error) => return Outcome::Lost(error.to_string()),
        };
        let Some(stored) = scripts::read(&reply) else {
            return Outcome::Lost(scripts::unexpected("XREAD", &reply));
        };
        if stored.is_empty() {
            return self.check_epoch().await;
        }
        for stored in &stored {
            if stored.epoch.as_deref() != Some(&*self.epoch) {
                return Outcome::EpochChanged;
            }
            match entry(&self.epoch, stored) {
                // No receiver is no error: the reader stops at its next turn.
                Ok(entry) => drop(self.live.send(entry)),
                Err(error) => {
                    tracing::error!(channel = %self.channel, %error, "cannot encode a stored event; skipping it");
                }
            }
            self.last = stored.offset;
        }
        Outcome::Continue
    }

    /// Whether the channel still has this reader's epoch (and keeps its meta alive).
    async fn check_epoch(&self) -> Outcome {
        match self
            .shared
            .open_script(&self.channel, None, Start::Now)
            .await
        {
            Ok((epoch, _, _)) if epoch == self.epoch => Outcome::Continue,
            Ok(_) => Outcome::EpochChanged,
            Err(error) => Outcome::Lost(error.to_string()),
        }
    }

    /// Reconnects until Redis answers; `None` when nobody listens any more.
    async fn reconnect(&self) -> Option<MultiplexedConnection> {
        let mut pause = Duration::from_millis(100);
        loop {
            tokio::time::sleep(pause).await;
            if self.shared.forget_unused(&self.channel, self.generation) {
                return None;
            }
            match self.shared.connect(BLOCK + Duration::from_secs(5)).await {
                Ok(connection) => return Some(connection),
                Err(error) => {
                    tracing::debug!(channel = %self.channel, %error, "Redis still unreachable");
                    pause = (pause * 2).min(MAX_PAUSE);
                }
            }
        }
    }
}

/// The reader of `channel` (generation `generation`): primes `ready`, then reads until the
/// channel has no subscriber or its epoch changes.
pub(super) async fn run(
    shared: Arc<Shared>,
    channel: String,
    generation: u64,
    live: broadcast::Sender<Entry>,
    ready: watch::Sender<Ready>,
) {
    let started = async {
        let connection = shared.connect(BLOCK + Duration::from_secs(5)).await?;
        let (epoch, head, _) = shared.open_script(&channel, None, Start::Now).await?;
        Ok::<_, crate::channel::ChannelError>((connection, epoch, head))
    }
    .await;
    let (mut connection, epoch, head) = match started {
        Ok(started) => started,
        Err(error) => {
            tracing::warn!(%channel, %error, "cannot start the channel's reader");
            shared.forget(&channel, generation);
            ready.send_replace(Ready::Down(error.to_string()));
            return;
        }
    };
    ready.send_replace(Ready::Up);
    let mut reader = Reader {
        key: shared.stream_key(&channel),
        shared,
        channel,
        generation,
        live,
        epoch,
        last: head,
    };
    loop {
        if reader.shared.forget_unused(&reader.channel, generation) {
            return;
        }
        match reader.read(&mut connection).await {
            Outcome::Continue => {}
            Outcome::EpochChanged => {
                tracing::info!(channel = %reader.channel, "the channel's history was lost (new epoch); subscribers reconnect and are reset");
                reader.shared.forget(&reader.channel, generation);
                return;
            }
            Outcome::Lost(error) => {
                tracing::warn!(channel = %reader.channel, %error, "lost Redis; reconnecting");
                match reader.reconnect().await {
                    Some(again) => connection = again,
                    None => return,
                }
                if let Outcome::EpochChanged = reader.check_epoch().await {
                    tracing::info!(channel = %reader.channel, "Redis came back without the channel's history; subscribers reconnect and are reset");
                    reader.shared.forget(&reader.channel, generation);
                    return;
                }
            }
        }
    }
}
