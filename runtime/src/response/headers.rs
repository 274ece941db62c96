//! The header rules every response follows (Content-Length, Content-Type, user headers).

use bytes::Bytes;
use http::{HeaderName, HeaderValue, StatusCode};

use crate::error::{Error, Result};

/// Whether a response with this status may carry a body and a Content-Length
/// (RFC 9110 sections 6.4.1 and 8.6: not 1xx, 204 or 304).
pub(crate) fn allows_body(status: StatusCode) -> bool {
    !(status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED)
}

/// The Content-Type value for a media type: `text/*` types get `; charset=utf-8` unless they
/// name a charset already. The media type must parse (`type/subtype; params`).
pub(crate) fn content_type(media_type: &str) -> Result<HeaderValue> {
    let parsed: mime::Mime = media_type
        .parse()
        .map_err(|_| Error::InvalidMediaType(media_type.to_owned()))?;
    if !media_type.is_ascii() {
        return Err(Error::InvalidMediaType(media_type.to_owned()));
    }
    let value = if parsed.type_() == mime::TEXT && parsed.get_param(mime::CHARSET).is_none() {
        HeaderValue::try_from(format!("{media_type}; charset=utf-8"))
    } else {
        HeaderValue::try_from(media_type)
    };
    value.map_err(|_| Error::InvalidMediaType(media_type.to_owned()))
}

/// A header name and value from user input, checked: a valid name, and a value of visible
/// ASCII, spaces and tabs (clients read other bytes as Latin-1, so UTF-8 text would arrive
/// garbled; percent-encode it).
pub(crate) fn header_pair<K, V>(name: K, value: V) -> Result<(HeaderName, HeaderValue)>
where
    K: TryInto<HeaderName>,
    K::Error: std::fmt::Display,
    V: TryInto<HeaderValue>,
    V::Error: std::fmt::Display,
{
    let name = name
        .try_into()
        .map_err(|error| Error::header("<name>", format!("not a valid header name ({error})")))?;
    let value = value.try_into().map_err(|error| {
        Error::header(
            &name,
            format!("not a valid header value: CR, LF, NUL and other control characters are not allowed ({error})"),
        )
    })?;
    let value = ascii_only(&name, value)?;
    Ok((name, value))
}

/// Refuses a header value with bytes beyond ASCII: clients read them as Latin-1, so UTF-8
/// text arrives garbled. Every way user text reaches a header goes through this.
pub(crate) fn ascii_only(name: &HeaderName, value: HeaderValue) -> Result<HeaderValue> {
    match value.as_bytes().iter().find(|byte| !byte.is_ascii()) {
        Some(byte) => Err(Error::header(
            name,
            format!(
                "not a valid header value: only ASCII is allowed, found byte 0x{byte:02X} (percent-encode non-ASCII text)"
            ),
        )),
        None => Ok(value),
    }
}

/// The value of a Content-Length header. Lengths below 10,000 (most small responses) come
/// from a table built at compile time and cost no allocation.
#[inline]
pub(crate) fn length_value(length: u64) -> HeaderValue {
    match usize::try_from(length) {
        Ok(small) if small < SMALL => {
            let digits = &DIGITS.0[usize::from(DIGITS.1[small])..usize::from(DIGITS.1[small + 1])];
            // Shared, not copied: the value points into the table (digits always pass the
            // header-value check; the fallback only keeps this free of a panic path).
            HeaderValue::from_maybe_shared(Bytes::from_static(digits))
                .unwrap_or_else(|_| HeaderValue::from(length))
        }
        _ => HeaderValue::from(length),
    }
}

/// How many lengths the table holds: 0 to 9,999.
const SMALL: usize = 10_000;
/// Every decimal number below `SMALL`, one after the other: 10 one-digit numbers, 90 of two
/// digits, 900 of three and 9,000 of four.
const DIGITS_LEN: usize = 10 + 90 * 2 + 900 * 3 + 9_000 * 4;

/// The digits of 0..SMALL, and where each number starts (with the end as the last entry).
static DIGITS: ([u8; DIGITS_LEN], [u16; SMALL + 1]) = digit_table();

const fn digit_table() -> ([u8; DIGITS_LEN], [u16; SMALL + 1]) {
    let mut digits = [0u8; DIGITS_LEN];
    let mut starts = [0u16; SMALL + 1];
    let mut at = 0;
    let mut n = 0;
    while n < SMALL {
        starts[n] = at as u16;
        let width = if n < 10 {
            1
        } else if n < 100 {
            2
        } else if n < 1_000 {
            3
        } else {
            4
        };
        let mut rest = n;
        let mut i = width;
        while i > 0 {
            i -= 1;
            digits[at + i] = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        at += width;
        n += 1;
    }
    starts[SMALL] = at as u16;
    (digits, starts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charset_is_added_to_text_types_only() {
        assert_eq!(
            content_type("text/html").unwrap(),
            "text/html; charset=utf-8"
        );
        assert_eq!(content_type("text/csv").unwrap(), "text/csv; charset=utf-8");
        assert_eq!(
            content_type("text/plain; charset=latin-1").unwrap(),
            "text/plain; charset=latin-1"
        );
        assert_eq!(
            content_type("text/plain; CHARSET=utf-8").unwrap(),
            "text/plain; CHARSET=utf-8"
        );
        assert_eq!(
            content_type("application/json").unwrap(),
            "application/json"
        );
        assert_eq!(content_type("image/png").unwrap(), "image/png");
    }

    #[test]
    fn bad_media_types_are_refused() {
        for bad in [
            "",
            "text",
            "text/html\r\nx-evil: 1",
            "a b/c",
            "text/é",
            "text/plain; charset=\"ü\"",
        ] {
            assert!(content_type(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn lengths_render_in_decimal() {
        for length in [
            0u64,
            1,
            9,
            10,
            99,
            100,
            999,
            1_000,
            4_321,
            9_999,
            10_000,
            123_456_789,
            u64::MAX,
        ] {
            assert_eq!(
                length_value(length),
                length.to_string().as_str(),
                "{length}"
            );
        }
    }

    #[test]
    fn body_rules_follow_the_status() {
        for code in [100, 101, 199, 204, 304] {
            assert!(!allows_body(StatusCode::from_u16(code).unwrap()), "{code}");
        }
        for code in [200, 201, 205, 301, 404, 500] {
            assert!(allows_body(StatusCode::from_u16(code).unwrap()), "{code}");
        }
    }
}
