//! [`ChannelHub`]: publish once to a named channel, fan out to every subscriber as server-sent
//! events, and resume a reconnecting browser where it left off, on this process or, with the
//! Redis engine, on any replica.

mod config;
mod engine;
mod error;
mod event;
mod memory;
#[cfg(feature = "redis")]
mod redis;
mod subscriber;

use std::fmt;
use std::sync::Arc;

pub use config::{HubBuilder, Start};
pub use error::ChannelError;
pub use event::{ChannelEvent, EventId, InvalidEventId};

use crate::protocol::Scope;
use crate::sse::EventSourceResponse;
use config::Settings;
use engine::Engine;
use subscriber::Cursor;

/// A hub of named event channels.
///
/// - [`publish`](Self::publish) appends an event to a channel: the hub gives it the id
///   `<epoch>:<offset>` ([`EventId`]), keeps it in the channel's bounded history and sends
///   it to every subscriber. It is encoded once per process; subscribers share its bytes.
/// - [`subscribe`](Self::subscribe) answers a request with an [`EventSourceResponse`]: a
///   `retry:` hint, then what the client missed after its `Last-Event-ID`, then live events,
///   with no gap and no duplicate between the two.
/// - A `Last-Event-ID` that cannot be resumed (older than the history kept, from another
///   epoch, or not one of the hub's ids) gets the **reset event** first: event type
///   `reset` ([`HubBuilder::reset_event`]), data `history` or `epoch`, and an id to resume
///   from; the page reloads its state, and the stream goes on from [`Start`].
/// - A subscriber more than [`max_lag`](HubBuilder::max_lag) events behind is ended; its
///   browser reconnects and resumes from the history. A closed connection leaves the hub at
///   once ([`subscribers`](Self::subscribers) counts them).
/// - Engines: in-process ([`ChannelHub::in_process`], the default) and Redis
///   (`HubBuilder::build_redis`, cargo feature `redis`), where every process on one Redis
///   acts as one hub.
///
/// The hub is cheap to clone (an `Arc`); clones share the channels.
///
/// ```
/// use respond::{ChannelHub, TestClient};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> respond::Result<()> {
/// let hub = ChannelHub::in_process();
/// let id = hub.publish("room", "hello").await?;
/// assert_eq!(id.offset(), 1);
///
/// // A browser that saw nothing of epoch `id.epoch()` yet: it resumes after offset 0.
/// let resume = format!("{}:0", id.epoch());
/// let app = {
///     let hub = hub.clone();
///     move |scope: respond::Scope, mut receive: respond::Receiver, mut send: respond::Sender| {
///         let hub = hub.clone();
///         async move { hub.subscribe(&scope, "room")?.send(&scope, &mut receive, &mut send).await }
///     }
/// };
/// let client = TestClient::new(app);
/// let mut stream = client.get("/").header("last-event-id", &resume).stream().await;
/// let mut text = String::new();
/// while !text.contains("data: hello") {
///     let chunk = stream.next_chunk().await?.expect("the stream goes on");
///     text.push_str(std::str::from_utf8(&chunk).unwrap());
/// }
/// assert!(text.starts_with("retry: 1000\r\n\r\n"));
/// assert!(text.contains(&format!("id: {id}\r\ndata: hello\r\n\r\n")));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ChannelHub {
    engine: Arc<dyn Engine>,
    settings: Arc<Settings>,
}

impl ChannelHub {
    pub(crate) fn with_engine(engine: Arc<dyn Engine>, settings: Arc<Settings>) -> Self {
        ChannelHub { engine, settings }
    }

    /// The in-process hub with the default settings (see [`HubBuilder`]).
    ///
    /// ```
    /// let hub = respond::ChannelHub::in_process();
    /// ```
    pub fn in_process() -> Self {
        HubBuilder::default().build()
    }

    /// A builder for the settings and the engine.
    ///
    /// ```
    /// let hub = respond::ChannelHub::builder().history_size(50).build();
    /// ```
    pub fn builder() -> HubBuilder {
        HubBuilder::default()
    }

    /// Publishes `event` on `channel` and returns the id the hub gave it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), respond::ChannelError> {
    /// let hub = respond::ChannelHub::in_process();
    /// let first = hub.publish("jobs", respond::ChannelEvent::new("50%").event("progress")).await?;
    /// let second = hub.publish("jobs", "done").await?;
    /// assert_eq!((first.offset(), second.offset()), (1, 2));
    /// assert_eq!(first.epoch(), second.epoch());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`ChannelError::InvalidName`] for a bad channel name, [`ChannelError::Unavailable`]
    /// when the engine's store cannot be reached (the event was not published).
    pub async fn publish(
        &self,
        channel: &str,
        event: impl Into<ChannelEvent>,
    ) -> Result<EventId, ChannelError> {
        error::check_name(channel)?;
        self.engine.publish(channel, event.into()).await
    }

    /// Subscribes the request to `channel`, resuming after its `Last-Event-ID`
    /// ([`Scope::last_event_id`]). The response can be configured further (`with_ping`,
    /// `with_send_timeout`, ...); its events are encoded with `\r\n` whatever its separator.
    ///
    /// ```
    /// let hub = respond::ChannelHub::in_process();
    /// let scope = respond::Scope::new(respond::Method::GET, "/events");
    /// let response = hub.subscribe(&scope, "room").unwrap();
    /// assert_eq!(response.headers()["content-type"], "text/event-stream; charset=utf-8");
    /// ```
    ///
    /// # Errors
    /// [`ChannelError::InvalidName`] for a bad channel name.
    pub fn subscribe(
        &self,
        scope: &Scope,
        channel: &str,
    ) -> Result<EventSourceResponse, ChannelError> {
        self.subscribe_after(channel, scope.last_event_id())
    }

    /// Subscribes to `channel` resuming after `last_event_id` (what a browser sends as
    /// `Last-Event-ID`): for apps that read the header themselves.
    ///
    /// ```
    /// let hub = respond::ChannelHub::in_process();
    /// let response = hub.subscribe_after("room", Some("3f9a0c2e71d45b86:12")).unwrap();
    /// ```
    ///
    /// # Errors
    /// [`ChannelError::InvalidName`] for a bad channel name.
    pub fn subscribe_after(
        &self,
        channel: &str,
        last_event_id: Option<&str>,
    ) -> Result<EventSourceResponse, ChannelError> {
        error::check_name(channel)?;
        let events = subscriber::stream(
            self.engine.clone(),
            self.settings.clone(),
            channel.to_owned(),
            Cursor::parse(last_event_id),
        );
        Ok(EventSourceResponse::new(events))
    }

    /// How many subscriptions of this process are open on `channel` (with the Redis engine,
    /// other processes' subscribers are not counted). A subscription counts from the moment
    /// its stream starts until its connection closes.
    ///
    /// ```
    /// assert_eq!(respond::ChannelHub::in_process().subscribers("room"), 0);
    /// ```
    pub fn subscribers(&self, channel: &str) -> usize {
        self.engine.subscribers(channel)
    }
}

impl fmt::Debug for ChannelHub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelHub")
            .field("engine", &self.engine)
            .field("settings", &self.settings)
            .finish()
    }
}
