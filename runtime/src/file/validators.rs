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
    let (sign, offset) = match modified.duration_since(UNIX_EPOCH) {
        Ok(after) => ("", after),
        Err(before) => ("-", before.duration()),
    };
    let tag = format!(
        "\"{size:x}-{sign}{:x}.{:x}\"",
        offset.as_secs(),
        offset.subsec_nanos()
    );
    HeaderValue::try_from(tag).ok()
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
    let whole_seconds = UNIX_EPOCH + Duration::from_secs(since_epoch.as_secs());
    HeaderValue::try_from(httpdate::fmt_http_date(whole_seconds)).ok()
}

/// Parses an HTTP date (IMF-fixdate and the two obsolete forms); `None` when it does not parse.
pub(crate) fn parse_date(value: &HeaderValue) -> Option<SystemTime> {
    httpdate::parse_http_date(value.to_str().ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_is_strong_and_never_panics() {
        let at = UNIX_EPOCH + Duration::new(1_700_000_000, 500_000_000);
        assert_eq!(etag(20, Some(at)).unwrap(), "\"14-6553f100.1dcd6500\"");
        let before = UNIX_EPOCH - Duration::new(10, 5);
        assert_eq!(etag(1, Some(before)).unwrap(), "\"1--a.5\"");
        assert!(etag(1, None).is_none());
        let far = UNIX_EPOCH + Duration::from_secs(400_000_000_000);
        assert!(etag(1, Some(far)).is_some());
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
    }
}
