//! [`Shutdown`]: the server's graceful-shutdown signal, as apps and responses see it.

use std::future::Future;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

/// Tells long-lived responses that the server is shutting down.
///
/// The server puts one in every request's [`Scope`](crate::Scope) extensions (see
/// [`Scope::shutdown`](crate::Scope::shutdown)). Graceful shutdown first raises it, then waits
/// for the requests in flight: event streams end on it (after their grace period), and a
/// long-running app can watch it too.
///
/// ```
/// use respond::{Scope, Shutdown};
///
/// async fn until_shutdown(scope: &Scope) {
///     if let Some(shutdown) = scope.shutdown() {
///         shutdown.requested().await;
///     }
/// }
///
/// let shutdown = Shutdown::new();
/// assert!(!shutdown.is_requested());
/// shutdown.request();
/// assert!(shutdown.is_requested());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Shutdown {
    // Behind an `Arc`: the server clones one into every request, and cloning a token itself
    // takes a lock.
    token: Arc<CancellationToken>,
}

impl Shutdown {
    /// A signal not raised yet.
    pub fn new() -> Self {
        Shutdown::default()
    }

    /// Raises the signal (the server does this when its shutdown signal fires).
    pub fn request(&self) {
        self.token.cancel();
    }

    /// `true` once shutdown was requested.
    pub fn is_requested(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Completes once shutdown is requested.
    pub fn requested(&self) -> impl Future<Output = ()> + Send + 'static {
        CancellationToken::clone(&self.token).cancelled_owned()
    }
}
