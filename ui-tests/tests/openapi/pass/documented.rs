// Every form documents itself and drops into utoipa's derives.
use respond::openapi::utoipa::IntoResponses;
use respond::{Cookie, HtmlResponse, StatusCode};

#[derive(serde::Serialize, utoipa::ToSchema)]
struct Item {
    id: u32,
}

/// Created.
#[respond::response(media_type = "application/json", status = 201)]
#[derive(serde::Serialize, utoipa::ToSchema)]
struct Created {
    id: u32,
    #[header("location")]
    location: String,
    #[cookie]
    session: Option<Cookie>,
}

#[respond::response(media_type = "text/plain")]
struct Text(String, #[status(200, 503)] StatusCode);

#[respond::response(media_type = "application/octet-stream")]
struct Bytes(Vec<u8>);

#[respond::response(status = 204)]
struct Nothing;

#[respond::response(media_type = "application/json")]
enum Lookup {
    Found(Item),
    #[response(status = 404, media_type = "text/plain")]
    Missing(&'static str),
}

#[respond::response(media_type = "application/json")]
struct Envelope<T> {
    #[body]
    data: T,
    #[header("x-count")]
    count: Option<u64>,
}

#[respond::response(media_type = "application/json")]
async fn fetch_item() -> Result<Item, Lookup> {
    Ok(Item { id: 1 })
}

#[respond::response]
async fn page() -> HtmlResponse {
    HtmlResponse::new("<p>hi</p>")
}

#[utoipa::path(get, path = "/created", responses(Created))]
#[allow(dead_code)]
fn created() {}

#[derive(utoipa::OpenApi)]
#[openapi(paths(created), components(responses(Created)))]
struct Api;

fn main() {
    use utoipa::OpenApi as _;
    assert!(Created::responses().contains_key("201"));
    assert_eq!(Text::responses().len(), 2);
    assert!(Bytes::responses().contains_key("200"));
    assert!(Nothing::responses().contains_key("204"));
    assert_eq!(Lookup::responses().len(), 2);
    assert!(Envelope::<Item>::responses().contains_key("200"));
    assert_eq!(fetch_item::responses().len(), 2);
    assert!(page::responses().contains_key("200"));
    assert!(Api::openapi().paths.paths.contains_key("/created"));
}
