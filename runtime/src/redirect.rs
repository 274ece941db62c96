//! [`RedirectResponse`].

use std::borrow::Cow;

use bytes::Bytes;
use http::header::LOCATION;
use http::{HeaderValue, StatusCode};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::error::Error;
use crate::response::{Response, response_kind};

/// What stays as it is in a redirect URL: letters, digits, `_.-~` and the URL punctuation
/// `:/%#?=@[]!$&'()*+,;` (the safe set of Starlette's `quote`). `%` is kept so a URL quoted
/// already is not quoted twice; everything else (spaces, quotes, control characters,
/// non-ASCII bytes) becomes `%XX`.
const LOCATION_ESCAPES: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~')
    .remove(b':')
    .remove(b'/')
    .remove(b'%')
    .remove(b'#')
    .remove(b'?')
    .remove(b'=')
    .remove(b'@')
    .remove(b'[')
    .remove(b']')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';');

/// A redirect: `307 Temporary Redirect` by default, an empty body, and the URL in `Location`,
/// percent-quoted so no character can break the header.
///
/// ```
/// let response = respond::RedirectResponse::new("/I ♥ Starlette/?q=a b&x=é#frag");
/// assert_eq!(response.status(), 307);
/// assert_eq!(response.headers()["location"], "/I%20%E2%99%A5%20Starlette/?q=a%20b&x=%C3%A9#frag");
/// assert_eq!(response.headers()["content-length"], "0");
///
/// let moved = respond::RedirectResponse::new("https://example.com/").with_status(301);
/// assert_eq!(moved.status(), 301);
/// ```
#[derive(Debug)]
pub struct RedirectResponse(Response);

impl RedirectResponse {
    /// A `307` redirect to `url`.
    pub fn new(url: impl AsRef<str>) -> Self {
        // Copied once, not formatted: most URLs need no escape at all.
        let location = String::from(Cow::from(utf8_percent_encode(
            url.as_ref(),
            LOCATION_ESCAPES,
        )));
        let mut response = Response::typed(Bytes::new(), None, StatusCode::TEMPORARY_REDIRECT);
        match HeaderValue::try_from(location) {
            Ok(value) => response.insert_header(LOCATION, value),
            // Quoting leaves only visible ASCII; a failure here is still an error, not a panic.
            Err(error) => response.fail(Error::header(LOCATION, error)),
        }
        RedirectResponse(response)
    }

    /// Sets the status: any 3xx (`301`, `302`, `303`, `307`, `308`...). Anything else is an
    /// error reported by `send`.
    ///
    /// ```
    /// let response = respond::RedirectResponse::new("/").with_status(200);
    /// assert!(response.error().is_some());
    /// ```
    #[must_use]
    pub fn with_status<S>(self, status: S) -> Self
    where
        StatusCode: TryFrom<S>,
        <StatusCode as TryFrom<S>>::Error: std::fmt::Display,
    {
        let mut response = self.0.with_status(status);
        if !response.status().is_redirection() {
            let status = response.status();
            response.fail(Error::InvalidStatus(format!(
                "a redirect needs a 3xx status, not {status}"
            )));
        }
        RedirectResponse(response)
    }
}

response_kind!(
    RedirectResponse,
    "RedirectResponse::new(\"/\")",
    custom_status
);

#[cfg(test)]
mod tests {
    use super::*;

    fn location(url: &str) -> String {
        RedirectResponse::new(url).headers()["location"]
            .to_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn quotes_like_starlette() {
        assert_eq!(
            location("/p<>\"{}|\\^`~ a;b"),
            "/p%3C%3E%22%7B%7D%7C%5C%5E%60~%20a;b"
        );
        assert_eq!(
            location("https://example.com/a%20b/c d"),
            "https://example.com/a%20b/c%20d"
        );
        assert_eq!(
            location("/x\r\nSet-Cookie: a=b"),
            "/x%0D%0ASet-Cookie:%20a=b"
        );
        assert_eq!(location("/nul\0"), "/nul%00");
    }
}
