//! The cookie rules of [respond](https://docs.rs/respond) (RFC 6265 and the RFC 6265bis
//! additions), as plain functions over text.
//!
//! This crate is the single source of truth for two crates: `respond` checks cookies built
//! at run time with it, and `respond-macros` checks the literals of `cookie!` with it at
//! compile time, so both enforce exactly the same rules. It is an implementation detail of
//! those two crates, versioned with them, and depends on nothing but `std`; depend on
//! `respond` instead.
//!
//! ```
//! use respond_cookie_rules::{check_combination, check_name, Attributes, Violation};
//!
//! assert_eq!(check_name("session id"), Err(Violation::NameChar(' ')));
//! let host = Attributes {
//!     name: "__Host-id",
//!     secure: true,
//!     samesite_none: false,
//!     partitioned: false,
//!     has_domain: false,
//!     path: Some("/"),
//! };
//! assert!(check_combination(host).is_empty());
//! ```

use std::fmt;

/// A broken cookie rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// The name is empty.
    EmptyName,
    /// The name has a character outside RFC 9110's `tchar`.
    NameChar(char),
    /// The value has a character above U+00FF, which no Set-Cookie header can carry.
    ValueChar(char),
    /// A `Path` or `Domain` attribute has a control character, `;` or a non-ASCII character.
    AttributeChar(&'static str, char),
    /// `SameSite=None` without `Secure`.
    SameSiteNoneNeedsSecure,
    /// `Partitioned` without `Secure`.
    PartitionedNeedsSecure,
    /// A `__Secure-` cookie without `Secure`.
    SecurePrefixNeedsSecure,
    /// A `__Host-` cookie without `Secure`.
    HostPrefixNeedsSecure,
    /// A `__Host-` cookie with a `Domain`.
    HostPrefixWithDomain,
    /// A `__Host-` cookie whose `Path` is not `/`.
    HostPrefixPath,
    /// A `samesite` text other than strict, lax or none.
    UnknownSameSite,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::EmptyName => f.write_str("a cookie name cannot be empty"),
            Violation::NameChar(c) => write!(
                f,
                "a cookie name must be an RFC 6265 token (letters, digits and !#$%&'*+-.^_`|~); {c:?} is not allowed"
            ),
            Violation::ValueChar(c) => write!(
                f,
                "a cookie value can only hold characters up to U+00FF (they are quoted and escaped as needed); {c:?} is not allowed"
            ),
            Violation::AttributeChar(attribute, c) => write!(
                f,
                "the {attribute} attribute can only hold visible ASCII characters other than `;`; {c:?} is not allowed"
            ),
            Violation::SameSiteNoneNeedsSecure => {
                f.write_str("`samesite = \"none\"` requires `secure`: browsers reject it otherwise")
            }
            Violation::PartitionedNeedsSecure => {
                f.write_str("`partitioned` requires `secure`: browsers reject it otherwise")
            }
            Violation::SecurePrefixNeedsSecure => {
                f.write_str("a `__Secure-` cookie requires `secure`")
            }
            Violation::HostPrefixNeedsSecure => f.write_str("a `__Host-` cookie requires `secure`"),
            Violation::HostPrefixWithDomain => {
                f.write_str("a `__Host-` cookie cannot have a `domain`")
            }
            Violation::HostPrefixPath => f.write_str("a `__Host-` cookie must have `path = \"/\"`"),
            Violation::UnknownSameSite => {
                f.write_str("`samesite` must be \"strict\", \"lax\" or \"none\"")
            }
        }
    }
}

/// RFC 9110 `tchar`: the characters of a token.
pub fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// The cookie name must be a non-empty token.
pub fn check_name(name: &str) -> Result<(), Violation> {
    if name.is_empty() {
        return Err(Violation::EmptyName);
    }
    match name.chars().find(|&c| !is_tchar(c)) {
        Some(c) => Err(Violation::NameChar(c)),
        None => Ok(()),
    }
}

/// A value is any text of characters up to U+00FF: whatever is not a cookie-octet is quoted
/// and escaped by [`write_value`], so nothing can break out of the header.
pub fn check_value(value: &str) -> Result<(), Violation> {
    match value.chars().find(|&c| u32::from(c) > 0xFF) {
        Some(c) => Err(Violation::ValueChar(c)),
        None => Ok(()),
    }
}

/// `Path` and `Domain`: visible ASCII (and space) without `;`.
pub fn check_attribute(attribute: &'static str, value: &str) -> Result<(), Violation> {
    match value
        .chars()
        .find(|&c| !(c == ' ' || c.is_ascii_graphic()) || c == ';')
    {
        Some(c) => Err(Violation::AttributeChar(attribute, c)),
        None => Ok(()),
    }
}

/// The lower-case SameSite keyword for a user's text.
pub fn parse_samesite(text: &str) -> Result<&'static str, Violation> {
    ["strict", "lax", "none"]
        .into_iter()
        .find(|keyword| keyword.eq_ignore_ascii_case(text))
        .ok_or(Violation::UnknownSameSite)
}

/// The attributes the combination rules look at.
#[derive(Debug, Clone, Copy)]
pub struct Attributes<'a> {
    /// The cookie's name (the `__Secure-` and `__Host-` prefixes are matched in any case).
    pub name: &'a str,
    /// The `Secure` attribute is set.
    pub secure: bool,
    /// `SameSite=None`.
    pub samesite_none: bool,
    /// The `Partitioned` attribute (CHIPS) is set.
    pub partitioned: bool,
    /// A `Domain` attribute is set.
    pub has_domain: bool,
    /// The `Path` attribute, if any.
    pub path: Option<&'a str>,
}

/// The rules that tie attributes together (RFC 6265bis sections 4.1.3 and 5.4, CHIPS).
/// Every violation is listed, in a fixed order.
pub fn check_combination(attributes: Attributes<'_>) -> Vec<Violation> {
    let mut violations = Vec::new();
    if attributes.samesite_none && !attributes.secure {
        violations.push(Violation::SameSiteNoneNeedsSecure);
    }
    if attributes.partitioned && !attributes.secure {
        violations.push(Violation::PartitionedNeedsSecure);
    }
    if starts_with_ignore_case(attributes.name, "__Secure-") && !attributes.secure {
        violations.push(Violation::SecurePrefixNeedsSecure);
    }
    if starts_with_ignore_case(attributes.name, "__Host-") {
        if !attributes.secure {
            violations.push(Violation::HostPrefixNeedsSecure);
        }
        if attributes.has_domain {
            violations.push(Violation::HostPrefixWithDomain);
        }
        if attributes.path != Some("/") {
            violations.push(Violation::HostPrefixPath);
        }
    }
    violations
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len()
        && text.is_char_boundary(prefix.len())
        && text[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// Characters a value may hold bare: Python's `http.cookies` legal set, so a value renders
/// byte for byte as Starlette renders it.
fn is_bare(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~:".contains(c)
}

/// Writes a checked value: bare when it is non-empty and all legal characters; otherwise in
/// double quotes, with `"` and `\` backslash-escaped and every control character, `,`, `;`
/// and byte from 0x7F up as a three-digit octal escape (`\073` for `;`). The output is
/// always visible ASCII.
pub fn write_value(value: &str, out: &mut String) {
    if !value.is_empty() && value.chars().all(is_bare) {
        out.push_str(value);
        return;
    }
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if is_bare(c) || " ()/<=>?@[]{}".contains(c) => out.push(c),
            c => {
                let code = u32::from(c);
                out.push('\\');
                for shift in [6, 3, 0] {
                    out.push(char::from(b'0' + ((code >> shift) & 7) as u8));
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attributes(name: &str) -> Attributes<'_> {
        Attributes {
            name,
            secure: false,
            samesite_none: false,
            partitioned: false,
            has_domain: false,
            path: Some("/"),
        }
    }

    fn written(value: &str) -> String {
        let mut out = String::new();
        write_value(value, &mut out);
        out
    }

    #[test]
    fn names_are_tokens() {
        assert_eq!(check_name(""), Err(Violation::EmptyName));
        assert_eq!(check_name("a;b"), Err(Violation::NameChar(';')));
        assert_eq!(check_name("caf\u{e9}"), Err(Violation::NameChar('\u{e9}')));
        assert_eq!(check_name("Session_ID-2.x!#$%&'*+^`|~"), Ok(()));
    }

    #[test]
    fn values_stop_at_latin_1() {
        assert_eq!(check_value("caf\u{e9}; \"x\""), Ok(()));
        assert_eq!(
            check_value("\u{20ac}"),
            Err(Violation::ValueChar('\u{20ac}'))
        );
    }

    #[test]
    fn attributes_refuse_controls_semicolons_and_non_ascii() {
        assert_eq!(check_attribute("Path", "/a b/c"), Ok(()));
        for (text, bad) in [("/a;b", ';'), ("/a\r\n", '\r'), ("/\u{e9}", '\u{e9}')] {
            assert_eq!(
                check_attribute("Path", text),
                Err(Violation::AttributeChar("Path", bad))
            );
        }
    }

    #[test]
    fn samesite_keywords_in_any_case() {
        assert_eq!(parse_samesite("Strict"), Ok("strict"));
        assert_eq!(parse_samesite("LAX"), Ok("lax"));
        assert_eq!(parse_samesite("none"), Ok("none"));
        assert_eq!(parse_samesite("nope"), Err(Violation::UnknownSameSite));
    }

    #[test]
    fn combinations_list_every_violation_in_order() {
        let host = Attributes {
            samesite_none: true,
            partitioned: true,
            has_domain: true,
            path: Some("/app"),
            ..attributes("__HOST-id")
        };
        assert_eq!(
            check_combination(host),
            vec![
                Violation::SameSiteNoneNeedsSecure,
                Violation::PartitionedNeedsSecure,
                Violation::HostPrefixNeedsSecure,
                Violation::HostPrefixWithDomain,
                Violation::HostPrefixPath,
            ]
        );
        assert_eq!(
            check_combination(attributes("__secure-id")),
            vec![Violation::SecurePrefixNeedsSecure]
        );
        let fine = Attributes {
            secure: true,
            samesite_none: true,
            partitioned: true,
            ..attributes("__Host-id")
        };
        assert!(check_combination(fine).is_empty());
        // A multi-byte character where the prefix would end is no prefix (and no panic).
        assert!(check_combination(attributes("__Hos\u{e9}-x")).is_empty());
    }

    #[test]
    fn values_render_as_starlette_quotes_them() {
        assert_eq!(written("abc:123"), "abc:123");
        assert_eq!(written(""), "\"\"");
        assert_eq!(written("a b"), "\"a b\"");
        assert_eq!(written("a;b,c"), "\"a\\073b\\054c\"");
        assert_eq!(written("say \"hi\" \\o/"), "\"say \\\"hi\\\" \\\\o/\"");
        assert_eq!(written("caf\u{e9}\n"), "\"caf\\351\\012\"");
    }

    #[test]
    fn violations_explain_themselves() {
        assert_eq!(
            Violation::HostPrefixPath.to_string(),
            "a `__Host-` cookie must have `path = \"/\"`"
        );
        assert!(
            Violation::NameChar(' ')
                .to_string()
                .contains("' ' is not allowed")
        );
    }
}
