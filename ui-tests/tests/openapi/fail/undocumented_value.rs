// With respond's `openapi` feature, what a handler returns (without a media type) and its
// error type describe themselves.
struct Custom;

impl respond::IntoResponse for Custom {
    fn into_response(self) -> respond::Response {
        respond::Response::new("custom")
    }
}

#[respond::response]
async fn value() -> Custom {
    Custom
}

#[respond::response(media_type = "text/plain")]
async fn fallible() -> Result<String, Custom> {
    Err(Custom)
}

fn main() {}
