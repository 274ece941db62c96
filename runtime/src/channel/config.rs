//! [`HubBuilder`]: history bounds, the slow-subscriber bound, the reset event, where a new
//! subscriber starts; and the engine to build on.

use std::sync::Arc;
use std::time::Duration;

use super::ChannelHub;
use super::memory::MemoryEngine;

/// Where a subscriber with nothing to resume from starts: a first visit (no
/// `Last-Event-ID`), or one answered with the reset event.
///
/// ```
/// let hub = respond::ChannelHub::builder().start(respond::Start::Oldest).build();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Start {
    /// Live from now: the page loads its state from the application (the default).
    #[default]
    Now,
    /// From the oldest event the history still holds, then live: the history is the state
    /// (a chat room's recent messages).
    Oldest,
}

/// The settings every engine and subscription reads.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) history_size: usize,
    pub(crate) history_age: Duration,
    pub(crate) max_lag: usize,
    pub(crate) reset_event: String,
    pub(crate) retry: Duration,
    pub(crate) start: Start,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            history_size: 1000,
            history_age: Duration::from_secs(300),
            max_lag: 1024,
            reset_event: "reset".to_owned(),
            retry: Duration::from_secs(1),
            start: Start::Now,
        }
    }
}

/// Builds a [`ChannelHub`]: the defaults suit most pages.
///
/// | setting | default | meaning |
/// |---|---|---|
/// | [`history_size`](Self::history_size) | 1000 | events kept per channel for replay |
/// | [`history_age`](Self::history_age) | 5 min | how long an event stays replayable |
/// | [`max_lag`](Self::max_lag) | 1024 | events a subscriber may fall behind before its stream is ended |
/// | [`reset_event`](Self::reset_event) | `"reset"` | the event type of the reset event |
/// | [`retry`](Self::retry) | 1 s | the reconnection delay sent to browsers (`retry:`) |
/// | [`start`](Self::start) | [`Start::Now`] | where a subscriber with nothing to resume from starts |
///
/// ```
/// use std::time::Duration;
/// use respond::{ChannelHub, Start};
///
/// let hub = ChannelHub::builder()
///     .history_size(200)
///     .history_age(Duration::from_secs(60))
///     .max_lag(256)
///     .reset_event("resync")
///     .retry(Duration::from_millis(500))
///     .start(Start::Oldest)
///     .build();
/// assert_eq!(hub.subscribers("room"), 0);
/// ```
#[derive(Debug, Clone, Default)]
pub struct HubBuilder {
    settings: Settings,
    #[cfg(feature = "redis")]
    redis_prefix: Option<String>,
}

impl HubBuilder {
    /// Keeps at most `size` events per channel for replay (at least 1).
    #[must_use]
    pub fn history_size(mut self, size: usize) -> Self {
        self.settings.history_size = size.max(1);
        self
    }

    /// Keeps events replayable for `age` (at least 1 ms). A channel left without
    /// subscribers and events for that long is forgotten, epoch included: a client away
    /// longer than this gets the reset event.
    #[must_use]
    pub fn history_age(mut self, age: Duration) -> Self {
        self.settings.history_age = age.max(Duration::from_millis(1));
        self
    }

    /// Ends the stream of a subscriber that falls more than `events` behind (at least 1):
    /// its browser reconnects and resumes from the history. Memory per channel stays
    /// bounded whatever the subscribers do.
    #[must_use]
    pub fn max_lag(mut self, events: usize) -> Self {
        self.settings.max_lag = events.max(1);
        self
    }

    /// The event type of the reset event (default `"reset"`), sent first to a subscriber
    /// whose `Last-Event-ID` cannot be resumed. Its data is `history` (the id is older than
    /// the history kept) or `epoch` (the id is from a lost history, or not one of the hub's).
    #[must_use]
    pub fn reset_event(mut self, name: impl Into<String>) -> Self {
        self.settings.reset_event = name.into();
        self
    }

    /// The reconnection delay every stream tells the browser first (`retry:`, default 1 s):
    /// how soon it comes back after its stream ended (a slow subscriber, a lost store,
    /// a server restart).
    #[must_use]
    pub fn retry(mut self, delay: Duration) -> Self {
        self.settings.retry = delay;
        self
    }

    /// Where a subscriber with nothing to resume from starts (default [`Start::Now`]).
    #[must_use]
    pub fn start(mut self, start: Start) -> Self {
        self.settings.start = start;
        self
    }

    /// The prefix of the Redis keys (default `respond:channel:`): a channel's keys are
    /// `<prefix>{<name>}:stream` and `<prefix>{<name>}:meta`.
    ///
    /// ```
    /// let builder = respond::ChannelHub::builder().redis_prefix("myapp:");
    /// ```
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    #[must_use]
    pub fn redis_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.redis_prefix = Some(prefix.into());
        self
    }

    /// The in-process hub: one process, no setup.
    ///
    /// ```
    /// let hub = respond::ChannelHub::builder().history_size(10).build();
    /// ```
    pub fn build(self) -> ChannelHub {
        let settings = Arc::new(self.settings);
        ChannelHub::with_engine(Arc::new(MemoryEngine::new(settings.clone())), settings)
    }

    /// A hub on the Redis at `url` (`redis://host:port/db`): every process on the same
    /// Redis (and key prefix) shares the channels. Connections are made when first needed,
    /// so this succeeds while Redis is down.
    ///
    /// ```
    /// let hub = respond::ChannelHub::builder().build_redis("redis://127.0.0.1:6379/").unwrap();
    /// assert!(respond::ChannelHub::builder().build_redis("not a url").is_err());
    /// ```
    ///
    /// # Errors
    /// [`ChannelError::Config`](super::ChannelError::Config) when the URL does not parse.
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub fn build_redis(self, url: &str) -> Result<ChannelHub, super::ChannelError> {
        let settings = Arc::new(self.settings);
        let prefix = self
            .redis_prefix
            .unwrap_or_else(|| "respond:channel:".to_owned());
        let engine = super::redis::RedisEngine::new(url, prefix, settings.clone())?;
        Ok(ChannelHub::with_engine(Arc::new(engine), settings))
    }
}
