//! Enums: the enum's arguments are defaults, a variant's own `#[response]` overrides them;
//! unit, tuple and named variants.
#![deny(warnings)]
#![forbid(unsafe_code)]

#[derive(serde::Serialize)]
struct Item {
    id: u32,
}

#[respond::response(media_type = "application/json")]
enum Lookup {
    Found(Item),
    #[response(status = 404)]
    NotFound,
    #[response(status = 301, media_type = "text/plain")]
    Moved {
        #[header("location")]
        to: String,
        #[body]
        note: &'static str,
    },
    #[response(status = 503)]
    Busy(&'static str, #[header("retry-after")] u32),
}

/// A JSON enum serialised whole (its serde layout decides the body), with a cookie that
/// stays out of the JSON.
#[respond::response(media_type = "application/json", status = 200)]
#[derive(serde::Serialize)]
#[serde(untagged)]
enum Reply {
    User {
        name: String,
        #[cookie]
        seen: respond::Cookie,
    },
    #[response(status = 410)]
    Gone,
}

/// A one-variant enum.
#[respond::response(status = 204)]
enum Only {
    Done,
}

/// No variants at all.
#[respond::response]
enum Never {}

fn main() {
    assert_eq!(
        Lookup::Found(Item { id: 1 }).into_response().headers()["content-length"],
        "8"
    );
    assert_eq!(Lookup::NotFound.into_response().status(), 404);
    let moved = Lookup::Moved {
        to: "/new".to_owned(),
        note: "moved",
    }
    .into_response();
    assert_eq!(moved.status(), 301);
    assert_eq!(moved.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(
        Lookup::Busy("later", 30).into_response().headers()["retry-after"],
        "30"
    );

    let user = Reply::User {
        name: "ann".to_owned(),
        seen: respond::Cookie::new("seen", "1"),
    }
    .into_response();
    assert_eq!(user.headers()["content-length"], "14"); // {"name":"ann"}
    assert!(user.headers().contains_key("set-cookie"));
    assert_eq!(Reply::Gone.into_response().status(), 410);
    assert_eq!(Only::Done.into_response().status(), 204);
    let _: fn(Never) -> respond::Response = |never| never.into_response();
}
