//! The open connections: the cap, which connection to shed at it, and each connection's
//! phase (silent, busy, idle) that its deadline follows.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use http_body::{Body as HttpBody, Frame, SizeHint};
use tokio::sync::Notify;
use tokio::time::Instant;

use super::limits::{Limits, after};

/// Every open connection of one server.
#[derive(Debug)]
pub(crate) struct Registry {
    open: Mutex<HashMap<u64, Arc<State>>>,
    next_id: AtomicU64,
    cap: usize,
    epoch: Instant,
    /// The accept loop is waiting for room (a connection ended or went idle).
    waiting: AtomicBool,
    changed: Notify,
    emptied: Notify,
}

/// One connection as the registry and its own deadline see it.
#[derive(Debug)]
pub(crate) struct State {
    registry: Arc<Registry>,
    /// Requests (HTTP/1.1) or streams (HTTP/2) in flight.
    in_flight: AtomicUsize,
    /// Whether a whole request head has arrived yet.
    served: AtomicBool,
    /// Milliseconds after the registry's epoch: when the connection was accepted, or when
    /// its last request ended.
    since: AtomicU64,
    /// When the first bytes of the next HTTP/1.1 request head arrived on a connection that
    /// served one already (milliseconds after the epoch, plus one; 0 for none yet).
    head_begun: AtomicU64,
    /// Whether the connection speaks HTTP/2 (known from its first request).
    http2: AtomicBool,
    close: Notify,
}

/// What the deadline of a connection says now.
pub(crate) enum Check {
    /// Close it: the reason, and whether it gets a graceful goodbye (an idle connection
    /// that served requests); one that never completed its request head is dropped at once.
    Expired(&'static str, bool),
    /// Look again then.
    At(Instant),
}

impl Registry {
    pub(crate) fn new(cap: usize) -> Arc<Self> {
        Arc::new(Registry {
            open: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
            cap,
            epoch: Instant::now(),
            waiting: AtomicBool::new(false),
            changed: Notify::new(),
            emptied: Notify::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Arc<State>>> {
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn now_millis(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Waits until a new connection can be taken: below the cap, or at it with a connection
    /// that may be shed. Otherwise new connections stay in the listen backlog.
    pub(crate) async fn room(&self) {
        loop {
            self.waiting.store(true, Ordering::SeqCst);
            {
                let open = self.lock();
                if open.len() < self.cap || open.values().any(|state| !state.is_busy()) {
                    self.waiting.store(false, Ordering::SeqCst);
                    return;
                }
            }
            self.changed.notified().await;
        }
    }

    /// Registers a new connection; at the cap, first closes the least useful one: a silent
    /// connection (the oldest), else an idle one (the longest idle). When every connection
    /// is busy, waits for one to end or go idle (the only accepted socket over the cap).
    pub(crate) async fn admit(self: &Arc<Self>) -> Ticket {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let state = Arc::new(State {
            registry: Arc::clone(self),
            in_flight: AtomicUsize::new(0),
            served: AtomicBool::new(false),
            since: AtomicU64::new(self.now_millis()),
            head_begun: AtomicU64::new(0),
            http2: AtomicBool::new(false),
            close: Notify::new(),
        });
        loop {
            self.waiting.store(true, Ordering::SeqCst);
            {
                let mut open = self.lock();
                if open.len() >= self.cap {
                    let victim = open
                        .iter()
                        .filter(|(_, state)| !state.is_busy())
                        .min_by_key(|(_, state)| {
                            (
                                state.served.load(Ordering::Relaxed),
                                state.since.load(Ordering::Relaxed),
                            )
                        })
                        .map(|(id, _)| *id);
                    if let Some(shed) = victim.and_then(|victim| open.remove(&victim)) {
                        shed.close.notify_one();
                    }
                }
                if open.len() < self.cap {
                    self.waiting.store(false, Ordering::SeqCst);
                    state.since.store(self.now_millis(), Ordering::Relaxed);
                    open.insert(id, Arc::clone(&state));
                    return Ticket { id, state };
                }
            }
            self.changed.notified().await;
        }
    }

    /// Closes every connection at once (a graceful shutdown that ran out of time).
    pub(crate) fn close_all(&self) {
        for state in self.lock().values() {
            state.close.notify_one();
        }
    }

    /// Completes once no connection is open.
    pub(crate) async fn emptied(&self) {
        loop {
            let emptied = self.emptied.notified();
            if self.lock().is_empty() {
                return;
            }
            emptied.await;
        }
    }

    fn release(&self, id: u64) {
        let mut open = self.lock();
        open.remove(&id);
        let empty = open.is_empty();
        drop(open);
        self.changed.notify_one();
        if empty {
            self.emptied.notify_waiters();
        }
    }
}

impl State {
    fn is_busy(&self) -> bool {
        self.in_flight.load(Ordering::Relaxed) > 0
    }

    /// A request head has arrived: the request is in flight until the guard drops (its
    /// response body ended or was dropped).
    pub(crate) fn begin(self: &Arc<Self>, version: http::Version) -> InFlight {
        if !self.served.load(Ordering::Relaxed) {
            self.served.store(true, Ordering::Relaxed);
            self.http2
                .store(version == http::Version::HTTP_2, Ordering::Relaxed);
        }
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(Arc::clone(self))
    }

    /// Bytes arrived on the connection: on an idle HTTP/1.1 connection, the next request
    /// head has begun, and the header timeout counts from now.
    pub(crate) fn note_read(&self) {
        if self.head_begun.load(Ordering::Relaxed) == 0
            && self.served.load(Ordering::Relaxed)
            && !self.is_busy()
        {
            self.head_begun
                .store(self.registry.now_millis() + 1, Ordering::Relaxed);
        }
    }
}

/// One connection's place in the registry; leaving it frees the slot.
#[derive(Debug)]
pub(crate) struct Ticket {
    id: u64,
    state: Arc<State>,
}

impl Ticket {
    pub(crate) fn state(&self) -> &Arc<State> {
        &self.state
    }

    /// Completes when the registry sheds this connection.
    pub(crate) async fn shed(&self) {
        self.state.close.notified().await;
    }

    /// The connection's deadline now: from accept to the first request head, from the end
    /// of the last request to the next one, none while a request is in flight.
    pub(crate) fn check(&self, limits: &Limits, now: Instant) -> Check {
        let state = &self.state;
        if state.is_busy() {
            return Check::At(after(now, limits.idle_timeout));
        }
        let since = state.registry.epoch
            + std::time::Duration::from_millis(state.since.load(Ordering::Relaxed));
        if !state.served.load(Ordering::Relaxed) {
            let deadline = after(since, limits.header_timeout);
            return if deadline <= now {
                Check::Expired("no request head in time", false)
            } else {
                Check::At(deadline)
            };
        }
        let idle = after(since, limits.idle_timeout);
        if idle <= now {
            return Check::Expired("idle timeout", true);
        }
        if state.http2.load(Ordering::Relaxed) {
            return Check::At(idle);
        }
        // HTTP/1.1 between requests: a head begun must be complete within the header
        // timeout. Until one begins, look again a header timeout later, so a head begun in
        // between is seen before its own deadline.
        match state.head_begun.load(Ordering::Relaxed) {
            0 => Check::At(idle.min(after(now, limits.header_timeout))),
            begun => {
                let begun = state.registry.epoch + std::time::Duration::from_millis(begun - 1);
                let deadline = after(begun, limits.header_timeout);
                if deadline <= now {
                    Check::Expired("request head not complete in time", false)
                } else {
                    Check::At(idle.min(deadline))
                }
            }
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.state.registry.release(self.id);
    }
}

/// A request in flight on its connection.
#[derive(Debug)]
pub(crate) struct InFlight(Arc<State>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let state = &self.0;
        state
            .since
            .store(state.registry.now_millis(), Ordering::Relaxed);
        state.head_begun.store(0, Ordering::Relaxed);
        if state.in_flight.fetch_sub(1, Ordering::Relaxed) == 1
            && state.registry.waiting.load(Ordering::SeqCst)
        {
            state.registry.changed.notify_one();
        }
    }
}

pin_project_lite::pin_project! {
    /// A response body that keeps its request in flight until it ends or is dropped.
    pub(crate) struct Tracked<B> {
        #[pin]
        body: B,
        guard: Option<InFlight>,
    }
}

impl<B> Tracked<B> {
    pub(crate) fn new(body: B, guard: InFlight) -> Self {
        Tracked {
            body,
            guard: Some(guard),
        }
    }
}

impl<B: HttpBody> HttpBody for Tracked<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let polled = this.body.poll_frame(cx);
        if matches!(polled, Poll::Ready(None | Some(Err(_)))) {
            this.guard.take();
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
