#[respond::response(media_type = "text/plain")]
fn hello() -> &'static str {
    "hi"
}

#[respond::response(media_type = "text/plain")]
async fn generic<T>() -> &'static str {
    "hi"
}

#[respond::response(media_type = "text/plain")]
async fn too_many(_: &respond::Scope, _: &mut respond::Receiver, extra: u8) -> &'static str {
    let _ = extra;
    "hi"
}

fn main() {}
