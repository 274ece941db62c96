//! From a request path to a path under the root, refusing anything that could leave it.
//!
//! The path is taken as sent (still percent-encoded) and decoded here, once, segment by
//! segment, so an encoded `/` or `\` can never become a separator and `%252e` stays the
//! literal name `%2e`. A segment is refused when, decoded, it is `.` or `..`, holds a `/`,
//! a `\`, a NUL or another control character, or a `:` (a drive letter such as `C:`, an
//! NTFS stream `name:stream`), is not UTF-8, or (unless hidden files are allowed) starts
//! with a dot. Empty segments (`a//b`) are refused too: no correct link has them. On
//! Windows, device names (`CON`, `nul.txt`, `COM1`...) and names ending in a dot or a space
//! are refused as well, since Windows resolves them to something else than their name.
//!
//! What comes out is a list of plain names: joined to the root, it cannot name anything
//! outside it lexically. Symbolic links are the filesystem's part (see `lookup`).

use percent_encoding::percent_decode_str;

/// A request path mapped under the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mapped {
    /// The decoded segments joined with `/`; empty for the root itself.
    pub(crate) relative: String,
    /// Whether the path ends with `/` (it asks for a directory).
    pub(crate) trailing_slash: bool,
}

/// Why a path was refused (logged at debug level; the client only sees a 404).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    NotAbsolute,
    EmptySegment,
    DotSegment,
    Hidden,
    Separator,
    Control,
    Colon,
    NotUtf8,
    WindowsName,
}

impl Refusal {
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Refusal::NotAbsolute => "the path does not start with /",
            Refusal::EmptySegment => "an empty segment",
            Refusal::DotSegment => "a . or .. segment",
            Refusal::Hidden => "a hidden name (starting with a dot)",
            Refusal::Separator => "an encoded / or \\",
            Refusal::Control => "a NUL or another control character",
            Refusal::Colon => "a colon (drive letter or stream name)",
            Refusal::NotUtf8 => "a name that is not UTF-8",
            Refusal::WindowsName => "a Windows device name or a trailing dot or space",
        }
    }
}

/// Maps `raw` (the percent-encoded path below the mount point: empty, or starting with
/// `/`) to names under the root.
pub(crate) fn map(raw: &str, hidden_allowed: bool) -> Result<Mapped, Refusal> {
    if raw.is_empty() {
        return Ok(Mapped {
            relative: String::new(),
            trailing_slash: false,
        });
    }
    let rest = raw.strip_prefix('/').ok_or(Refusal::NotAbsolute)?;
    if rest.is_empty() {
        return Ok(Mapped {
            relative: String::new(),
            trailing_slash: true,
        });
    }
    let (rest, trailing_slash) = match rest.strip_suffix('/') {
        Some(rest) => (rest, true),
        None => (rest, false),
    };
    let mut relative = String::with_capacity(rest.len());
    if !rest.is_empty() {
        for segment in rest.split('/') {
            let name = segment_name(segment, hidden_allowed)?;
            if !relative.is_empty() {
                relative.push('/');
            }
            relative.push_str(&name);
        }
    } else {
        // `//`: an empty segment before the final slash.
        return Err(Refusal::EmptySegment);
    }
    Ok(Mapped {
        relative,
        trailing_slash,
    })
}

/// One segment, decoded and checked.
fn segment_name(segment: &str, hidden_allowed: bool) -> Result<String, Refusal> {
    if segment.is_empty() {
        return Err(Refusal::EmptySegment);
    }
    let bytes: Vec<u8> = percent_decode_str(segment).collect();
    for &byte in &bytes {
        match byte {
            b'/' | b'\\' => return Err(Refusal::Separator),
            0..=0x1f | 0x7f => return Err(Refusal::Control),
            b':' => return Err(Refusal::Colon),
            _ => {}
        }
    }
    if bytes == b"." || bytes == b".." {
        return Err(Refusal::DotSegment);
    }
    if bytes.first() == Some(&b'.') && !hidden_allowed {
        return Err(Refusal::Hidden);
    }
    let name = String::from_utf8(bytes).map_err(|_| Refusal::NotUtf8)?;
    if cfg!(windows) && windows_hazard(&name) {
        return Err(Refusal::WindowsName);
    }
    Ok(name)
}

/// A name Windows would not open as itself: a device name (with any extension), or one
/// ending in a dot or a space (Windows strips those).
fn windows_hazard(name: &str) -> bool {
    const DEVICES: [&str; 6] = ["con", "prn", "aux", "nul", "conin$", "conout$"];
    if name.ends_with('.') || name.ends_with(' ') {
        return true;
    }
    let stem = name.split('.').next().unwrap_or(name).trim_end();
    let lower = stem.to_ascii_lowercase();
    if DEVICES.contains(&lower.as_str()) {
        return true;
    }
    // COM1-9 and LPT1-9, also with superscript digits.
    let digits = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³"];
    ["com", "lpt"].iter().any(|prefix| {
        lower
            .strip_prefix(prefix)
            .is_some_and(|rest| digits.contains(&rest))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str) -> (String, bool) {
        let mapped = map(raw, false).unwrap_or_else(|refusal| panic!("{raw:?}: {refusal:?}"));
        (mapped.relative, mapped.trailing_slash)
    }

    #[test]
    fn plain_paths_map_to_names() {
        assert_eq!(ok(""), (String::new(), false));
        assert_eq!(ok("/"), (String::new(), true));
        assert_eq!(ok("/a.css"), ("a.css".into(), false));
        assert_eq!(ok("/css/a.css"), ("css/a.css".into(), false));
        assert_eq!(ok("/docs/"), ("docs".into(), true));
        assert_eq!(ok("/caf%C3%A9.txt"), ("café.txt".into(), false));
        assert_eq!(ok("/a%20b"), ("a b".into(), false));
        // Decoded once: a doubly encoded dot is a literal name.
        assert_eq!(ok("/%252e%252e"), ("%2e%2e".into(), false));
        assert_eq!(ok("/100%"), ("100%".into(), false));
        assert_eq!(ok("/a..b"), ("a..b".into(), false));
    }

    #[test]
    fn escapes_are_refused() {
        use Refusal::*;
        for (raw, why) in [
            ("a", NotAbsolute),
            ("/..", DotSegment),
            ("/../x", DotSegment),
            ("/a/./b", DotSegment),
            ("/%2e%2e/x", DotSegment),
            ("/%2E./x", DotSegment),
            ("/a%2f..%2fb", Separator),
            ("/a%5c..%5cb", Separator),
            ("/..\\x", Separator),
            ("/a%00.txt", Control),
            ("/a%0d%0a", Control),
            ("/C:/x", Colon),
            ("/c%3a%5cwindows", Colon),
            ("/a//b", EmptySegment),
            ("//", EmptySegment),
            ("//etc/passwd", EmptySegment),
            ("/.env", Hidden),
            ("/a/.git/config", Hidden),
            ("/%ff", NotUtf8),
        ] {
            assert_eq!(map(raw, false), Err(why), "{raw:?}");
        }
        let hidden = map("/.well-known/a", true).unwrap();
        assert_eq!(hidden.relative, ".well-known/a");
        assert_eq!(map("/..", true), Err(DotSegment));
    }

    #[test]
    fn windows_names_are_recognised() {
        for name in [
            "CON",
            "nul.txt",
            "Aux.tar.gz",
            "com1",
            "LPT9.log",
            "a.",
            "a ",
            "conin$",
        ] {
            assert!(windows_hazard(name), "{name}");
        }
        for name in ["console", "com10", "a.txt", "nul-x", "lpt"] {
            assert!(!windows_hazard(name), "{name}");
        }
    }
}
