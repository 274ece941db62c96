#[respond::response(media_type = "text/plain")]
struct Page {
    #[body]
    text: &'static str,
    #[header("x trace")]
    trace: &'static str,
}

fn main() {}
