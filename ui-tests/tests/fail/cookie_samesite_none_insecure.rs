fn main() {
    let _ = respond::cookie!("a" = "1", samesite = "none");
    let _ = respond::cookie!("b" = "1", samesite = "None", secure = false);
}
