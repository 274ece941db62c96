#[respond::response(media_type = "text/plain")]
struct Count(u64);

fn main() {}
