#[respond::response(status = 200)]
trait Page {}

#[respond::response]
union Bits {
    a: u32,
}

fn main() {}
