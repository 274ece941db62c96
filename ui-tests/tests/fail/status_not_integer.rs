#[respond::response(status = "404")]
struct NotFound;

fn main() {}
