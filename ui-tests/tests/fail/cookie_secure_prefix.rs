fn main() {
    let _ = respond::cookie!("__Secure-a" = "1");
    let _ = respond::cookie!("__secure-b" = "1", httponly);
}
