#[respond::response(content_type = "text/html")]
struct Page(&'static str);

fn main() {}
