//! Conditional requests (RFC 9110 section 13): `If-Match`, `If-Unmodified-Since`,
//! `If-None-Match`, `If-Modified-Since`, and `If-Range`.

use std::time::SystemTime;

use http::header::{IF_MATCH, IF_MODIFIED_SINCE, IF_NONE_MATCH, IF_UNMODIFIED_SINCE};
use http::{HeaderMap, HeaderValue, Method};

use super::validators::parse_date;

/// The outcome of evaluating the preconditions of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Precondition {
    /// Perform the request.
    Proceed,
    /// `304 Not Modified`.
    NotModified,
    /// `412 Precondition Failed`.
    Failed,
}

/// The validators of the representation, as its response headers state them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Validators<'a> {
    pub(crate) etag: Option<&'a HeaderValue>,
    pub(crate) last_modified: Option<&'a HeaderValue>,
}

impl Validators<'_> {
    fn etag(&self) -> Option<EntityTag<'_>> {
        self.etag
            .and_then(|value| parse_list(value.as_bytes()))
            .and_then(|tags| match tags {
                Tags::List(list) if list.len() == 1 => list.into_iter().next(),
                _ => None,
            })
    }

    fn modified(&self) -> Option<SystemTime> {
        self.last_modified.and_then(parse_date)
    }
}

/// Evaluates the preconditions in the order of RFC 9110 section 13.2.2 (the caller checks
/// that the response would otherwise be a 2xx).
pub(crate) fn evaluate(
    method: &Method,
    request: &HeaderMap,
    validators: Validators<'_>,
) -> Precondition {
    let conditional = [
        IF_MATCH,
        IF_UNMODIFIED_SINCE,
        IF_NONE_MATCH,
        IF_MODIFIED_SINCE,
    ];
    if conditional.iter().all(|name| !request.contains_key(name)) {
        // The common request: nothing to compare, so our validators are not even parsed.
        return Precondition::Proceed;
    }
    let get_or_head = method == Method::GET || method == Method::HEAD;
    let etag = validators.etag();
    let modified = validators.modified();

    // Step 1 and 2: If-Match, else If-Unmodified-Since.
    if let Some(tags) = header_tags(request, &IF_MATCH) {
        let matched = match tags {
            Tags::Any => true,
            Tags::List(list) => etag.is_some_and(|ours| list.iter().any(|t| t.strong_eq(&ours))),
        };
        if !matched {
            return Precondition::Failed;
        }
    } else if let (Some(since), Some(modified)) =
        (single_date(request, &IF_UNMODIFIED_SINCE), modified)
    {
        if modified > since {
            return Precondition::Failed;
        }
    }

    // Step 3 and 4: If-None-Match, else If-Modified-Since (GET and HEAD only).
    if let Some(tags) = header_tags(request, &IF_NONE_MATCH) {
        let matched = match tags {
            Tags::Any => true,
            Tags::List(list) => etag.is_some_and(|ours| list.iter().any(|t| t.weak_eq(&ours))),
        };
        if matched {
            return if get_or_head {
                Precondition::NotModified
            } else {
                Precondition::Failed
            };
        }
    } else if get_or_head {
        if let (Some(since), Some(modified)) = (single_date(request, &IF_MODIFIED_SINCE), modified)
        {
            if modified <= since {
                return Precondition::NotModified;
            }
        }
    }
    Precondition::Proceed
}

/// Whether an `If-Range` value lets the `Range` header apply: a strong entity tag equal to
/// ours (strong comparison), or an HTTP date equal to our `Last-Modified`.
pub(crate) fn if_range_matches(value: &HeaderValue, validators: Validators<'_>) -> bool {
    let bytes = value.as_bytes();
    let trimmed = bytes.trim_ascii();
    if trimmed.starts_with(b"\"") || trimmed.starts_with(b"W/") {
        let Some(Tags::List(list)) = parse_list(trimmed) else {
            return false;
        };
        let Some(ours) = validators.etag() else {
            return false;
        };
        return list.len() == 1 && list[0].strong_eq(&ours);
    }
    match (parse_date(value), validators.modified()) {
        (Some(date), Some(modified)) => date == modified,
        _ => false,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct EntityTag<'a> {
    weak: bool,
    /// The opaque tag, quotes included.
    opaque: &'a [u8],
}

impl EntityTag<'_> {
    fn strong_eq(&self, other: &EntityTag<'_>) -> bool {
        !self.weak && !other.weak && self.opaque == other.opaque
    }

    fn weak_eq(&self, other: &EntityTag<'_>) -> bool {
        self.opaque == other.opaque
    }
}

enum Tags<'a> {
    Any,
    List(Vec<EntityTag<'a>>),
}

/// The entity tags of every line of a header; `None` when it is absent or does not parse
/// (a header that does not parse is ignored).
fn header_tags<'a>(request: &'a HeaderMap, name: &http::HeaderName) -> Option<Tags<'a>> {
    let mut all: Option<Tags<'a>> = None;
    for value in request.get_all(name) {
        match parse_list(value.as_bytes())? {
            Tags::Any => all = Some(Tags::Any),
            Tags::List(list) => match &mut all {
                Some(Tags::Any) => {}
                Some(Tags::List(earlier)) => earlier.extend(list),
                None => all = Some(Tags::List(list)),
            },
        }
    }
    all
}

/// `"*"` or `#entity-tag`.
fn parse_list(value: &[u8]) -> Option<Tags<'_>> {
    if value.trim_ascii() == b"*" {
        return Some(Tags::Any);
    }
    let mut tags = Vec::new();
    let mut rest = value;
    loop {
        rest = rest.trim_ascii_start();
        while let Some(after) = rest.strip_prefix(b",") {
            rest = after.trim_ascii_start();
        }
        if rest.is_empty() {
            break;
        }
        let (weak, after) = match rest.strip_prefix(b"W/") {
            Some(after) => (true, after),
            None => (false, rest),
        };
        let inner = after.strip_prefix(b"\"")?;
        let close = inner.iter().position(|&byte| byte == b'"')?;
        let opaque = &after[..close + 2];
        tags.push(EntityTag { weak, opaque });
        rest = &after[close + 2..];
        let trimmed = rest.trim_ascii_start();
        if !(trimmed.is_empty() || trimmed.starts_with(b",")) {
            return None;
        }
    }
    if tags.is_empty() {
        None
    } else {
        Some(Tags::List(tags))
    }
}

/// A date header with exactly one valid HTTP date; anything else is ignored.
fn single_date(request: &HeaderMap, name: &http::HeaderName) -> Option<SystemTime> {
    let mut values = request.get_all(name).iter();
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    parse_date(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ETAG: HeaderValue = HeaderValue::from_static("\"abc\"");
    const DATE: HeaderValue = HeaderValue::from_static("Tue, 14 Nov 2023 22:13:20 GMT");
    const EARLIER: &str = "Tue, 14 Nov 2023 22:13:19 GMT";
    const LATER: &str = "Tue, 14 Nov 2023 22:13:21 GMT";

    fn check(method: Method, headers: &[(&str, &str)]) -> Precondition {
        let mut request = HeaderMap::new();
        for (name, value) in headers {
            request.append(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        let validators = Validators {
            etag: Some(&ETAG),
            last_modified: Some(&DATE),
        };
        evaluate(&method, &request, validators)
    }

    use Precondition::{Failed, NotModified, Proceed};

    #[test]
    fn if_none_match_uses_weak_comparison() {
        assert_eq!(
            check(Method::GET, &[("if-none-match", "\"abc\"")]),
            NotModified
        );
        assert_eq!(
            check(Method::GET, &[("if-none-match", "W/\"abc\"")]),
            NotModified
        );
        assert_eq!(
            check(Method::HEAD, &[("if-none-match", "\"x\", \"abc\"")]),
            NotModified
        );
        assert_eq!(check(Method::GET, &[("if-none-match", "*")]), NotModified);
        assert_eq!(check(Method::GET, &[("if-none-match", "\"x\"")]), Proceed);
        assert_eq!(check(Method::POST, &[("if-none-match", "\"abc\"")]), Failed);
        // Garbage is ignored.
        assert_eq!(check(Method::GET, &[("if-none-match", "abc")]), Proceed);
    }

    #[test]
    fn if_modified_since_only_without_if_none_match() {
        assert_eq!(
            check(
                Method::GET,
                &[("if-modified-since", DATE.to_str().unwrap())]
            ),
            NotModified
        );
        assert_eq!(
            check(Method::GET, &[("if-modified-since", LATER)]),
            NotModified
        );
        assert_eq!(
            check(Method::GET, &[("if-modified-since", EARLIER)]),
            Proceed
        );
        assert_eq!(
            check(Method::POST, &[("if-modified-since", LATER)]),
            Proceed
        );
        assert_eq!(
            check(Method::GET, &[("if-modified-since", "yesterday")]),
            Proceed
        );
        assert_eq!(
            check(
                Method::GET,
                &[("if-none-match", "\"x\""), ("if-modified-since", LATER)]
            ),
            Proceed
        );
    }

    #[test]
    fn if_match_uses_strong_comparison() {
        assert_eq!(check(Method::GET, &[("if-match", "\"abc\"")]), Proceed);
        assert_eq!(check(Method::GET, &[("if-match", "*")]), Proceed);
        assert_eq!(check(Method::GET, &[("if-match", "W/\"abc\"")]), Failed);
        assert_eq!(check(Method::GET, &[("if-match", "\"x\"")]), Failed);
        assert_eq!(
            check(Method::GET, &[("if-unmodified-since", EARLIER)]),
            Failed
        );
        assert_eq!(
            check(Method::GET, &[("if-unmodified-since", LATER)]),
            Proceed
        );
        assert_eq!(
            check(
                Method::GET,
                &[("if-match", "\"abc\""), ("if-unmodified-since", EARLIER)]
            ),
            Proceed
        );
        // If-Match is evaluated before If-None-Match.
        assert_eq!(
            check(
                Method::GET,
                &[("if-match", "\"x\""), ("if-none-match", "\"abc\"")]
            ),
            Failed
        );
    }

    #[test]
    fn if_range_needs_a_strong_tag_or_the_exact_date() {
        let validators = Validators {
            etag: Some(&ETAG),
            last_modified: Some(&DATE),
        };
        let matches =
            |value: &str| if_range_matches(&HeaderValue::from_str(value).unwrap(), validators);
        assert!(matches("\"abc\""));
        assert!(!matches("W/\"abc\""));
        assert!(!matches("\"ab\""));
        assert!(matches("Tue, 14 Nov 2023 22:13:20 GMT"));
        assert!(!matches(LATER));
        assert!(!matches("garbage"));
        let weak_ours = HeaderValue::from_static("W/\"abc\"");
        let weak = Validators {
            etag: Some(&weak_ours),
            last_modified: None,
        };
        assert!(!if_range_matches(
            &HeaderValue::from_static("\"abc\""),
            weak
        ));
    }
}
