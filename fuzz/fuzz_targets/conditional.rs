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
        let again = HeaderValue::from_str(&httpdate_format(date)).unwrap();
        assert_eq!(respond::__fuzz::http_date(&again), Some(date));
    }
});

/// IMF-fixdate of a time, via the response module's own parser round trip.
fn httpdate_format(time: std::time::SystemTime) -> String {
    let since = time.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let days = since / 86_400;
    let seconds = since % 86_400;
    let (year, month, day) = civil(days as i64);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    let month_name = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][month as usize - 1];
    format!(
        "{weekday}, {day:02} {month_name} {year:04} {:02}:{:02}:{:02} GMT",
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60
    )
}

fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}
