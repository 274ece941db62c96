#[respond::response(status = 600)]
struct Teapot;

#[respond::response(status = 99)]
struct TooLow;

fn main() {}
