//! `StaticFiles`: the traversal corpus (in memory and over real sockets with a raw client
//! that sends the path byte for byte), every option, precompressed variants with ranges and
//! conditional requests on the variant sent, and HTTP/2.

use bytes::Bytes;
use respond::{StaticFiles, TestClient};
use respond_tests::{TempDir, TestServer, raw_request};

/// A served tree, and a secret beside it that nothing may reach.
fn tree() -> TempDir {
    let dir = TempDir::new("static");
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("docs")).unwrap();
    std::fs::create_dir_all(root.join("empty")).unwrap();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::write(dir.path().join("secret.txt"), "SECRET").unwrap();
    std::fs::write(root.join("index.html"), "<h1>home</h1>").unwrap();
    std::fs::write(root.join("docs/index.html"), "<h1>docs</h1>").unwrap();
    std::fs::write(root.join("a.txt"), "0123456789").unwrap();
    std::fs::write(root.join("app.js"), "console.log('identity');").unwrap();
    std::fs::write(root.join("app.js.br"), "BROTLI-BYTES").unwrap();
    std::fs::write(root.join("app.js.gz"), "GZIP-BYTES!!").unwrap();
    std::fs::write(root.join("app.3f2a1b9c.js"), "fingerprinted").unwrap();
    std::fs::write(root.join(".env"), "SECRET").unwrap();
    std::fs::write(root.join(".git/config"), "SECRET").unwrap();
    std::fs::write(root.join("404.html"), "<h1>missing</h1>").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        symlink("../secret.txt", root.join("out.txt")).unwrap();
        symlink(dir.path(), root.join("up")).unwrap();
        symlink("a.txt", root.join("in.txt")).unwrap();
    }
    dir
}

fn root(dir: &TempDir) -> std::path::PathBuf {
    dir.path().join("root")
}

/// Paths that must never serve anything but a 404 (and never the secret).
const CORPUS: &[&str] = &[
    "/../secret.txt",
    "/..%2fsecret.txt",
    "/..%2Fsecret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E/secret.txt",
    "/.%2e/secret.txt",
    "/%2e./secret.txt",
    "/docs/../../secret.txt",
    "/docs/%2e%2e/%2e%2e/secret.txt",
    "/docs/..%2f..%2fsecret.txt",
    "/%2e%2e%2fsecret.txt",
    "/..%5csecret.txt",
    "/..%5Csecret.txt",
    "/..\\secret.txt",
    "/docs\\..\\..\\secret.txt",
    "/%5c..%5csecret.txt",
    "/..%255csecret.txt",
    "/%252e%252e/secret.txt",
    "/%252e%252e%252fsecret.txt",
    "/..%c0%afsecret.txt",
    "/..%c1%9csecret.txt",
    "/%c0%ae%c0%ae/secret.txt",
    "/a.txt%00.html",
    "/a.txt%00",
    "/%00",
    "/a%0a.txt",
    "/C:/Windows/win.ini",
    "/C:%5cWindows%5cwin.ini",
    "/c%3a/secret.txt",
    "/a.txt::$DATA",
    "//etc/passwd",
    "/%2fetc/passwd",
    "/%2Fetc%2Fpasswd",
    "/docs//index.html",
    "/./a.txt",
    "/docs/./index.html",
    "/.env",
    "/%2eenv",
    "/.git/config",
    "/%2egit/config",
    "/out.txt",
    "/up/secret.txt",
    "/a.txt/",
    "/empty/",
    "/empty",
    "/nothing",
    "/..",
    "/../",
    "/...",
    "/ ..",
];

fn assert_refused(path: &str, status: u16, body: &[u8]) {
    assert_eq!(status, 404, "{path:?} was not refused");
    assert_eq!(body, b"Not Found", "{path:?}");
}

#[tokio::test]
async fn the_traversal_corpus_is_refused_in_memory() {
    let dir = tree();
    let client = TestClient::new(StaticFiles::new(root(&dir)));
    for path in CORPUS {
        let response = client.get(path).send().await;
        assert_refused(path, response.status().as_u16(), response.body());
    }
}

#[tokio::test]
async fn the_traversal_corpus_is_refused_over_a_socket() {
    let dir = tree();
    let server = TestServer::start(StaticFiles::new(root(&dir))).await;
    let mut sent = 0;
    for path in CORPUS {
        let response = raw_request(server.addr(), "GET", path, &[]).await;
        // hyper itself answers 400 to targets it cannot parse (a raw backslash, a space).
        if response.status == 400 {
            continue;
        }
        sent += 1;
        assert!(!response.text().contains("SECRET"), "{path:?}");
        assert_refused(path, response.status.as_u16(), &response.body);
    }
    assert!(sent > 40, "only {sent} paths reached the app");
    server.stop().await;
}

#[tokio::test]
async fn files_directories_and_redirects() {
    let dir = tree();
    let client = TestClient::new(StaticFiles::new(root(&dir)));
    let file = client.get("/a.txt").send().await;
    assert_eq!(file.status(), 200);
    assert_eq!(file.text(), "0123456789");
    assert_eq!(
        file.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(file.header("vary"), None);
    assert_eq!(client.get("/").send().await.text(), "<h1>home</h1>");
    assert_eq!(client.get("/docs/").send().await.text(), "<h1>docs</h1>");
    let redirect = client.get("/docs?x=1&y").send().await;
    assert_eq!(redirect.status(), 307);
    assert_eq!(redirect.header("location"), Some("docs/?x=1&y"));
    let head = client.head("/a.txt").send().await;
    assert_eq!(head.header("content-length"), Some("10"));
    assert!(head.body().is_empty());
    for method in ["POST", "PUT", "DELETE", "OPTIONS"] {
        let response = client
            .request(method.parse().unwrap(), "/a.txt")
            .send()
            .await;
        assert_eq!(response.status(), 405);
        assert_eq!(response.header("allow"), Some("GET, HEAD"));
    }
    #[cfg(unix)]
    assert_eq!(client.get("/in.txt").send().await.text(), "0123456789");
    // Ranges and conditionals are FileResponse's.
    let range = client
        .get("/a.txt")
        .header("range", "bytes=2-4")
        .send()
        .await;
    assert_eq!(range.status(), 206);
    assert_eq!(range.text(), "234");
    let etag = file.header("etag").unwrap();
    let again = client
        .get("/a.txt")
        .header("if-none-match", etag)
        .send()
        .await;
    assert_eq!(again.status(), 304);
}

/// A file served lately is sent from the open-file cache while its path still names it;
/// whatever changes under the path (in place, a rename over it, a link out of the root, a
/// swapped root) is seen by the very next request.
#[cfg(unix)]
#[tokio::test]
async fn a_hot_file_follows_every_change_of_its_path() {
    use std::os::unix::fs::symlink;
    let dir = tree();
    let releases = dir.path().join("releases");
    for (release, text) in [("1", "release one"), ("2", "release two")] {
        std::fs::create_dir_all(releases.join(release)).unwrap();
        std::fs::write(releases.join(release).join("v.txt"), text).unwrap();
    }
    symlink(releases.join("1"), dir.path().join("current")).unwrap();
    let client = TestClient::new(StaticFiles::new(root(&dir)));
    let get = |path: &'static str| client.get(path).send();

    let first = get("/a.txt").await;
    assert_eq!(get("/a.txt").await.text(), "0123456789");
    // Written in place (the same file): the new bytes, length and validators at once.
    std::fs::write(root(&dir).join("a.txt"), "abc").unwrap();
    let in_place = get("/a.txt").await;
    assert_eq!(in_place.text(), "abc");
    assert_eq!(in_place.header("content-length"), Some("3"));
    assert_ne!(in_place.header("etag"), first.header("etag"));
    // Replaced by a rename, as a deploy does.
    std::fs::write(dir.path().join("staged"), "renamed over").unwrap();
    std::fs::rename(dir.path().join("staged"), root(&dir).join("a.txt")).unwrap();
    assert_eq!(get("/a.txt").await.text(), "renamed over");
    // Replaced by a link out of the root: refused, as if it had never been served.
    assert_eq!(get("/app.js").await.status(), 200);
    std::fs::remove_file(root(&dir).join("app.js")).unwrap();
    symlink("../secret.txt", root(&dir).join("app.js")).unwrap();
    let escaped = get("/app.js").await;
    assert_eq!(escaped.status(), 404);
    assert_ne!(escaped.text(), "SECRET");
    // A root that is a link swapped at each deploy serves the new release at once.
    let client = TestClient::new(StaticFiles::new(dir.path().join("current")));
    assert_eq!(client.get("/v.txt").send().await.text(), "release one");
    assert_eq!(client.get("/v.txt").send().await.text(), "release one");
    std::fs::remove_file(dir.path().join("current")).unwrap();
    symlink(releases.join("2"), dir.path().join("current")).unwrap();
    assert_eq!(client.get("/v.txt").send().await.text(), "release two");
}

#[tokio::test]
async fn every_option() {
    let dir = tree();
    let base = || StaticFiles::new(root(&dir));

    let client = TestClient::new(base().with_html(true));
    let missing = client.get("/nothing").send().await;
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.text(), "<h1>missing</h1>");
    assert_eq!(
        client.get("/../secret.txt").send().await.text(),
        "<h1>missing</h1>"
    );

    let client = TestClient::new(base().without_index_file());
    assert_eq!(client.get("/").send().await.status(), 404);
    assert_eq!(client.get("/docs").send().await.status(), 404);
    let client = TestClient::new(base().with_index_file("a.txt"));
    assert_eq!(client.get("/").send().await.text(), "0123456789");

    let client = TestClient::new(base().with_hidden_files(true));
    assert_eq!(client.get("/.env").send().await.text(), "SECRET");
    assert_eq!(client.get("/..").send().await.status(), 404);

    #[cfg(unix)]
    {
        let client = TestClient::new(base().with_follow_symlinks(true));
        assert_eq!(client.get("/out.txt").send().await.text(), "SECRET");
        assert_eq!(client.get("/../secret.txt").send().await.status(), 404);
    }

    let client = TestClient::new(base().with_prefix("/static/"));
    assert_eq!(client.get("/static/a.txt").send().await.status(), 200);
    assert_eq!(client.get("/a.txt").send().await.status(), 404);
    assert_eq!(client.get("/statica.txt").send().await.status(), 404);
    let mount = client.get("/static").send().await;
    assert_eq!(mount.status(), 307);
    assert_eq!(mount.header("location"), Some("static/"));

    let cached = base()
        .with_cache_control("public, max-age=60")
        .unwrap()
        .with_immutable(r"\.[0-9a-f]{8}\.js$")
        .unwrap();
    let client = TestClient::new(cached);
    let plain = client.get("/a.txt").send().await;
    assert_eq!(plain.header("cache-control"), Some("public, max-age=60"));
    let etag = plain.header("etag").unwrap().to_owned();
    let not_modified = client
        .get("/a.txt")
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(
        not_modified.header("cache-control"),
        Some("public, max-age=60")
    );
    let immutable = client.get("/app.3f2a1b9c.js").send().await;
    assert_eq!(
        immutable.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(
        client.get("/nothing").send().await.header("cache-control"),
        None
    );
    assert!(base().with_immutable("(").is_err());
    assert!(base().with_cache_control("a\nb").is_err());
}

fn precompressed(dir: &TempDir) -> StaticFiles {
    StaticFiles::new(root(dir))
        .with_precompressed_gzip()
        .with_precompressed_br()
}

/// `GET /app.js` with `Accept-Encoding: accept` and `headers`.
async fn app_js(
    client: &TestClient,
    accept: &str,
    headers: &[(&str, &str)],
) -> respond::TestResponse {
    let mut request = client.get("/app.js").header("accept-encoding", accept);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    request.send().await
}

#[tokio::test]
async fn precompressed_variants_are_negotiated() {
    let dir = tree();
    let client = TestClient::new(precompressed(&dir));
    let get = |accept: Option<&'static str>| {
        let mut request = client.get("/app.js");
        if let Some(accept) = accept {
            request = request.header("accept-encoding", accept);
        }
        request.send()
    };
    let identity = get(None).await;
    assert_eq!(identity.text(), "console.log('identity');");
    assert_eq!(identity.header("content-encoding"), None);
    assert_eq!(identity.header("vary"), Some("accept-encoding"));

    let br = get(Some("gzip, deflate, br")).await;
    assert_eq!(br.text(), "BROTLI-BYTES");
    assert_eq!(br.header("content-encoding"), Some("br"));
    assert_eq!(
        br.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(br.header("vary"), Some("accept-encoding"));
    assert_eq!(br.header("content-length"), Some("12"));

    let gzip = get(Some("br;q=0.5, gzip")).await;
    assert_eq!(gzip.text(), "GZIP-BYTES!!");
    assert_eq!(gzip.header("content-encoding"), Some("gzip"));
    // Same size, and the siblings were written in the same instant or not: the tags differ.
    let tags = [&identity, &br, &gzip].map(|r| r.header("etag").unwrap().to_owned());
    assert_ne!(tags[0], tags[1]);
    assert_ne!(tags[1], tags[2]);
    assert!(tags[1].ends_with("-br\""), "{}", tags[1]);
    assert!(!tags[1].starts_with("W/"), "strong");

    assert_eq!(get(Some("zstd")).await.text(), "console.log('identity');");
    let refused = get(Some("zstd, identity;q=0")).await;
    assert_eq!(refused.status(), 406);
    assert_eq!(refused.header("vary"), Some("accept-encoding"));
    assert_eq!(get(Some("gzip, identity;q=0")).await.text(), "GZIP-BYTES!!");

    // Ranges apply to the variant sent.
    let range = app_js(&client, "br", &[("range", "bytes=0-5")]).await;
    assert_eq!(range.status(), 206);
    assert_eq!(range.text(), "BROTLI");
    assert_eq!(range.header("content-range"), Some("bytes 0-5/12"));
    assert_eq!(range.header("content-encoding"), Some("br"));
    // If-Range with the identity's tag does not apply to the br variant: the whole of it.
    let mismatched = app_js(
        &client,
        "br",
        &[("range", "bytes=0-5"), ("if-range", &tags[0])],
    )
    .await;
    assert_eq!(mismatched.status(), 200);
    assert_eq!(mismatched.text(), "BROTLI-BYTES");
    // Conditionals: the br tag gives 304 for br, and a full gzip body for gzip.
    let not_modified = app_js(&client, "br", &[("if-none-match", &tags[1])]).await;
    assert_eq!(not_modified.status(), 304);
    assert_eq!(not_modified.header("vary"), Some("accept-encoding"));
    assert_eq!(not_modified.header("content-encoding"), None);
    let other = app_js(&client, "gzip", &[("if-none-match", &tags[1])]).await;
    assert_eq!(other.status(), 200);
    let unsatisfiable = app_js(&client, "br", &[("range", "bytes=100-")]).await;
    assert_eq!(unsatisfiable.status(), 416);
    assert_eq!(unsatisfiable.header("content-range"), Some("bytes */12"));
    assert_eq!(unsatisfiable.header("content-encoding"), None);
}

#[tokio::test]
async fn precompressed_variants_over_a_socket_and_http2() {
    use http_body_util::{BodyExt, Empty};
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;

    let dir = tree();
    let server = TestServer::start(precompressed(&dir)).await;
    let wire = raw_request(
        server.addr(),
        "GET",
        "/app.js",
        &[("accept-encoding", "br"), ("range", "bytes=7-")],
    )
    .await;
    assert_eq!(wire.status, 206);
    assert_eq!(wire.text(), "BYTES");
    assert_eq!(wire.header("content-encoding"), Some("br"));

    let client = Client::builder(TokioExecutor::new())
        .http2_only(true)
        .build_http::<Empty<Bytes>>();
    let request = http::Request::get(format!("http://{}/app.js", server.addr()))
        .header("accept-encoding", "gzip")
        .body(Empty::new())
        .unwrap();
    let response = client.request(request).await.unwrap();
    assert_eq!(response.version(), http::Version::HTTP_2);
    assert_eq!(response.headers()["content-encoding"], "gzip");
    assert_eq!(response.headers()["vary"], "accept-encoding");
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body, "GZIP-BYTES!!");
    for path in ["/%2e%2e/secret.txt", "/..%2fsecret.txt", "/.env"] {
        let uri = format!("http://{}{path}", server.addr());
        let response = client.get(uri.parse().unwrap()).await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
    server.stop().await;
}

#[tokio::test]
async fn mounted_in_axum() {
    let dir = tree();
    let router: axum::Router =
        axum::Router::new().nest_service("/assets", respond::AppService::new(precompressed(&dir)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let response = raw_request(addr, "GET", "/assets/app.js", &[("accept-encoding", "br")]).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), "BROTLI-BYTES");
    let refused = raw_request(addr, "GET", "/assets/%2e%2e/%2e%2e/secret.txt", &[]).await;
    assert_eq!(refused.status, 404);
    task.abort();
}
