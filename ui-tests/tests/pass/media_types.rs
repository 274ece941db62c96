//! Media types: `text/*` gets a charset unless it names one, `+json` types are JSON.
#![deny(warnings)]
#![forbid(unsafe_code)]

#[respond::response(media_type = "text/csv; charset=latin-1")]
struct Latin(&'static str);

#[respond::response(media_type = "application/vnd.api+json")]
struct Api(Vec<u8>);

#[respond::response(media_type = "image/svg+xml")]
struct Svg(&'static str);

#[respond::response(media_type = "application/octet-stream")]
struct Blob(&'static [u8]);

fn main() {
    let latin = Latin("a").into_response();
    assert_eq!(latin.headers()["content-type"], "text/csv; charset=latin-1");
    let api = Api(vec![1]).into_response();
    assert_eq!(api.headers()["content-type"], "application/vnd.api+json");
    assert_eq!(api.headers()["content-length"], "3"); // serialised: [1]
    let svg = Svg("<svg/>").into_response();
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert_eq!(Blob(b"ab").into_response().headers()["content-length"], "2");
}
