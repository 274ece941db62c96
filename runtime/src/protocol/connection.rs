//! [`WriteTimeout`]: the one setting of its connection that a response may change.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The write timeout of one connection, shared by the connection's socket and the scopes of
/// its requests: a response with a send timeout (an event stream) sets it through the scope,
/// and the server's socket fails a write that makes no progress for that long.
#[derive(Debug, Clone, Default)]
pub(crate) struct WriteTimeout(Arc<AtomicU64>);

impl WriteTimeout {
    /// From now on, a write that makes no progress for `timeout` fails the connection.
    pub(crate) fn set(&self, timeout: Duration) {
        let millis = u64::try_from(timeout.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        self.0.store(millis, Ordering::Relaxed);
    }

    /// The timeout in force, if a response set one.
    pub(crate) fn get(&self) -> Option<Duration> {
        match self.0.load(Ordering::Relaxed) {
            0 => None,
            millis => Some(Duration::from_millis(millis)),
        }
    }
}
