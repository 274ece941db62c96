fn main() {
    let _ = respond::cookie!("__Host-a" = "1");
    let _ = respond::cookie!("__Host-b" = "1", secure, domain = "example.com");
    let _ = respond::cookie!("__Host-c" = "1", secure, path = "/app");
}
