//! The `Content-Type` of a file, guessed from its name.

use std::path::Path;

use http::HeaderValue;

use crate::response::content_type;

/// The Content-Type guessed from a file name's extension. The last guess is kept per thread:
/// a server sends the same kinds of file again and again.
pub(super) fn guess_type(path: &Path) -> HeaderValue {
    const FALLBACK: HeaderValue = HeaderValue::from_static("application/octet-stream");
    thread_local! {
        static LAST: std::cell::RefCell<Option<(std::ffi::OsString, HeaderValue)>> =
            const { std::cell::RefCell::new(None) };
    }
    let extension = path.extension().unwrap_or_default();
    LAST.with_borrow_mut(|last| match last {
        Some((seen, value)) if seen == extension => value.clone(),
        _ => {
            let value = extension
                .to_str()
                .and_then(|extension| mime_guess::from_ext(extension).first_raw())
                .and_then(|essence| content_type(essence).ok())
                .unwrap_or(FALLBACK);
            *last = Some((extension.to_owned(), value.clone()));
            value
        }
    })
}
