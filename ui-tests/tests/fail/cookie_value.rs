fn main() {
    let _ = respond::cookie!("emoji" = "😀");
}
