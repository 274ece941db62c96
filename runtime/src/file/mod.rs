//! [`FileResponse`]: a file from disk, with range requests, conditional requests and
//! `Content-Disposition`.
//!
//! One concern per module: [`range`] parses `Range`, [`multipart`] lays out
//! `multipart/byteranges`, [`conditional`] evaluates the `If-*` headers, [`validators`]
//! makes `ETag` and `Last-Modified`, [`disposition`] writes `Content-Disposition`,
//! [`media_type`] guesses `Content-Type` from the name, [`decide`](mod@decide) chooses what one
//! request gets from the metadata alone, and [`read`] reads the file off the async threads
//! ([`cached`]: without leaving them when the kernel holds it; [`open_cache`]: keeping hot
//! files open).
//! This module builds the response and plugs it into the core as a [`Source`].

#[cfg(target_os = "linux")]
mod cached;
pub(crate) mod conditional;
mod decide;
mod disposition;
mod media_type;
mod metadata;
mod multipart;
mod open_cache;
pub(crate) mod range;
mod read;
mod source;
pub(crate) mod validators;

#[cfg(target_os = "linux")]
use std::fs::Metadata;
use std::path::Path;
use std::sync::Arc;

use http::HeaderValue;
use http::header::{
    ACCEPT_RANGES, CONTENT_DISPOSITION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, ETAG,
};

use crate::response::{Response, response_kind};

pub use disposition::DispositionType;
pub use metadata::FileMetadata;
pub use open_cache::OpenFileCache;
#[cfg(target_os = "linux")]
pub(crate) use open_cache::{cached_file, opened_without_waiting};

use decide::set_validators;
use media_type::guess_type;
use source::FileSource;

/// The default read size: 64 KiB, as Starlette's.
const DEFAULT_CHUNK_SIZE: usize = 64 * 1024;

/// A file from disk.
///
/// The file is opened when the response is sent and read in chunks of
/// [`with_chunk_size`](Self::with_chunk_size) bytes (64 KiB by default). Nothing that may
/// wait on the disk runs on the async threads:
/// - on Linux, a file the kernel already holds in memory is opened and checked right away,
///   and each chunk the page cache holds is read when the client asks for it, with calls
///   that refuse to wait (`openat2` with `RESOLVE_CACHED`, `preadv2` with `RWF_NOWAIT`): a
///   hot file costs no thread hop, and a stalled client holds no chunk read ahead;
/// - otherwise, and for whatever those calls decline, the work goes to tokio's blocking pool
///   (a small response is opened, checked and read in a single trip), and a client that keeps
///   pace gets the next read started while the current chunk is written.
///
/// A file opened lately stays open in the process's [`OpenFileCache`]: the next response for
/// its path stats the path (one `statx`) and reads through the open file while the path still
/// names it, so a hot file costs no open at all. The head is built from that fresh stat every
/// time.
///
/// On respond's server, reads are at most 32 KiB until a client has taken 4 MiB, and 16 KiB
/// for one slower than 1 MiB/s, so a stalled download holds little memory. (On a network
/// filesystem, opening and stat'ing may still ask the server; use a local copy for that.)
///
/// Headers:
/// - `Content-Type` guessed from the filename (see [`with_filename`](Self::with_filename))
///   or the path, `application/octet-stream` when unknown; `text/*` types get
///   `; charset=utf-8`. [`with_media_type`](Self::with_media_type) overrides it.
/// - `Content-Length`, always the exact length of the body sent (a value set by hand is
///   replaced: a wrong one would corrupt the connection).
/// - `Last-Modified` and a strong `ETag` made from the size and modification time only
///   (never the inode, so replicas serving the same deployed files agree); values you set
///   yourself win. A modification time before 1970 or from year 10000 on gets no
///   `Last-Modified`, never a panic.
/// - `Accept-Ranges: bytes`, and `Content-Disposition` when a filename is given.
///
/// For each request:
/// - `HEAD` gets the headers of `GET` from the metadata alone; the file is not read.
/// - Conditional requests (when the status is 2xx) follow RFC 9110 section 13.2.2:
///   `If-Match` (strong comparison), else `If-Unmodified-Since`, failing gives `412`;
///   then `If-None-Match` (weak comparison), else `If-Modified-Since`, matching gives `304`
///   with `ETag` and `Last-Modified` and no body (`412` for methods other than GET and HEAD).
/// - `Range` (GET and HEAD with status 200 only), RFC 9110 section 14: one range gives `206`
///   with `Content-Range`; several give `206 multipart/byteranges` with the boundary in
///   `Content-Type` and the exact `Content-Length` computed up front. Ranges are sorted,
///   and merged when they overlap or touch; suffix (`-500`) and open (`9500-`) ranges work;
///   an end past the file is clamped. `416` (`Content-Range: bytes */size`, an empty
///   `text/plain` body) comes only when no range is satisfiable. `If-Range` applies the
///   ranges only for a strong `ETag` equal to ours or a date equal to `Last-Modified`.
///
/// Deviations from Starlette (RFC 9110 first): an unknown range unit, a malformed `Range`
/// header or more than 100 ranges are ignored (200 with the whole file) instead of a 400;
/// unsatisfiable members of a range set are dropped instead of failing the request; the
/// multipart boundary is in `Content-Type`; conditional requests are answered; a
/// non-ASCII filename also gets a plain `filename="..."` fallback, and an ASCII name with
/// spaces keeps `filename="..."`.
///
/// # Errors
///
/// A missing file, a directory or another non-regular file makes `send` return
/// [`Error::Io`](crate::Error::Io) before anything is sent, with the path in the message and in the log.
/// On the server the app's error becomes a `500` (the app was sure the file exists: a
/// missing one is a deployment bug, as in Starlette). To answer `404` instead, match the
/// error: nothing has been sent yet, so another response can still go out:
///
/// ```
/// use respond::{Error, FileResponse, PlainTextResponse, Receiver, Scope, Sender};
///
/// async fn app(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
///     let file = FileResponse::new("static/missing.txt");
///     match file.send(&scope, &mut receive, &mut send).await {
///         Err(Error::Io(error)) if error.kind() == std::io::ErrorKind::NotFound => {
///             PlainTextResponse::new("Not Found").with_status(404)
///                 .send(&scope, &mut receive, &mut send).await
///         }
///         other => other,
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> respond::Result<()> {
/// let response = respond::TestClient::new(app).get("/").send().await;
/// assert_eq!(response.status(), 404);
/// # Ok(()) }
/// ```
///
/// A file that shrinks, grows or is modified while it is sent ends the body with an error:
/// the connection is aborted (the client sees an incomplete response, never one that
/// disagrees with its `Content-Length`) and the event is logged.
///
/// ```
/// use respond::{FileResponse, Receiver, Scope, Sender, TestClient};
///
/// async fn app(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
///     FileResponse::new("Cargo.toml").send(&scope, &mut receive, &mut send).await
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> respond::Result<()> {
/// let client = TestClient::new(app);
/// let response = client.get("/").header("range", "bytes=0-6").send().await;
/// assert_eq!(response.status(), 206);
/// assert_eq!(response.text(), "[packag");
/// assert_eq!(response.header("content-type"), Some("text/x-toml; charset=utf-8"));
///
/// let etag = response.header("etag").unwrap().to_owned();
/// let again = client.get("/").header("if-none-match", &etag).send().await;
/// assert_eq!(again.status(), 304);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct FileResponse(Response);

impl FileResponse {
    /// A `200 OK` response with the file at `path`, opened when the response is sent.
    ///
    /// ```
    /// let response = respond::FileResponse::new("static/logo.png");
    /// assert_eq!(response.headers()["content-type"], "image/png");
    /// assert_eq!(response.headers()["accept-ranges"], "bytes");
    /// ```
    pub fn new(path: impl AsRef<Path>) -> Self {
        FileResponse::build(path.as_ref(), None)
    }

    /// A response for a file whose metadata is known already (from a directory listing, a
    /// cache...): the head is built from `metadata` without touching the disk, so `HEAD`,
    /// `304`, `412` and `416` answers do no I/O at all. `Content-Length`, `Last-Modified`
    /// and `ETag` are set at once.
    ///
    /// The metadata is trusted for the head; when the body is read, a file whose size
    /// differs aborts the response (see [`FileResponse`]).
    ///
    /// ```
    /// use respond::{FileMetadata, FileResponse};
    /// use std::time::{Duration, UNIX_EPOCH};
    ///
    /// let modified = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    /// let response = FileResponse::from_metadata("report.csv", FileMetadata::new(20, Some(modified)));
    /// assert_eq!(response.headers()["content-length"], "20");
    /// assert_eq!(response.headers()["last-modified"], "Tue, 14 Nov 2023 22:13:20 GMT");
    /// assert!(response.headers().contains_key("etag"));
    /// ```
    pub fn from_metadata(path: impl AsRef<Path>, metadata: impl Into<FileMetadata>) -> Self {
        FileResponse::build(path.as_ref(), Some(metadata.into()))
    }

    /// A response for a file the caller has just had from the open-file cache
    /// ([`cached_file`] or [`opened_without_waiting`]), with the fresh stat of its path that
    /// came with it: sent at once, it costs no second stat. (For
    /// [`StaticFiles`](crate::StaticFiles), which checks the file's identity against the one
    /// it found under its root.)
    #[cfg(target_os = "linux")]
    pub(crate) fn from_open_file(path: &Path, file: Arc<std::fs::File>, stat: Metadata) -> Self {
        let mut response = FileResponse::build(path, None);
        response.edit(|source| source.opened = Some((file, stat)));
        response
    }

    fn build(path: &Path, metadata: Option<FileMetadata>) -> Self {
        let guessed = guess_type(path);
        let source = FileSource {
            path: Arc::from(path),
            filename: None,
            disposition: DispositionType::Attachment,
            chunk_size: DEFAULT_CHUNK_SIZE,
            metadata,
            opened: None,
            guessed: guessed.clone(),
        };
        let mut response = Response::from_source(source);
        response.set_content_type(guessed);
        response.insert_header(ACCEPT_RANGES, HeaderValue::from_static("bytes"));
        if let Some(metadata) = metadata {
            let headers = response.headers_mut();
            headers.insert(CONTENT_LENGTH, HeaderValue::from(metadata.size()));
            set_validators(headers, metadata);
        }
        FileResponse(response)
    }

    /// Sets the name the browser shows and saves: a `Content-Disposition` header, and the
    /// media type guessed from this name (unless a media type was set) instead of the path.
    ///
    /// As in Starlette, a name of ASCII letters, digits and `_.-~/` only is `filename="..."`,
    /// any other `filename*=utf-8''...` alone (`/` encoded too); control characters are dropped.
    ///
    /// ```
    /// use respond::FileResponse;
    /// let plain = FileResponse::new("files/1").with_filename("report.pdf");
    /// assert_eq!(plain.headers()["content-disposition"], "attachment; filename=\"report.pdf\"");
    /// let other = FileResponse::new("files/1234").with_filename("Bäckerei.txt");
    /// assert_eq!(other.headers()["content-type"], "text/plain; charset=utf-8");
    /// assert_eq!(other.headers()["content-disposition"], "attachment; filename*=utf-8''B%C3%A4ckerei.txt");
    /// ```
    #[must_use]
    pub fn with_filename(mut self, filename: impl Into<String>) -> Self {
        let filename = filename.into();
        let guessed = guess_type(Path::new(&filename));
        let mut previous = None;
        self.edit(|source| {
            previous = Some(std::mem::replace(&mut source.guessed, guessed.clone()));
            source.filename = Some(filename);
        });
        // Replace the guess from the path, not a media type the user chose.
        if previous.as_ref() == self.0.headers().get(CONTENT_TYPE) {
            self.0.set_content_type(guessed);
        }
        self.refresh_disposition();
        self
    }

    /// Sets how the browser presents the file (`attachment` by default). The header is sent
    /// only with a filename, as in Starlette.
    ///
    /// ```
    /// use respond::{DispositionType, FileResponse};
    ///
    /// let response = FileResponse::new("hello.txt")
    ///     .with_content_disposition_type(DispositionType::Inline)
    ///     .with_filename("hello.txt");
    /// assert_eq!(response.headers()["content-disposition"], "inline; filename=\"hello.txt\"");
    /// ```
    #[must_use]
    pub fn with_content_disposition_type(mut self, disposition: DispositionType) -> Self {
        self.edit(|source| source.disposition = disposition);
        self.refresh_disposition();
        self
    }

    /// Sets how many bytes each read takes (64 KiB by default; at least 1). Larger chunks
    /// mean fewer reads. On respond's server, reads are at most 32 KiB for a client's first
    /// 4 MiB and 16 KiB for one slower than 1 MiB/s (see [`FileResponse`]).
    ///
    /// ```
    /// let response = respond::FileResponse::new("video.mp4").with_chunk_size(256 * 1024);
    /// ```
    #[must_use]
    pub fn with_chunk_size(mut self, chunk_size: usize) -> Self {
        self.edit(|source| source.chunk_size = chunk_size.max(1));
        self
    }

    /// Marks the file as stored in a content coding: a precompressed sibling such as
    /// `app.js.br` sent for `app.js`. Responses with content carry `Content-Encoding:
    /// coding`, and the `ETag` derived from the file is tagged with the coding (`"…-br"`),
    /// so each coding of one resource has its own strong entity tag (RFC 9110 section
    /// 8.8.3) and `If-None-Match` or `If-Range` never mistake one for another. Ranges and
    /// conditional requests apply to the stored bytes, the representation actually sent.
    /// `304`, `412` and `416` answers have no content, hence no `Content-Encoding`.
    ///
    /// The media type is still guessed from the path (`.br` says nothing of the content):
    /// set the resource's own with [`with_media_type`](Self::with_media_type), and send
    /// `Vary: Accept-Encoding` when the coding was chosen by the request.
    /// [`StaticFiles`](crate::StaticFiles) does all of this for `.br`, `.zst` and `.gz`
    /// siblings.
    ///
    /// ```
    /// use respond::{FileMetadata, FileResponse};
    /// use std::time::{Duration, UNIX_EPOCH};
    ///
    /// let modified = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    /// let response = FileResponse::from_metadata("app.js.br", FileMetadata::new(20, Some(modified)))
    ///     .with_content_encoding("br")
    ///     .with_media_type("text/javascript")
    ///     .with_header("vary", "accept-encoding");
    /// assert_eq!(response.headers()["content-encoding"], "br");
    /// assert_eq!(response.headers()["etag"], "\"14-6553f100.0-br\"");
    /// assert_eq!(response.headers()["content-type"], "text/javascript; charset=utf-8");
    /// ```
    #[must_use]
    pub fn with_content_encoding(mut self, coding: &str) -> Self {
        self.0 = self.0.with_header(CONTENT_ENCODING, coding);
        // An ETag derived up front (from metadata given by the caller) is derived again.
        if let Some(metadata) = self
            .0
            .source::<FileSource>()
            .and_then(|source| source.metadata)
        {
            let derived = validators::etag(metadata.size(), metadata.modified());
            let headers = self.0.headers_mut();
            if derived.is_some() && headers.get(ETAG) == derived.as_ref() {
                headers.remove(ETAG);
                set_validators(headers, metadata);
            }
        }
        self
    }

    /// The path of the file.
    ///
    /// ```
    /// let response = respond::FileResponse::new("static/a.txt");
    /// assert_eq!(response.path(), std::path::Path::new("static/a.txt"));
    /// ```
    pub fn path(&self) -> &Path {
        self.0
            .source::<FileSource>()
            .map_or(Path::new(""), |source| &source.path)
    }

    fn edit(&mut self, change: impl FnOnce(&mut FileSource)) {
        if let Some(source) = self.0.source_mut::<FileSource>() {
            change(source);
        }
    }

    fn refresh_disposition(&mut self) {
        let value = self.0.source::<FileSource>().and_then(|source| {
            source
                .filename
                .as_deref()
                .map(|name| disposition::header(source.disposition, name))
        });
        if let Some(value) = value {
            self.0.insert_header(CONTENT_DISPOSITION, value);
        }
    }
}

response_kind!(FileResponse, "FileResponse::new(\"static/report.pdf\")");
