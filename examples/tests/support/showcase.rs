//! Starting the showcase example for a test: the binary built next to the test (checked to
//! be newer than its sources), on a free port of 127.0.0.1, killed when dropped.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How long the showcase may take to print its address and answer.
const STARTUP_LIMIT: Duration = Duration::from_secs(60);

/// The showcase process: killed when dropped, so a failing test leaves no server behind.
pub(crate) struct Showcase {
    child: Child,
    pub(crate) base: String,
    output: Vec<JoinHandle<String>>,
}

impl Showcase {
    /// Starts `binary --addr 127.0.0.1:0` and waits until it prints its address and answers.
    pub(crate) fn start(binary: &Path) -> Showcase {
        let mut child = Command::new(binary)
            .args(["--addr", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", binary.display()));
        let (lines, address) = mpsc::channel();
        let stdout = child.stdout.take().expect("piped stdout");
        let stdout = thread::spawn(move || {
            let mut log = String::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.split("listening on ").nth(1) {
                    lines.send(url.trim().to_owned()).ok();
                }
                log.push_str(&line);
                log.push('\n');
            }
            log
        });
        let stderr = read_all(child.stderr.take().expect("piped stderr"));
        let mut showcase = Showcase {
            child,
            base: String::new(),
            output: vec![stdout, stderr],
        };
        match address.recv_timeout(STARTUP_LIMIT) {
            Ok(base) => showcase.base = base,
            Err(_) => {
                let log = showcase.stop();
                panic!("the showcase did not print its address within {STARTUP_LIMIT:?}:\n{log}");
            }
        }
        let addr: SocketAddr = showcase
            .base
            .trim_start_matches("http://")
            .parse()
            .unwrap_or_else(|error| panic!("bad address {:?}: {error}", showcase.base));
        let deadline = Instant::now() + STARTUP_LIMIT;
        while !answers(addr) {
            if Instant::now() > deadline {
                let log = showcase.stop();
                panic!("the showcase at {addr} does not answer GET /:\n{log}");
            }
            thread::sleep(Duration::from_millis(50));
        }
        showcase
    }

    /// Kills the server and returns what it printed.
    pub(crate) fn stop(&mut self) -> String {
        self.child.kill().ok();
        self.child.wait().ok();
        self.output
            .drain(..)
            .map(|reader| reader.join().unwrap_or_default())
            .collect()
    }
}

impl Drop for Showcase {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// Whether `GET /` at `addr` is answered with `200`.
fn answers(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
        return false;
    };
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let request = format!("GET / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}

/// Reads `source` to its end on a thread; the thread returns the text.
pub(crate) fn read_all(mut source: impl Read + Send + 'static) -> JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        source.read_to_end(&mut bytes).ok();
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// The directory of this build profile (`target/debug`): this test runs from its `deps/`.
pub(crate) fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    exe.parent()
        .and_then(Path::parent)
        .expect("the test binary sits in <target>/<profile>/deps")
        .to_path_buf()
}

/// The showcase example built next to this test, checked to be newer than its source.
pub(crate) fn showcase_binary(manifest: &Path) -> PathBuf {
    let binary = profile_dir()
        .join("examples")
        .join(format!("showcase{}", std::env::consts::EXE_SUFFIX));
    let build = "run `cargo test -p respond-examples` (which builds the examples), or \
                 `cargo build -p respond-examples --example showcase` first";
    let built = std::fs::metadata(&binary)
        .and_then(|meta| meta.modified())
        .unwrap_or_else(|_| panic!("the showcase is not built at {}: {build}", binary.display()));
    // The showcase and the crates it is built from: a binary older than any of them would
    // test stale code.
    let sources = [
        manifest.join("showcase.rs"),
        manifest.join("../runtime/src"),
        manifest.join("../macros/src"),
    ];
    for source in &sources {
        let (newest, file) = newest_file(source);
        assert!(
            built >= newest,
            "{} is older than {}: {build}",
            binary.display(),
            file.display()
        );
    }
    binary
}

/// The most recently modified file at or under `path`, with its time.
fn newest_file(path: &Path) -> (std::time::SystemTime, PathBuf) {
    let meta = std::fs::metadata(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    if !meta.is_dir() {
        let modified = meta.modified().expect("file times");
        return (modified, path.to_path_buf());
    }
    let mut newest = (std::time::SystemTime::UNIX_EPOCH, path.to_path_buf());
    for entry in std::fs::read_dir(path).expect("a readable source directory") {
        let candidate = newest_file(&entry.expect("a directory entry").path());
        if candidate.0 > newest.0 {
            newest = candidate;
        }
    }
    newest
}

/// Runs `command` for at most `limit`, killing it past that; returns its status (None when
/// killed), stdout and stderr.
pub(crate) fn run_with_limit(
    mut command: Command,
    limit: Duration,
) -> (Option<ExitStatus>, String, String) {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start node");
    let stdout = read_all(child.stdout.take().expect("piped stdout"));
    let stderr = read_all(child.stderr.take().expect("piped stderr"));
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait().expect("wait for node") {
            Some(status) => break Some(status),
            None if Instant::now() > deadline => {
                child.kill().ok();
                child.wait().ok();
                break None;
            }
            None => thread::sleep(Duration::from_millis(100)),
        }
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    (status, stdout, stderr)
}
