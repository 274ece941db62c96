#[respond::response(media_type = "text/plain")]
async fn hello() -> Result<&'static str, std::io::Error> {
    Ok("hi")
}

#[respond::response(media_type = "application/json")]
async fn json() -> std::time::Instant {
    std::time::Instant::now()
}

fn main() {}
