#[respond::response(media_type = "text/plain")]
struct Page {
    #[body]
    text: &'static str,
    #[header("x-tags")]
    tags: Vec<u32>,
}

fn main() {}
