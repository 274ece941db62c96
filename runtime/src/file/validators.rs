//! The validators of a file: a strong `ETag` and `Last-Modified`, from its size and
//! modification time alone.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderValue;

/// The first instant `httpdate` cannot write (year 10000).
const YEAR_10000: Duration = Duration::from_secs(253_402_300_800);

/// A strong entity tag from the size and the modification time, never the inode (which
/// differs between machines serving the same deployed files). `None` without a modification
/// time: the size alone would not tell two versions apart.
///
/// Times before the epoch get a `-` sign, so they never panic and never collide.
pub(crate) fn etag(size: u64, modified: Option<SystemTime>) -> Option<HeaderValue> {
    let modified = modified?;
    // A hot file has the same size and time request after request: the last tag written is
    // kept per thread and shared, as `last_modified` does.
    thread_local! {
        static LAST: std::cell::RefCell<Option<(u64, SystemTime, HeaderValue)>> =
            const { std::cell::RefCell::new(None) };
    }
    LAST.with_borrow_mut(|last| match last {
        Some((seen_size, seen_time, tag)) if *seen_size == size && *seen_time == modified => {
            Some(tag.clone())
        }
        _ => {
            let tag = write_etag(size, modified)?;
            *last = Some((size, modified, tag.clone()));
            Some(tag)
        }
    })
}

/// [`etag`] written out.
fn write_etag(size: u64, modified: SystemTime) -> Option<HeaderValue> {
    let (before_epoch, offset) = match modified.duration_since(UNIX_EPOCH) {
        Ok(after) => (false, after),
        Err(before) => (true, before.duration()),
    };
    // `"{size:x}-{sign}{secs:x}.{nanos:x}"`, written without the formatting machinery: this
    // runs for every file response. At most 2 + 16 + 2 + 16 + 1 + 8 bytes.
    let mut tag = [0u8; 48];
    let mut at = 0;
    let mut put = |bytes: &[u8]| {
        tag[at..at + bytes.len()].copy_from_slice(bytes);
        at += bytes.len();
    };
    put(b"\"");
    put(hex(size, &mut [0; 16]));
    put(if before_epoch { b"--" } else { b"-" });
    put(hex(offset.as_secs(), &mut [0; 16]));
    put(b".");
    put(hex(u64::from(offset.subsec_nanos()), &mut [0; 16]));
    put(b"\"");
    HeaderValue::from_bytes(&tag[..at]).ok()
}

/// `value` in lowercase hexadecimal without leading zeros, written at the end of `buffer`.
fn hex(mut value: u64, buffer: &mut [u8; 16]) -> &[u8] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut start = buffer.len();
    loop {
        start -= 1;
        buffer[start] = DIGITS[(value & 0xf) as usize];
        value >>= 4;
        if value == 0 {
            return &buffer[start..];
        }
    }
}

/// `etag` tagged with the content coding the file is stored in (`"…-br"` for a
/// precompressed `.br` sibling), so each coding of one resource has its own strong entity
/// tag (RFC 9110 section 8.8.3). Bytes outside `[A-Za-z0-9._-]` become `_`; without a
/// coding the tag is unchanged.
pub(crate) fn with_coding(etag: HeaderValue, coding: Option<&HeaderValue>) -> HeaderValue {
    let Some(coding) = coding else {
        return etag;
    };
    let mut tag = etag.as_bytes().to_vec();
    let Some(b'"') = tag.pop() else {
        return etag;
    };
    tag.push(b'-');
    tag.extend(coding.as_bytes().iter().map(|&byte| match byte {
        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-' => byte,
        _ => b'_',
    }));
    tag.push(b'"');
    HeaderValue::from_bytes(&tag).unwrap_or(etag)
}

/// The `Last-Modified` value (an IMF-fixdate), or `None` when the time is before the epoch
/// or from year 10000 on: HTTP dates cannot express those.
pub(crate) fn last_modified(modified: Option<SystemTime>) -> Option<HeaderValue> {
    let since_epoch = modified?.duration_since(UNIX_EPOCH).ok()?;
    if since_epoch >= YEAR_10000 {
        return None;
    }
    let seconds = since_epoch.as_secs();
    // A hot file has the same time request after request: the last value written is kept
    // per thread and shared (a `HeaderValue` clone is a reference count).
    thread_local! {
        static LAST: std::cell::RefCell<Option<(u64, HeaderValue)>> = const { std::cell::RefCell::new(None) };
    }
    LAST.with_borrow_mut(|last| match last {
        Some((at, value)) if *at == seconds => Some(value.clone()),
        _ => {
            let date = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(seconds));
            let value = HeaderValue::from_maybe_shared(bytes::Bytes::from(date)).ok()?;
            *last = Some((seconds, value.clone()));
            Some(value)
        }
    })
}

/// Parses an HTTP date (IMF-fixdate and the two obsolete forms); `None` when it does not parse.
pub(crate) fn parse_date(value: &HeaderValue) -> Option<SystemTime> {
    httpdate::parse_http_date(value.to_str().ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tag_kept_per_thread_is_used_only_for_the_same_size_and_time() {
        let at = UNIX_EPOCH + Duration::new(1_700_000_000, 1);
        let later = at + Duration::from_nanos(1);
        let tags = [(20, at), (21, at), (20, at), (20, later), (20, later)]
            .map(|(size, time)| etag(size, Some(time)).unwrap());
        assert_eq!(tags[0], "\"14-6553f100.1\"");
        assert_eq!(tags[1], "\"15-6553f100.1\"");
        assert_eq!(tags[2], tags[0]);
        assert_eq!(tags[3], "\"14-6553f100.2\"");
        assert_eq!(tags[4], tags[3]);
    }

    #[test]
    fn etag_is_strong_and_never_panics() {
        let at = UNIX_EPOCH + Duration::new(1_700_000_000, 500_000_000);
        assert_eq!(etag(20, Some(at)).unwrap(), "\"14-6553f100.1dcd6500\"");
        let before = UNIX_EPOCH - Duration::new(10, 5);
        assert_eq!(etag(1, Some(before)).unwrap(), "\"1--a.5\"");
        assert!(etag(1, None).is_none());
        let far = UNIX_EPOCH + Duration::from_secs(400_000_000_000);
        assert!(etag(1, Some(far)).is_some());
        let widest = UNIX_EPOCH.checked_add(Duration::new(i64::MAX as u64, 999_999_999));
        assert_eq!(
            etag(u64::MAX, widest).unwrap(),
            "\"ffffffffffffffff-7fffffffffffffff.3b9ac9ff\""
        );
        assert_eq!(etag(0, Some(UNIX_EPOCH)).unwrap(), "\"0-0.0\"");
    }

    #[test]
    fn a_coding_tags_the_etag() {
        let tag = HeaderValue::from_static("\"14-6553f100.1dcd6500\"");
        let br = HeaderValue::from_static("br");
        assert_eq!(
            with_coding(tag.clone(), Some(&br)),
            "\"14-6553f100.1dcd6500-br\""
        );
        let odd = HeaderValue::from_static("gzip, \"x\"");
        assert_eq!(
            with_coding(tag.clone(), Some(&odd)),
            "\"14-6553f100.1dcd6500-gzip___x_\""
        );
        assert_eq!(with_coding(tag.clone(), None), tag);
    }

    #[test]
    fn last_modified_stays_in_the_http_date_range() {
        let at = UNIX_EPOCH + Duration::new(1_700_000_000, 900_000_000);
        assert_eq!(
            last_modified(Some(at)).unwrap(),
            "Tue, 14 Nov 2023 22:13:20 GMT"
        );
        assert!(last_modified(Some(UNIX_EPOCH - Duration::from_secs(1))).is_none());
        assert!(last_modified(Some(UNIX_EPOCH + YEAR_10000)).is_none());
        assert!(last_modified(Some(UNIX_EPOCH + YEAR_10000 - Duration::from_secs(1))).is_some());
        assert!(last_modified(None).is_none());
        // The per-thread memo gives each time its own value.
        let later = at + Duration::from_secs(86_400);
        assert_eq!(
            last_modified(Some(later)).unwrap(),
            "Wed, 15 Nov 2023 22:13:20 GMT"
        );
        assert_eq!(
            last_modified(Some(at)).unwrap(),
            "Tue, 14 Nov 2023 22:13:20 GMT"
        );
    }
}
