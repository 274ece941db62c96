//! The `openapi` feature's suites, run by `cargo test --workspace` like every other test.
//!
//! With respond's `openapi` feature on, every JSON `#[response]` must have a schema, and the
//! other suites' types have none; cargo unifies a package's features across the workspace,
//! so these suites cannot be built in the same build as the others. This test builds and runs
//! them apart, with the same cargo, in a target directory of their own
//! (`target/openapi-feature`): every form against real responses, the feature's compile
//! errors, the showcase's document against the live showcase (in Chromium), and the guide's
//! "Documenting responses" examples. The first run builds the workspace once more; later
//! runs reuse it.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

/// The suites, each one cargo invocation (the showcase is built first: its spec test starts
/// it).
#[rustfmt::skip]
const SUITES: &[&[&str]] = &[
    &["test", "-p", "respond-tests", "--features", "openapi", "--test", "openapi"],
    &["test", "-p", "respond-ui-tests", "--features", "openapi", "--test", "ui"],
    &["build", "-p", "respond-examples", "--features", "openapi", "--example", "showcase"],
    &["test", "-p", "respond-examples", "--features", "openapi", "--test", "openapi_spec"],
    &["test", "-p", "respond", "--features", "openapi", "--doc"],
];

#[test]
fn the_openapi_feature_suites_pass() {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the workspace")
        .to_path_buf();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace.join("target"), PathBuf::from)
        .join("openapi-feature");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    for suite in SUITES {
        let started = Instant::now();
        let output = Command::new(&cargo)
            .args(*suite)
            .current_dir(&workspace)
            .env("CARGO_TARGET_DIR", &target)
            .env("CARGO_TERM_COLOR", "never")
            .output()
            .expect("cargo runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "`cargo {}` failed ({}):\n{}\n{}",
            suite.join(" "),
            output.status,
            tail(&stdout, 120),
            tail(&stderr, 80),
        );
        if suite[0] == "build" {
            continue;
        }
        let passed: usize = stdout
            .lines()
            .filter_map(|line| line.strip_prefix("test result: ok. "))
            .filter_map(|rest| rest.split(" ").next()?.parse::<usize>().ok())
            .sum();
        assert!(
            passed > 0,
            "`cargo {}` ran no test:\n{stdout}",
            suite.join(" ")
        );
        eprintln!(
            "openapi feature: `cargo {}`: {passed} passed in {:.1} s",
            suite.join(" "),
            started.elapsed().as_secs_f64()
        );
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
