//! The file response's side of the core's seam: a [`FileSource`] resolved against one
//! request (metadata, conditional headers, ranges, the first reads), without waiting when
//! the kernel holds the file, else in one trip to the blocking pool.

use std::fs::Metadata;
use std::io;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode};

use super::decide::{RequestView, decide};
#[cfg(target_os = "linux")]
use super::open_cache::{self, OpenFileCache};
use super::read::{self, Expected, FileBody, Plan};
use super::{DispositionType, FileMetadata};
use crate::body::Body;
use crate::error::{Error, Result};
use crate::protocol::Scope;
use crate::response::{Head, Prepare, Source};

/// A file response before the request is known.
#[derive(Debug)]
pub(super) struct FileSource {
    pub(super) path: Arc<Path>,
    pub(super) filename: Option<String>,
    pub(super) disposition: DispositionType,
    pub(super) chunk_size: usize,
    pub(super) metadata: Option<FileMetadata>,
    /// The file already open, with a fresh stat of its path (see
    /// [`FileResponse::from_open_file`](super::FileResponse::from_open_file)).
    pub(super) opened: Option<(Arc<std::fs::File>, Metadata)>,
    /// The Content-Type guessed last, to tell it from one the user chose.
    pub(super) guessed: HeaderValue,
}

impl Source for FileSource {
    /// Resolves the response for `scope`: metadata (one blocking trip, which also reads a
    /// small body), conditional headers, ranges.
    fn prepare(self: Box<Self>, head: Head, scope: &Scope) -> Prepare {
        let request = RequestView::new(scope);
        let status = head.status;
        let (path, chunk_size, headers) = match (*self).resolve_now(head, &request) {
            Ok(resolved) => return Prepare::Ready(Ok(into_head(resolved))),
            Err(rest) => rest,
        };
        Prepare::Pending(Box::pin(async move {
            let handle = tokio::runtime::Handle::try_current()
                .map_err(|_| Error::other("sending a file needs a tokio runtime"))?;
            let trip_path = Arc::clone(&path);
            let trip = handle.spawn_blocking(move || {
                open_and_decide(trip_path, chunk_size, status, headers, &request)
            });
            match trip.await {
                Ok(outcome) => report(outcome, &path).map(into_head),
                Err(join) => Err(Error::other(format!(
                    "opening file at path {} did not finish: {join}",
                    path.display()
                ))),
            }
        }))
    }

    /// [`prepare`](Self::prepare) on the calling thread, for callers that cannot await
    /// (axum's `IntoResponse`): a hot file takes the non-blocking fast path; otherwise the
    /// open and stat block the thread, as a `std::fs` call would.
    #[cfg(feature = "axum")]
    fn prepare_blocking(self: Box<Self>, head: Head, scope: &Scope) -> crate::response::Resolved {
        let request = RequestView::new(scope);
        let status = head.status;
        let (path, chunk_size, headers) = match (*self).resolve_now(head, &request) {
            Ok(resolved) => return Ok(into_head(resolved)),
            Err(rest) => rest,
        };
        let outcome = open_and_decide(Arc::clone(&path), chunk_size, status, headers, &request);
        report(outcome, &path).map(into_head)
    }
}

impl FileSource {
    /// What needs no waiting: metadata the user gave, or (Linux) a file the kernel holds in
    /// memory. Otherwise the path, chunk size and headers come back for the blocking trip.
    fn resolve_now(
        self,
        Head { status, headers }: Head,
        request: &RequestView,
    ) -> std::result::Result<Resolved, (Arc<Path>, usize, HeaderMap)> {
        let FileSource {
            path,
            chunk_size,
            metadata,
            opened,
            ..
        } = self;
        if let Some(metadata) = metadata {
            return Ok(known(path, chunk_size, metadata, status, headers, request));
        }
        // Only `FileResponse::from_open_file` (Linux) sets it.
        #[cfg(not(target_os = "linux"))]
        let _ = opened;
        #[cfg(target_os = "linux")]
        if let Some((file, stat)) = opened.or_else(|| open_cache::opened_without_waiting(&path)) {
            let Ok(resolved) = with_open_file(
                path,
                chunk_size,
                file,
                &stat,
                (status, headers),
                request,
                |file, _, plan| Ok::<_, std::convert::Infallible>(read::preload_cached(file, plan)),
            );
            return Ok(resolved);
        }
        Err((path, chunk_size, headers))
    }
}

/// A file response resolved for one request: status, headers and body.
type Resolved = (StatusCode, HeaderMap, Body);

fn into_head((status, headers, body): Resolved) -> (Head, Body) {
    (Head { status, headers }, body)
}

/// The response for a file whose metadata the user gave: nothing to open yet.
fn known(
    path: Arc<Path>,
    chunk_size: usize,
    metadata: FileMetadata,
    status: StatusCode,
    headers: HeaderMap,
    request: &RequestView,
) -> Resolved {
    let decision = decide(status, headers, request, metadata);
    let expected = Expected {
        size: metadata.size(),
        modified: None,
    };
    let body = if decision.pieces.is_empty() {
        Body::empty()
    } else {
        let plan = Plan::new(decision.pieces, chunk_size).warming_up(request.on_server);
        Body::from_source(FileBody::new(
            path,
            None,
            expected,
            plan,
            Vec::new(),
            decision.length,
        ))
    };
    (decision.status, decision.headers, body)
}

/// The blocking part of sending a file, in one trip: open, stat, decide, and read a small
/// body at once.
fn open_and_decide(
    path: Arc<Path>,
    chunk_size: usize,
    status: StatusCode,
    headers: HeaderMap,
    request: &RequestView,
) -> io::Result<Resolved> {
    let (file, stat) = read::open(&path)?;
    let file = Arc::new(file);
    #[cfg(target_os = "linux")]
    OpenFileCache::global().remember(&path, &file, &stat);
    with_open_file(
        path,
        chunk_size,
        file,
        &stat,
        (status, headers),
        request,
        |file, path, plan| read::preload(file, path, plan, chunk_size),
    )
}

/// The response for an opened file: the head from its metadata, and the first chunks read at
/// once by `preload` (which may leave some in the plan); the body reads the rest.
fn with_open_file<E>(
    path: Arc<Path>,
    chunk_size: usize,
    file: Arc<std::fs::File>,
    stat: &Metadata,
    (status, headers): (StatusCode, HeaderMap),
    request: &RequestView,
    preload: impl FnOnce(&std::fs::File, &Path, &mut Plan) -> std::result::Result<Vec<Bytes>, E>,
) -> std::result::Result<Resolved, E> {
    let metadata = FileMetadata::from(stat);
    let decision = decide(status, headers, request, metadata);
    if decision.pieces.is_empty() {
        return Ok((decision.status, decision.headers, Body::empty()));
    }
    let mut plan = Plan::new(decision.pieces, chunk_size).warming_up(request.on_server);
    let preloaded = preload(&file, &path, &mut plan)?;
    let expected = Expected {
        size: metadata.size(),
        modified: metadata.modified(),
    };
    let body = FileBody::new(path, Some(file), expected, plan, preloaded, decision.length);
    Ok((decision.status, decision.headers, Body::from_source(body)))
}

/// A file that cannot be opened is logged here, once, with its path.
fn report(outcome: io::Result<Resolved>, path: &Path) -> Result<Resolved> {
    outcome.map_err(|error| {
        tracing::warn!(path = %path.display(), %error, "cannot send file");
        Error::Io(error)
    })
}

#[cfg(test)]
mod tests {
    use http::Method;
    use http::header::CONTENT_RANGE;
    use http_body_util::BodyExt;

    use super::*;

    /// The blocking trip on its own: hot files take the cached fast path on Linux, so this
    /// keeps the path every cold file takes under test.
    #[tokio::test]
    async fn the_blocking_trip_opens_decides_and_preloads() {
        let path = std::env::temp_dir().join(format!("respond-trip-{}", std::process::id()));
        std::fs::write(&path, b"0123456789").unwrap();
        let scope = Scope::new(Method::GET, "/").with_header("range", "bytes=3-5");
        let request = RequestView::new(&scope);
        let path: Arc<Path> = Arc::from(path.as_path());
        let (status, headers, body) = open_and_decide(
            Arc::clone(&path),
            64 * 1024,
            StatusCode::OK,
            HeaderMap::new(),
            &request,
        )
        .unwrap();
        assert_eq!(status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(headers[CONTENT_RANGE], "bytes 3-5/10");
        assert_eq!(body.collect().await.unwrap().to_bytes(), "345");

        let missing = open_and_decide(
            Arc::from(Path::new("/no/such/file")),
            64 * 1024,
            StatusCode::OK,
            HeaderMap::new(),
            &request,
        );
        assert!(missing.is_err());
        std::fs::remove_file(&*path).unwrap();
    }
}
