//! Generic responses: bounds are added only for the fields that need them, so a generic
//! type can be declared (and used with other types) without the response's bounds.
#![deny(warnings)]
#![forbid(unsafe_code)]

use std::fmt::Debug;

/// `Vec<T>: Serialize` is required only by the `IntoResponse` impl.
#[respond::response(media_type = "application/json")]
struct Page<T> {
    #[body]
    items: Vec<T>,
    #[header("x-total")]
    total: usize,
}

/// A generic header and a generic body; a lifetime and an existing bound and where clause.
#[respond::response(media_type = "text/plain")]
struct Labelled<'a, B, H: Clone>
where
    H: Debug,
{
    #[body]
    body: B,
    #[header("x-label")]
    label: Option<H>,
    #[header("x-static")]
    name: &'a str,
}

/// Serialised whole: `Self: Serialize` is required, which serde's derive provides for
/// serialisable `T`.
#[respond::response(media_type = "application/json")]
#[derive(serde::Serialize)]
struct Envelope<T> {
    data: T,
    #[status]
    status: respond::StatusCode,
}

#[respond::response(media_type = "application/json")]
enum Either<L, R> {
    Left(L),
    #[response(status = 400)]
    Right(R),
}

/// A type that is not serialisable: `Page<NotSerialize>` is still a valid type.
#[allow(dead_code)]
struct NotSerialize;

fn main() {
    let _unused: Option<Page<NotSerialize>> = None;
    let page = Page {
        items: vec!["a", "b"],
        total: 2,
    }
    .into_response();
    assert_eq!(page.headers()["content-length"], "9");
    assert_eq!(page.headers()["x-total"], "2");

    let name = String::from("n");
    let labelled = Labelled {
        body: "text",
        label: Some("l"),
        name: name.leak(),
    }
    .into_response();
    assert_eq!(labelled.headers()["x-label"], "l");

    let envelope = Envelope {
        data: [1, 2],
        status: respond::StatusCode::ACCEPTED,
    }
    .into_response();
    assert_eq!(envelope.status(), 202);
    assert_eq!(envelope.headers()["content-length"], "14"); // {"data":[1,2]}

    assert_eq!(
        Either::<u8, &str>::Right("no").into_response().status(),
        400
    );
    assert_eq!(Either::<u8, &str>::Left(1).into_response().status(), 200);
}
