//! The messages exchanged with an app: what it sends and what it receives.

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

/// A message an app sends for its response: the Rust form of ASGI's
/// `http.response.start` and `http.response.body`.
///
/// A response is one [`Message::Start`], then [`Message::Body`] messages until one has
/// `more_body: false`.
///
/// ```
/// use respond::{Message, StatusCode, HeaderMap};
///
/// let start = Message::Start { status: StatusCode::OK, headers: HeaderMap::new() };
/// let body = Message::Body { chunk: "hello".into(), more_body: false };
/// assert!(start.is_start());
/// assert_eq!(body.chunk().unwrap(), "hello");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// The status line and headers.
    Start {
        /// The response status.
        status: StatusCode,
        /// The response headers.
        headers: HeaderMap,
    },
    /// A piece of the body.
    Body {
        /// The bytes of this piece (may be empty).
        chunk: Bytes,
        /// `false` on the last piece.
        more_body: bool,
    },
}

impl Message {
    /// A body message.
    pub fn body(chunk: impl Into<Bytes>, more_body: bool) -> Self {
        Message::Body {
            chunk: chunk.into(),
            more_body,
        }
    }

    /// `true` for [`Message::Start`].
    pub fn is_start(&self) -> bool {
        matches!(self, Message::Start { .. })
    }

    /// The chunk of a body message.
    pub fn chunk(&self) -> Option<&Bytes> {
        match self {
            Message::Body { chunk, .. } => Some(chunk),
            Message::Start { .. } => None,
        }
    }

    /// `true` for a body message with `more_body: true`.
    pub fn more_body(&self) -> bool {
        matches!(
            self,
            Message::Body {
                more_body: true,
                ..
            }
        )
    }
}

/// What an app receives: the request body, then a disconnect. The Rust form of ASGI's
/// `http.request` and `http.disconnect`.
///
/// ```
/// use respond::RequestEvent;
///
/// let event = RequestEvent::Body { chunk: "a=1".into(), more_body: false };
/// assert!(!event.is_disconnect());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestEvent {
    /// A piece of the request body.
    Body {
        /// The bytes of this piece (may be empty).
        chunk: Bytes,
        /// `false` on the last piece.
        more_body: bool,
    },
    /// The client has gone, or the response is complete.
    Disconnect,
}

impl RequestEvent {
    /// `true` for [`RequestEvent::Disconnect`].
    pub fn is_disconnect(&self) -> bool {
        matches!(self, RequestEvent::Disconnect)
    }
}
