#[respond::response(media_type = "text/plain")]
struct Page {
    #[body(text)]
    text: &'static str,
    #[header]
    trace: &'static str,
    #[cookie]
    #[header("x-a")]
    both: &'static str,
    #[status]
    #[status]
    status: u16,
}

fn main() {}
