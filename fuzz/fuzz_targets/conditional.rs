//! Conditional request headers (If-Match, If-None-Match, If-Modified-Since,
//! If-Unmodified-Since, If-Range) and HTTP dates: any values give an answer, never a panic;
//! a date that parses formats back to the same instant.
#![no_main]

use arbitrary::Arbitrary;
use http::{HeaderMap, HeaderValue, Method};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    head: bool,
    if_match: Option<&'a [u8]>,
    if_none_match: Option<&'a [u8]>,
    if_modified_since: Option<&'a [u8]>,
    if_unmodified_since: Option<&'a [u8]>,
    if_range: Option<&'a [u8]>,
    etag: Option<&'a [u8]>,
    last_modified: Option<&'a [u8]>,
}

fn value(bytes: Option<&[u8]>) -> Option<HeaderValue> {
    HeaderValue::from_bytes(bytes?).ok()
}

fuzz_target!(|input: Input<'_>| {
    let mut headers = HeaderMap::new();
    for (name, bytes) in [
        (http::header::IF_MATCH, input.if_match),
        (http::header::IF_NONE_MATCH, input.if_none_match),
        (http::header::IF_MODIFIED_SINCE, input.if_modified_since),
        (http::header::IF_UNMODIFIED_SINCE, input.if_unmodified_since),
        (http::header::IF_RANGE, input.if_range),
    ] {
        if let Some(value) = value(bytes) {
            headers.insert(name, value);
        }
    }
    let method = if input.head { Method::HEAD } else { Method::GET };
    let etag = value(input.etag);
    let last_modified = value(input.last_modified);
    let (outcome, _) = respond::__fuzz::preconditions(&method, &headers, etag.as_ref(), last_modified.as_ref());
    assert!(["proceed", "304", "412"].contains(&outcome));
    if let Some(date) = last_modified.as_ref().and_then(respond::__fuzz::http_date) {
        // httpdate only parses dates it can also format (1970 to 9999).
        let again = HeaderValue::from_str(&httpdate::fmt_http_date(date)).unwrap();
        assert_eq!(respond::__fuzz::http_date(&again), Some(date));
    }
});
