// With respond's `openapi` feature, a JSON body needs a schema.
#[derive(serde::Serialize)]
struct Item {
    id: u32,
}

#[respond::response(media_type = "application/json")]
struct Page {
    #[body]
    item: Item,
}

#[respond::response(media_type = "application/json")]
#[derive(serde::Serialize)]
struct Whole {
    id: u32,
}

#[respond::response(media_type = "application/json")]
async fn handler() -> Item {
    Item { id: 1 }
}

fn main() {}
