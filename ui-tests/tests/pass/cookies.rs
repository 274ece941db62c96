//! Every `cookie!` form and option.
#![deny(warnings)]
#![forbid(unsafe_code)]

fn main() {
    let now = std::time::SystemTime::now();
    let runtime_value = String::from("v");
    let flag = true;
    let cookies = [
        respond::cookie!("empty"),
        respond::cookie!("plain" = "value"),
        respond::cookie!("quoted" = "a b;c"),
        respond::cookie!("runtime" = runtime_value.clone()),
        respond::cookie!("age" = "1", max_age = 3600),
        respond::cookie!("seconds" = "1", expires = 60),
        respond::cookie!("at" = "1", expires = now),
        respond::cookie!(
            "duration" = "1",
            expires = std::time::Duration::from_secs(5)
        ),
        respond::cookie!("path" = "1", path = "/app"),
        respond::cookie!("dynamic_path" = "1", path = format!("/{}", runtime_value)),
        respond::cookie!("domain" = "1", domain = "example.com"),
        respond::cookie!("flags" = "1", secure, httponly, partitioned),
        respond::cookie!(
            "explicit" = "1",
            secure = true,
            httponly = false,
            partitioned = false
        ),
        respond::cookie!("computed" = "1", secure = flag, httponly = !flag),
        respond::cookie!("strict" = "1", samesite = "strict"),
        respond::cookie!("lax" = "1", samesite = "Lax"),
        respond::cookie!("none" = "1", samesite = "none", secure),
        respond::cookie!("typed" = "1", samesite = respond::SameSite::Strict),
        respond::cookie!("__Secure-id" = "1", secure),
        respond::cookie!("__Host-id" = "1", secure, path = "/"),
        respond::cookie!("__Host-default-path" = "1", secure = flag),
        respond::cookie!(
            "all" = "1",
            max_age = 10,
            expires = 10,
            path = "/",
            domain = "localhost",
            secure,
            httponly,
            samesite = "none",
            partitioned,
        ),
    ];
    for cookie in &cookies {
        cookie.validate().unwrap();
    }
    assert_eq!(cookies[0].value(), "");
    assert_eq!(
        cookies[cookies.len() - 1],
        respond::Cookie::new("all", "1")
            .with_max_age(10)
            .with_expires(10)
            .with_path("/")
            .with_domain("localhost")
            .with_secure(true)
            .with_httponly(true)
            .with_samesite(respond::SameSite::None)
            .with_partitioned(true)
    );
}
