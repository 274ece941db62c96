//! Structs with named fields: a JSON value serialised whole, and a text body with header,
//! cookie and status fields of every supported type.
#![deny(warnings)]
#![forbid(unsafe_code)]

/// Serialised whole; the header, cookie and status fields stay out of the JSON.
#[respond::response(media_type = "application/json", status = 201)]
#[derive(serde::Serialize)]
struct Created {
    id: u64,
    name: String,
    #[header("Location")]
    location: String,
    #[cookie]
    session: respond::Cookie,
    #[status]
    status: Option<respond::StatusCode>,
}

/// A `#[body]` field with every kind of header, cookie and status field.
#[respond::response(media_type = "text/html")]
struct Page {
    #[header("x-count")]
    count: u64,
    #[body]
    html: String,
    #[header("cache-control")]
    cache: Option<&'static str>,
    #[header("x-raw")]
    raw: respond::HeaderValue,
    #[cookie]
    flash: Option<respond::Cookie>,
    #[cookie]
    prefs: Vec<respond::Cookie>,
    #[status]
    status: u16,
}

/// JSON with a `#[body]` field: only that field is serialised.
#[respond::response(media_type = "application/problem+json", status = 422)]
pub struct Problem {
    #[body]
    detail: std::collections::BTreeMap<&'static str, String>,
    #[header("x-trace")]
    trace: &'static str,
}

/// No media type and no body: an empty response with headers.
#[respond::response(status = 303)]
struct SeeOther {
    #[header("location")]
    to: String,
}

/// Bytes body without a media type.
#[respond::response]
struct Raw {
    #[body]
    bytes: Vec<u8>,
}

/// No fields at all, in braces.
#[respond::response(status = 202)]
struct Empty {}

fn main() {
    let created = Created {
        id: 1,
        name: "a".to_owned(),
        location: "/items/1".to_owned(),
        session: respond::Cookie::new("s", "1"),
        status: None,
    }
    .into_response();
    assert_eq!(created.status(), 201);
    assert_eq!(created.headers()["content-type"], "application/json");
    assert_eq!(created.headers()["content-length"], "19"); // {"id":1,"name":"a"}
    assert_eq!(created.headers()["location"], "/items/1");

    let page = Page {
        count: 3,
        html: "<p>hi</p>".to_owned(),
        cache: Some("no-store"),
        raw: respond::HeaderValue::from_static("x"),
        flash: None,
        prefs: vec![
            respond::Cookie::new("a", "1"),
            respond::Cookie::new("b", "2"),
        ],
        status: 404,
    }
    .with_header("x-extra", "1");
    assert_eq!(page.status(), 404);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(page.headers()["x-count"], "3");
    assert_eq!(page.headers().get_all("set-cookie").iter().count(), 2);

    let mut detail = std::collections::BTreeMap::new();
    detail.insert("title", "bad".to_owned());
    let problem = Problem { detail, trace: "t" }.with_status(400);
    assert_eq!(problem.status(), 400);
    assert_eq!(
        problem.headers()["content-type"],
        "application/problem+json"
    );

    let see_other = SeeOther { to: "/".to_owned() }.into_response();
    assert_eq!(see_other.status(), 303);
    assert!(see_other.headers().get("content-type").is_none());

    let raw = Raw { bytes: vec![1, 2] }.with_cookie(respond::Cookie::new("c", "3"));
    assert_eq!(raw.headers()["content-length"], "2");
    assert_eq!(Empty {}.into_response().status(), 202);
}
