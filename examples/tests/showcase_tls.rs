//! The showcase over HTTPS: `--tls-self-signed` makes a certificate for localhost, prints how
//! to trust it and serves HTTP/2 with it; after the certificate files are replaced, SIGHUP
//! makes new connections get the new certificate (Unix).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use respond_tests::TempDir;
use respond_tests::tls::{self, Client, TestCert};

/// The showcase process, killed when dropped; its stdout lines arrive on `lines`.
struct Showcase {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Showcase {
    /// Waits for a line containing `needle` and returns it.
    fn line(&mut self, needle: &str) -> String {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(60)) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "no line with {needle:?} within 60 s; printed:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }
}

impl Drop for Showcase {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// The showcase example built next to this test (`cargo test -p respond-examples` builds it).
fn showcase_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    let profile = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary sits in <target>/<profile>/deps");
    let binary = profile
        .join("examples")
        .join(format!("showcase{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.is_file(),
        "the showcase is not built at {}: run `cargo test -p respond-examples`",
        binary.display()
    );
    binary
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_showcase_serves_https_with_a_development_certificate_and_reloads_it() {
    let temp = TempDir::new("showcase-tls");
    let mut child = Command::new(showcase_binary())
        .args(["--addr", "127.0.0.1:0", "--tls-self-signed"])
        // The development certificate goes under the temp dir, fresh for this test.
        .env("TMPDIR", temp.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the showcase");
    let stdout = child.stdout.take().expect("piped stdout");
    let (send, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    let mut showcase = Showcase {
        child,
        lines,
        seen: Vec::new(),
    };
    let trust = showcase.line("curl --cacert");
    let listening = showcase.line("listening on ");
    let addr: SocketAddr = listening
        .split("listening on https://")
        .nth(1)
        .expect("an https address")
        .trim()
        .parse()
        .expect("a socket address");
    let dir = temp.path().join("respond-showcase-tls");
    let (cert_file, key_file) = (dir.join("cert.pem"), dir.join("key.pem"));
    assert!(trust.contains(&cert_file.display().to_string()), "{trust}");
    let made = TestCert::from_pem(
        &std::fs::read_to_string(&cert_file).expect("the certificate file"),
        &std::fs::read_to_string(&key_file).expect("the key file"),
    );

    let stream = tls::connect(addr, &made, &[b"h2", b"http/1.1"]).await;
    assert_eq!(tls::alpn(&stream).as_deref(), Some(&b"h2"[..]));
    assert_eq!(tls::peer_certificate(&stream), made.der);
    let mut client = Client::over(stream).await;
    let plain = client.get("/plain", &[]).await;
    assert_eq!(plain.head.status, 200);
    assert_eq!(plain.head.version, respond::Version::HTTP_2);
    assert_eq!(plain.text(), "Hello, world!");

    #[cfg(unix)]
    {
        let renewed = TestCert::localhost();
        std::fs::write(&cert_file, &renewed.cert_pem).unwrap();
        std::fs::write(&key_file, &renewed.key_pem).unwrap();
        let pid = rustix::process::Pid::from_child(&showcase.child);
        rustix::process::kill_process(pid, rustix::process::Signal::HUP).expect("SIGHUP");
        showcase.line("certificate reloaded");
        let stream = tls::connect(addr, &renewed, &[b"h2"]).await;
        assert_eq!(tls::peer_certificate(&stream), renewed.der);
        assert_eq!(
            Client::over(stream).await.get("/plain", &[]).await.text(),
            "Hello, world!"
        );
        // The connection opened before the reload is still served.
        assert_eq!(client.get("/plain", &[]).await.text(), "Hello, world!");
    }
}
