//! Cache headers: one `Cache-Control` for the files of a mount, and a long-lived
//! `immutable` one for fingerprinted names (`app.3f2a1b9c.js`) matched by a pattern.

use http::HeaderValue;
use regex_lite::Regex;

/// `Cache-Control` for a fingerprinted file: a year, and `immutable` (RFC 8246), so browsers
/// do not even revalidate it on reload. A new build gives the file a new name.
pub(crate) const IMMUTABLE: HeaderValue =
    HeaderValue::from_static("public, max-age=31536000, immutable");

/// Which `Cache-Control` a served file gets.
#[derive(Debug, Clone, Default)]
pub(crate) struct CachePolicy {
    pub(crate) control: Option<HeaderValue>,
    pub(crate) immutable: Option<Regex>,
}

impl CachePolicy {
    /// The header for the file at `relative` (the decoded path under the root, `/`
    /// separated): [`IMMUTABLE`] when the pattern matches it, else the mount's value.
    pub(crate) fn for_path(&self, relative: &str) -> Option<HeaderValue> {
        match &self.immutable {
            Some(pattern) if pattern.is_match(relative) => Some(IMMUTABLE),
            _ => self.control.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprinted_names_are_immutable_and_others_get_the_mount_value() {
        let policy = CachePolicy {
            control: Some(HeaderValue::from_static("public, max-age=60")),
            immutable: Some(Regex::new(r"\.[0-9a-f]{8}\.(js|css)$").unwrap()),
        };
        assert_eq!(policy.for_path("assets/app.3f2a1b9c.js"), Some(IMMUTABLE));
        assert_eq!(policy.for_path("app.js").unwrap(), "public, max-age=60");
        assert_eq!(CachePolicy::default().for_path("app.js"), None);
    }
}
