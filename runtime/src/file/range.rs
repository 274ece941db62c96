//! The `Range` request header (RFC 9110 section 14), resolved against a file's size.
//!
//! Deviations from Starlette, as the RFC asks: an unknown unit or a header that does not
//! parse is ignored (the whole file, 200) instead of a 400; unsatisfiable members are
//! dropped and 416 comes only when none is left; overlapping and adjacent ranges merge;
//! more than [`MAX_RANGES`] ranges are ignored. The work is linear-logarithmic in the number
//! of ranges.

use std::ops::Range;

/// More ranges than this in one header: the header is ignored and the whole file is sent.
pub(crate) const MAX_RANGES: usize = 100;

/// What a `Range` header asks of a representation of a given size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RangeRequest {
    /// Send the whole representation (no usable Range header).
    Full,
    /// Nothing requested is satisfiable: 416 with `Content-Range: bytes */size`.
    Unsatisfiable,
    /// These byte ranges (end exclusive), sorted, merged and non-empty.
    Ranges(Vec<Range<u64>>),
}

/// One `range-spec` of a `bytes` range set, before the size is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spec {
    /// `first-last` (`last` inclusive, `None` for an open `first-`).
    FromTo(u64, Option<u64>),
    /// `-length`: the last `length` bytes.
    Suffix(u64),
}

/// Resolves a `Range` header value against a representation of `size` bytes.
pub(crate) fn resolve(header: &[u8], size: u64) -> RangeRequest {
    let Some(specs) = parse(header) else {
        return RangeRequest::Full;
    };
    let mut ranges = Vec::with_capacity(specs.len());
    let mut suffix_on_empty = false;
    for spec in specs {
        match spec {
            Spec::FromTo(first, last) => {
                if first < size {
                    let end = match last {
                        Some(last) if last < size => last + 1,
                        _ => size,
                    };
                    ranges.push(first..end);
                }
            }
            Spec::Suffix(0) => {}
            Spec::Suffix(length) => {
                if size == 0 {
                    suffix_on_empty = true;
                } else {
                    ranges.push(size.saturating_sub(length)..size);
                }
            }
        }
    }
    if ranges.is_empty() {
        // A non-zero suffix of an empty representation is satisfiable but a 206 cannot
        // express it (RFC 9110 section 14.1.1): send the (empty) whole instead.
        return if suffix_on_empty {
            RangeRequest::Full
        } else {
            RangeRequest::Unsatisfiable
        };
    }
    RangeRequest::Ranges(merge(ranges))
}

/// Sorts the ranges and merges those that overlap or touch.
fn merge(mut ranges: Vec<Range<u64>>) -> Vec<Range<u64>> {
    ranges.sort_unstable_by_key(|range| (range.start, range.end));
    let mut merged: Vec<Range<u64>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

/// Parses `bytes=<range-set>`; `None` for another unit, bad syntax or too many ranges.
fn parse(header: &[u8]) -> Option<Vec<Spec>> {
    let text = std::str::from_utf8(header).ok()?;
    let (unit, set) = text.split_once('=')?;
    if !unit.trim_matches([' ', '\t']).eq_ignore_ascii_case("bytes") {
        return None;
    }
    let mut specs = Vec::new();
    // RFC 9110 section 5.6.1: empty list elements are allowed and ignored.
    for element in set.split(',') {
        let element = element.trim_matches([' ', '\t']);
        if element.is_empty() {
            continue;
        }
        if specs.len() == MAX_RANGES {
            return None;
        }
        specs.push(parse_spec(element)?);
    }
    if specs.is_empty() { None } else { Some(specs) }
}

fn parse_spec(spec: &str) -> Option<Spec> {
    let (first, last) = spec.split_once('-')?;
    if first.is_empty() {
        return Some(Spec::Suffix(number(last)?));
    }
    let first = number(first)?;
    if last.is_empty() {
        return Some(Spec::FromTo(first, None));
    }
    let last = number(last)?;
    // RFC 9110 section 14.1.1: a last-pos below the first-pos makes the range-spec invalid.
    (last >= first).then_some(Spec::FromTo(first, Some(last)))
}

/// `1*DIGIT`; values past `u64::MAX` saturate (they are past any file's end anyway).
fn number(digits: &str) -> Option<u64> {
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    Some(digits.bytes().fold(0u64, |value, digit| {
        value
            .saturating_mul(10)
            .saturating_add(u64::from(digit - b'0'))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(header: &str, size: u64) -> RangeRequest {
        resolve(header.as_bytes(), size)
    }

    fn served(list: &[(u64, u64)]) -> RangeRequest {
        RangeRequest::Ranges(list.iter().map(|&(a, b)| a..b).collect())
    }

    #[test]
    fn single_suffix_and_open_ranges() {
        assert_eq!(ranges("bytes=0-4", 20), served(&[(0, 5)]));
        assert_eq!(ranges("bytes=-5", 20), served(&[(15, 20)]));
        assert_eq!(ranges("bytes=15-", 20), served(&[(15, 20)]));
        assert_eq!(ranges("bytes=-100", 20), served(&[(0, 20)]));
        assert_eq!(ranges("bytes=10-1000", 20), served(&[(10, 20)]));
        assert_eq!(ranges("BYTES =0-1", 20), served(&[(0, 2)]));
        assert_eq!(ranges("bytes=5-5", 20), served(&[(5, 6)]));
        assert_eq!(
            ranges("bytes=0-99999999999999999999999", 20),
            served(&[(0, 20)])
        );
    }

    #[test]
    fn ranges_sort_and_merge() {
        assert_eq!(ranges("bytes=0-4,2-8", 20), served(&[(0, 9)]));
        assert_eq!(ranges("bytes=0-4,5-9", 20), served(&[(0, 10)]));
        assert_eq!(ranges("bytes=10-12,0-2", 20), served(&[(0, 3), (10, 13)]));
        assert_eq!(ranges("bytes=0-1, ,5-6,", 20), served(&[(0, 2), (5, 7)]));
        assert_eq!(ranges("bytes=0-19,3-4", 20), served(&[(0, 20)]));
    }

    #[test]
    fn unsatisfiable_members_are_dropped() {
        assert_eq!(ranges("bytes=0-1,25-30", 20), served(&[(0, 2)]));
        assert_eq!(ranges("bytes=20-", 20), RangeRequest::Unsatisfiable);
        assert_eq!(ranges("bytes=25-30", 20), RangeRequest::Unsatisfiable);
        assert_eq!(ranges("bytes=-0", 20), RangeRequest::Unsatisfiable);
        assert_eq!(ranges("bytes=0-0", 0), RangeRequest::Unsatisfiable);
        assert_eq!(ranges("bytes=-5", 0), RangeRequest::Full);
    }

    #[test]
    fn bad_headers_are_ignored() {
        for bad in [
            "bytes: 0-1000",
            "items=0-1",
            "bytes=",
            "bytes=abc",
            "bytes=0-1,x-y",
            "bytes=5-4",
            "bytes=0--5",
            "bytes=--5",
            "bytes=-",
            "bytes=+1-2",
            "bytes=1_0-20",
            "0-1",
        ] {
            assert_eq!(ranges(bad, 20), RangeRequest::Full, "{bad}");
        }
        assert_eq!(resolve(b"bytes=\xff-1", 20), RangeRequest::Full);
    }

    #[test]
    fn count_limit() {
        let hundred = vec!["0-0"; 100].join(",");
        assert_eq!(ranges(&format!("bytes={hundred}"), 20), served(&[(0, 1)]));
        let too_many = vec!["0-0"; 101].join(",");
        assert_eq!(ranges(&format!("bytes={too_many}"), 20), RangeRequest::Full);
    }
}
