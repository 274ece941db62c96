fn main() {
    let _ = respond::cookie!("my cookie" = "v");
    let _ = respond::cookie!("" = "v");
    let name = "dynamic";
    let _ = respond::cookie!(name = "v");
}
