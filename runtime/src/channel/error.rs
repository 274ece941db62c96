//! [`ChannelError`]: what publishing or subscribing can fail with.

use crate::error::BoxError;

/// Why a channel operation failed.
///
/// ```
/// let hub = respond::ChannelHub::in_process();
/// let error = hub.subscribe_after("", None).unwrap_err();
/// assert!(matches!(error, respond::ChannelError::InvalidName { .. }));
/// assert!(error.to_string().contains("empty"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChannelError {
    /// The channel name is empty, too long, or holds control characters.
    #[error("invalid channel name {name:?}: {reason}")]
    InvalidName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The event cannot be encoded.
    #[error("cannot encode the channel event: {0}")]
    Encode(String),
    /// The engine's store cannot be reached (Redis is down, refuses, or times out). The
    /// event was not published; publishing again once it is back is safe.
    #[error("the channel store is unavailable: {0}")]
    Unavailable(#[source] BoxError),
    /// The engine's configuration is unusable (for example a Redis URL that does not parse).
    #[error("invalid channel engine configuration: {0}")]
    Config(String),
}

impl From<ChannelError> for crate::Error {
    fn from(error: ChannelError) -> Self {
        crate::Error::Other(Box::new(error))
    }
}

/// Channel names: 1 to 256 bytes without control characters (they become Redis keys and
/// log fields).
pub(crate) fn check_name(name: &str) -> Result<(), ChannelError> {
    let reason = if name.is_empty() {
        "a channel name cannot be empty"
    } else if name.len() > 256 {
        "a channel name is at most 256 bytes"
    } else if name.chars().any(char::is_control) {
        "a channel name cannot hold control characters"
    } else {
        return Ok(());
    };
    Err(ChannelError::InvalidName {
        name: name.to_owned(),
        reason,
    })
}
