#[respond::response(media_type = "text/html")]
struct Page {
    #[body]
    html: String,
    title: String,
}

#[respond::response(media_type = "text/plain")]
struct Pair(&'static str, u32);

fn main() {}
