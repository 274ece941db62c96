//! The `Content-Disposition` header of a file download (RFC 6266, RFC 8187).

use std::fmt::Write as _;

use http::HeaderValue;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// How a browser should present the file: [`Attachment`](Self::Attachment) saves it (the
/// default, as in Starlette), [`Inline`](Self::Inline) shows it in the page.
///
/// ```
/// use respond::{DispositionType, FileResponse};
///
/// let response = FileResponse::new("report.pdf")
///     .with_filename("report.pdf")
///     .with_content_disposition_type(DispositionType::Inline);
/// assert_eq!(response.headers()["content-disposition"], "inline; filename=\"report.pdf\"");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum DispositionType {
    /// `attachment`: download and save.
    #[default]
    Attachment,
    /// `inline`: display in the browser when it can.
    Inline,
}

impl DispositionType {
    /// The header token: `"attachment"` or `"inline"`.
    ///
    /// ```
    /// assert_eq!(respond::DispositionType::Inline.as_str(), "inline");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            DispositionType::Attachment => "attachment",
            DispositionType::Inline => "inline",
        }
    }
}

/// RFC 8187 `attr-char`: everything else is percent-encoded in `filename*`.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// The header value for `filename`.
///
/// Control characters are removed first, so none reaches the header (nor the name the
/// browser saves). A printable ASCII name becomes `filename="..."` with `"` and `\` escaped;
/// any other name also gets `filename*=utf-8''...` (percent-encoded UTF-8), with an ASCII
/// fallback in `filename` where each other character becomes `_`.
pub(crate) fn header(kind: DispositionType, filename: &str) -> HeaderValue {
    let name: String = filename.chars().filter(|c| !c.is_control()).collect();
    let mut value = String::with_capacity(name.len() * 2 + 32);
    value.push_str(kind.as_str());
    if !name.is_empty() {
        value.push_str("; filename=\"");
        for c in name.chars() {
            match c {
                '"' | '\\' => {
                    value.push('\\');
                    value.push(c);
                }
                ' '..='~' => value.push(c),
                _ => value.push('_'),
            }
        }
        value.push('"');
        if !name.is_ascii() {
            // Writing to a String cannot fail.
            let _ = write!(
                value,
                "; filename*=utf-8''{}",
                utf8_percent_encode(&name, ATTR_CHAR)
            );
        }
    }
    // Only printable ASCII was written.
    HeaderValue::try_from(value).unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attachment(name: &str) -> String {
        header(DispositionType::Attachment, name)
            .to_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn ascii_names_are_quoted_and_escaped() {
        assert_eq!(
            attachment("example.png"),
            "attachment; filename=\"example.png\""
        );
        assert_eq!(
            attachment("my file.txt"),
            "attachment; filename=\"my file.txt\""
        );
        assert_eq!(
            attachment("a\"b\\c.txt"),
            "attachment; filename=\"a\\\"b\\\\c.txt\""
        );
        assert_eq!(
            header(DispositionType::Inline, "hello.txt"),
            "inline; filename=\"hello.txt\""
        );
    }

    #[test]
    fn other_names_get_filename_star() {
        assert_eq!(
            header(DispositionType::Inline, "Bäckerei.txt"),
            "inline; filename=\"B_ckerei.txt\"; filename*=utf-8''B%C3%A4ckerei.txt"
        );
        assert_eq!(
            attachment("你好.txt"),
            "attachment; filename=\"__.txt\"; filename*=utf-8''%E4%BD%A0%E5%A5%BD.txt"
        );
    }

    #[test]
    fn control_characters_never_reach_the_header() {
        assert_eq!(
            attachment("evil\r\nx-injected: 1\".txt"),
            "attachment; filename=\"evilx-injected: 1\\\".txt\""
        );
        assert_eq!(
            attachment("tab\there\u{7f}\u{85}é"),
            "attachment; filename=\"tabhere_\"; filename*=utf-8''tabhere%C3%A9"
        );
        assert_eq!(attachment("\n"), "attachment");
    }
}
