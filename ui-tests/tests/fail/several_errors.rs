// Every problem of one item is reported in the same compile.
#[respond::response(media_type = "text", status = 1000, color = "red")]
struct Page {
    #[body]
    text: &'static str,
    #[header("bad header")]
    trace: &'static str,
}

fn main() {
    let _ = respond::cookie!("bad name" = "ok", samesite = "sometimes", colour = "blue");
}
