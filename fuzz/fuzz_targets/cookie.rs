//! Set-Cookie rendering from arbitrary text: either an error, or one header line of visible
//! ASCII whose `name=value` part holds no `;` (nothing can add or change an attribute).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use respond::{Cookie, SameSite};

#[derive(Arbitrary, Debug)]
struct Input {
    name: String,
    value: String,
    path: Option<String>,
    domain: Option<String>,
    max_age: Option<i64>,
    expires: Option<i64>,
    secure: bool,
    httponly: bool,
    samesite: Option<u8>,
    partitioned: bool,
}

fuzz_target!(|input: Input| {
    let mut cookie = Cookie::new(input.name.clone(), input.value)
        .with_secure(input.secure)
        .with_httponly(input.httponly)
        .with_partitioned(input.partitioned);
    cookie = match input.path {
        Some(path) => cookie.with_path(path),
        None => cookie.without_path(),
    };
    if let Some(domain) = input.domain {
        cookie = cookie.with_domain(domain);
    }
    if let Some(max_age) = input.max_age {
        cookie = cookie.with_max_age(max_age);
    }
    if let Some(expires) = input.expires {
        cookie = cookie.with_expires(expires);
    }
    cookie = match input.samesite.map(|n| n % 3) {
        Some(0) => cookie.with_samesite(SameSite::Strict),
        Some(1) => cookie.with_samesite(SameSite::Lax),
        Some(_) => cookie.with_samesite(SameSite::None),
        None => cookie.without_samesite(),
    };
    let Ok(text) = cookie.render() else { return };
    assert!(
        text.bytes().all(|byte| byte == b' ' || byte.is_ascii_graphic()),
        "a byte outside visible ASCII: {text:?}"
    );
    let pair = text.split("; ").next().unwrap_or("");
    assert!(!pair.contains(';'), "a `;` inside name=value: {text:?}");
    assert!(pair.starts_with(&format!("{}=", input.name)), "the name changed: {text:?}");
    assert!(cookie.header_value().is_ok());
});
