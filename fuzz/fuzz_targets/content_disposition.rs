//! Content-Disposition from any filename: one header value of visible ASCII (no CR, LF, NUL)
//! in one of Starlette's two forms, a plain quoted `filename` of characters that need no
//! escaping, or an RFC 8187 `filename*` that decodes back to the name (control characters
//! removed), so no name can end a parameter early or inject another.
#![no_main]

use libfuzzer_sys::fuzz_target;
use respond::{DispositionType, FileResponse};

fn plain(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"_.-~/".contains(&byte)
}

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
    let kept: String = name.chars().filter(|c| !c.is_control()).collect();
    if let Some(quoted) = rest.strip_prefix("; filename=\"") {
        let inner = quoted.strip_suffix('"').expect("the quoted filename closes last");
        assert!(inner.bytes().all(plain), "{text:?}");
        assert_eq!(inner, kept, "{name:?}");
    } else if let Some(encoded) = rest.strip_prefix("; filename*=utf-8''") {
        assert!(
            encoded.bytes().all(|byte| byte == b'%' || (plain(byte) && byte != b'/')),
            "{text:?}"
        );
        let decoded = percent_encoding::percent_decode_str(encoded)
            .decode_utf8()
            .expect("UTF-8");
        assert_eq!(decoded, kept, "{name:?}");
    } else {
        panic!("neither form: {text:?}");
    }
});
