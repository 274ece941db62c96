//! What a file response sends for one request, decided from the metadata alone: the
//! validators, the conditional headers (RFC 9110 section 13.2.2) and the ranges (section 14).

use http::header::{
    CONTENT_DISPOSITION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG,
    IF_MATCH, IF_MODIFIED_SINCE, IF_NONE_MATCH, IF_RANGE, IF_UNMODIFIED_SINCE, LAST_MODIFIED,
    RANGE,
};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};

use super::conditional::{self, Precondition, Validators};
use super::range::{self, RangeRequest};
use super::read::Piece;
use super::{FileMetadata, multipart, validators};
use crate::protocol::Scope;
use crate::response::allows_body;

/// What a file response needs to know of the request (owned, to cross to the blocking pool).
#[derive(Debug)]
pub(super) struct RequestView {
    method: Method,
    is_http: bool,
    headers: HeaderMap,
    /// Served by respond's server: the body goes to its socket, not out as messages.
    pub(super) on_server: bool,
}

impl RequestView {
    pub(super) fn new(scope: &Scope) -> Self {
        const ASKED: [HeaderName; 6] = [
            RANGE,
            IF_RANGE,
            IF_MATCH,
            IF_NONE_MATCH,
            IF_MODIFIED_SINCE,
            IF_UNMODIFIED_SINCE,
        ];
        // One pass over the request's headers (comparing standard names is cheap), rather
        // than a lookup per name asked: most requests carry none of them.
        let mut headers = HeaderMap::new();
        for (name, value) in scope.headers() {
            if ASKED.contains(name) {
                headers.append(name.clone(), value.clone());
            }
        }
        RequestView {
            method: scope.method().clone(),
            is_http: scope.is_http(),
            headers,
            on_server: scope.write_timeout().is_some(),
        }
    }

    fn is_get_or_head(&self) -> bool {
        self.method == Method::GET || self.method == Method::HEAD
    }
}

/// The head of a file response for one request, and the pieces of its body.
pub(super) struct Decision {
    pub(super) status: StatusCode,
    pub(super) headers: HeaderMap,
    /// Empty when no body is sent.
    pub(super) pieces: Vec<Piece>,
    pub(super) length: u64,
}

pub(super) fn set_validators(headers: &mut HeaderMap, metadata: FileMetadata) {
    if let Some(value) = validators::last_modified(metadata.modified()) {
        headers.entry(LAST_MODIFIED).or_insert(value);
    }
    if let Some(value) = validators::etag(metadata.size(), metadata.modified()) {
        // A different content coding is a different representation (RFC 9110 section 8.8.3).
        let value = validators::with_coding(value, headers.get(CONTENT_ENCODING));
        headers.entry(ETAG).or_insert(value);
    }
}

/// Decides status, headers and body pieces for one request, from the metadata alone.
pub(super) fn decide(
    status: StatusCode,
    mut headers: HeaderMap,
    request: &RequestView,
    metadata: FileMetadata,
) -> Decision {
    set_validators(&mut headers, metadata);
    let no_body = |status, headers| Decision {
        status,
        headers,
        pieces: Vec::new(),
        length: 0,
    };
    if !allows_body(status) {
        headers.remove(CONTENT_LENGTH);
        return no_body(status, headers);
    }
    let etag = headers.get(ETAG).cloned();
    let last_modified = headers.get(LAST_MODIFIED).cloned();
    let validators = Validators {
        etag: etag.as_ref(),
        last_modified: last_modified.as_ref(),
    };

    if request.is_http && status.is_success() {
        match conditional::evaluate(&request.method, &request.headers, validators) {
            Precondition::Proceed => {}
            Precondition::NotModified => {
                for name in [
                    CONTENT_LENGTH,
                    CONTENT_TYPE,
                    CONTENT_DISPOSITION,
                    CONTENT_ENCODING,
                ] {
                    headers.remove(name);
                }
                return no_body(StatusCode::NOT_MODIFIED, headers);
            }
            Precondition::Failed => {
                headers.remove(CONTENT_TYPE);
                headers.remove(CONTENT_DISPOSITION);
                headers.remove(CONTENT_ENCODING);
                headers.insert(CONTENT_LENGTH, HeaderValue::from(0u64));
                return no_body(StatusCode::PRECONDITION_FAILED, headers);
            }
        }
    }

    let send = request.method != Method::HEAD;
    let size = metadata.size();
    let range = request
        .headers
        .get(RANGE)
        .filter(|_| request.is_http && status == StatusCode::OK && request.is_get_or_head())
        .filter(|_| match request.headers.get(IF_RANGE) {
            Some(if_range) => conditional::if_range_matches(if_range, validators),
            None => true,
        });
    let resolved = match range {
        Some(range) => range::resolve(range.as_bytes(), size),
        None => RangeRequest::Full,
    };
    match resolved {
        RangeRequest::Full => finish(status, headers, size, vec![Piece::File(0..size)], send),
        RangeRequest::Unsatisfiable => {
            // As Starlette's answer: an empty plain-text body, not a part of the file.
            headers.insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            headers.remove(CONTENT_DISPOSITION);
            headers.remove(CONTENT_ENCODING);
            if let Ok(value) = HeaderValue::try_from(format!("bytes */{size}")) {
                headers.insert(CONTENT_RANGE, value);
            }
            finish(
                StatusCode::RANGE_NOT_SATISFIABLE,
                headers,
                0,
                Vec::new(),
                send,
            )
        }
        RangeRequest::Ranges(ranges) => match ranges.as_slice() {
            [single] => {
                let content_range = format!("bytes {}-{}/{size}", single.start, single.end - 1);
                if let Ok(value) = HeaderValue::try_from(content_range) {
                    headers.insert(CONTENT_RANGE, value);
                }
                let length = single.end - single.start;
                let pieces = vec![Piece::File(single.clone())];
                finish(StatusCode::PARTIAL_CONTENT, headers, length, pieces, send)
            }
            _ => {
                let boundary = multipart::boundary();
                let part_type = headers.get(CONTENT_TYPE);
                let (pieces, length) = multipart::layout(&boundary, part_type, &ranges, size);
                headers.insert(CONTENT_TYPE, multipart::content_type(&boundary));
                finish(StatusCode::PARTIAL_CONTENT, headers, length, pieces, send)
            }
        },
    }
}

/// A decision with a body of `length` bytes (sent only when `send`).
fn finish(
    status: StatusCode,
    mut headers: HeaderMap,
    length: u64,
    pieces: Vec<Piece>,
    send: bool,
) -> Decision {
    headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
    Decision {
        status,
        headers,
        pieces: if send && length > 0 {
            pieces
        } else {
            Vec::new()
        },
        length,
    }
}
