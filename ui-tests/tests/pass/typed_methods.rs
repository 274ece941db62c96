//! Where a typed response's methods can be called: `into_response` everywhere (it is
//! inherent); `with_header`, `with_status`, `with_cookie`, `send` and `into_http` (from
//! `respond::TypedResponse`) in the declaring module as they are, and in other modules once
//! the trait is imported. A method the type defines itself wins over the trait's.
#![deny(warnings)]
#![forbid(unsafe_code)]

mod pages {
    use respond::{Receiver, Response, Scope, Sender};

    #[respond::response(media_type = "text/html")]
    pub struct Page(pub &'static str);

    #[respond::response(media_type = "text/plain", status = 404)]
    pub struct Missing;

    /// Its own `with_header`, which the trait's must not shadow.
    #[respond::response(media_type = "text/plain")]
    pub struct Tagged(pub &'static str);

    impl Tagged {
        pub fn with_header(self, _name: &str, value: &'static str) -> Tagged {
            Tagged(value)
        }
    }

    /// The declaring module needs no import.
    pub fn moved() -> Response {
        Page("<p>moved</p>").with_status(301).with_header("location", "/new")
    }

    /// A child module that glob-imports its parent (as `mod tests { use super::*; }` does)
    /// gets the parent's import of the trait with the rest.
    pub mod child {
        use super::*;

        pub fn gone() -> Response {
            Missing.with_status(410)
        }
    }

    pub async fn app(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
        Missing.send(&scope, &mut receive, &mut send).await
    }
}

mod elsewhere {
    use respond::{Scope, TypedResponse};

    use crate::pages::{Missing, Page};

    /// Declared where the trait is imported already: the two imports do not clash.
    #[respond::response(media_type = "text/plain")]
    pub struct Note(pub &'static str);

    pub fn note() -> respond::Response {
        Note("n").with_header("x-note", "1")
    }

    pub fn with_cookie() -> respond::Response {
        Page("<p>hi</p>").with_cookie(respond::cookie!("seen" = "1"))
    }

    pub async fn resolved(scope: &Scope) -> respond::Result<http_response::Response> {
        Missing.into_http(scope).await
    }

    pub mod http_response {
        pub type Response = respond::http::Response<respond::Body>;
    }
}

fn main() {
    let moved = pages::moved();
    assert_eq!(moved.status(), 301);
    assert_eq!(moved.headers()["location"], "/new");

    let cookie = elsewhere::with_cookie();
    assert_eq!(cookie.headers()["set-cookie"], "seen=1; Path=/; SameSite=lax");

    assert_eq!(pages::child::gone().status(), 410);
    assert_eq!(elsewhere::note().headers()["x-note"], "1");

    // Inherent: no import needed anywhere.
    assert_eq!(pages::Missing.into_response().status(), 404);

    // The type's own method wins.
    let tagged = pages::Tagged("a").with_header("x", "b").into_response();
    assert!(!tagged.headers().contains_key("x"));

    let _ = (pages::app, elsewhere::resolved);
}
