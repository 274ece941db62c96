//! Header, cookie and status fields stay out of a JSON value serialised whole, whichever
//! order `#[derive(Serialize)]` and `#[response]` come in.
#![deny(warnings)]
#![forbid(unsafe_code)]

/// Derive below: the macro adds `#[serde(skip_serializing)]` to the marked fields, and
/// leaves a field that already has a `skip` alone.
#[respond::response(media_type = "application/json")]
#[derive(serde::Serialize, serde::Deserialize)]
struct Below {
    id: u32,
    #[header("x-a")]
    a: String,
    #[header("x-b")]
    #[serde(skip)]
    b: String,
}

/// Derive above: serde expands first, so the marked fields carry their own skip.
#[derive(serde::Serialize)]
#[respond::response(media_type = "application/json")]
struct Above {
    id: u32,
    #[header("x-a")]
    #[serde(skip)]
    a: String,
}

fn main() {
    let below = Below {
        id: 1,
        a: "a".to_owned(),
        b: "b".to_owned(),
    }
    .into_response();
    assert_eq!(below.headers()["content-length"], "8"); // {"id":1}
    assert_eq!(below.headers()["x-b"], "b");
    let above = Above {
        id: 1,
        a: "a".to_owned(),
    }
    .into_response();
    assert_eq!(above.headers()["content-length"], "8");
    assert_eq!(above.headers()["x-a"], "a");
}
