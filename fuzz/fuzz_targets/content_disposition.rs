//! Content-Disposition from any filename: one header value of visible ASCII (no CR, LF, NUL),
//! whose quoted `filename` cannot end early and inject a parameter.
#![no_main]

use libfuzzer_sys::fuzz_target;
use respond::{DispositionType, FileResponse};

fuzz_target!(|input: (bool, &str)| {
    let (inline, name) = input;
    let kind = if inline { DispositionType::Inline } else { DispositionType::Attachment };
    let response = FileResponse::new("/nonexistent/file")
        .with_content_disposition_type(kind)
        .with_filename(name);
    let Some(value) = response.headers().get("content-disposition") else {
        panic!("no content-disposition for {name:?}");
    };
    let text = value.to_str().expect("visible ASCII");
    assert!(text.bytes().all(|byte| byte == b' ' || byte.is_ascii_graphic()), "{text:?}");
    let rest = text.strip_prefix(kind.as_str()).expect("the type first");
    if rest.is_empty() {
        // Nothing printable was left of the name: the type alone.
        assert!(name.chars().all(char::is_control), "{name:?} lost: {text:?}");
        return;
    }
    let rest = rest.strip_prefix("; filename=\"").expect("a quoted filename");
    // Walk the quoted string: it must close, and only `; filename*=` may follow.
    let mut chars = rest.char_indices();
    let mut end = None;
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '"' => {
                end = Some(at);
                break;
            }
            _ => {}
        }
    }
    let end = end.expect("the quoted filename closes");
    let after = &rest[end + 1..];
    assert!(after.is_empty() || after.starts_with("; filename*=utf-8''"), "{text:?}");
    if let Some(encoded) = after.strip_prefix("; filename*=utf-8''") {
        assert!(!encoded.contains([';', '"', ' ', ',']), "{text:?}");
    }
});
