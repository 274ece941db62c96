// A text response whose fields have no roles: one error, on the item, naming the fields that
// could be the body (not one per field and one more for the struct).
#[respond::response(media_type = "text/html")]
struct Page {
    html: String,
    title: String,
}

#[respond::response(media_type = "text/plain")]
struct Note {
    text: &'static str,
    #[header("x-trace")]
    trace: &'static str,
}

#[respond::response(media_type = "text/plain")]
enum Reply {
    Fine,
    Named { text: String, lines: u32, words: u32 },
}

fn main() {}
