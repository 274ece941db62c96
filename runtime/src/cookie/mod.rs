//! [`Cookie`]: the `Set-Cookie` header, built and checked.

use respond_cookie_rules as rules;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderValue;

use rules::Violation;

/// The `SameSite` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SameSite {
    /// Sent only with same-site requests.
    Strict,
    /// Sent with same-site requests and top-level navigations (the default).
    Lax,
    /// Sent with every request; requires `Secure`.
    None,
}

impl SameSite {
    /// The attribute value, lower case as Starlette writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            SameSite::Strict => "strict",
            SameSite::Lax => "lax",
            SameSite::None => "none",
        }
    }
}

impl std::str::FromStr for SameSite {
    type Err = CookieError;

    /// Parses `strict`, `lax` or `none`, in any case.
    fn from_str(text: &str) -> Result<Self, CookieError> {
        match rules::parse_samesite(text) {
            Ok("strict") => Ok(SameSite::Strict),
            Ok("lax") => Ok(SameSite::Lax),
            Ok(_) => Ok(SameSite::None),
            Err(violation) => Err(CookieError::new("", vec![violation])),
        }
    }
}

/// When a cookie expires: some seconds from the moment it is set, or a point in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expires {
    /// This many seconds after the header is rendered (may be zero or negative).
    AfterSeconds(i64),
    /// At this moment.
    At(SystemTime),
}

impl From<i64> for Expires {
    fn from(seconds: i64) -> Self {
        Expires::AfterSeconds(seconds)
    }
}

impl From<Duration> for Expires {
    fn from(duration: Duration) -> Self {
        Expires::AfterSeconds(i64::try_from(duration.as_secs()).unwrap_or(i64::MAX))
    }
}

impl From<SystemTime> for Expires {
    fn from(time: SystemTime) -> Self {
        Expires::At(time)
    }
}

/// A cookie that breaks the rules, and every rule it breaks.
///
/// ```
/// let error = respond::Cookie::new("my cookie", "v").validate().unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "invalid cookie \"my cookie\": a cookie name must be an RFC 6265 token (letters, digits and !#$%&'*+-.^_`|~); ' ' is not allowed"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid cookie {name:?}: {}", messages(.violations))]
pub struct CookieError {
    name: String,
    violations: Vec<Violation>,
}

fn messages(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl CookieError {
    fn new(name: &str, violations: Vec<Violation>) -> Self {
        CookieError {
            name: name.to_owned(),
            violations,
        }
    }

    /// The name of the cookie at fault.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// A cookie to set: the Rust form of Starlette's `set_cookie` arguments.
///
/// Defaults as Starlette: `Path=/`, `SameSite=lax`, everything else unset. The header renders
/// its attributes in Starlette's order (`Domain`, `expires`, `HttpOnly`, `Max-Age`,
/// `Partitioned`, `Path`, `SameSite`, `Secure`), and quotes a value the way Starlette does.
///
/// The rules are checked when the cookie is rendered (by `set_cookie`, or
/// [`validate`](Self::validate)): the name must be an RFC 6265 token; `SameSite=None` and
/// `Partitioned` need `Secure`; `__Secure-` needs `Secure`; `__Host-` needs `Secure`, no
/// `Domain` and `Path=/`. `cookie!` checks the same rules at compile time.
///
/// ```
/// use respond::{Cookie, SameSite};
/// use std::time::{Duration, UNIX_EPOCH};
///
/// let cookie = Cookie::new("mycookie", "myvalue")
///     .with_max_age(10)
///     .with_expires(10)
///     .with_domain("localhost")
///     .with_secure(true)
///     .with_httponly(true)
///     .with_samesite(SameSite::None);
/// let now = UNIX_EPOCH + Duration::from_secs(2_116_238_400); // 2037-01-22 12:00:00 UTC
/// assert_eq!(
///     cookie.render_at(now).unwrap(),
///     "mycookie=myvalue; Domain=localhost; expires=Thu, 22 Jan 2037 12:00:10 GMT; HttpOnly; \
///      Max-Age=10; Path=/; SameSite=none; Secure"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cookie {
    name: String,
    value: String,
    max_age: Option<i64>,
    expires: Option<Expires>,
    path: Option<String>,
    domain: Option<String>,
    secure: bool,
    httponly: bool,
    samesite: Option<SameSite>,
    partitioned: bool,
}

impl Cookie {
    /// A cookie with this name and value, `Path=/` and `SameSite=lax`.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Cookie {
            name: name.into(),
            value: value.into(),
            max_age: None,
            expires: None,
            path: Some("/".to_owned()),
            domain: None,
            secure: false,
            httponly: false,
            samesite: Some(SameSite::Lax),
            partitioned: false,
        }
    }

    /// Sets `Max-Age`, in seconds.
    #[must_use]
    pub fn with_max_age(mut self, seconds: i64) -> Self {
        self.max_age = Some(seconds);
        self
    }

    /// Sets `expires`: seconds from now (`i64` or [`Duration`]) or a [`SystemTime`].
    #[must_use]
    pub fn with_expires(mut self, expires: impl Into<Expires>) -> Self {
        self.expires = Some(expires.into());
        self
    }

    /// Sets `Path`.
    #[must_use]
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Leaves `Path` out (the browser then uses the request's directory).
    #[must_use]
    pub fn without_path(mut self) -> Self {
        self.path = None;
        self
    }

    /// Sets `Domain`.
    #[must_use]
    pub fn with_domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// Sets or clears `Secure`.
    #[must_use]
    pub fn with_secure(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }

    /// Sets or clears `HttpOnly`.
    #[must_use]
    pub fn with_httponly(mut self, httponly: bool) -> Self {
        self.httponly = httponly;
        self
    }

    /// Sets `SameSite`.
    #[must_use]
    pub fn with_samesite(mut self, samesite: SameSite) -> Self {
        self.samesite = Some(samesite);
        self
    }

    /// Leaves `SameSite` out.
    #[must_use]
    pub fn without_samesite(mut self) -> Self {
        self.samesite = None;
        self
    }

    /// Sets or clears `Partitioned` (CHIPS); it requires `Secure`.
    #[must_use]
    pub fn with_partitioned(mut self, partitioned: bool) -> Self {
        self.partitioned = partitioned;
        self
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value, unquoted.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// `Max-Age` in seconds.
    pub fn max_age(&self) -> Option<i64> {
        self.max_age
    }

    /// `expires`.
    pub fn expires(&self) -> Option<Expires> {
        self.expires
    }

    /// `Path`.
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    /// `Domain`.
    pub fn domain(&self) -> Option<&str> {
        self.domain.as_deref()
    }

    /// `Secure`.
    pub fn secure(&self) -> bool {
        self.secure
    }

    /// `HttpOnly`.
    pub fn httponly(&self) -> bool {
        self.httponly
    }

    /// `SameSite`.
    pub fn samesite(&self) -> Option<SameSite> {
        self.samesite
    }

    /// `Partitioned`.
    pub fn partitioned(&self) -> bool {
        self.partitioned
    }

    /// This cookie turned into its removal: an empty value, `Max-Age=0` and `expires` now,
    /// keeping path, domain and flags so the browser matches the cookie to remove.
    #[must_use]
    pub fn into_removal(mut self) -> Self {
        self.value.clear();
        self.max_age = Some(0);
        self.expires = Some(Expires::AfterSeconds(0));
        self
    }

    /// Checks every rule; the error lists each one broken.
    ///
    /// # Errors
    /// A [`CookieError`] naming the cookie and the broken rules.
    pub fn validate(&self) -> Result<(), CookieError> {
        let mut violations = Vec::new();
        violations.extend(rules::check_name(&self.name).err());
        violations.extend(rules::check_value(&self.value).err());
        if let Some(path) = &self.path {
            violations.extend(rules::check_attribute("Path", path).err());
        }
        if let Some(domain) = &self.domain {
            violations.extend(rules::check_attribute("Domain", domain).err());
        }
        violations.extend(rules::check_combination(rules::Attributes {
            name: &self.name,
            secure: self.secure,
            samesite_none: self.samesite == Some(SameSite::None),
            partitioned: self.partitioned,
            has_domain: self.domain.is_some(),
            path: self.path.as_deref(),
        }));
        if violations.is_empty() {
            Ok(())
        } else {
            Err(CookieError::new(&self.name, violations))
        }
    }

    /// The `Set-Cookie` header text, with a relative `expires` counted from `now`.
    ///
    /// # Errors
    /// A [`CookieError`] when the cookie breaks a rule.
    pub fn render_at(&self, now: SystemTime) -> Result<String, CookieError> {
        self.validate()?;
        let mut out = String::with_capacity(self.name.len() + self.value.len() + 32);
        out.push_str(&self.name);
        out.push('=');
        rules::write_value(&self.value, &mut out);
        if let Some(domain) = &self.domain {
            out.push_str("; Domain=");
            out.push_str(domain);
        }
        if let Some(expires) = self.expires {
            out.push_str("; expires=");
            out.push_str(&http_date(expires, now));
        }
        if self.httponly {
            out.push_str("; HttpOnly");
        }
        if let Some(max_age) = self.max_age {
            out.push_str("; Max-Age=");
            out.push_str(&max_age.to_string());
        }
        if self.partitioned {
            out.push_str("; Partitioned");
        }
        if let Some(path) = &self.path {
            out.push_str("; Path=");
            out.push_str(path);
        }
        if let Some(samesite) = self.samesite {
            out.push_str("; SameSite=");
            out.push_str(samesite.as_str());
        }
        if self.secure {
            out.push_str("; Secure");
        }
        Ok(out)
    }

    /// The `Set-Cookie` header text, with a relative `expires` counted from now.
    ///
    /// ```
    /// assert_eq!(respond::Cookie::new("a", "b c").render().unwrap(), "a=\"b c\"; Path=/; SameSite=lax");
    /// ```
    ///
    /// # Errors
    /// A [`CookieError`] when the cookie breaks a rule.
    pub fn render(&self) -> Result<String, CookieError> {
        self.render_at(SystemTime::now())
    }

    /// The `Set-Cookie` header value.
    ///
    /// # Errors
    /// A [`CookieError`] when the cookie breaks a rule.
    pub fn header_value(&self) -> Result<HeaderValue, CookieError> {
        let text = self.render()?;
        // Rendering only writes visible ASCII and spaces: the conversion cannot fail, but a
        // failure is still reported rather than trusted away.
        HeaderValue::try_from(text).map_err(|_| {
            CookieError::new(
                &self.name,
                vec![Violation::AttributeChar("header", '\u{fffd}')],
            )
        })
    }
}

/// A cookie to delete, by name.
impl From<&str> for Cookie {
    fn from(name: &str) -> Self {
        Cookie::new(name, "")
    }
}

/// A cookie to delete, by name.
impl From<String> for Cookie {
    fn from(name: String) -> Self {
        Cookie::new(name, "")
    }
}

/// The latest moment an IMF-fixdate can show: 9999-12-31 23:59:59 UTC.
const LAST_DATE: u64 = 253_402_300_799;

/// `expires` as an IMF-fixdate, clamped to 1970..=9999 so no date can panic the formatter.
fn http_date(expires: Expires, now: SystemTime) -> String {
    let at = match expires {
        Expires::At(at) => at,
        Expires::AfterSeconds(seconds) if seconds >= 0 => now
            .checked_add(Duration::from_secs(seconds.unsigned_abs()))
            .unwrap_or(UNIX_EPOCH + Duration::from_secs(LAST_DATE)),
        Expires::AfterSeconds(seconds) => now
            .checked_sub(Duration::from_secs(seconds.unsigned_abs()))
            .unwrap_or(UNIX_EPOCH),
    };
    let seconds = at
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
        .min(LAST_DATE);
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(seconds))
}
