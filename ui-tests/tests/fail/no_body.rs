#[respond::response(media_type = "text/html")]
struct Page {
    #[header("x-trace")]
    trace: &'static str,
}

#[respond::response(media_type = "text/plain")]
enum Reply {
    Fine,
    Named {
        #[status]
        status: u16,
    },
}

fn main() {}
