//! The crate's error type.

use std::fmt;

/// A boxed error from user code or a dependency.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The result type of every fallible respond operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while building or sending a response.
///
/// Builder methods such as [`Response::with_header`](crate::Response::with_header) never
/// panic on bad input: they remember the first error, and sending the response reports it
/// (the server answers 500 and logs it). [`Response::error`](crate::Response::error) shows it
/// earlier.
///
/// ```
/// use respond::{Error, PlainTextResponse};
///
/// let response = PlainTextResponse::new("hi").with_header("x-note", "line\r\nbreak");
/// assert!(matches!(response.error(), Some(Error::InvalidHeader { .. })));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A header name or value that HTTP does not allow (CR, LF, NUL, a non-token name...).
    #[error("invalid header {name:?}: {reason}")]
    InvalidHeader {
        /// The header name as given.
        name: String,
        /// Why it was refused.
        reason: String,
    },
    /// A status code outside the range a response allows.
    #[error("invalid status code: {0}")]
    InvalidStatus(String),
    /// A media type that does not parse as `type/subtype; params`.
    #[error("invalid media type {0:?}")]
    InvalidMediaType(String),
    /// A cookie that breaks RFC 6265bis (bad name, forbidden value characters, a prefix rule...).
    #[error(transparent)]
    InvalidCookie(#[from] crate::cookie::CookieError),
    /// A JSON body that could not be rendered (a NaN, a map with non-string keys, a failing
    /// `Serialize` impl...).
    #[error("cannot render JSON body: {0}")]
    Json(#[source] BoxError),
    /// The client went away: sending more is pointless.
    #[error("client disconnected")]
    ClientDisconnected,
    /// An app broke the message protocol (a body before the start message, a second start...).
    #[error("protocol violation: {0}")]
    Protocol(String),
    /// An event-stream line separator other than `\r\n`, `\n` or `\r`.
    #[error("invalid event-stream separator {0:?}: use \"\\r\\n\", \"\\n\" or \"\\r\"")]
    InvalidSeparator(String),
    /// A server-sent event that cannot be encoded (a NUL in its id).
    #[error("invalid server-sent event: {0}")]
    InvalidEvent(String),
    /// The client did not take the response's bytes within the send timeout.
    #[error("send timed out after {0:?}: the client stopped reading")]
    SendTimeout(std::time::Duration),
    /// A body stream failed.
    #[error("body stream failed: {0}")]
    Body(#[source] BoxError),
    /// An I/O error.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// Any other error, typically from the application.
    #[error(transparent)]
    Other(BoxError),
}

impl Error {
    /// Wraps any error, for apps that return `respond::Result` and want to use `?` on
    /// their own error types.
    ///
    /// ```
    /// fn parse(n: &str) -> respond::Result<u32> {
    ///     n.parse::<u32>().map_err(respond::Error::other)
    /// }
    /// assert!(parse("x").is_err());
    /// ```
    pub fn other(error: impl Into<BoxError>) -> Self {
        Error::Other(error.into())
    }

    pub(crate) fn header(name: impl fmt::Display, reason: impl fmt::Display) -> Self {
        Error::InvalidHeader {
            name: name.to_string(),
            reason: reason.to_string(),
        }
    }

    pub(crate) fn protocol(message: impl Into<String>) -> Self {
        Error::Protocol(message.into())
    }
}
