fn main() {
    let _ = respond::cookie!("a" = "1", max_age = 1, max_age = 2);
    let _ = respond::cookie!("b" = "1", maxage = 1);
    let _ = respond::cookie!("c" = "1", path);
    let _ = respond::cookie!("d" = "1", path = "/a;b", domain = "ex ample\n.com");
}
