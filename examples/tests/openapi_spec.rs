//! The showcase's OpenAPI document against the running showcase (`--features openapi`):
//! starts the showcase example on a free port of 127.0.0.1, fetches `/openapi.json`, then
//! requests every documented route, with the headers that make each documented status
//! happen (ranges, conditional requests, queries), over real sockets. Every response is
//! checked against the document by `respond_tests::openapi::SpecChecker` (status, media type,
//! headers, and the body against its JSON Schema with the `jsonschema` crate): a response
//! the document does not describe fails, and so does a documented response that no request
//! produced. Every `/dsl/` link of the index must be documented, and `/docs` must serve the
//! page and the Swagger UI files it loads (npm's `swagger-ui-dist`, which the test installs
//! with `npm ci --prefix examples/e2e` when it is missing), and headless Chromium must render
//! every documented path there (`examples/e2e/docs.mjs`; a screenshot goes to
//! `target/e2e-artifacts/docs.png`). Node.js and Chromium are provisioned as for the browser
//! test.
//!
//! Run with `cargo test -p respond-examples --features openapi` (which builds the showcase
//! with the feature; the browser test runs too).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use respond_tests::openapi::{Observed, SpecChecker};
use respond_tests::{parse_response, provision};
use serde_json::Value;

#[path = "support/showcase.rs"]
mod showcase;

use showcase::{Showcase, profile_dir, run_with_limit, showcase_binary};

/// How long one response may take.
const RESPONSE_LIMIT: Duration = Duration::from_secs(20);

/// `GET target` with extra headers. With `first_event`, reading stops after the first
/// server-sent event (the stream does not end by itself).
fn fetch(addr: SocketAddr, target: &str, headers: &[(&str, &str)], first_event: bool) -> Observed {
    let mut stream =
        TcpStream::connect(addr).unwrap_or_else(|error| panic!("connect {addr}: {error}"));
    stream.set_read_timeout(Some(RESPONSE_LIMIT)).ok();
    let mut request = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream
        .write_all(request.as_bytes())
        .expect("write the request");
    let deadline = Instant::now() + RESPONSE_LIMIT;
    let mut bytes = Vec::new();
    let mut buffer = [0; 16 * 1024];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => bytes.extend_from_slice(&buffer[..read]),
            Err(error) => panic!("reading GET {target}: {error}"),
        }
        if first_event && has_first_event(&bytes) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "GET {target} took longer than {RESPONSE_LIMIT:?}"
        );
    }
    let raw = parse_response(&bytes, false);
    let mut body = raw.body.to_vec();
    if first_event {
        // Only the first event, whole: the rest of the read may end mid-event.
        let end = event_end(&body).unwrap_or(body.len());
        body.truncate(end);
    }
    Observed {
        status: raw.status.as_u16(),
        headers: raw
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
    }
}

/// Whether the bytes hold a head and one whole event after it.
fn has_first_event(bytes: &[u8]) -> bool {
    if !bytes.windows(4).any(|window| window == b"\r\n\r\n") {
        return false;
    }
    event_end(&parse_response(bytes, false).body).is_some()
}

/// Where the first event of an event stream ends (after its blank line; CRLF or LF).
fn event_end(body: &[u8]) -> Option<usize> {
    let crlf = body
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .map(|at| at + 4);
    let lf = body
        .windows(2)
        .position(|pair| pair == b"\n\n")
        .map(|at| at + 2);
    crlf.into_iter().chain(lf).min()
}

fn header<'a>(observed: &'a Observed, name: &str) -> Option<&'a str> {
    observed
        .headers
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// The requests made to each documented path: query and headers.
fn requests(path: &str, etag: &str) -> Vec<(String, Vec<(&'static str, String)>)> {
    let plain = |query: &str| (query.to_owned(), Vec::new());
    match path {
        "/dsl/lookup" => vec![plain("?id=1"), plain("?id=9")],
        "/dsl/hello" => vec![plain("?name=respond"), plain("")],
        "/dsl/job" => vec![plain("?id=1"), plain("?id=2")],
        "/download" => vec![
            plain(""),
            (String::new(), vec![("range", String::from("bytes=0-3"))]),
            (
                String::new(),
                vec![("range", String::from("bytes=0-0,5-6"))],
            ),
            (
                String::new(),
                vec![("range", String::from("bytes=999999-"))],
            ),
            (String::new(), vec![("if-none-match", etag.to_owned())]),
            (
                String::new(),
                vec![("if-match", String::from("\"another\""))],
            ),
        ],
        _ => vec![plain("")],
    }
}

#[test]
fn the_showcase_document_matches_the_live_showcase() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let e2e = manifest.join("e2e");
    let node = provision::node();
    let chromium = provision::chromium();
    provision::npm_ci(&e2e);
    let binary = showcase_binary(manifest);
    let mut showcase = Showcase::start(&binary);
    let addr: SocketAddr = showcase
        .base
        .trim_start_matches("http://")
        .parse()
        .expect("the showcase's address");
    let base = showcase.base.clone();
    let result = std::panic::catch_unwind(|| {
        let paths = check(addr);
        let artifacts = profile_dir()
            .parent()
            .expect("the target directory")
            .join("e2e-artifacts");
        let mut command = Command::new(&node);
        command
            .arg(e2e.join("docs.mjs"))
            .arg(&base)
            .arg(&artifacts)
            .args(&paths)
            .env("CHROMIUM", &chromium)
            .current_dir(&e2e);
        let (status, stdout, stderr) = run_with_limit(command, Duration::from_secs(180));
        println!("{stdout}");
        assert!(
            status.is_some_and(|status| status.success()),
            "Swagger UI did not render the document ({status:?}):\n{stdout}\n{stderr}"
        );
    });
    let log = showcase.stop();
    if let Err(panic) = result {
        eprintln!("--- showcase log\n{log}");
        std::panic::resume_unwind(panic);
    }
}

/// Checks the document against the showcase; returns the documented paths.
fn check(addr: SocketAddr) -> Vec<String> {
    let served = fetch(addr, "/openapi.json", &[], false);
    assert_ne!(
        served.status, 404,
        "the showcase serves no /openapi.json: it was built without its `openapi` feature; \
         run `cargo test -p respond-examples --features openapi`, which builds it with the feature"
    );
    assert_eq!(served.status, 200, "GET /openapi.json");
    assert_eq!(header(&served, "content-type"), Some("application/json"));
    let spec: Value = serde_json::from_slice(&served.body).expect("/openapi.json is JSON");
    assert_eq!(
        spec["openapi"].as_str().map(|v| &v[..2]),
        Some("3."),
        "{spec}"
    );
    let paths: Vec<String> = spec["paths"]
        .as_object()
        .expect("the document has paths")
        .keys()
        .cloned()
        .collect();

    // Every DSL route the index links to is documented.
    let index = fetch(addr, "/", &[], false);
    let index = String::from_utf8_lossy(&index.body).into_owned();
    let dsl: Vec<&str> = index
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| href.starts_with("/dsl/"))
        .map(|href| href.split('?').next().unwrap_or(href))
        .collect();
    assert!(dsl.len() >= 4, "the index links to the DSL routes: {dsl:?}");
    for route in &dsl {
        assert!(
            paths.iter().any(|path| path == route),
            "{route} is not documented in {paths:?}"
        );
    }

    let etag = header(&fetch(addr, "/download", &[], false), "etag")
        .expect("FileResponse sends an ETag")
        .to_owned();
    let mut checker = SpecChecker::new(spec);
    let mut failures = Vec::new();
    let mut checked = 0;
    for path in &paths {
        for (query, headers) in requests(path, &etag) {
            let headers: Vec<(&str, &str)> = headers
                .iter()
                .map(|(name, value)| (*name, value.as_str()))
                .collect();
            let target = format!("{path}{query}");
            let observed = fetch(addr, &target, &headers, path == "/events");
            checked += 1;
            if let Err(problem) = checker.check("get", path, &observed) {
                failures.push(format!("{problem} (GET {target} {headers:?})"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "responses that break the document:\n{}",
        failures.join("\n")
    );
    let unseen = checker.unseen();
    assert!(
        unseen.is_empty(),
        "documented, but no request produced them: {unseen:?}"
    );
    println!(
        "{checked} responses of {} documented routes match the document",
        paths.len()
    );

    // The page that renders the document, and what it loads.
    let page = fetch(addr, "/docs", &[], false);
    assert_eq!(
        page.status,
        200,
        "GET /docs: {}",
        String::from_utf8_lossy(&page.body)
    );
    let page_text = String::from_utf8_lossy(&page.body).into_owned();
    for asset in [
        "/docs/assets/swagger-ui-bundle.js",
        "/docs/assets/swagger-ui.css",
        "/docs/init.js",
    ] {
        assert!(page_text.contains(asset), "/docs loads {asset}");
        let served = fetch(addr, asset, &[], false);
        assert_eq!(served.status, 200, "GET {asset}");
        assert!(served.body.len() > 40, "GET {asset} has a body");
    }
    let init = fetch(addr, "/docs/init.js", &[], false);
    assert!(String::from_utf8_lossy(&init.body).contains("/openapi.json"));
    paths
}
