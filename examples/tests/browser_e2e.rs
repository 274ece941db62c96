//! The showcase in a real browser: starts the showcase example on a free port of 127.0.0.1
//! and runs `examples/e2e/showcase.mjs` (Playwright driving Debian's headless Chromium)
//! against it. The script's checks: the index and its links, the HTML, JSON and plain pages,
//! a followed redirect, cookies set, sent back and deleted, a download's non-ASCII filename,
//! a video that plays and seeks with `206` range requests, and live server-sent events.
//! Screenshots go to `target/e2e-artifacts/` (or `$E2E_ARTIFACTS`).
//!
//! Needs Node.js 20 or later (`$NODE`, or `node` on the PATH), playwright-core (the test
//! runs `npm ci --prefix examples/e2e` when it is missing) and Chromium (`$CHROMIUM`, or
//! Debian's `chromium`, which the test installs on first use when it runs as root or with
//! passwordless sudo); see `respond_tests::provision`. What it cannot provision fails the
//! test with what to do: it never passes by skipping.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use respond_tests::provision;

#[path = "support/showcase.rs"]
mod showcase;

use showcase::{Showcase, profile_dir, run_with_limit, showcase_binary};

/// How long the whole browser script may take (it takes about 15 s).
const SCRIPT_LIMIT: Duration = Duration::from_secs(300);

#[test]
fn showcase_in_headless_chromium() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let e2e = manifest.join("e2e");
    let node = provision::node();
    let chromium = provision::chromium();
    provision::npm_ci(&e2e);
    let binary = showcase_binary(manifest);
    let artifacts = std::env::var_os("E2E_ARTIFACTS").map_or_else(
        || {
            profile_dir()
                .parent()
                .expect("the target directory")
                .join("e2e-artifacts")
        },
        PathBuf::from,
    );
    std::fs::create_dir_all(&artifacts).expect("create the artifact directory");
    // Screenshots of an earlier run must not pass for this one's.
    for entry in std::fs::read_dir(&artifacts)
        .expect("read the artifact directory")
        .flatten()
    {
        if entry.file_name().to_string_lossy().ends_with(".png") {
            std::fs::remove_file(entry.path()).ok();
        }
    }

    let mut showcase = Showcase::start(&binary);
    let started = Instant::now();
    let mut command = Command::new(&node);
    command
        .arg(e2e.join("showcase.mjs"))
        .arg(&showcase.base)
        .arg(&artifacts)
        .env("CHROMIUM", &chromium)
        .current_dir(&e2e);
    let (status, stdout, stderr) = run_with_limit(command, SCRIPT_LIMIT);
    let elapsed = started.elapsed();
    let server_log = showcase.stop();

    println!("{stdout}");
    if !stderr.trim().is_empty() {
        println!("--- node stderr\n{stderr}");
    }
    println!(
        "--- browser script took {elapsed:.1?}; artifacts in {}",
        artifacts.display()
    );
    let Some(status) = status else {
        panic!(
            "the browser script ran longer than {SCRIPT_LIMIT:?} and was killed\n--- showcase log\n{server_log}"
        );
    };
    assert!(
        status.success(),
        "the browser script failed ({status}); its output is above\n--- showcase log\n{server_log}"
    );
    for shot in ["index.png", "sse.png"] {
        let path = artifacts.join(shot);
        let bytes = std::fs::read(&path)
            .unwrap_or_else(|error| panic!("no screenshot {}: {error}", path.display()));
        assert!(
            bytes.len() > 1000 && bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            "{} is not a PNG screenshot",
            path.display()
        );
    }
}
