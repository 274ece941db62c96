//! Tuple structs (field 0 is the body) and unit structs (an empty body).
#![deny(warnings)]
#![forbid(unsafe_code)]

#[respond::response(media_type = "text/plain", status = 202)]
struct Accepted(&'static str);

#[respond::response(media_type = "application/json")]
struct Items(Vec<u32>);

/// A tuple with a header and a status after the body.
#[respond::response(media_type = "text/csv")]
struct Csv(
    String,
    #[header("content-disposition")] &'static str,
    #[status] respond::StatusCode,
);

/// The body need not be field 0 when it is marked.
#[respond::response(media_type = "text/plain")]
struct Marked(#[header("x-id")] u32, #[body] bytes::Bytes);

#[respond::response(status = 204)]
struct NoContent;

#[respond::response(media_type = "application/json", status = 202)]
pub(crate) struct Queued;

fn main() {
    let accepted = Accepted("queued").into_response();
    assert_eq!(accepted.status(), 202);
    assert_eq!(
        accepted.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    assert_eq!(accepted.headers()["content-length"], "6");

    let items = Items(vec![1, 2]).into_response();
    assert_eq!(items.headers()["content-length"], "5");

    let csv = Csv("a,b".to_owned(), "attachment", respond::StatusCode::OK).into_response();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(csv.headers()["content-disposition"], "attachment");

    let marked = Marked(7, bytes::Bytes::from_static(b"x")).into_response();
    assert_eq!(marked.headers()["x-id"], "7");

    let none = NoContent.into_response();
    assert_eq!(none.status(), 204);
    assert!(none.headers().get("content-length").is_none());
    assert_eq!(
        Queued.into_response().headers()["content-type"],
        "application/json"
    );
}
