#[respond::response(status = 200, media_type = "text/plain", status = 201)]
struct Page(&'static str);

fn main() {}
