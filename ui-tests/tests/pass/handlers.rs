//! `async fn` handlers become apps: unit structs of the same name that implement
//! `respond::App`, keeping visibility and docs.
#![deny(warnings, missing_docs, missing_debug_implementations)]
#![forbid(unsafe_code)]
//! Handlers.

/// Plain text.
#[respond::response(media_type = "text/plain")]
pub async fn hello() -> &'static str {
    "Hello, world!"
}

/// JSON with a status, reading the scope.
#[respond::response(media_type = "application/json", status = 201)]
pub(crate) async fn created(scope: &respond::Scope) -> Vec<String> {
    vec![scope.path().to_owned()]
}

/// Reads the request body.
#[respond::response(media_type = "text/plain")]
async fn echo(_scope: &respond::Scope, receive: &mut respond::Receiver) -> Vec<u8> {
    receive
        .body()
        .await
        .map(|body| body.to_vec())
        .unwrap_or_default()
}

/// The error of a `Result` is a response of its own.
#[respond::response(media_type = "application/json")]
async fn lookup(scope: &respond::Scope) -> Result<[u8; 2], (respond::StatusCode, &'static str)> {
    if scope.query().is_empty() {
        Err((respond::StatusCode::BAD_REQUEST, "no query"))
    } else {
        Ok([1, 2])
    }
}

/// Without a media type, any response is returned as it is.
#[respond::response]
async fn page() -> respond::HtmlResponse {
    respond::HtmlResponse::new("<p>hi</p>")
}

/// A status for a response returned as it is.
#[respond::response(status = 202)]
async fn queued() -> &'static str {
    "queued"
}

/// No return value: an empty body.
#[respond::response(status = 204)]
async fn nothing() {}

/// A typed response as the value.
#[respond::response(media_type = "text/plain")]
async fn text_result() -> Result<String, Missing> {
    Err(Missing)
}

/// A typed error.
#[respond::response(status = 404)]
#[derive(Debug)]
struct Missing;

fn takes_app(_: impl respond::App) {}

fn main() {
    takes_app(hello);
    takes_app(created);
    takes_app(echo);
    takes_app(lookup);
    takes_app(page);
    takes_app(queued);
    takes_app(nothing);
    takes_app(text_result);
    let _client = respond::TestClient::new(hello);
    let copy = hello;
    assert_eq!(format!("{copy:?}"), "hello");
}
