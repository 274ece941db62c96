use respond::StatusCode;

#[respond::response(media_type = "text/plain")]
struct OutOfRange {
    #[body]
    text: String,
    #[status(200, 600)]
    status: StatusCode,
}

#[respond::response(media_type = "text/plain")]
struct Twice {
    #[body]
    text: String,
    #[status(201, 201)]
    status: StatusCode,
}

#[respond::response(media_type = "text/plain")]
struct NotNumbers {
    #[body]
    text: String,
    #[status("ok")]
    status: StatusCode,
}

#[respond::response(media_type = "text/plain")]
struct Empty {
    #[body]
    text: String,
    #[status()]
    status: StatusCode,
}

fn main() {}
