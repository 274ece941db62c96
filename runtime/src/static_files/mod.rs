//! [`StaticFiles`]: a directory served safely, with precompressed variants.
//!
//! One concern per module: [`path`] maps the request path to names under the root and
//! refuses anything that could leave it, [`lookup`] asks the filesystem (and checks where
//! links lead), [`directory`] serves index files and adds trailing slashes, [`encoding`]
//! negotiates `Accept-Encoding`, [`cache`] picks `Cache-Control`, [`not_found`] is html
//! mode's 404 page, and [`resolve`] runs those steps for one request. The file itself goes
//! out through [`FileResponse`], which owns ranges and conditional requests.

mod cache;
mod directory;
pub(crate) mod encoding;
pub(crate) mod lookup;
mod not_found;
pub(crate) mod path;
pub(crate) mod resolve;
#[cfg(target_os = "linux")]
mod verified;

use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use http::header::{ALLOW, CACHE_CONTROL, LOCATION, VARY};
use http::{HeaderValue, Method, StatusCode};

use crate::error::{Error, Result};
use crate::file::FileResponse;
use crate::protocol::{App, Receiver, Scope, Sender};
use crate::response::Response;

use cache::CachePolicy;
use encoding::{Accepted, Coding};
use resolve::{Chosen, Outcome, Rules};

/// A file found open by the lookup (only Linux has them).
#[cfg(target_os = "linux")]
use verified::Opened;
#[cfg(not(target_os = "linux"))]
type Opened = std::convert::Infallible;

/// A directory served as static files: Starlette's `StaticFiles`, tower-http's `ServeDir`.
///
/// It maps the request path under a root directory and hands the file to
/// [`FileResponse`], so ranges, conditional requests (`ETag`, `Last-Modified`, `304`,
/// `412`, `If-Range`), `HEAD` and the way files are read are exactly those of
/// `FileResponse`. It is an [`App`]: serve it, test it with
/// [`TestClient`](crate::TestClient), mount it in axum or tower through
/// [`AppService`](crate::AppService), or answer part of your own app with
/// [`response`](Self::response).
///
/// What it serves, and what it refuses:
/// - The path is percent-decoded once, segment by segment. A segment that is `.` or `..`,
///   holds a `/` or `\` (encoded), a NUL or a control character, a `:` (drive letters,
///   stream names), is not UTF-8, or is empty (`a//b`) is refused; so are hidden names
///   (starting with a dot, `.git`, `.env`) unless [`with_hidden_files`](Self::with_hidden_files)
///   allows them. Symbolic links that resolve outside the root are refused unless
///   [`with_follow_symlinks`](Self::with_follow_symlinks) allows them; links that stay
///   inside are served. Only regular files and directories are served (never a FIFO or
///   a device).
/// - Every refusal is a plain `404 Not Found`, exactly like a missing file (nothing tells
///   what exists), logged at debug level with the reason.
/// - `GET` and `HEAD` only: other methods get `405` with `Allow: GET, HEAD`.
/// - A directory serves its index file (`index.html` by default, see
///   [`with_index_file`](Self::with_index_file)); asked for without the trailing slash, it
///   is redirected (`307`, relative `Location`, query kept) to the path with the slash. A
///   directory without an index is a `404`: directories are never listed.
/// - In html mode ([`with_html`](Self::with_html)), misses get the root's `404.html` with
///   status `404`.
/// - Precompressed siblings ([`with_precompressed_br`](Self::with_precompressed_br),
///   `_zstd`, `_gzip`): `app.js.br` is sent for `app.js` when the client's
///   `Accept-Encoding` prefers it (see [`with_precompressed_br`](Self::with_precompressed_br)
///   for the rules), with `Content-Encoding`, the media type of `app.js`, and a strong
///   `ETag` of its own; ranges and conditional requests apply to the bytes actually sent.
///   With any of them enabled, every file response carries `Vary: Accept-Encoding`.
/// - `Cache-Control` per mount ([`with_cache_control`](Self::with_cache_control)), and a
///   year with `immutable` for fingerprinted names ([`with_immutable`](Self::with_immutable)).
///
/// It is called `StaticFiles` as in Starlette, whose names this crate keeps (and so that it
/// never clashes with tower-http's `ServeDir` in an axum app that imports both).
///
/// ```
/// use respond::{StaticFiles, TestClient};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> respond::Result<()> {
/// // `docs/` holds `guide.md`.
/// let client = TestClient::new(StaticFiles::new("docs"));
/// let response = client.get("/guide.md").send().await;
/// assert_eq!(response.status(), 200);
/// assert_eq!(response.header("content-type"), Some("text/markdown; charset=utf-8"));
/// assert!(response.header("etag").is_some());
///
/// assert_eq!(client.get("/../Cargo.toml").send().await.status(), 404);
/// assert_eq!(client.get("/%2e%2e/Cargo.toml").send().await.status(), 404);
/// let post = client.post("/guide.md").send().await;
/// assert_eq!(post.status(), 405);
/// assert_eq!(post.header("allow"), Some("GET, HEAD"));
/// # Ok(()) }
/// ```
///
/// Mounted under a prefix of respond's server (see [`with_prefix`](Self::with_prefix)), or
/// in axum with `Router::nest_service("/assets", AppService::new(StaticFiles::new("dist")))`
/// (axum strips the prefix itself).
#[derive(Debug, Clone)]
pub struct StaticFiles {
    config: Arc<Config>,
}

#[derive(Debug, Clone)]
struct Config {
    root: PathBuf,
    prefix: Option<String>,
    rules: Rules,
    codings: Vec<Coding>,
    cache: CachePolicy,
    follow_symlinks: bool,
    /// Files found beneath the root lately (Linux).
    #[cfg(target_os = "linux")]
    verified: verified::Verified,
}

impl StaticFiles {
    /// Serves the directory `root` (relative paths are relative to the working directory
    /// of the process). Nothing is read until a request comes; see
    /// [`check_dir`](Self::check_dir) to fail at start-up on a missing directory.
    ///
    /// ```
    /// let assets = respond::StaticFiles::new("static");
    /// assert_eq!(assets.root(), std::path::Path::new("static"));
    /// ```
    pub fn new(root: impl Into<PathBuf>) -> Self {
        StaticFiles {
            config: Arc::new(Config {
                root: root.into(),
                prefix: None,
                rules: Rules {
                    index: Some(String::from("index.html")),
                    html: false,
                    hidden: false,
                },
                codings: Vec::new(),
                cache: CachePolicy::default(),
                follow_symlinks: false,
                #[cfg(target_os = "linux")]
                verified: verified::Verified::default(),
            }),
        }
    }

    /// The directory served.
    ///
    /// ```
    /// assert_eq!(respond::StaticFiles::new("dist").root(), std::path::Path::new("dist"));
    /// ```
    pub fn root(&self) -> &Path {
        &self.config.root
    }

    /// Checks that the root is a directory (Starlette's `check_dir`): an [`Error::Io`]
    /// naming it otherwise.
    ///
    /// ```
    /// assert!(respond::StaticFiles::new("docs").check_dir().is_ok());
    /// assert!(respond::StaticFiles::new("no-such-dir").check_dir().is_err());
    /// ```
    pub fn check_dir(&self) -> Result<()> {
        let root = &self.config.root;
        match std::fs::metadata(root) {
            Ok(metadata) if metadata.is_dir() => Ok(()),
            Ok(_) => Err(Error::Io(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("static directory {} is not a directory", root.display()),
            ))),
            Err(error) => Err(Error::Io(io::Error::new(
                error.kind(),
                format!("static directory {}: {error}", root.display()),
            ))),
        }
    }

    fn edit(mut self, change: impl FnOnce(&mut Config)) -> Self {
        change(Arc::make_mut(&mut self.config));
        self
    }

    /// Serves only paths under `prefix` (`/assets` serves `/assets/app.js` from
    /// `root/app.js`), for a mount at the top of an app; other paths get a `404`. The
    /// prefix is compared with the path as sent (percent-encoded), at a segment boundary
    /// (`/assets` does not match `/assetsx`). Routers that strip the prefix themselves
    /// (axum's `nest_service`) need none.
    ///
    /// ```
    /// use respond::{StaticFiles, TestClient};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let client = TestClient::new(StaticFiles::new("docs").with_prefix("/static"));
    /// assert_eq!(client.get("/static/guide.md").send().await.status(), 200);
    /// assert_eq!(client.get("/guide.md").send().await.status(), 404);
    /// # }
    /// ```
    #[must_use]
    pub fn with_prefix(self, prefix: &str) -> Self {
        let trimmed = prefix.trim_end_matches('/');
        let prefix = match trimmed {
            "" => None,
            _ if trimmed.starts_with('/') => Some(trimmed.to_owned()),
            _ => Some(format!("/{trimmed}")),
        };
        self.edit(|config| config.prefix = prefix)
    }

    /// The file served for a directory (default `index.html`).
    ///
    /// ```
    /// let assets = respond::StaticFiles::new("public").with_index_file("index.htm");
    /// ```
    #[must_use]
    pub fn with_index_file(self, name: &str) -> Self {
        let name = name.trim_matches('/').to_owned();
        self.edit(|config| config.rules.index = Some(name))
    }

    /// No index file: every directory is a `404`.
    ///
    /// ```
    /// use respond::{StaticFiles, TestClient};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let client = TestClient::new(StaticFiles::new("docs").without_index_file());
    /// assert_eq!(client.get("/").send().await.status(), 404);
    /// # }
    /// ```
    #[must_use]
    pub fn without_index_file(self) -> Self {
        self.edit(|config| config.rules.index = None)
    }

    /// Html mode, as Starlette's `html=True`: a miss (or a refusal) gets the root's
    /// `404.html` with status `404`, when it exists (a plain `404` otherwise).
    ///
    /// ```
    /// let site = respond::StaticFiles::new("site").with_html(true);
    /// ```
    #[must_use]
    pub fn with_html(self, html: bool) -> Self {
        self.edit(|config| config.rules.html = html)
    }

    /// Serves a `.br` sibling (`app.js.br` for `app.js`) to clients that accept Brotli.
    ///
    /// The coding is chosen from `Accept-Encoding` by q-value among the enabled codings
    /// whose sibling exists; ties go to Brotli, then Zstandard, then gzip. Without the
    /// header the file itself is sent. `identity;q=0` (or `*;q=0`) is respected: when no
    /// acceptable sibling exists, the answer is `406 Not Acceptable`. The response has the
    /// media type of the file itself, `Content-Encoding`, and an `ETag` of its own
    /// (RFC 9110 section 8.8.3; see
    /// [`FileResponse::with_content_encoding`]). Keep the siblings up to date with the file:
    /// they are served as they are.
    ///
    /// ```
    /// use respond::{StaticFiles, TestClient};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let client = TestClient::new(StaticFiles::new("docs").with_precompressed_br());
    /// // No `guide.md.br` here: the file itself, still with `Vary`.
    /// let response = client.get("/guide.md").header("accept-encoding", "br").send().await;
    /// assert_eq!(response.header("content-encoding"), None);
    /// assert_eq!(response.header("vary"), Some("accept-encoding"));
    /// # }
    /// ```
    #[must_use]
    pub fn with_precompressed_br(self) -> Self {
        self.with_coding(Coding::Brotli)
    }

    /// Serves a `.zst` sibling to clients that accept Zstandard (`zstd`); see
    /// [`with_precompressed_br`](Self::with_precompressed_br).
    ///
    /// ```
    /// let assets = respond::StaticFiles::new("dist").with_precompressed_zstd();
    /// ```
    #[must_use]
    pub fn with_precompressed_zstd(self) -> Self {
        self.with_coding(Coding::Zstd)
    }

    /// Serves a `.gz` sibling to clients that accept gzip (nginx's `gzip_static on`); see
    /// [`with_precompressed_br`](Self::with_precompressed_br).
    ///
    /// ```
    /// let assets = respond::StaticFiles::new("dist").with_precompressed_gzip();
    /// ```
    #[must_use]
    pub fn with_precompressed_gzip(self) -> Self {
        self.with_coding(Coding::Gzip)
    }

    fn with_coding(self, coding: Coding) -> Self {
        self.edit(|config| {
            if !config.codings.contains(&coding) {
                config.codings.push(coding);
            }
        })
    }

    /// `Cache-Control` for every file this mount serves (`200`, `206`, `304` and `HEAD`
    /// answers; never a `404`). A value HTTP does not allow in a header is an
    /// [`Error::InvalidHeader`].
    ///
    /// ```
    /// let assets = respond::StaticFiles::new("dist").with_cache_control("public, max-age=3600")?;
    /// assert!(respond::StaticFiles::new("dist").with_cache_control("a\r\nb").is_err());
    /// # Ok::<(), respond::Error>(())
    /// ```
    pub fn with_cache_control(self, value: &str) -> Result<Self> {
        let value =
            HeaderValue::from_str(value).map_err(|error| Error::header(CACHE_CONTROL, error))?;
        Ok(self.edit(|config| config.cache.control = Some(value)))
    }

    /// Files whose path under the root (decoded, `/`-separated, e.g. `assets/app.3f2a1b9c.js`)
    /// matches the regular expression `pattern` get `Cache-Control: public, max-age=31536000,
    /// immutable` instead of the mount's value: fingerprinted names change with their
    /// content, so browsers may keep them a year and never revalidate. The syntax is the
    /// `regex` crate's (as implemented by `regex-lite`); one that does not parse is an
    /// [`Error::Other`] saying why.
    ///
    /// ```
    /// let assets = respond::StaticFiles::new("dist")
    ///     .with_cache_control("no-cache")?
    ///     .with_immutable(r"\.[0-9a-f]{8}\.(js|css)$")?;
    /// assert!(respond::StaticFiles::new("dist").with_immutable("(").is_err());
    /// # Ok::<(), respond::Error>(())
    /// ```
    pub fn with_immutable(self, pattern: &str) -> Result<Self> {
        let pattern = regex_lite::Regex::new(pattern).map_err(|error| {
            Error::other(format!("invalid immutable pattern {pattern:?}: {error}"))
        })?;
        Ok(self.edit(|config| config.cache.immutable = Some(pattern)))
    }

    /// Serves symbolic links that resolve outside the root (off by default; Starlette's
    /// `follow_symlink`). Paths are still refused as described on [`StaticFiles`]: only
    /// where links lead is no longer checked.
    ///
    /// ```
    /// let shared = respond::StaticFiles::new("public").with_follow_symlinks(true);
    /// ```
    #[must_use]
    pub fn with_follow_symlinks(self, follow: bool) -> Self {
        self.edit(|config| config.follow_symlinks = follow)
    }

    /// Serves hidden names, those starting with a dot (`.well-known/`); off by default, so
    /// `.git/` or `.env` left in a deployed folder stay private. `.` and `..` are always
    /// refused.
    ///
    /// ```
    /// let site = respond::StaticFiles::new("public").with_hidden_files(true);
    /// ```
    #[must_use]
    pub fn with_hidden_files(self, hidden: bool) -> Self {
        self.edit(|config| config.rules.hidden = hidden)
    }

    /// The response for `scope`, for an app of your own that serves some paths from this
    /// directory: the file (as a [`FileResponse`], still to be resolved against the
    /// request's ranges and conditions when sent), a redirect, or a `404`/`405`/`406`.
    ///
    /// The filesystem is asked on the async thread when the kernel's caches can answer
    /// (Linux), else on tokio's blocking pool.
    ///
    /// # Errors
    ///
    /// An I/O error other than "not there" (a permission or disk error) while looking the
    /// path up, as [`Error::Io`].
    ///
    /// ```
    /// use respond::{PlainTextResponse, Receiver, Scope, Sender, StaticFiles, TestClient};
    /// use std::sync::LazyLock;
    ///
    /// static DOCS: LazyLock<StaticFiles> =
    ///     LazyLock::new(|| StaticFiles::new("docs").with_prefix("/docs"));
    ///
    /// async fn app(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
    ///     if scope.path().starts_with("/docs/") {
    ///         let response = DOCS.response(&scope).await?;
    ///         return response.send(&scope, &mut receive, &mut send).await;
    ///     }
    ///     PlainTextResponse::new("home").send(&scope, &mut receive, &mut send).await
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let client = TestClient::new(app);
    /// assert_eq!(client.get("/docs/guide.md").send().await.status(), 200);
    /// assert_eq!(client.get("/").send().await.text(), "home");
    /// # }
    /// ```
    pub async fn response(&self, scope: &Scope) -> Result<Response> {
        if scope.method() != Method::GET && scope.method() != Method::HEAD {
            return Ok(plain(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
                .with_header(ALLOW, HeaderValue::from_static("GET, HEAD")));
        }
        let Some(raw) = self.below_mount(scope.raw_path()) else {
            return Ok(not_found());
        };
        let accepted = encoding::negotiate(scope.headers(), &self.config.codings);
        let (outcome, opened) = self.lookup(raw, accepted).await?;
        Ok(match outcome {
            Outcome::File(chosen) => self.file(&chosen, false, opened),
            Outcome::AddSlash => {
                let location = directory::add_slash_location(scope.raw_path(), scope.query());
                // Made of the path and query as sent: already percent-encoded.
                Response::empty()
                    .with_status(StatusCode::TEMPORARY_REDIRECT)
                    .with_header(LOCATION, location)
            }
            Outcome::NotFound(Some(page)) => self.file(&page, true, opened),
            Outcome::NotFound(None) => not_found(),
            Outcome::NotAcceptable => plain(StatusCode::NOT_ACCEPTABLE, "Not Acceptable")
                .with_header(VARY, HeaderValue::from_static("accept-encoding")),
        })
    }

    /// The path below the mount point, as sent; `None` outside it.
    fn below_mount<'a>(&self, raw: &'a str) -> Option<&'a str> {
        match &self.config.prefix {
            None => Some(raw),
            Some(prefix) => raw
                .strip_prefix(prefix.as_str())
                .filter(|rest| rest.is_empty() || rest.starts_with('/')),
        }
    }

    /// What to answer, and the file found open for it when the answer came from a verified
    /// path (Linux).
    async fn lookup(&self, raw: &str, accepted: Accepted) -> Result<(Outcome, Option<Opened>)> {
        let config = &self.config;
        #[cfg(target_os = "linux")]
        if let Ok(mut probe) =
            lookup::Cached::new(&config.root, config.follow_symlinks, &config.verified)
        {
            match resolve::resolve(&mut probe, &config.rules, raw, &accepted) {
                Ok(outcome) => return Ok((outcome, probe.take_opened())),
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
                Err(error) => return Err(Error::Io(error)),
            }
        }
        let config = Arc::clone(config);
        let raw = raw.to_owned();
        let trip = tokio::task::spawn_blocking(move || {
            let mut probe = lookup::Blocking::new(&config.root, config.follow_symlinks);
            resolve::resolve(&mut probe, &config.rules, &raw, &accepted)
        });
        match trip.await {
            Ok(outcome) => outcome.map(|outcome| (outcome, None)).map_err(|error| {
                tracing::warn!(root = %self.config.root.display(), %error, "static file lookup failed");
                Error::Io(error)
            }),
            Err(join) => Err(Error::other(format!("static file lookup did not finish: {join}"))),
        }
    }

    /// The response for a chosen file (html mode's 404 page when `missing`), sent from the
    /// file found `opened` when that is the one.
    fn file(&self, chosen: &Chosen, missing: bool, opened: Option<Opened>) -> Response {
        let config = &self.config;
        let stored = chosen.stored();
        let mut file = match opened {
            #[cfg(target_os = "linux")]
            Some(opened) if *opened.relative == *stored => {
                FileResponse::from_open_file(&opened.path, opened.file, opened.stat)
            }
            _ => FileResponse::new(config.root.join(&stored)),
        };
        if let Some(coding) = chosen.coding {
            let media_type = mime_guess::from_path(&chosen.relative)
                .first_raw()
                .unwrap_or("application/octet-stream");
            file = file
                .with_content_encoding(coding.token())
                .with_media_type(media_type);
        }
        if !config.codings.is_empty() {
            file = file.with_header(VARY, HeaderValue::from_static("accept-encoding"));
        }
        if missing {
            file = file.with_status(StatusCode::NOT_FOUND);
        } else if let Some(value) = config.cache.for_path(&chosen.relative) {
            file = file.with_header(CACHE_CONTROL, value);
        }
        file.into_response()
    }
}

fn not_found() -> Response {
    plain(StatusCode::NOT_FOUND, "Not Found")
}

/// A short plain-text answer (built on the core `Response`: this module names no other
/// kind than `FileResponse`).
fn plain(status: StatusCode, text: &'static str) -> Response {
    Response::new(text)
        .with_media_type("text/plain")
        .with_status(status)
}

impl App for StaticFiles {
    fn call(
        &self,
        scope: Scope,
        mut receive: Receiver,
        mut send: Sender,
    ) -> impl Future<Output = Result<()>> + Send + 'static {
        let this = self.clone();
        async move {
            if !scope.is_http() {
                return Err(Error::protocol("StaticFiles answers HTTP requests only"));
            }
            let response = this.response(&scope).await?;
            match response.send(&scope, &mut receive, &mut send).await {
                // Removed between the lookup and the open: nothing was sent yet.
                Err(Error::Io(error)) if error.kind() == io::ErrorKind::NotFound => {
                    tracing::debug!(
                        path = scope.raw_path(),
                        "static file vanished before it was opened"
                    );
                    not_found().send(&scope, &mut receive, &mut send).await
                }
                other => other,
            }
        }
    }
}
