//! Compile tests of `#[response]` and `cookie!`: every case in `pass/` must compile and run,
//! every case in `fail/` must fail with exactly the errors in its `.stderr`.
//!
//! The `.stderr` files are pinned to the workspace toolchain; after a deliberate change of a
//! message, regenerate them with `TRYBUILD=overwrite cargo test -p respond-ui-tests` and read
//! the diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    if cfg!(feature = "openapi") {
        // With respond's `openapi` feature every JSON body needs a schema, which the cases
        // above do not give: that feature has its own cases.
        cases.pass("tests/openapi/pass/*.rs");
        cases.compile_fail("tests/openapi/fail/*.rs");
    } else {
        cases.pass("tests/pass/*.rs");
        cases.compile_fail("tests/fail/*.rs");
    }
}
