//! The `Content-Disposition` header of a file download (RFC 6266, RFC 8187).

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

/// What may stand in a plain `filename`: the characters Python's `urllib.parse.quote`
/// leaves unescaped, as Starlette decides between its two forms. None needs escaping inside
/// a quoted string, so a plain name can never end the parameter early.
fn plain(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"_.-~/".contains(&byte)
}

/// What is percent-encoded in `filename*`: all but the plain characters, and `/` too,
/// which RFC 8187's `attr-char` does not allow in an extended value.
const EXTENDED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

/// The header value for `filename`, in Starlette's two forms.
///
/// Control characters are removed first, so none reaches the name the browser saves. A name
/// of only letters, digits and `_ . - ~ /` becomes `filename="..."`; any other name
/// becomes `filename*=utf-8''...` alone (RFC 8187, percent-encoded UTF-8), so a quote, a
/// semicolon or a non-ASCII letter never needs escaping rules of its own.
pub(crate) fn header(kind: DispositionType, filename: &str) -> HeaderValue {
    let name: String = filename.chars().filter(|c| !c.is_control()).collect();
    let value = if name.bytes().all(plain) {
        format!("{}; filename=\"{name}\"", kind.as_str())
    } else {
        format!(
            "{}; filename*=utf-8''{}",
            kind.as_str(),
            utf8_percent_encode(&name, EXTENDED)
        )
    };
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
    fn plain_names_are_quoted() {
        assert_eq!(
            attachment("example.png"),
            "attachment; filename=\"example.png\""
        );
        assert_eq!(
            attachment("a-b_c~d/e.tar.gz"),
            "attachment; filename=\"a-b_c~d/e.tar.gz\""
        );
        assert_eq!(
            header(DispositionType::Inline, "hello.txt"),
            "inline; filename=\"hello.txt\""
        );
        assert_eq!(attachment(""), "attachment; filename=\"\"");
    }

    #[test]
    fn other_names_get_filename_star_alone() {
        assert_eq!(
            header(DispositionType::Inline, "Bäckerei.txt"),
            "inline; filename*=utf-8''B%C3%A4ckerei.txt"
        );
        assert_eq!(
            attachment("my file.txt"),
            "attachment; filename*=utf-8''my%20file.txt"
        );
        assert_eq!(
            attachment("a\"b.txt"),
            "attachment; filename*=utf-8''a%22b.txt"
        );
        assert_eq!(
            attachment("你好.txt"),
            "attachment; filename*=utf-8''%E4%BD%A0%E5%A5%BD.txt"
        );
        // `/` is not an RFC 8187 attr-char: encoded in the extended form.
        assert_eq!(
            attachment("a/b c.txt"),
            "attachment; filename*=utf-8''a%2Fb%20c.txt"
        );
    }

    #[test]
    fn control_characters_never_reach_the_header() {
        assert_eq!(
            attachment("evil\r\nx-injected: 1\".txt"),
            "attachment; filename*=utf-8''evilx-injected%3A%201%22.txt"
        );
        assert_eq!(
            attachment("tab\there\u{7f}\u{85}é"),
            "attachment; filename*=utf-8''tabhere%C3%A9"
        );
        assert_eq!(attachment("a\n.txt"), "attachment; filename=\"a.txt\"");
        assert_eq!(attachment("\\"), "attachment; filename*=utf-8''%5C");
    }
}
