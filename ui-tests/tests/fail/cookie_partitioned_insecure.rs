fn main() {
    let _ = respond::cookie!("a" = "1", partitioned);
}
