//! Precompressed variants: which coding to send, from `Accept-Encoding` (RFC 9110 section
//! 12.5.3).
//!
//! Each member is `coding[;q=value]`; codings compare case-insensitively (`x-gzip` is
//! `gzip`), `*` stands for every coding not named, a q-value of 0 means "not acceptable",
//! and a member whose q-value does not parse is ignored. `identity` (no coding) is
//! acceptable unless `identity;q=0`, or `*;q=0` with no `identity` member, says otherwise.
//! Without the header, or with an empty one, only identity is sent: clients that do not
//! ask for a coding get the file as it is.
//!
//! The candidates are the enabled codings with a q-value above 0 (and at least identity's,
//! when the client gives identity one), highest first; ties go to the smaller encoding:
//! Brotli, then Zstandard, then gzip.

use http::HeaderMap;
use http::header::ACCEPT_ENCODING;

/// A content coding a precompressed sibling file may be stored in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coding {
    Brotli,
    Zstd,
    Gzip,
}

impl Coding {
    /// Every coding, in the order preferred when the client rates them equally.
    pub(crate) const ALL: [Coding; 3] = [Coding::Brotli, Coding::Zstd, Coding::Gzip];

    /// The `Content-Encoding` token.
    pub(crate) fn token(self) -> &'static str {
        match self {
            Coding::Brotli => "br",
            Coding::Zstd => "zstd",
            Coding::Gzip => "gzip",
        }
    }

    /// The extension of the sibling file (`app.js.br`).
    pub(crate) fn extension(self) -> &'static str {
        match self {
            Coding::Brotli => "br",
            Coding::Zstd => "zst",
            Coding::Gzip => "gz",
        }
    }

    fn matches(self, token: &str) -> bool {
        token.eq_ignore_ascii_case(self.token())
            || (self == Coding::Gzip && token.eq_ignore_ascii_case("x-gzip"))
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// What the client accepts, among the enabled codings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Accepted {
    /// The codings to try, best first.
    pub(crate) candidates: Vec<Coding>,
    /// Whether the file may be sent as it is.
    pub(crate) identity: bool,
}

impl Accepted {
    /// Identity only (no negotiation).
    pub(crate) fn identity() -> Self {
        Accepted {
            candidates: Vec::new(),
            identity: true,
        }
    }
}

/// Negotiates among `enabled` codings (any order) for the request `headers`.
pub(crate) fn negotiate(headers: &HeaderMap, enabled: &[Coding]) -> Accepted {
    let mut values = headers.get_all(ACCEPT_ENCODING).iter().peekable();
    if enabled.is_empty() || values.peek().is_none() {
        return Accepted::identity();
    }
    // q-values in thousandths: per coding, identity, and `*`.
    let mut rated: [Option<u16>; 3] = [None; 3];
    let mut identity = None;
    let mut star = None;
    for value in values {
        let Ok(value) = value.to_str() else { continue };
        for member in value.split(',') {
            let mut parts = member.split(';');
            let token = parts.next().unwrap_or("").trim();
            if token.is_empty() {
                continue;
            }
            let Some(q) = quality(parts) else { continue };
            let slot = if token == "*" {
                &mut star
            } else if token.eq_ignore_ascii_case("identity") {
                &mut identity
            } else if let Some(coding) = Coding::ALL.into_iter().find(|c| c.matches(token)) {
                &mut rated[coding.index()]
            } else {
                continue;
            };
            slot.get_or_insert(q);
        }
    }
    let identity_q = identity.or(star.filter(|&q| q == 0));
    let mut candidates: Vec<(u16, Coding)> = Coding::ALL
        .into_iter()
        .filter(|coding| enabled.contains(coding))
        .filter_map(|coding| {
            let q = rated[coding.index()].or(star)?;
            (q > 0 && identity_q.is_none_or(|floor| q >= floor)).then_some((q, coding))
        })
        .collect();
    // Stable: equal q-values keep the preference order.
    candidates.sort_by_key(|&(q, _)| std::cmp::Reverse(q));
    Accepted {
        candidates: candidates.into_iter().map(|(_, coding)| coding).collect(),
        identity: identity_q != Some(0),
    }
}

/// The q-value among a member's parameters (1 when absent); `None` when it does not parse.
fn quality<'a>(parameters: impl Iterator<Item = &'a str>) -> Option<u16> {
    for parameter in parameters {
        let Some((name, value)) = parameter.split_once('=') else {
            continue;
        };
        if name.trim().eq_ignore_ascii_case("q") {
            return parse_q(value.trim());
        }
    }
    Some(1000)
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`, in thousandths.
fn parse_q(value: &str) -> Option<u16> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Coding::*;

    fn accept(value: Option<&str>) -> Accepted {
        let mut headers = HeaderMap::new();
        if let Some(value) = value {
            headers.insert(ACCEPT_ENCODING, value.parse().unwrap());
        }
        negotiate(&headers, &[Gzip, Brotli, Zstd])
    }

    fn order(value: &str) -> (Vec<Coding>, bool) {
        let accepted = accept(Some(value));
        (accepted.candidates, accepted.identity)
    }

    #[test]
    fn browsers_get_brotli_first() {
        assert_eq!(
            order("gzip, deflate, br, zstd"),
            (vec![Brotli, Zstd, Gzip], true)
        );
        assert_eq!(order("gzip"), (vec![Gzip], true));
        assert_eq!(order("X-GZIP"), (vec![Gzip], true));
        assert_eq!(order("BR;Q=1"), (vec![Brotli], true));
    }

    #[test]
    fn q_values_order_and_exclude() {
        assert_eq!(order("br;q=0.5, gzip;q=0.8"), (vec![Gzip, Brotli], true));
        assert_eq!(order("br;q=0, gzip"), (vec![Gzip], true));
        assert_eq!(order("*"), (vec![Brotli, Zstd, Gzip], true));
        assert_eq!(order("*;q=0.5, gzip;q=0"), (vec![Brotli, Zstd], true));
        assert_eq!(
            order("gzip;q=0.999, br;q=0.001"),
            (vec![Gzip, Brotli], true)
        );
        // A q-value that does not parse drops the member.
        assert_eq!(order("br;q=2, gzip;q=0.5000, zstd;q=x"), (vec![], true));
        assert_eq!(order("br;q=1.0, gzip;q=1.001"), (vec![Brotli], true));
    }

    #[test]
    fn identity_q_zero_is_respected() {
        assert_eq!(order("identity;q=0"), (vec![], false));
        assert_eq!(order("gzip, identity;q=0"), (vec![Gzip], false));
        assert_eq!(order("*;q=0"), (vec![], false));
        assert_eq!(order("*;q=0, identity"), (vec![], true));
        // A coding rated below identity loses to it.
        assert_eq!(order("gzip;q=0.5, identity;q=0.8"), (vec![], true));
        assert_eq!(
            order("gzip;q=0.8, identity;q=0.8, br;q=0.9"),
            (vec![Brotli, Gzip], true)
        );
    }

    #[test]
    fn no_header_or_an_empty_one_means_identity() {
        assert_eq!(accept(None), Accepted::identity());
        assert_eq!(order(""), (vec![], true));
        assert_eq!(order("deflate, compress"), (vec![], true));
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT_ENCODING, "br".parse().unwrap());
        assert_eq!(negotiate(&headers, &[]), Accepted::identity());
        assert_eq!(negotiate(&headers, &[Gzip]).candidates, vec![]);
    }

    #[test]
    fn several_header_lines_are_one_list() {
        let mut headers = HeaderMap::new();
        headers.append(ACCEPT_ENCODING, "gzip;q=0.5".parse().unwrap());
        headers.append(ACCEPT_ENCODING, "br".parse().unwrap());
        assert_eq!(
            negotiate(&headers, &Coding::ALL).candidates,
            vec![Brotli, Gzip]
        );
    }
}
