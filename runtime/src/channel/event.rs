//! What a channel carries: the [`ChannelEvent`] a publisher hands over and the [`EventId`]
//! the hub gives it.

use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use serde::Serialize;

use super::ChannelError;
use crate::sse::ServerSentEvent;

/// The largest offset an id may carry: offsets stay exact in a Redis script's numbers
/// (doubles), and no channel publishes 2^53 events.
pub(crate) const MAX_OFFSET: u64 = 1 << 53;

/// An event to publish on a channel: its data and, optionally, its event type.
///
/// The hub gives it its id (see [`EventId`]); it is encoded once, when it reaches a process,
/// and the same bytes go to every subscriber there.
///
/// ```
/// use respond::ChannelEvent;
///
/// let event = ChannelEvent::new("hello").event("chat");
/// assert_eq!(event.data(), "hello");
/// assert_eq!(event.event_type(), Some("chat"));
/// let plain: ChannelEvent = "just data".into();
/// assert_eq!(plain.event_type(), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelEvent {
    event: Option<String>,
    data: String,
}

impl ChannelEvent {
    /// An event carrying `data` (several lines become several `data:` lines on the wire).
    pub fn new(data: impl Into<String>) -> Self {
        ChannelEvent {
            event: None,
            data: data.into(),
        }
    }

    /// An event whose data is `value` as compact JSON.
    ///
    /// ```
    /// let event = respond::ChannelEvent::json(&serde_json::json!({"n": 1})).unwrap();
    /// assert_eq!(event.data(), "{\"n\":1}");
    /// ```
    ///
    /// # Errors
    /// [`ChannelError::Encode`] when the value cannot be rendered as JSON.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Self, ChannelError> {
        serde_json::to_string(value)
            .map(ChannelEvent::new)
            .map_err(|error| ChannelError::Encode(error.to_string()))
    }

    /// Sets the event type (`event:`), which browsers dispatch to
    /// `addEventListener(type, ...)`; without one the event is a `message`.
    #[must_use]
    pub fn event(mut self, event: impl Into<String>) -> Self {
        self.event = Some(event.into());
        self
    }

    /// The data.
    ///
    /// ```
    /// assert_eq!(respond::ChannelEvent::new("x").data(), "x");
    /// ```
    pub fn data(&self) -> &str {
        &self.data
    }

    /// The event type, when set.
    ///
    /// ```
    /// assert_eq!(respond::ChannelEvent::new("x").event("t").event_type(), Some("t"));
    /// ```
    pub fn event_type(&self) -> Option<&str> {
        self.event.as_deref().filter(|event| !event.is_empty())
    }

    /// The wire bytes of this event under `id`: the one encoding all subscribers share.
    pub(crate) fn encode(&self, id: &EventId) -> Result<Bytes, ChannelError> {
        let mut event = ServerSentEvent::new(self.data.as_str()).id(id.to_string());
        if let Some(name) = self.event_type() {
            event = event.event(name);
        }
        event
            .encode()
            .map_err(|error| ChannelError::Encode(error.to_string()))
    }
}

impl From<String> for ChannelEvent {
    fn from(data: String) -> Self {
        ChannelEvent::new(data)
    }
}

impl From<&str> for ChannelEvent {
    fn from(data: &str) -> Self {
        ChannelEvent::new(data)
    }
}

/// The id the hub gives a published event: `<epoch>:<offset>`, e.g. `3f9a0c2e71d45b86:42`.
///
/// The *offset* counts the channel's events (1, 2, 3, ...; never reused). The *epoch* names
/// the channel's history: it changes when that history is lost (a restarted in-process hub,
/// a flushed or new Redis), so an id from a lost history is recognised and answered with the
/// reset event instead of a silent gap. Browsers send the id back as `Last-Event-ID`.
///
/// ```
/// use respond::EventId;
///
/// let id: EventId = "3f9a0c2e71d45b86:42".parse().unwrap();
/// assert_eq!((id.epoch(), id.offset()), ("3f9a0c2e71d45b86", 42));
/// assert_eq!(id.to_string(), "3f9a0c2e71d45b86:42");
/// assert!("42".parse::<EventId>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventId {
    epoch: Arc<str>,
    offset: u64,
}

impl EventId {
    pub(crate) fn new(epoch: Arc<str>, offset: u64) -> Self {
        EventId { epoch, offset }
    }

    /// The epoch: which history of the channel the event belongs to.
    ///
    /// ```
    /// let id: respond::EventId = "a1:7".parse().unwrap();
    /// assert_eq!(id.epoch(), "a1");
    /// ```
    pub fn epoch(&self) -> &str {
        &self.epoch
    }

    /// The offset: the event's number in the channel, from 1.
    ///
    /// ```
    /// let id: respond::EventId = "a1:7".parse().unwrap();
    /// assert_eq!(id.offset(), 7);
    /// ```
    pub fn offset(&self) -> u64 {
        self.offset
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.epoch, self.offset)
    }
}

/// The error of parsing an [`EventId`]: the text is not `<epoch>:<offset>`.
///
/// ```
/// let error = "nope".parse::<respond::EventId>().unwrap_err();
/// assert!(error.to_string().contains("nope"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a channel event id (<epoch>:<offset>)")]
pub struct InvalidEventId(String);

impl FromStr for EventId {
    type Err = InvalidEventId;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidEventId(text.to_owned());
        let (epoch, offset) = text.rsplit_once(':').ok_or_else(invalid)?;
        let epoch_ok = !epoch.is_empty()
            && epoch.len() <= 64
            && epoch.bytes().all(|byte| byte.is_ascii_alphanumeric());
        let digits_ok = !offset.is_empty() && offset.bytes().all(|byte| byte.is_ascii_digit());
        if !epoch_ok || !digits_ok {
            return Err(invalid());
        }
        let offset: u64 = offset.parse().map_err(|_| invalid())?;
        if offset > MAX_OFFSET {
            return Err(invalid());
        }
        Ok(EventId::new(Arc::from(epoch), offset))
    }
}

/// A fresh epoch: 16 hex digits, unpredictable enough that two hubs never share one (not a
/// secret: it only tells histories apart).
pub(crate) fn new_epoch() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    hasher.write_u128(now.as_nanos());
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    format!("{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_reject_foreign_text() {
        let id = EventId::new(Arc::from("ab12"), 9);
        assert_eq!(id.to_string().parse::<EventId>().unwrap(), id);
        for foreign in [
            "",
            "7",
            ":7",
            "ab:",
            "ab:-1",
            "a b:1",
            "ab:1x",
            "ab:9007199254740993",
        ] {
            assert!(foreign.parse::<EventId>().is_err(), "{foreign:?}");
        }
    }

    #[test]
    fn epochs_differ() {
        let a = new_epoch();
        assert_eq!(a.len(), 16);
        assert_ne!(a, new_epoch());
    }

    #[test]
    fn encoding_carries_the_id_and_type() {
        let id = EventId::new(Arc::from("e1"), 3);
        let bytes = ChannelEvent::new("a\nb").event("chat").encode(&id).unwrap();
        assert_eq!(
            bytes,
            "id: e1:3\r\nevent: chat\r\ndata: a\r\ndata: b\r\n\r\n"
        );
        let plain = ChannelEvent::new("x").encode(&id).unwrap();
        assert_eq!(plain, "id: e1:3\r\ndata: x\r\n\r\n");
    }
}
