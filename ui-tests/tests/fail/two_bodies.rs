#[respond::response(media_type = "text/plain")]
struct Page {
    #[body]
    text: &'static str,
    #[body]
    more: &'static str,
}

fn main() {}
