//! The in-process engine: each channel's history in a ring of encoded events, live
//! delivery on a broadcast ring; one lock per channel orders publishing and opening, so a
//! new subscriber's replay and its live events meet with no gap and no duplicate.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use futures_util::future::{BoxFuture, FutureExt};
use tokio::sync::broadcast;

use super::config::{Settings, Start};
use super::engine::{Engine, Entry, Opening, base};
use super::event::new_epoch;
use super::{ChannelError, ChannelEvent, EventId};

#[derive(Debug)]
pub(crate) struct MemoryEngine {
    settings: Arc<Settings>,
    channels: Mutex<Channels>,
}

#[derive(Debug)]
struct Channels {
    map: HashMap<String, Arc<Mutex<Channel>>>,
    swept: Instant,
}

#[derive(Debug)]
struct Channel {
    epoch: Arc<str>,
    head: u64,
    history: VecDeque<(Instant, Entry)>,
    live: broadcast::Sender<Entry>,
    touched: Instant,
}

impl Channel {
    fn new(max_lag: usize) -> Self {
        Channel {
            epoch: Arc::from(new_epoch()),
            head: 0,
            history: VecDeque::new(),
            live: broadcast::channel(max_lag).0,
            touched: Instant::now(),
        }
    }

    /// Drops what is past the count and age bounds.
    fn trim(&mut self, settings: &Settings, now: Instant) {
        while self.history.len() > settings.history_size {
            self.history.pop_front();
        }
        while self
            .history
            .front()
            .is_some_and(|(at, _)| now.duration_since(*at) > settings.history_age)
        {
            self.history.pop_front();
        }
    }

    /// Forgotten once nobody listens and nothing is left to replay.
    fn idle(&self, age: Duration, now: Instant) -> bool {
        self.live.receiver_count() == 0
            && self.history.is_empty()
            && now.duration_since(self.touched) > age
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a channel's lock leaves its state consistent (every update is a
    // push or a pop), so the lock stays usable.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl MemoryEngine {
    pub(crate) fn new(settings: Arc<Settings>) -> Self {
        MemoryEngine {
            settings,
            channels: Mutex::new(Channels {
                map: HashMap::new(),
                swept: Instant::now(),
            }),
        }
    }

    /// The channel, created when missing; forgets idle channels once per history age.
    fn channel(&self, name: &str) -> Arc<Mutex<Channel>> {
        let mut channels = lock(&self.channels);
        let now = Instant::now();
        if now.duration_since(channels.swept) > self.settings.history_age {
            channels.swept = now;
            let settings = &self.settings;
            channels.map.retain(|_, channel| {
                let mut channel = lock(channel);
                channel.trim(settings, now);
                !channel.idle(settings.history_age, now)
            });
        }
        channels
            .map
            .entry(name.to_owned())
            .or_insert_with(|| Arc::new(Mutex::new(Channel::new(self.settings.max_lag))))
            .clone()
    }

    fn publish_now(&self, name: &str, event: &ChannelEvent) -> Result<EventId, ChannelError> {
        let channel = self.channel(name);
        let mut channel = lock(&channel);
        let id = EventId::new(channel.epoch.clone(), channel.head + 1);
        let bytes = event.encode(&id)?;
        let now = Instant::now();
        channel.head += 1;
        channel.touched = now;
        let entry = Entry {
            epoch: channel.epoch.clone(),
            offset: channel.head,
            bytes,
        };
        channel.history.push_back((now, entry.clone()));
        channel.trim(&self.settings, now);
        // No receiver is no error: the history keeps the event for those who come back.
        let _ = channel.live.send(entry);
        Ok(id)
    }

    fn open_now(&self, name: &str, cursor: Option<&EventId>, start: Start) -> Opening {
        let channel = self.channel(name);
        let mut channel = lock(&channel);
        let now = Instant::now();
        channel.trim(&self.settings, now);
        channel.touched = now;
        let base = base(&channel.epoch, channel.head, cursor, start);
        let entries = channel
            .history
            .iter()
            .filter(|(_, entry)| entry.offset > base)
            .map(|(_, entry)| entry.clone())
            .collect();
        Opening {
            epoch: channel.epoch.clone(),
            head: channel.head,
            entries,
            live: channel.live.subscribe(),
        }
    }
}

impl Engine for MemoryEngine {
    fn publish<'a>(
        &'a self,
        channel: &'a str,
        event: ChannelEvent,
    ) -> BoxFuture<'a, Result<EventId, ChannelError>> {
        let published = self.publish_now(channel, &event);
        async move { published }.boxed()
    }

    fn open<'a>(
        &'a self,
        channel: &'a str,
        cursor: Option<&'a EventId>,
        start: Start,
    ) -> BoxFuture<'a, Result<Opening, ChannelError>> {
        let opening = self.open_now(channel, cursor, start);
        async move { Ok(opening) }.boxed()
    }

    fn subscribers(&self, channel: &str) -> usize {
        let channels = lock(&self.channels);
        channels
            .map
            .get(channel)
            .map_or(0, |channel| lock(channel).live.receiver_count())
    }
}
