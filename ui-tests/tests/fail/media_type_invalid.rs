#[respond::response(media_type = "text html")]
struct Page(&'static str);

#[respond::response(media_type = "text/*")]
struct Pattern(&'static str);

fn main() {}
