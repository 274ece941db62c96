struct Item;

#[respond::response(media_type = "application/json")]
struct Page {
    #[body]
    item: Item,
}

#[respond::response(media_type = "application/json")]
struct Whole {
    id: u32,
}

fn main() {}
