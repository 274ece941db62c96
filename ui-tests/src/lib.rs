//! Compile tests of respond's macros; the cases live in `tests/pass` and `tests/fail`, and
//! `tests/ui.rs` runs them with trybuild.
