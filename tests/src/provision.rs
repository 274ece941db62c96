//! What the tests need from outside Cargo, provisioned on first use.
//!
//! `cargo test --workspace` is the one command that runs the whole suite, on a fresh machine
//! too: a test that needs a program (Chromium, curl, a Redis server) or the lock-filed npm
//! packages of `examples/e2e` asks this module for it, and gets its path. What is already
//! there costs one look-up; what is missing is installed once, with the machine's own package
//! manager (Debian's `apt-get`, as root or through passwordless `sudo`) or with `npm ci` from
//! the committed lock file. Installs are serialized by file locks in the system's temporary
//! directory, so test binaries run in parallel (by `cargo nextest`, or two checkouts at once)
//! never run `apt-get` or `npm` together. Each install is logged to standard error (written
//! directly, so the test harness does not hide it) with the time it took.
//!
//! Where it cannot install, the test panics with what is missing and the one command that
//! fixes it: a test that needs a browser never passes without one.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Instant;

// Called as `FileExt::lock(&file)`: on Rust 1.89 and later `File` has inherent methods of the
// same names, which the workspace's Rust 1.85 lacks.
use fs4::{FileExt, TryLockError};

/// Where binaries are looked for besides `PATH`: a test run from an IDE or a cron job may
/// have a short `PATH`, and `apt-get` installs into these.
const SYSTEM_DIRS: [&str; 2] = ["/usr/bin", "/usr/sbin"];

/// Written after a successful `apt-get update`, so the package lists are fetched once per
/// machine; an install that fails with lists this old updates them and tries again.
const APT_UPDATED: &str = "respond-provision-apt-updated";

/// The oldest Node.js that runs the lock-filed playwright-core.
pub const NODE_MAJOR: u32 = 20;

/// The path of `binary`, installing Debian's `package` with `apt-get` first when `binary` is
/// neither on `PATH` nor in `/usr/bin` or `/usr/sbin`.
///
/// The install runs `apt-get update` (once per machine) and
/// `apt-get install -y <package>` with `DEBIAN_FRONTEND=noninteractive`, as root or through
/// `sudo -n`, holding a lock file so that parallel test processes install one at a time (the
/// second one finds the binary when the lock is released). It logs to standard error what it
/// installs and how long that took.
///
/// # Panics
///
/// When `binary` is missing and cannot be installed: not root and no passwordless `sudo`, no
/// `apt-get` on this machine, or `apt-get` failed (no Debian mirror reachable). The message
/// says what is missing and the command that fixes it.
///
/// # Example
///
/// ```no_run
/// let redis = respond_tests::provision::debian_package("redis-server", "redis-server");
/// let server = std::process::Command::new(redis).args(["--port", "0"]).spawn();
/// ```
pub fn debian_package(package: &str, binary: &str) -> PathBuf {
    if let Some(path) = find_binary(binary) {
        return path;
    }
    let privilege = Privilege::detect();
    if let Privilege::None = privilege {
        panic!(
            "{}",
            cannot_install(
                package,
                binary,
                "they run neither as root nor with passwordless sudo"
            )
        );
    }
    let Some(apt_get) = find_binary("apt-get") else {
        panic!(
            "`{binary}` is missing (not on PATH, nor in /usr/bin or /usr/sbin), and this machine \
             has no `apt-get` to install Debian's `{package}` with: install the package that \
             provides `{binary}` with the system's package manager, then run the tests again"
        );
    };
    // One lock for every package: two `apt-get` runs at once would fight over apt's own locks.
    let _lock = Lock::acquire("respond-provision-apt.lock");
    // Another test process may have installed it while this one waited for the lock.
    if let Some(path) = find_binary(binary) {
        return path;
    }
    let apt = Apt {
        apt_get,
        privilege,
        package,
        binary,
    };
    let started = Instant::now();
    let updated = std::env::temp_dir().join(APT_UPDATED);
    let lists_fresh = !updated.exists();
    if lists_fresh {
        apt.update(&updated);
    }
    log(&format!(
        "installing Debian package `{package}` (for `{binary}`): {}",
        apt.describe(&["install", "-y", package])
    ));
    if let Err(output) = apt.run(&["install", "-y", package]) {
        if lists_fresh {
            apt.fail("install", &output);
        }
        // The lists were fetched by an earlier run and may name versions the mirror no
        // longer has: fetch them again and retry once.
        log(&format!(
            "apt-get install {package} failed with package lists from an earlier run; updating them"
        ));
        apt.update(&updated);
        if let Err(output) = apt.run(&["install", "-y", package]) {
            apt.fail("install", &output);
        }
    }
    let path = find_binary(binary).unwrap_or_else(|| {
        panic!(
            "apt-get installed Debian's `{package}`, but `{binary}` is still not on PATH nor in \
             /usr/bin or /usr/sbin: is `{package}` the package that provides it?"
        )
    });
    log(&format!(
        "installed `{package}` in {:.1} s: {}",
        started.elapsed().as_secs_f64(),
        path.display()
    ));
    path
}

/// Chromium for the browser tests: `$CHROMIUM` when set (a Chromium or Chrome binary),
/// otherwise Debian's `chromium`, installed by [`debian_package`] when missing.
///
/// # Panics
///
/// When `$CHROMIUM` names no file, or as [`debian_package`] does.
///
/// # Example
///
/// ```no_run
/// let chromium = respond_tests::provision::chromium();
/// assert!(chromium.is_file());
/// ```
pub fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("CHROMIUM").map(PathBuf::from) {
        assert!(
            path.is_file(),
            "CHROMIUM is set to {}, which is not a file: point it at a Chromium or Chrome \
             binary, or unset it to use Debian's `chromium` (installed on first use when root)",
            path.display()
        );
        return path;
    }
    debian_package("chromium", "chromium")
}

/// Node.js for the browser suite: `$NODE` when set, otherwise `node` on `PATH`, checked to be
/// version [`NODE_MAJOR`] or later.
///
/// # Panics
///
/// When Node.js is missing, does not run, or is older than version 20; the message says so
/// and how to get a newer one.
///
/// # Example
///
/// ```no_run
/// let node = respond_tests::provision::node();
/// std::process::Command::new(node).arg("--version").status().unwrap();
/// ```
pub fn node() -> PathBuf {
    let fix = format!(
        "install Node.js {NODE_MAJOR} or later with npm (Debian 13: `apt-get install nodejs npm`; \
         Debian 12: NodeSource's node_{NODE_MAJOR}.x packages), or set NODE to such a binary"
    );
    let node = std::env::var_os("NODE")
        .map(PathBuf::from)
        .or_else(|| find_binary("node"))
        .unwrap_or_else(|| panic!("Node.js is missing (no `node` on PATH): {fix}"));
    let output = Command::new(&node)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}; {fix}", node.display()));
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let major = node_major(&version);
    assert!(
        output.status.success() && major.is_some_and(|major| major >= NODE_MAJOR),
        "Node.js {NODE_MAJOR} or later is needed, and {} says {version:?} ({}): {fix}",
        node.display(),
        output.status
    );
    node
}

/// The major version in `node --version`'s answer (`v20.20.2` gives 20).
fn node_major(version: &str) -> Option<u32> {
    version.strip_prefix('v')?.split('.').next()?.parse().ok()
}

/// Installs the npm packages locked in `dir/package-lock.json` with `npm ci --prefix dir`,
/// unless `dir/node_modules` already holds them (npm's `node_modules/.package-lock.json`
/// exists and is newer than the lock file). `$NPM` names npm when set.
///
/// Holds a lock file while it checks and installs, so parallel test processes run `npm ci`
/// once; logs to standard error what it runs and how long it took.
///
/// # Panics
///
/// When npm is missing or `npm ci` fails (the npm registry is not reachable); the message
/// gives npm's last lines and the command to run by hand.
///
/// # Example
///
/// ```no_run
/// let e2e = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e");
/// respond_tests::provision::npm_ci(&e2e);
/// ```
pub fn npm_ci(dir: &Path) {
    if npm_installed(dir) {
        return;
    }
    let name: String = dir
        .to_string_lossy()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let _lock = Lock::acquire(&format!("respond-provision-npm{name}.lock"));
    if npm_installed(dir) {
        return;
    }
    let fix = format!("npm ci --prefix {}", dir.display());
    let npm = std::env::var_os("NPM")
        .map(PathBuf::from)
        .or_else(|| find_binary("npm"))
        .unwrap_or_else(|| {
            panic!(
                "npm is missing (no `npm` on PATH): it comes with Node.js {NODE_MAJOR} or later; \
                 install both, then run the tests again (they run `{fix}` themselves)"
            )
        });
    log(&format!(
        "installing the npm packages locked in {}: {fix}",
        dir.display()
    ));
    let started = Instant::now();
    let output = Command::new(&npm)
        .args([
            "ci",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "--prefix",
        ])
        .arg(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", npm.display()));
    assert!(
        output.status.success() && npm_installed(dir),
        "`{fix}` failed ({}); its last lines say why (an npm registry out of reach, a \
         directory this user cannot write):\n{}\nRun `{fix}` by hand once that is fixed, then \
         the tests again",
        output.status,
        tail(&output)
    );
    log(&format!(
        "installed the npm packages of {} in {:.1} s",
        dir.display(),
        started.elapsed().as_secs_f64()
    ));
}

/// Whether `dir/node_modules` holds what `dir/package-lock.json` locks.
fn npm_installed(dir: &Path) -> bool {
    let modified = |path: PathBuf| std::fs::metadata(path).and_then(|meta| meta.modified());
    match (
        modified(dir.join("node_modules/.package-lock.json")),
        modified(dir.join("package-lock.json")),
    ) {
        (Ok(installed), Ok(locked)) => installed >= locked,
        _ => false,
    }
}

/// `binary` on `PATH` or in the system directories, if it is there.
pub fn find_binary(binary: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(SYSTEM_DIRS.iter().map(PathBuf::from))
        .map(|dir| dir.join(binary))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path)
            .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// The message of a test that needs `binary` and cannot install `package` for the `reason`
/// given.
fn cannot_install(package: &str, binary: &str, reason: &str) -> String {
    format!(
        "`{binary}` is missing (not on PATH, nor in /usr/bin or /usr/sbin), and the tests cannot \
         install Debian's `{package}` themselves here: {reason}. Fix it with \
         `sudo apt-get update && sudo apt-get install -y {package}`, then run \
         `cargo test --workspace` again (as root, or with passwordless sudo, the tests install \
         it on their own)"
    )
}

/// How this process can run `apt-get` as root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Privilege {
    /// It is root.
    Root,
    /// Through `sudo -n` (passwordless sudo).
    Sudo,
    /// It cannot.
    None,
}

impl Privilege {
    fn detect() -> Privilege {
        #[cfg(unix)]
        if rustix::process::geteuid().is_root() {
            return Privilege::Root;
        }
        let sudo = find_binary("sudo").is_some_and(|sudo| {
            Command::new(sudo)
                .args(["-n", "true"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|status| status.success())
        });
        if sudo {
            Privilege::Sudo
        } else {
            Privilege::None
        }
    }
}

/// One package's `apt-get` runs.
struct Apt<'a> {
    apt_get: PathBuf,
    privilege: Privilege,
    package: &'a str,
    binary: &'a str,
}

impl Apt<'_> {
    /// The options of every run: wait for dpkg's own lock (another install on the machine)
    /// instead of failing, and print less.
    const OPTIONS: [&'static str; 3] = ["-q", "-o", "DPkg::Lock::Timeout=600"];

    fn describe(&self, args: &[&str]) -> String {
        let sudo = if self.privilege == Privilege::Sudo {
            "sudo -n "
        } else {
            ""
        };
        format!(
            "{sudo}env DEBIAN_FRONTEND=noninteractive apt-get {} {}",
            Self::OPTIONS.join(" "),
            args.join(" ")
        )
    }

    fn run(&self, args: &[&str]) -> Result<(), Output> {
        let mut command = if self.privilege == Privilege::Sudo {
            let mut sudo = Command::new("sudo");
            sudo.args(["-n", "env", "DEBIAN_FRONTEND=noninteractive"])
                .arg(&self.apt_get);
            sudo
        } else {
            let mut apt = Command::new(&self.apt_get);
            apt.env("DEBIAN_FRONTEND", "noninteractive");
            apt
        };
        let output = command
            .args(Self::OPTIONS)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|error| panic!("cannot run {}: {error}", self.apt_get.display()));
        if output.status.success() {
            Ok(())
        } else {
            Err(output)
        }
    }

    /// `apt-get update`, then the stamp that says it was done on this machine.
    fn update(&self, stamp: &Path) {
        log(&format!(
            "fetching Debian's package lists: {}",
            self.describe(&["update"])
        ));
        let started = Instant::now();
        if let Err(output) = self.run(&["update"]) {
            self.fail("update", &output);
        }
        if let Err(error) = File::create(stamp) {
            log(&format!("cannot write {}: {error}", stamp.display()));
        }
        log(&format!(
            "apt-get update took {:.1} s",
            started.elapsed().as_secs_f64()
        ));
    }

    fn fail(&self, step: &str, output: &Output) -> ! {
        let reason = format!(
            "`apt-get {step}` failed ({}); is a Debian mirror reachable? Its last lines:\n{}\n",
            output.status,
            tail(output)
        );
        panic!("{}", cannot_install(self.package, self.binary, &reason))
    }
}

/// The last lines a command printed, standard output then standard error.
fn tail(output: &Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// An exclusive lock on a file in the system's temporary directory, held until dropped
/// (closing the file releases it).
#[derive(Debug)]
struct Lock {
    _file: File,
}

impl Lock {
    fn acquire(name: &str) -> Lock {
        let path = std::env::temp_dir().join(name);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .or_else(|error| match error.kind() {
                // Created by another user: a lock needs no write access.
                ErrorKind::PermissionDenied => File::open(&path),
                _ => Err(error),
            })
            .unwrap_or_else(|error| {
                panic!("cannot open the lock file {}: {error}", path.display())
            });
        let locked = match FileExt::try_lock(&file) {
            Ok(()) => Ok(()),
            Err(TryLockError::WouldBlock) => {
                log(&format!(
                    "waiting for another test process to finish installing ({})",
                    path.display()
                ));
                FileExt::lock(&file)
            }
            Err(TryLockError::Error(error)) => Err(error),
        };
        locked.unwrap_or_else(|error| panic!("cannot lock {}: {error}", path.display()));
        Lock { _file: file }
    }
}

/// Writes `message` to the process's standard error directly: the test harness captures
/// `eprintln!`, and an install of a minute should be visible as it happens.
fn log(message: &str) {
    let mut stderr = std::io::stderr().lock();
    writeln!(stderr, "provision: {message}").ok();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Set in the child process that plays the user who can install nothing.
    const PROBE: &str = "RESPOND_PROVISION_PROBE";

    #[test]
    fn a_binary_that_is_there_is_found_without_installing() {
        let sh = debian_package("dash", "sh");
        assert!(sh.is_absolute() && sh.ends_with("sh"), "{}", sh.display());
        assert!(is_executable(&sh));
    }

    #[test]
    fn node_versions_are_read_from_node_version() {
        assert_eq!(node_major("v20.20.2"), Some(20));
        assert_eq!(node_major("v18.19.0"), Some(18));
        assert_eq!(node_major("20.1.0"), None);
        assert_eq!(node_major(""), None);
    }

    #[test]
    fn lock_files_exclude_each_other() {
        let name = format!("respond-provision-test-{}.lock", std::process::id());
        let held = Lock::acquire(&name);
        let other = File::open(std::env::temp_dir().join(&name)).unwrap();
        assert!(
            matches!(FileExt::try_lock(&other), Err(TryLockError::WouldBlock)),
            "a second holder is refused"
        );
        drop(held);
        assert!(
            FileExt::try_lock(&other).is_ok(),
            "free once the holder is dropped"
        );
        std::fs::remove_file(std::env::temp_dir().join(name)).ok();
    }

    /// Runs this very test as a user who is not root and has no sudo: there, a missing
    /// binary must fail with what is missing and the command that fixes it.
    #[test]
    fn without_root_or_sudo_a_missing_binary_says_what_to_install() {
        if std::env::var_os(PROBE).is_some() {
            debian_package("respond-missing-package", "respond-missing-binary");
            panic!("debian_package returned for a binary that does not exist");
        }
        // A copy of this test binary that any user can run, wherever the target dir is.
        let exe =
            std::env::temp_dir().join(format!("respond-provision-probe-{}", std::process::id()));
        std::fs::copy(std::env::current_exe().unwrap(), &exe).unwrap();
        let test = "provision::tests::without_root_or_sudo_a_missing_binary_says_what_to_install";
        let probe = [
            format!("{PROBE}=1"),
            exe.display().to_string(),
            test.into(),
            "--exact".into(),
            "--nocapture".into(),
        ];
        let mut command = match Privilege::detect() {
            Privilege::Root => {
                let mut runuser =
                    Command::new(find_binary("runuser").expect("runuser (util-linux)"));
                runuser.args(["-u", "nobody", "--", "env"]);
                runuser
            }
            Privilege::Sudo => {
                let mut sudo = Command::new("sudo");
                sudo.args(["-n", "-u", "nobody", "env"]);
                sudo
            }
            Privilege::None => Command::new("env"),
        };
        let output = command
            .args(&probe)
            .current_dir("/")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        std::fs::remove_file(&exe).ok();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!output.status.success(), "the probe must fail:\n{text}");
        assert!(
            text.contains("`respond-missing-binary` is missing")
                && text.contains("neither as root nor with passwordless sudo")
                && text.contains(
                    "sudo apt-get update && sudo apt-get install -y respond-missing-package"
                ),
            "the message names what is missing, why, and the fix:\n{text}"
        );
        assert!(
            !text.contains("provision: installing"),
            "nothing was installed:\n{text}"
        );
    }
}
