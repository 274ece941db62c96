//! Outside the declaring module, the builder methods need `respond::TypedResponse` in scope;
//! rustc's error says which import brings them.

mod pages {
    #[respond::response(media_type = "text/html")]
    pub struct Page(pub &'static str);
}

fn main() {
    let _ = pages::Page("<p>gone</p>").with_status(410);
}
