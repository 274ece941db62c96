//! Redirect URL quoting: any URL gives a Location header of visible ASCII (no CR, LF, NUL or
//! space), and quoting what is quoted already changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use respond::RedirectResponse;

fuzz_target!(|url: &str| {
    let response = RedirectResponse::new(url);
    assert!(response.error().is_none(), "{url:?}: {:?}", response.error());
    let location = response.headers()["location"].to_str().expect("visible ASCII").to_owned();
    assert!(location.bytes().all(|byte| byte.is_ascii_graphic()), "{location:?}");
    let again = RedirectResponse::new(&location);
    assert_eq!(again.headers()["location"], location.as_str(), "quoting twice changed it");
});
