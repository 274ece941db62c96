//! Starlette's cookie cases (`set_cookie`, `delete_cookie`, every parameter) with the exact
//! header text, plus the RFC 6265bis rules respond adds.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use respond::{Cookie, Error, Expires, Response, SameSite, TestClient};
use respond_tests::{both, respond_with};

/// 2037-01-22 12:00:00 UTC, the clock of Starlette's cookie tests.
fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(2_116_238_400)
}

fn render(cookie: &Cookie) -> String {
    cookie.render_at(now()).unwrap()
}

#[test]
fn set_cookie_with_every_parameter() {
    let cookie = Cookie::new("mycookie", "myvalue")
        .with_max_age(10)
        .with_expires(10)
        .with_path("/")
        .with_domain("localhost")
        .with_secure(true)
        .with_httponly(true)
        .with_samesite(SameSite::None);
    assert_eq!(
        render(&cookie),
        "mycookie=myvalue; Domain=localhost; expires=Thu, 22 Jan 2037 12:00:10 GMT; HttpOnly; \
         Max-Age=10; Path=/; SameSite=none; Secure"
    );
    assert_eq!(
        render(&cookie.with_partitioned(true)),
        "mycookie=myvalue; Domain=localhost; expires=Thu, 22 Jan 2037 12:00:10 GMT; HttpOnly; \
         Max-Age=10; Partitioned; Path=/; SameSite=none; Secure"
    );
}

#[test]
fn set_cookie_defaults() {
    assert_eq!(
        render(&Cookie::new("mycookie", "myvalue")),
        "mycookie=myvalue; Path=/; SameSite=lax"
    );
    assert_eq!(
        render(&Cookie::new("mycookie", "")),
        "mycookie=\"\"; Path=/; SameSite=lax"
    );
}

#[test]
fn set_cookie_path_none() {
    assert_eq!(
        render(&Cookie::new("mycookie", "myvalue").without_path()),
        "mycookie=myvalue; SameSite=lax"
    );
}

#[test]
fn set_cookie_samesite_none() {
    assert_eq!(
        render(&Cookie::new("mycookie", "myvalue").without_samesite()),
        "mycookie=myvalue; Path=/"
    );
}

#[test]
fn expires_on_set_cookie_from_seconds_duration_or_time() {
    let expected = "mycookie=myvalue; expires=Thu, 22 Jan 2037 12:00:10 GMT; Path=/; SameSite=lax";
    let forms: [Expires; 3] = [
        Expires::from(10),
        Expires::from(Duration::from_secs(10)),
        Expires::from(now() + Duration::from_secs(10)),
    ];
    for expires in forms {
        assert_eq!(
            render(&Cookie::new("mycookie", "myvalue").with_expires(expires)),
            expected
        );
    }
}

#[test]
fn expires_never_panics_on_extreme_dates() {
    let early = Cookie::new("a", "b").with_expires(UNIX_EPOCH - Duration::from_secs(1));
    assert!(render(&early).contains("expires=Thu, 01 Jan 1970 00:00:00 GMT"));
    let late = Cookie::new("a", "b").with_expires(i64::MAX);
    assert!(render(&late).contains("expires=Fri, 31 Dec 9999 23:59:59 GMT"));
    let past = Cookie::new("a", "b").with_expires(i64::MIN);
    assert!(render(&past).contains("expires=Thu, 01 Jan 1970 00:00:00 GMT"));
}

#[test]
fn delete_cookie_by_name() {
    assert_eq!(
        render(&Cookie::from("mycookie").into_removal()),
        "mycookie=\"\"; expires=Thu, 22 Jan 2037 12:00:00 GMT; Max-Age=0; Path=/; SameSite=lax"
    );
}

#[test]
fn delete_cookie_with_every_parameter() {
    let cookie = Cookie::new("mycookie", "anything")
        .with_path("/x")
        .with_domain("example.com")
        .with_secure(true)
        .with_httponly(true)
        .with_samesite(SameSite::Strict);
    assert_eq!(
        render(&cookie.into_removal()),
        "mycookie=\"\"; Domain=example.com; expires=Thu, 22 Jan 2037 12:00:00 GMT; HttpOnly; \
         Max-Age=0; Path=/x; SameSite=strict; Secure"
    );
}

#[test]
fn delete_cookie_partitioned() {
    for partitioned in [false, true] {
        let cookie = Cookie::new("mycookie", "")
            .with_secure(true)
            .with_partitioned(partitioned)
            .into_removal();
        let text = render(&cookie);
        assert_eq!(text.contains("; Partitioned"), partitioned, "{text}");
        assert!(text.contains("Max-Age=0"), "{text}");
    }
}

#[test]
fn values_are_quoted_as_starlette_quotes_them() {
    assert_eq!(
        render(&Cookie::new("c", "my value; with,special\"chars")),
        "c=\"my value\\073 with\\054special\\\"chars\"; Path=/; SameSite=lax"
    );
    assert_eq!(
        render(&Cookie::new("c", "a:b!#$%&'*+-.^_`|~")),
        "c=a:b!#$%&'*+-.^_`|~; Path=/; SameSite=lax"
    );
    assert_eq!(
        render(&Cookie::new("c", "back\\slash")),
        "c=\"back\\\\slash\"; Path=/; SameSite=lax"
    );
    assert_eq!(
        render(&Cookie::new("c", "é")),
        "c=\"\\351\"; Path=/; SameSite=lax"
    );
}

#[test]
fn no_character_can_break_out_of_the_header() {
    let cookie = Cookie::new("c", "x\r\nSet-Cookie: evil=1; Path=/\0");
    let text = render(&cookie);
    assert_eq!(
        text,
        "c=\"x\\015\\012Set-Cookie: evil=1\\073 Path=/\\000\"; Path=/; SameSite=lax"
    );
    assert!(
        text.bytes()
            .all(|byte| byte == b' ' || byte.is_ascii_graphic())
    );
    assert!(cookie.header_value().is_ok());
}

#[test]
fn invalid_names_are_refused() {
    for name in [
        "my cookie",
        "",
        "a;b",
        "a=b",
        "a:b",
        "ü",
        "a\r\n",
        "(x)",
        "a,b",
        "a\"b",
    ] {
        let error = Cookie::new(name, "v").validate().unwrap_err();
        assert_eq!(error.name(), name);
        let text = error.to_string();
        assert!(text.contains("name"), "{name:?}: {text}");
    }
    for name in [
        "session",
        "__Host-id",
        "a.b-c_d",
        "!#$%&'*+-.^_`|~",
        "expires",
        "Path",
    ] {
        assert!(
            Cookie::new(name, "v").with_secure(true).validate().is_ok(),
            "{name:?}"
        );
    }
}

#[test]
fn values_beyond_latin_1_are_refused() {
    let error = Cookie::new("c", "snow ☃").validate().unwrap_err();
    assert!(error.to_string().contains("U+00FF"), "{error}");
}

#[test]
fn attribute_injection_is_refused() {
    for path in ["/a;Domain=evil", "/a\r\n", "/ü"] {
        assert!(
            Cookie::new("c", "v").with_path(path).validate().is_err(),
            "{path:?}"
        );
    }
    assert!(
        Cookie::new("c", "v")
            .with_domain("evil.com; Secure")
            .validate()
            .is_err()
    );
}

#[test]
fn rfc_6265bis_combination_rules() {
    let none = Cookie::new("c", "v").with_samesite(SameSite::None);
    assert!(
        none.validate()
            .unwrap_err()
            .to_string()
            .contains("requires `secure`")
    );
    assert!(none.with_secure(true).validate().is_ok());

    let partitioned = Cookie::new("c", "v").with_partitioned(true);
    assert!(partitioned.validate().is_err());
    assert!(partitioned.with_secure(true).validate().is_ok());

    assert!(Cookie::new("__Secure-id", "v").validate().is_err());
    assert!(
        Cookie::new("__Secure-id", "v")
            .with_secure(true)
            .validate()
            .is_ok()
    );

    let host = Cookie::new("__Host-id", "v");
    let error = host
        .clone()
        .with_domain("example.com")
        .with_path("/x")
        .validate()
        .unwrap_err();
    let text = error.to_string();
    for rule in [
        "requires `secure`",
        "cannot have a `domain`",
        "must have `path = \"/\"`",
    ] {
        assert!(text.contains(rule), "{rule} missing from {text}");
    }
    assert!(host.clone().with_secure(true).validate().is_ok());
    assert!(host.with_secure(true).without_path().validate().is_err());
}

#[test]
fn samesite_parses_in_any_case() {
    assert_eq!("Strict".parse::<SameSite>().unwrap(), SameSite::Strict);
    assert_eq!("LAX".parse::<SameSite>().unwrap(), SameSite::Lax);
    assert_eq!("none".parse::<SameSite>().unwrap(), SameSite::None);
    assert!("sometimes".parse::<SameSite>().is_err());
}

#[tokio::test]
async fn cookies_reach_the_client_through_both_outlets() {
    let app = respond_with(|| {
        let mut response =
            Response::new("hi").with_cookie(Cookie::new("a", "1").with_httponly(true));
        response.set_cookie(Cookie::new("b", "two words").with_path("/x"));
        response.delete_cookie("gone");
        response
    });
    for outcome in both(app, "GET", "/", &[]).await {
        let cookies = outcome.header_all("set-cookie");
        assert_eq!(cookies.len(), 3, "{}: {cookies:?}", outcome.outlet);
        assert_eq!(cookies[0], "a=1; HttpOnly; Path=/; SameSite=lax");
        assert_eq!(cookies[1], "b=\"two words\"; Path=/x; SameSite=lax");
        assert!(
            cookies[2].starts_with("gone=\"\"; expires="),
            "{}",
            cookies[2]
        );
        assert!(
            cookies[2].ends_with(" GMT; Max-Age=0; Path=/; SameSite=lax"),
            "{}",
            cookies[2]
        );
    }
}

#[tokio::test]
async fn an_invalid_cookie_fails_the_response() {
    let app = respond_with(|| Response::new("hi").with_cookie(Cookie::new("bad name", "v")));
    let error = TestClient::new(app).get("/").try_send().await.unwrap_err();
    assert!(matches!(error, Error::InvalidCookie(_)), "{error:?}");
}
