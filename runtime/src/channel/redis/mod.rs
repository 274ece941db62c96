//! The Redis engine: each channel's history is a Redis Stream, its epoch and head a hash
//! (see `scripts`); publishing is one atomic script; each process runs one reader per
//! channel with subscribers (`reader`), which fans events out locally. Several processes on
//! one Redis are one hub.

mod reader;
mod scripts;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures_util::future::{BoxFuture, FutureExt};
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, ScriptInvocation, Value};
use tokio::sync::{broadcast, watch};

use super::config::{Settings, Start};
use super::engine::{Engine, Entry, Opening};
use super::event::new_epoch;
use super::{ChannelError, ChannelEvent, EventId};
use scripts::{Scripts, Stored};

/// How long a command (publish, open) waits to connect or for its reply.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug)]
pub(crate) struct RedisEngine {
    shared: Arc<Shared>,
}

/// What the engine and its readers share.
#[derive(Debug)]
struct Shared {
    client: Client,
    /// `host:port` for error messages (never the password).
    address: String,
    prefix: String,
    settings: Arc<Settings>,
    scripts: Scripts,
    commands: tokio::sync::Mutex<Option<MultiplexedConnection>>,
    channels: Mutex<HashMap<String, Arc<Channel>>>,
    generations: AtomicU64,
}

/// A channel with subscribers in this process, and its reader.
#[derive(Debug)]
struct Channel {
    generation: u64,
    live: broadcast::Sender<Entry>,
    ready: watch::Receiver<Ready>,
}

/// The reader's state, as subscribers wait for it.
#[derive(Debug, Clone)]
enum Ready {
    Pending,
    Up,
    Down(String),
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    fn keys(&self, channel: &str) -> (String, String) {
        (
            format!("{}{{{channel}}}:meta", self.prefix),
            format!("{}{{{channel}}}:stream", self.prefix),
        )
    }

    fn unavailable(&self, error: impl std::fmt::Display) -> ChannelError {
        ChannelError::Unavailable(format!("Redis at {}: {error}", self.address).into())
    }

    async fn connect(
        &self,
        response_timeout: Duration,
    ) -> Result<MultiplexedConnection, ChannelError> {
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(COMMAND_TIMEOUT)
            .set_response_timeout(response_timeout);
        self.client
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .map_err(|error| self.unavailable(error))
    }

    /// Runs `invoke` on the shared command connection, reconnecting when it was lost.
    async fn command(&self, script: &ScriptInvocation<'_>) -> Result<Value, ChannelError> {
        let mut connection = {
            let mut slot = self.commands.lock().await;
            match slot.as_ref() {
                Some(connection) => connection.clone(),
                None => {
                    let connection = self.connect(COMMAND_TIMEOUT).await?;
                    *slot = Some(connection.clone());
                    connection
                }
            }
        };
        match script.invoke_async(&mut connection).await {
            Ok(value) => Ok(value),
            Err(error) => {
                if error.is_io_error() || error.is_timeout() || error.is_connection_dropped() {
                    self.commands.lock().await.take();
                }
                Err(self.unavailable(error))
            }
        }
    }

    /// The open script: the epoch, head and retained events after the base.
    async fn open_script(
        &self,
        channel: &str,
        cursor: Option<&EventId>,
        start: Start,
    ) -> Result<(Arc<str>, u64, Vec<Stored>), ChannelError> {
        let (meta, stream) = self.keys(channel);
        let age = millis(self.settings.history_age);
        let (cursor_epoch, cursor_offset) =
            cursor.map_or(("", 0), |cursor| (cursor.epoch(), cursor.offset()));
        let start = match start {
            Start::Oldest => "oldest",
            Start::Now => "now",
        };
        let mut script = self.scripts.open.prepare_invoke();
        script
            .key(&meta)
            .key(&stream)
            .arg(new_epoch())
            .arg(age)
            .arg(cursor_epoch)
            .arg(cursor_offset)
            .arg(start);
        let reply = self.command(&script).await?;
        let (epoch, head, stored) = scripts::opened(&reply)
            .ok_or_else(|| self.unavailable(scripts::unexpected("open", &reply)))?;
        Ok((Arc::from(epoch), head, stored))
    }

    /// Forgets `channel` if it is still this generation and nobody listens; then its reader
    /// stops.
    fn forget_unused(&self, channel: &str, generation: u64) -> bool {
        let mut channels = lock(&self.channels);
        match channels.get(channel) {
            Some(current) if current.generation == generation => {
                if current.live.receiver_count() > 0 {
                    return false;
                }
                channels.remove(channel);
                true
            }
            _ => true,
        }
    }

    /// Forgets `channel` whoever listens: its subscribers' streams end (the epoch changed).
    fn forget(&self, channel: &str, generation: u64) {
        let mut channels = lock(&self.channels);
        if channels
            .get(channel)
            .is_some_and(|current| current.generation == generation)
        {
            channels.remove(channel);
        }
    }

    fn stream_key(&self, channel: &str) -> String {
        self.keys(channel).1
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}

/// The encoded entry of a stored event.
fn entry(epoch: &Arc<str>, stored: &Stored) -> Result<Entry, ChannelError> {
    let id = EventId::new(epoch.clone(), stored.offset);
    Ok(Entry {
        epoch: epoch.clone(),
        offset: stored.offset,
        bytes: stored.event.encode(&id)?,
    })
}

impl RedisEngine {
    pub(crate) fn new(
        url: &str,
        prefix: String,
        settings: Arc<Settings>,
    ) -> Result<Self, ChannelError> {
        let client = Client::open(url)
            .map_err(|error| ChannelError::Config(format!("Redis URL {url:?}: {error}")))?;
        let address = client.get_connection_info().addr.to_string();
        Ok(RedisEngine {
            shared: Arc::new(Shared {
                client,
                address,
                prefix,
                settings,
                scripts: Scripts::new(),
                commands: tokio::sync::Mutex::new(None),
                channels: Mutex::new(HashMap::new()),
                generations: AtomicU64::new(0),
            }),
        })
    }

    /// A live receiver on `channel`, starting its reader when it has none.
    fn receiver(&self, channel: &str) -> (broadcast::Receiver<Entry>, watch::Receiver<Ready>) {
        let mut channels = lock(&self.shared.channels);
        if let Some(existing) = channels.get(channel) {
            return (existing.live.subscribe(), existing.ready.clone());
        }
        let generation = self.shared.generations.fetch_add(1, Ordering::Relaxed);
        let (live, receiver) = broadcast::channel(self.shared.settings.max_lag);
        let (ready_tx, ready) = watch::channel(Ready::Pending);
        let state = Arc::new(Channel {
            generation,
            live: live.clone(),
            ready: ready.clone(),
        });
        channels.insert(channel.to_owned(), state);
        tokio::spawn(reader::run(
            self.shared.clone(),
            channel.to_owned(),
            generation,
            live,
            ready_tx,
        ));
        (receiver, ready)
    }

    async fn publish_event(
        &self,
        channel: &str,
        event: ChannelEvent,
    ) -> Result<EventId, ChannelError> {
        let shared = &self.shared;
        let (meta, stream) = shared.keys(channel);
        let mut script = shared.scripts.publish.prepare_invoke();
        script
            .key(&meta)
            .key(&stream)
            .arg(new_epoch())
            .arg(shared.settings.history_size)
            .arg(millis(shared.settings.history_age))
            .arg(event.event_type().unwrap_or(""))
            .arg(event.data());
        let reply = shared.command(&script).await?;
        let (epoch, offset) = scripts::published(&reply)
            .ok_or_else(|| shared.unavailable(scripts::unexpected("publish", &reply)))?;
        Ok(EventId::new(Arc::from(epoch), offset))
    }

    async fn open_channel(
        &self,
        channel: &str,
        cursor: Option<&EventId>,
        start: Start,
    ) -> Result<Opening, ChannelError> {
        let (live, mut ready) = self.receiver(channel);
        let state = ready
            .wait_for(|ready| !matches!(ready, Ready::Pending))
            .await
            .map(|ready| ready.clone())
            .unwrap_or_else(|_| Ready::Down("the channel's reader stopped".to_owned()));
        if let Ready::Down(reason) = state {
            return Err(self.shared.unavailable(reason));
        }
        let (epoch, head, stored) = self.shared.open_script(channel, cursor, start).await?;
        let entries = stored
            .iter()
            .map(|stored| entry(&epoch, stored))
            .collect::<Result<_, _>>()?;
        Ok(Opening {
            epoch,
            head,
            entries,
            live,
        })
    }
}

impl Engine for RedisEngine {
    fn publish<'a>(
        &'a self,
        channel: &'a str,
        event: ChannelEvent,
    ) -> BoxFuture<'a, Result<EventId, ChannelError>> {
        self.publish_event(channel, event).boxed()
    }

    fn open<'a>(
        &'a self,
        channel: &'a str,
        cursor: Option<&'a EventId>,
        start: Start,
    ) -> BoxFuture<'a, Result<Opening, ChannelError>> {
        self.open_channel(channel, cursor, start).boxed()
    }

    fn subscribers(&self, channel: &str) -> usize {
        lock(&self.shared.channels)
            .get(channel)
            .map_or(0, |channel| channel.live.receiver_count())
    }
}
