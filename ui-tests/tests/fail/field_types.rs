#[respond::response(status = 200)]
struct Page {
    #[cookie]
    session: &'static str,
    #[status]
    status: &'static str,
}

fn main() {}
