// A media type that does not parse is the one error: which fields need a role depends on it,
// so the unmarked fields are not reported as well.
#[respond::response(media_type = "application json")]
struct Item {
    id: u32,
    name: String,
}

#[respond::response(media_type)]
struct Other {
    id: u32,
}

fn main() {}
