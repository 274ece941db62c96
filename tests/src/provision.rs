//! Programs the tests need, installed from Debian's packages when missing, so that a fresh
//! machine runs the tests with no setup by hand.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

/// The path of `binary`, installing Debian's `package` with apt when it is missing.
///
/// Installs are serialized (a lock file in the temp dir across processes, a mutex within
/// this one), and `apt-get update` runs before `apt-get install`. Panics with a message
/// saying what to do when the program is missing and cannot be installed (not root, no
/// apt, the install failed).
pub fn debian_package(package: &str, binary: &str) -> PathBuf {
    if let Some(found) = find(binary) {
        return found;
    }
    static IN_PROCESS: Mutex<()> = Mutex::new(());
    let _serial = IN_PROCESS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let _lock = LockFile::acquire(&std::env::temp_dir().join("respond-tests-apt.lock"));
    if let Some(found) = find(binary) {
        return found;
    }
    let manual = format!(
        "`{binary}` is needed by the tests and is not installed; install it with \
         `apt-get install -y {package}` (as root)"
    );
    if !is_root() {
        panic!("{manual}: the tests install it themselves only when run as root");
    }
    let apt = |args: &[&str]| {
        let output = Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .output()
            .unwrap_or_else(|error| panic!("{manual}: cannot run apt-get: {error}"));
        if !output.status.success() {
            panic!(
                "{manual}: `apt-get {}` failed ({}):\n{}{}",
                args.join(" "),
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
    };
    apt(&["update", "-q"]);
    apt(&["install", "-y", "-q", "--no-install-recommends", package]);
    find(binary).unwrap_or_else(|| {
        panic!("{manual}: `apt-get install {package}` succeeded but `{binary}` is not on PATH")
    })
}

/// `binary` on `PATH`, or in the system directories Debian installs to.
fn find(binary: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/local/bin", "/usr/bin", "/usr/sbin", "/bin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(binary))
        .find(|candidate| candidate.is_file())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
}

/// A lock held by creating a file exclusively, removed on drop. A lock older than ten
/// minutes is taken to be left by a killed process and broken.
struct LockFile(PathBuf);

impl LockFile {
    fn acquire(path: &Path) -> LockFile {
        let patience = Instant::now() + Duration::from_secs(15 * 60);
        loop {
            match OpenOptions::new().write(true).create_new(true).open(path) {
                Ok(_) => return LockFile(path.to_owned()),
                Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                    let stale = std::fs::metadata(path)
                        .and_then(|meta| meta.modified())
                        .ok()
                        .and_then(|at| SystemTime::now().duration_since(at).ok())
                        .is_some_and(|age| age > Duration::from_secs(600));
                    if stale {
                        let _ = std::fs::remove_file(path);
                        continue;
                    }
                    assert!(
                        Instant::now() < patience,
                        "waited 15 minutes for the install lock {}",
                        path.display()
                    );
                    std::thread::sleep(Duration::from_millis(200));
                }
                Err(error) => panic!("cannot create the install lock {}: {error}", path.display()),
            }
        }
    }
}

impl Drop for LockFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
