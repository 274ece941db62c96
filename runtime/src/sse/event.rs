//! [`ServerSentEvent`]: one event of an event stream, and its wire encoding.

use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use serde::Serialize;

use crate::error::{Error, Result};

/// The line ending of an event stream: `\r\n` (the default), `\n` or `\r`, all three allowed
/// by the HTML event-stream format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Separator {
    /// `\r\n`.
    #[default]
    CrLf,
    /// `\n`.
    Lf,
    /// `\r`.
    Cr,
}

impl Separator {
    /// The separator's bytes.
    pub fn as_str(self) -> &'static str {
        match self {
            Separator::CrLf => "\r\n",
            Separator::Lf => "\n",
            Separator::Cr => "\r",
        }
    }

    /// Parses `"\r\n"`, `"\n"` or `"\r"`.
    ///
    /// ```
    /// use respond::Separator;
    /// assert_eq!(Separator::parse("\n").unwrap(), Separator::Lf);
    /// assert!(Separator::parse(";").is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidSeparator`](crate::Error) for anything else.
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "\r\n" => Ok(Separator::CrLf),
            "\n" => Ok(Separator::Lf),
            "\r" => Ok(Separator::Cr),
            other => Err(Error::InvalidSeparator(other.to_owned())),
        }
    }
}

/// One server-sent event: optional `data`, `event`, `id`, `retry` and `comment` fields.
///
/// Encoded as sse-starlette encodes it: comment lines, `id`, `event`, `data` lines,
/// `retry`, then an empty line. `data` and `comment` are split on `\r\n`, `\r` and `\n` into
/// one line each, so no text can start a new field or event; CR and LF are removed from `id`
/// and `event`. An `id` with a NUL is an error (browsers would ignore it and lose track of
/// the stream).
///
/// ```
/// use respond::ServerSentEvent;
/// use std::time::Duration;
///
/// let event = ServerSentEvent::new("line1\nline2\r\nline3\rline4")
///     .event("up\ndate")
///     .id("a\r\nb")
///     .retry(Duration::from_millis(3000))
///     .comment("c1\nc2");
/// assert_eq!(
///     event.encode().unwrap(),
///     ": c1\r\n: c2\r\nid: ab\r\nevent: update\r\ndata: line1\r\ndata: line2\r\n\
///      data: line3\r\ndata: line4\r\nretry: 3000\r\n\r\n"
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerSentEvent {
    data: Option<String>,
    event: Option<String>,
    id: Option<String>,
    retry: Option<u64>,
    comment: Option<String>,
    separator: Option<Separator>,
}

impl ServerSentEvent {
    /// An event carrying `data` (several lines become several `data:` lines).
    pub fn new(data: impl Into<String>) -> Self {
        ServerSentEvent {
            data: Some(data.into()),
            ..ServerSentEvent::default()
        }
    }

    /// An event with no field: encodes to a lone line end, which dispatches nothing.
    pub fn empty() -> Self {
        ServerSentEvent::default()
    }

    /// An event whose data is `value` as compact JSON (raw UTF-8; NaN is an error).
    ///
    /// ```
    /// let event = respond::ServerSentEvent::json(&serde_json::json!({"n": 1, "s": "é"})).unwrap();
    /// assert_eq!(event.encode().unwrap(), "data: {\"n\":1,\"s\":\"é\"}\r\n\r\n");
    /// ```
    ///
    /// # Errors
    /// [`Error::Json`] when the value cannot be rendered.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Self> {
        let bytes = crate::json::render_compact(value)?;
        let data = String::from_utf8(bytes.to_vec()).map_err(|error| Error::Json(error.into()))?;
        Ok(ServerSentEvent::new(data))
    }

    /// A comment-only event (`: text`), which clients ignore: keep-alives, debugging.
    pub fn comment_only(comment: impl Into<String>) -> Self {
        ServerSentEvent::default().comment(comment)
    }

    /// Sets the data.
    #[must_use]
    pub fn data(mut self, data: impl Into<String>) -> Self {
        self.data = Some(data.into());
        self
    }

    /// Sets the event type (`event:`); CR and LF are removed.
    #[must_use]
    pub fn event(mut self, event: impl Into<String>) -> Self {
        self.event = Some(event.into());
        self
    }

    /// Sets the event id (`id:`), which a reconnecting browser sends back as
    /// `Last-Event-ID`; CR and LF are removed, a NUL is an error when encoding.
    #[must_use]
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Sets the reconnection delay the browser should use (`retry:`): a [`Duration`] or a
    /// number of milliseconds.
    ///
    /// ```
    /// use respond::ServerSentEvent;
    /// use std::time::Duration;
    ///
    /// assert_eq!(ServerSentEvent::empty().retry(3000), ServerSentEvent::empty().retry(Duration::from_secs(3)));
    /// assert_eq!(ServerSentEvent::empty().retry(1500).encode().unwrap(), "retry: 1500\r\n\r\n");
    /// ```
    #[must_use]
    pub fn retry(mut self, delay: impl Into<RetryDelay>) -> Self {
        self.retry = Some(delay.into().0);
        self
    }

    /// Sets a comment (`: text` lines, ignored by clients).
    #[must_use]
    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }

    /// Uses this line ending for this event whatever the response's separator.
    #[must_use]
    pub fn with_separator(mut self, separator: Separator) -> Self {
        self.separator = Some(separator);
        self
    }

    /// The event's bytes with its own separator, or `\r\n`.
    ///
    /// # Errors
    /// [`Error::InvalidEvent`](crate::Error) when the id holds a NUL.
    pub fn encode(&self) -> Result<Bytes> {
        let mut out = BytesMut::new();
        self.encode_into(Separator::CrLf, &mut out)?;
        Ok(out.freeze())
    }

    /// Appends the event's bytes to `out`, with its own separator or else `separator`.
    pub(crate) fn encode_into(&self, separator: Separator, out: &mut BytesMut) -> Result<()> {
        if let Some(id) = &self.id {
            if id.contains('\0') {
                return Err(Error::InvalidEvent(format!(
                    "an event id cannot contain NUL (U+0000): {id:?}"
                )));
            }
        }
        let sep = self.separator.unwrap_or(separator).as_str();
        if let Some(comment) = &self.comment {
            for line in lines(comment) {
                field(out, ": ", line, sep);
            }
        }
        if let Some(id) = &self.id {
            single_line_field(out, "id: ", id, sep);
        }
        if let Some(event) = &self.event {
            single_line_field(out, "event: ", event, sep);
        }
        if let Some(data) = &self.data {
            for line in lines(data) {
                field(out, "data: ", line, sep);
            }
        }
        if let Some(retry) = self.retry {
            field(out, "retry: ", &retry.to_string(), sep);
        }
        out.put_slice(sep.as_bytes());
        Ok(())
    }
}

/// A reconnection delay in milliseconds, from a [`Duration`] or an integer of milliseconds
/// (negative integers count as zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryDelay(u64);

impl From<Duration> for RetryDelay {
    fn from(delay: Duration) -> Self {
        RetryDelay(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX))
    }
}

impl From<u64> for RetryDelay {
    fn from(millis: u64) -> Self {
        RetryDelay(millis)
    }
}

impl From<u32> for RetryDelay {
    fn from(millis: u32) -> Self {
        RetryDelay(u64::from(millis))
    }
}

impl From<i32> for RetryDelay {
    fn from(millis: i32) -> Self {
        RetryDelay(u64::try_from(millis).unwrap_or(0))
    }
}

impl From<i64> for RetryDelay {
    fn from(millis: i64) -> Self {
        RetryDelay(u64::try_from(millis).unwrap_or(0))
    }
}

impl From<String> for ServerSentEvent {
    fn from(data: String) -> Self {
        ServerSentEvent::new(data)
    }
}

impl From<&str> for ServerSentEvent {
    fn from(data: &str) -> Self {
        ServerSentEvent::new(data)
    }
}

fn field(out: &mut BytesMut, name: &str, value: &str, sep: &str) {
    out.reserve(name.len() + value.len() + sep.len());
    out.put_slice(name.as_bytes());
    out.put_slice(value.as_bytes());
    out.put_slice(sep.as_bytes());
}

/// A field whose value must stay on one line: CR and LF are dropped.
fn single_line_field(out: &mut BytesMut, name: &str, value: &str, sep: &str) {
    out.put_slice(name.as_bytes());
    for piece in value.split(['\r', '\n']) {
        out.put_slice(piece.as_bytes());
    }
    out.put_slice(sep.as_bytes());
}

/// Splits on `\r\n`, `\r` and `\n`, as the event-stream parser does; the text `"a\n"` gives
/// `["a", ""]` and the empty text gives `[""]`.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        match current.find(['\r', '\n']) {
            Some(at) => {
                let skip = if current[at..].starts_with("\r\n") {
                    2
                } else {
                    1
                };
                rest = Some(&current[at + skip..]);
                Some(&current[..at])
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(event: &ServerSentEvent, separator: Separator) -> String {
        let mut out = BytesMut::new();
        event.encode_into(separator, &mut out).unwrap();
        String::from_utf8(out.to_vec()).unwrap()
    }

    #[test]
    fn lines_split_like_the_parser() {
        assert_eq!(lines("").collect::<Vec<_>>(), [""]);
        assert_eq!(lines("a\n").collect::<Vec<_>>(), ["a", ""]);
        assert_eq!(
            lines("a\r\nb\rc\nd").collect::<Vec<_>>(),
            ["a", "b", "c", "d"]
        );
        assert_eq!(lines("\n\n").collect::<Vec<_>>(), ["", "", ""]);
        assert_eq!(lines("a\r\r\nb").collect::<Vec<_>>(), ["a", "", "b"]);
    }

    #[test]
    fn fields_and_separators() {
        let event = ServerSentEvent::new("a\nb").event("e").id("1");
        assert_eq!(
            encode(&event, Separator::CrLf),
            "id: 1\r\nevent: e\r\ndata: a\r\ndata: b\r\n\r\n"
        );
        assert_eq!(
            encode(&event, Separator::Lf),
            "id: 1\nevent: e\ndata: a\ndata: b\n\n"
        );
        assert_eq!(
            encode(&event, Separator::Cr),
            "id: 1\revent: e\rdata: a\rdata: b\r\r"
        );
        assert_eq!(encode(&ServerSentEvent::empty(), Separator::CrLf), "\r\n");
        assert_eq!(
            encode(&ServerSentEvent::new(""), Separator::CrLf),
            "data: \r\n\r\n"
        );
        assert_eq!(
            encode(&ServerSentEvent::new("a\n"), Separator::CrLf),
            "data: a\r\ndata: \r\n\r\n"
        );
        let own = ServerSentEvent::new("x").with_separator(Separator::Lf);
        assert_eq!(encode(&own, Separator::CrLf), "data: x\n\n");
    }

    #[test]
    fn nul_in_id_is_an_error() {
        assert!(ServerSentEvent::new("x").id("a\0b").encode().is_err());
        assert!(
            ServerSentEvent::new("a\0b").encode().is_ok(),
            "NUL in data is just data"
        );
    }

    #[test]
    fn no_field_spills_into_a_new_line() {
        let hostile = "x\r\ndata: injected\n\nevent: evil\r";
        let event = ServerSentEvent::new(hostile)
            .event(hostile)
            .id(hostile)
            .comment(hostile);
        let text = encode(&event, Separator::CrLf);
        for line in text.split("\r\n").filter(|line| !line.is_empty()) {
            assert!(
                ["id: ", "event: ", "data: ", ": "]
                    .iter()
                    .any(|name| line.starts_with(name)),
                "{line:?} in {text:?}"
            );
        }
        assert!(
            text.ends_with("\r\n\r\n") && text.matches("\r\n\r\n").count() == 1,
            "{text:?}"
        );
    }
}
