//! `multipart/byteranges` bodies (RFC 9110 section 14.6), laid out up front so the exact
//! `Content-Length` is known before a byte is read.
//!
//! Unlike Starlette, the boundary is in `Content-Type` (not `Content-Range`); lines end with
//! CRLF. As in Starlette, there is no preamble and no CRLF after the closing delimiter.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use http::HeaderValue;

use super::read::Piece;

/// A fresh boundary: 32 hex digits from a randomly keyed hash, so it is unpredictable and
/// differs for every response.
pub(crate) fn boundary() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let state = RandomState::new();
    let high = state.hash_one((count, 0u8));
    let low = state.hash_one((count, 1u8));
    format!("{high:016x}{low:016x}")
}

/// The `Content-Type` of the whole response.
pub(crate) fn content_type(boundary: &str) -> HeaderValue {
    HeaderValue::try_from(format!("multipart/byteranges; boundary={boundary}"))
        .unwrap_or_else(|_| HeaderValue::from_static("multipart/byteranges"))
}

/// The pieces of the body (part headers, file ranges, delimiters) and its total length.
///
/// `part_type` is the file's own Content-Type, repeated in each part (left out when the
/// response has none).
pub(crate) fn layout(
    boundary: &str,
    part_type: Option<&HeaderValue>,
    ranges: &[Range<u64>],
    size: u64,
) -> (Vec<Piece>, u64) {
    let mut pieces = Vec::with_capacity(ranges.len() * 2 + 1);
    let mut length = 0u64;
    let mut head = Vec::with_capacity(128);
    for (index, range) in ranges.iter().enumerate() {
        head.clear();
        if index > 0 {
            head.extend_from_slice(b"\r\n");
        }
        head.extend_from_slice(b"--");
        head.extend_from_slice(boundary.as_bytes());
        head.extend_from_slice(b"\r\n");
        if let Some(part_type) = part_type {
            head.extend_from_slice(b"Content-Type: ");
            head.extend_from_slice(part_type.as_bytes());
            head.extend_from_slice(b"\r\n");
        }
        head.extend_from_slice(
            format!(
                "Content-Range: bytes {}-{}/{size}\r\n\r\n",
                range.start,
                range.end - 1
            )
            .as_bytes(),
        );
        length += head.len() as u64 + (range.end - range.start);
        pieces.push(Piece::Bytes(Bytes::copy_from_slice(&head)));
        pieces.push(Piece::File(range.clone()));
    }
    let close = format!("\r\n--{boundary}--");
    length += close.len() as u64;
    pieces.push(Piece::Bytes(Bytes::from(close)));
    (pieces, length)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_differ() {
        let (a, b) = (boundary(), boundary());
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|byte| byte.is_ascii_hexdigit()));
    }

    #[test]
    fn layout_matches_the_spec_bytes() {
        let part_type = HeaderValue::from_static("text/plain; charset=utf-8");
        let (pieces, length) = layout("B", Some(&part_type), &[0..3, 10..13], 20);
        let file = b"0123456789ABCDEFGHIJ";
        let mut body = Vec::new();
        for piece in pieces {
            match piece {
                Piece::Bytes(bytes) => body.extend_from_slice(&bytes),
                Piece::File(range) => {
                    body.extend_from_slice(&file[range.start as usize..range.end as usize]);
                }
            }
        }
        let expected = "--B\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-2/20\r\n\r\n012\r\n--B\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 10-12/20\r\n\r\nABC\r\n--B--";
        assert_eq!(String::from_utf8(body).unwrap(), expected);
        assert_eq!(length, expected.len() as u64);
    }
}
